#!/usr/bin/env bash
# Relay benchmark on 127.0.0.1 only: smtplab against direct TCP (the
# physical limit), websocat and websockify, in one run; writes the table
# (with the machine, the date and the load average) into its own section of
# docs/benchmarks.md. Not part of the default test run.
#
#   scripts/bench.sh [BENCH FLAGS...]     e.g. --reps 3, --only rtt,smtp
#
# Installs the comparison relays unless told not to:
#   websocat    cargo install --locked websocat@1.14.1 into $BENCH_TOOLS
#               (default /work/.cache-tools, else ~/.cache/smtplab-tools);
#               about 8 min on 2 busy cores; SKIP_WEBSOCAT=1 leaves it out.
#   websockify  Debian's package (apt-get install -y websockify, as root);
#               SKIP_WEBSOCKIFY=1 leaves it out.
# WAIT_LOAD=N waits (up to 5 min) for the 1-minute load average to fall to N
# before measuring. The run is bounded (--deadline-secs, default 1800 s).
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${BENCH_TOOLS:-}"
if [ -z "$TOOLS" ]; then
  if [ -d /work ] && [ -w /work ]; then TOOLS=/work/.cache-tools; else TOOLS="$HOME/.cache/smtplab-tools"; fi
fi
args=()
if [ "${SKIP_WEBSOCAT:-0}" = 1 ]; then
  echo "websocat: skipped (SKIP_WEBSOCAT=1)"
  args+=(--no-websocat)
elif [ -x "$TOOLS/bin/websocat" ]; then
  echo "websocat: $("$TOOLS/bin/websocat" --version) from $TOOLS/bin"
  args+=(--websocat "$TOOLS/bin/websocat")
else
  echo "websocat: installing 1.14.1 into $TOOLS (cargo install; takes minutes)"
  if CARGO_TARGET_DIR="$TOOLS/target" cargo install --locked --root "$TOOLS" websocat --version 1.14.1 \
      --no-default-features --features signal_handler,unix_stdio; then
    args+=(--websocat "$TOOLS/bin/websocat")
  else
    echo "websocat: install failed; skipped"
    args+=(--no-websocat)
  fi
fi
if [ "${SKIP_WEBSOCKIFY:-0}" = 1 ]; then
  echo "websockify: skipped (SKIP_WEBSOCKIFY=1)"
  args+=(--no-websockify)
elif command -v websockify >/dev/null; then
  echo "websockify: $(dpkg-query -W -f '${Version}' websockify 2>/dev/null || echo present)"
elif [ "$(id -u)" = 0 ] && apt-get install -y websockify >/dev/null; then
  echo "websockify: installed from Debian"
else
  echo "websockify: not installed and cannot install; skipped"
  args+=(--no-websockify)
fi
[ -z "${WAIT_LOAD:-}" ] || args+=(--wait-load "$WAIT_LOAD")
cargo build --release -p smtplab-bridge -p smtplab-bench
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$TARGET/release/bench" --bridge "$TARGET/release/smtplab" --write docs/benchmarks.md "${args[@]}" "$@"
