#!/usr/bin/env bash
# Fuzzes smtplab's parsers, the control-message decoder and the engine with
# cargo-fuzz (libFuzzer + AddressSanitizer), each target for a bounded time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Default: 60 s for each of reply_parser, capabilities, control_message,
# engine, certificate (the TLS report's X.509 reader) and trust_anchors (the
# public-roots list the bridge serves). Installs cargo-fuzz from crates.io if missing. The sanitizer flags
# need a nightly compiler; on stable, RUSTC_BOOTSTRAP=1 unlocks them (done
# here). Seeds: shared/tests/vectors/*.txt plus small control messages,
# copied into fuzz/corpus/<target>/. Findings land in fuzz/artifacts/<target>/.
# Each target's last libFuzzer status line goes to fuzz/last-run.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-60}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(reply_parser capabilities control_message engine certificate trust_anchors)

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/fuzz/target}"

# Seed corpora from real transcripts (one file per vector, CRLF and LF forms).
for t in reply_parser capabilities engine; do
  mkdir -p "fuzz/corpus/$t"
  for v in shared/tests/vectors/*.txt; do
    name=$(basename "$v" .txt)
    cp "$v" "fuzz/corpus/$t/seed-$name-lf"
    sed 's/$/\r/' "$v" > "fuzz/corpus/$t/seed-$name-crlf"
  done
done
# The engine target takes one control byte (chunk size, close or timeout) first.
for f in fuzz/corpus/engine/seed-*; do
  case "$f" in *.in) continue ;; esac
  { printf '\x07'; cat "$f"; } > "$f.in" && rm "$f"
done
mkdir -p fuzz/corpus/control_message
printf '%s' '{"type":"connect","host":"mail.example.com","port":25}' > fuzz/corpus/control_message/seed-connect
printf '%s' '{"type":"connect","host":"127.0.0.1","port":2525,"timeout_ms":3000}' > fuzz/corpus/control_message/seed-connect-timeout
printf '%s' '{"type":"close"}' > fuzz/corpus/control_message/seed-close

: > fuzz/last-run.txt
status=0
for t in "${TARGETS[@]}"; do
  echo "== fuzzing $t for ${SECS}s"
  log="fuzz/$t.log"
  if (cd fuzz && cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$SECS" -rss_limit_mb=2048 -max_len=70000) >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  line=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  echo "$t: $result: $line" | tee -a fuzz/last-run.txt
  [ "$result" = ok ] || tail -40 "$log"
done
exit $status
