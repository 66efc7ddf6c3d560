#!/usr/bin/env bash
# smtplab's performance benchmark, on 127.0.0.1 only, in two halves; each
# writes its table (with the machine, the date and the load average) into
# its own block of docs/benchmarks.md. Not part of the default test run.
#
#   scripts/bench.sh [FLAGS...]
#
# 1. relay (bench/src/bin/bench.rs): smtplab against direct TCP (the
#    physical limit), websocat and websockify. FLAGS go to it, e.g.
#    --reps 3, --only rtt,smtp.
# 2. tab (tests/src/bin/tab_bench.rs): the UI's gzip size, its first render
#    in headless Chromium, and the seed session (EHLO, AUTH LOGIN, MAIL,
#    RCPT, DATA, QUIT) through the tab and the bridge against swaks run
#    directly, on a throw-away Postfix + Dovecot (needs root). Its flags
#    come from TAB_FLAGS, e.g. TAB_FLAGS="--runs 15 --navigations 9".
#    It builds the UI first (xtask build-ui --release), then the bridge,
#    which embeds dist/.
# 3. attach (tests/src/bin/attach_bench.rs), only with BENCH_ONLY=attach:
#    a 25 MiB attachment over STARTTLS + AUTH LOGIN from the tab through the
#    bridge against swaks --attach, median of 5, the longest main-thread
#    block (issue 17); same needs as the tab half. FLAGS (or ATTACH_FLAGS),
#    e.g. --runs 5 --mib 25. Writes its block of docs/benchmarks.md.
#
# BENCH_ONLY=relay or BENCH_ONLY=tab runs one half; then FLAGS go to that
# half (TAB_FLAGS still apply to the tab). BENCH_ONLY=attach runs only the
# attachment benchmark.
#
# The relay half installs the comparison relays unless told not to:
#   websocat    cargo install --locked websocat@1.14.1 into $BENCH_TOOLS
#               (default /work/.cache-tools, else ~/.cache/smtplab-tools);
#               about 8 min on 2 busy cores; SKIP_WEBSOCAT=1 leaves it out.
#   websockify  Debian's package (apt-get install -y websockify, as root);
#               SKIP_WEBSOCKIFY=1 leaves it out.
# WAIT_LOAD=N waits (up to 5 min) for the 1-minute load average to fall to N
# before each half. Each half is bounded (--deadline-secs: relay 1800 s,
# tab 900 s by default).
set -euo pipefail
cd "$(dirname "$0")/.."
ONLY="${BENCH_ONLY:-all}"
case "$ONLY" in
  all|relay|tab|attach) ;;
  *) echo "BENCH_ONLY must be relay, tab, attach or unset (relay and tab), not '$ONLY'" >&2; exit 2 ;;
esac
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
export BENCH_COMMAND="scripts/bench.sh"
read -r -a tab_args <<< "${TAB_FLAGS:-}"
read -r -a attach_args <<< "${ATTACH_FLAGS:-}"
relay_args=()
case "$ONLY" in
  tab) tab_args+=("$@") ;;
  attach) attach_args+=("$@") ;;
  *) relay_args+=("$@") ;;
esac

# Waits (at most 5 min) for the 1-minute load average to fall to WAIT_LOAD.
wait_load() {
  [ -n "${WAIT_LOAD:-}" ] || return 0
  for _ in $(seq 60); do
    if awk -v n="$WAIT_LOAD" '{ exit !($1 <= n) }' /proc/loadavg; then return 0; fi
    sleep 5
  done
  echo "load average still $(cut -d' ' -f1 /proc/loadavg) after 5 min; measuring anyway"
}

run_relay() {
  local TOOLS="${BENCH_TOOLS:-}" args=()
  if [ -z "$TOOLS" ]; then
    if [ -d /work ] && [ -w /work ]; then TOOLS=/work/.cache-tools; else TOOLS="$HOME/.cache/smtplab-tools"; fi
  fi
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
  echo "== relay: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$TARGET/release/bench" --bridge "$TARGET/release/smtplab" --write docs/benchmarks.md \
    "${args[@]}" ${relay_args[@]+"${relay_args[@]}"}
}

run_tab() {
  wait_load
  echo "== tab: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  SMTPLAB_BIN="$TARGET/release/smtplab" "$TARGET/release/tab-bench" --write docs/benchmarks.md \
    ${tab_args[@]+"${tab_args[@]}"}
}

run_attach() {
  wait_load
  echo "== attach: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  SMTPLAB_BIN="$TARGET/release/smtplab" "$TARGET/release/attach-bench" --write docs/benchmarks.md \
    ${attach_args[@]+"${attach_args[@]}"}
}

if [ "$ONLY" = attach ]; then
  scripts/setup.sh
  cargo run -q -p xtask --release -- build-ui --release
  cargo build --release -p smtplab-bridge -p smtplab-e2e --bin smtplab --bin attach-bench
  run_attach
  exit $?
fi

if [ "$ONLY" != relay ]; then
  # The tab half needs Chromium, chromedriver, Postfix, Dovecot, swaks and
  # the wasm tooling (what ./test.sh installs), and the UI built before the
  # bridge, which embeds dist/ when it is compiled.
  scripts/setup.sh
  cargo run -q -p xtask --release -- build-ui --release
fi
cargo build --release -p smtplab-bridge -p smtplab-bench
[ "$ONLY" = relay ] || cargo build --release -p smtplab-e2e --bin tab-bench

status=0
if [ "$ONLY" != tab ]; then run_relay || status=$?; fi
if [ "$ONLY" != relay ]; then run_tab || status=$?; fi
exit $status
