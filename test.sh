#!/usr/bin/env bash
# Runs every smtplab test: installs what is missing (scripts/setup.sh: the
# build's needs plus the test-only packages), then
#   0. formatting (`cargo fmt --all --check`) and clippy with warnings as
#      errors, native (every crate, every target) and wasm32 (shared and the
#      tab),
#   1. the checks that keep `shared` IO-free and wasm-clean,
#   2. the UI build and the portable files (`cargo xtask dist`: static Linux
#      and Windows, each checked against its 8 MB budget),
#   3. native unit and integration tests of every crate (shared, bridge, frontend
#      logic) and the end-to-end suite (real bridge binary, real Postfix,
#      headless Chromium, the portable files alone and under Wine, ./run.sh
#      as an ordinary user),
#   4. the shared crate's tests again as wasm32 in headless Chromium.
# Ends with the test runners' own summary lines.
set -uo pipefail
cd "$(dirname "$0")"
scripts/setup.sh || exit 1
# Set by the build set-up when it unpacked its own clang (no system clang).
if [ -f .tools/build-env.sh ]; then . .tools/build-env.sh; fi

LOG=$(mktemp -t smtplab-test.XXXXXX)
status=0
step() {
    local name=$1; shift
    printf '\n\033[1m== %s\033[0m\n' "$name" | tee -a "$LOG"
    if ! "$@" 2>&1 | tee -a "$LOG"; then
        echo "FAILED: $name" | tee -a "$LOG"
        status=1
    fi
}
started=$(date +%s)

step "formatting (cargo fmt --check)" cargo fmt --all --check
step "clippy, native: every crate and target, warnings are errors" \
    cargo clippy --workspace --all-targets -- -D warnings
step "clippy, wasm32: shared and the tab, warnings are errors" \
    cargo clippy -p smtplab-shared -p smtplab-frontend --target wasm32-unknown-unknown --all-targets -- -D warnings
step "shared builds for wasm32" cargo check -q -p smtplab-shared --target wasm32-unknown-unknown
step "shared has no IO dependencies" scripts/check-shared-deps.sh
step "UI build (release, size-tuned)" cargo run -q -p xtask --release -- build-ui --release
step "portable files (Linux static, Windows)" cargo xtask dist --no-ui
step "build tasks (xtask) tests" cargo test -p xtask --release
step "native tests: shared, bridge, frontend logic, end to end" cargo test --workspace --exclude xtask --no-fail-fast
step "shared tests as wasm32 in headless Chromium" cargo test -p smtplab-shared --target wasm32-unknown-unknown

elapsed=$(( $(date +%s) - started ))
printf '\n\033[1m== summary (%ss)\033[0m\n' "$elapsed"
grep -E '^(test result:|FAILED:)' "$LOG"
passed=$(grep -E '^test result:' "$LOG" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{s+=$1} END {print s+0}')
failed=$(grep -E '^test result:' "$LOG" | sed -E 's/.* ([0-9]+) failed.*/\1/' | awk '{s+=$1} END {print s+0}')
steps_failed=$(grep -c '^FAILED:' "$LOG")
[ "$failed" -eq 0 ] || status=1
[ "$steps_failed" -eq 0 ] || echo "$steps_failed step(s) failed (see FAILED: lines above)"
echo "${passed} passed, ${failed} failed"
exit $status
