#!/usr/bin/env bash
# Builds everything (UI, then the bridge that embeds it) and starts smtplab.
# Needs no root: scripts/setup-build.sh installs only what building needs.
# Extra arguments go to the `smtplab` binary, e.g. ./run.sh --allow-port 2526
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup-build.sh
# Set by setup-build.sh when it unpacked its own clang (no system clang, no root).
if [ -f .tools/build-env.sh ]; then . .tools/build-env.sh; fi
cargo run -q -p xtask --release -- build-ui --release
cargo build -q --release -p smtplab-bridge --bin smtplab
exec target/release/smtplab "$@"
