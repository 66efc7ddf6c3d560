#!/usr/bin/env bash
# Installs what building and running smtplab need, and nothing else; never
# needs root. Idempotent: a second run only checks.
#
# - Rust (cargo, rustc): must already be there (rustup.rs).
# - the wasm32-unknown-unknown target, through rustup, for the tab's WebAssembly.
# - a C compiler for wasm32: ring (the tab's TLS crypto) has C parts that only
#   clang can build for wasm32. A system clang is used when there is one.
#   Otherwise, as root, Debian's `clang` is installed; as an ordinary user,
#   Debian's clang and llvm packages are downloaded with `apt-get download`
#   (no root needed) and unpacked into .tools/llvm, and .tools/build-env.sh
#   points the wasm32 build at them. SMTPLAB_LOCAL_CLANG=1 forces that path.
# - wasm-opt, from npm's `binaryen` (`npm ci`, into node_modules/, no root),
#   when npm is there; without it the UI is built unoptimized and the build
#   says so.
#
# Test-only packages (Chromium, Postfix, Dovecot, dnsmasq, swaks, Wine, the
# cross toolchains) are installed by scripts/setup.sh, the test set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }
die() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null && command -v rustc >/dev/null ||
    die "cargo is missing: install Rust first (https://rustup.rs), then run this again"

# --- the wasm32 target -------------------------------------------------------
wasm_libdir=$(rustc --print target-libdir --target wasm32-unknown-unknown 2>/dev/null || true)
if [ -z "$wasm_libdir" ] || ! ls "$wasm_libdir"/libcore-*.rlib >/dev/null 2>&1; then
    command -v rustup >/dev/null ||
        die "the wasm32-unknown-unknown Rust target is missing and rustup is not there to add it"
    say "adding the wasm32-unknown-unknown target (rustup)"
    rustup target add wasm32-unknown-unknown
fi

# --- clang for ring's C code on wasm32 ---------------------------------------
TOOLS=$ROOT/.tools
ENV_FILE=$TOOLS/build-env.sh
LLVM=$TOOLS/llvm
if [ "${SMTPLAB_LOCAL_CLANG:-0}" != 1 ] && command -v clang >/dev/null; then
    rm -f "$ENV_FILE"
elif [ "${SMTPLAB_LOCAL_CLANG:-0}" != 1 ] && [ "$(id -u)" -eq 0 ]; then
    say "installing Debian's clang (C parts of ring built for wasm32)"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang
    rm -f "$ENV_FILE"
else
    # Debian's clang-14 without root: the same packages, unpacked here.
    # The llvm-14 package brings llvm-ar, which the wasm32 archive needs.
    if [ ! -x "$LLVM/usr/lib/llvm-14/bin/clang" ]; then
        command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
            die "clang is missing and this is not a Debian-like system: install clang (any version ≥ 14), then run this again"
        say "clang is missing and this is not root: fetching Debian's clang into .tools/llvm (about 45 MB, no root needed)"
        debs=$(mktemp -d)
        trap 'rm -rf "$debs"' EXIT
        (cd "$debs" && apt-get download -q clang-14 libclang-cpp14 libllvm14 libclang-common-14-dev llvm-14) ||
            die "apt-get download failed: ask an administrator for 'apt-get install clang', or run 'apt-get update' as root once"
        rm -rf "$LLVM.partial" && mkdir -p "$LLVM.partial"
        for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$LLVM.partial"; done
        # Libraries libLLVM needs that a minimal system may lack.
        libs="$LLVM.partial/usr/lib/x86_64-linux-gnu:$LLVM.partial/usr/lib/llvm-14/lib"
        if LD_LIBRARY_PATH=$libs ldd "$LLVM.partial/usr/lib/llvm-14/bin/clang" | grep -q 'not found'; then
            say "fetching the libraries clang needs (z3, xml2, icu, edit, ffi)"
            (cd "$debs" && rm -f ./*.deb && apt-get download -q libz3-4 libxml2 libicu72 libedit2 libffi8 libbsd0 libmd0) ||
                die "apt-get download of clang's libraries failed"
            for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$LLVM.partial"; done
        fi
        rm -rf "$LLVM" && mv "$LLVM.partial" "$LLVM"
    fi
    mkdir -p "$TOOLS/bin"
    for tool in clang llvm-ar; do
        cat >"$TOOLS/bin/$tool" <<EOF
#!/bin/sh
# Debian's $tool, unpacked by scripts/setup-build.sh (no root).
LD_LIBRARY_PATH="$LLVM/usr/lib/x86_64-linux-gnu:$LLVM/usr/lib/llvm-14/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$LLVM/usr/lib/llvm-14/bin/$tool" "\$@"
EOF
        chmod +x "$TOOLS/bin/$tool"
    done
    "$TOOLS/bin/clang" --version >/dev/null || die "the unpacked clang does not start (see $LLVM)"
    cat >"$ENV_FILE" <<EOF
# Written by scripts/setup-build.sh: the wasm32 C build uses the unpacked clang.
export CC_wasm32_unknown_unknown="$TOOLS/bin/clang"
export AR_wasm32_unknown_unknown="$TOOLS/bin/llvm-ar"
EOF
    say "clang: using $LLVM (Debian's clang-14, unpacked)"
fi

# --- wasm-opt ----------------------------------------------------------------
if [ ! -x node_modules/.bin/wasm-opt ]; then
    if command -v npm >/dev/null; then
        say "installing npm's binaryen (wasm-opt) into node_modules/"
        npm ci --no-audit --no-fund --loglevel=error ||
            say "npm ci failed: the UI will be built without wasm-opt (larger, works the same)"
    else
        say "npm not found: the UI will be built without wasm-opt (larger, works the same)"
    fi
fi
say "ready to build"
