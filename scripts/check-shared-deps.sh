#!/usr/bin/env bash
# The shared crate must stay IO-free so the same engine runs in the tab and
# natively: none of these may appear among its normal dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=$(cargo tree -q -p smtplab-shared -e normal --prefix none --target all \
      | grep -E '^(tokio|web-sys|wasm-bindgen|gloo|js-sys|mio|socket2) ' || true)
if [ -n "$bad" ]; then
    echo "shared depends on IO crates:"; echo "$bad"; exit 1
fi
echo "shared: no tokio, web-sys, wasm-bindgen, gloo, js-sys, mio or socket2 among its dependencies"
