#!/usr/bin/env bash
# Load with faults through the real smtplab binary, on 127.0.0.1 only.
#
#   scripts/load.sh [SESSIONS...]        default: 2000 5000
#
# Builds the release bridge and load program, then runs
# `load --sessions N` for each N; extra flags for the load program can be
# given in LOAD_ARGS (e.g. LOAD_ARGS="--payload 32768 --fault-percent 30").
# Each run is bounded (--deadline-secs, default 240) and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p smtplab-bridge -p smtplab-bench
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
[ $# -gt 0 ] || set -- 2000 5000
for n in "$@"; do
  echo "== load: $n sessions"
  # shellcheck disable=SC2086
  "$TARGET/release/load" --sessions "$n" --bridge "$TARGET/release/smtplab" ${LOAD_ARGS:-}
done
