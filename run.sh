#!/usr/bin/env bash
# Builds everything (UI, then the bridge that embeds it) and starts smtplab.
# Extra arguments go to the `smtplab` binary, e.g. ./run.sh --allow-port 2526
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
cargo run -q -p xtask --release -- build-ui --release
cargo build -q --release -p smtplab-bridge --bin smtplab
exec target/release/smtplab "$@"
