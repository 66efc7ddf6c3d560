#!/usr/bin/env bash
# The shared crate must stay IO-free so the same engine runs in the tab and
# natively: none of these may appear among its normal dependencies.
#
# One exception, by name: web-time, which mail-builder (shared::mime) uses
# in wasm32 to read the clock for its MIME boundaries (Date.now through
# js-sys and wasm-bindgen). It reads a clock, opens nothing and runs no
# task; js-sys and wasm-bindgen are allowed only when web-time is all that
# brings them in.
set -euo pipefail
cd "$(dirname "$0")/.."
tree() { cargo tree -q -p smtplab-shared -e normal --target all "$@"; }
bad=$(tree --prefix none | grep -E '^(tokio|web-sys|wasm-bindgen|gloo|js-sys|mio|socket2) ' || true)
if [ -n "$bad" ]; then
    # Who pulls each JS glue crate in, one level up (the crate itself first).
    allowed='^(js-sys|wasm-bindgen|web-time) '
    for glue in js-sys wasm-bindgen; do
        if ! tree -i "$glue" --prefix none --depth 1 >/dev/null 2>&1; then
            continue
        fi
        others=$(tree -i "$glue" --prefix none --depth 1 | grep -Ev "$allowed" || true)
        if [ -z "$others" ]; then
            bad=$(echo "$bad" | grep -Ev "^$glue " || true)
        fi
    done
fi
if [ -n "$bad" ]; then
    echo "shared depends on IO crates:"; echo "$bad"; exit 1
fi
echo "shared: no tokio, web-sys, wasm-bindgen, gloo, js-sys, mio or socket2 among its dependencies (js-sys and wasm-bindgen only through web-time, mail-builder's clock)"
