#!/usr/bin/env bash
# Installs what smtplab's build and tests need, skipping what is already there.
# Idempotent: a second run on the same machine only checks.
#
# - the wasm32-unknown-unknown Rust target (rustup)
# - Debian packages: chromium + chromium-driver (browser tests), postfix +
#   dovecot-core (the real MTA and its SASL server for end-to-end tests),
#   swaks (cross-checks), clang (C parts of crypto crates built for wasm32)
# - npm's binaryen for wasm-opt (Debian's binaryen cannot read current rustc output)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

if ! command -v cargo >/dev/null; then
    echo "setup: cargo is missing; install Rust with rustup first (https://rustup.rs)" >&2
    exit 1
fi

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

# Debian packages, by the command each one provides.
declare -A PKG_FOR=(
    [chromium]=chromium
    [chromedriver]=chromium-driver
    [postfix]=postfix
    [dovecot]=dovecot-core
    [swaks]=swaks
    [clang]=clang
    [dnsmasq]=dnsmasq-base
)
missing=()
for cmd in "${!PKG_FOR[@]}"; do
    if ! command -v "$cmd" >/dev/null && ! [ -x "/usr/sbin/$cmd" ]; then
        missing+=("${PKG_FOR[$cmd]}")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    say "installing Debian packages: ${missing[*]}"
    # Postfix must not configure itself as the system MTA: the tests run
    # their own instance with its own config directory.
    echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

if [ ! -x node_modules/.bin/wasm-opt ] && [ -f package.json ]; then
    if command -v npm >/dev/null; then
        say "installing npm's binaryen (wasm-opt)"
        npm ci --no-audit --no-fund --loglevel=error
    else
        say "npm not found: the wasm will be built without wasm-opt"
    fi
fi
say "ready"
