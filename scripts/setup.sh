#!/usr/bin/env bash
# The test set-up: what building needs (scripts/setup-build.sh, no root),
# then what only the tests need, skipping what is already there. Idempotent.
#
# - Debian packages (root, or sudo): chromium + chromium-driver (browser
#   tests), postfix + dovecot-core (the real MTA and its SASL server for the
#   end-to-end tests), swaks (cross-checks), dnsmasq-base (a DNS server on
#   loopback), bind9 + bind9-utils (named, dnssec-keygen, dnssec-signzone: a
#   DNSSEC-signed zone on loopback for bridge/tests/dns; the tests run their
#   own named, and where Debian starts services on install it also starts
#   its system one), clang (ring's C for wasm32), musl-tools and
#   gcc-mingw-w64-x86-64 (the portable Linux and Windows files), wine64 (the
#   Windows file's smoke test), haproxy (the proxy in front of two bridge
#   replicas in tests/e2e/team_bridge.rs), buildah (builds the OCI image of
#   deploy/Containerfile in the same test, as root: chroot isolation,
#   vfs storage)
# - the Rust targets x86_64-unknown-linux-musl and x86_64-pc-windows-gnu
# - the rustfmt and clippy components (the test command checks formatting and lints)
# - npm's axe-core (`npm ci` in tests/, into tests/node_modules): the
#   accessibility scan tests/e2e/views.rs injects into the page; test-only,
#   so scripts/setup-build.sh never installs it
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

# Debian packages, by a file each one provides.
declare -A PKG_FOR=(
    [/usr/bin/chromium]=chromium
    [/usr/bin/chromedriver]=chromium-driver
    [/usr/sbin/postfix]=postfix
    [/usr/sbin/dovecot]=dovecot-core
    [/usr/bin/swaks]=swaks
    [/usr/bin/clang]=clang
    [/usr/sbin/dnsmasq]=dnsmasq-base
    [/usr/sbin/named]=bind9
    [/usr/bin/dnssec-signzone]=bind9-utils
    [/usr/bin/musl-gcc]=musl-tools
    [/usr/bin/x86_64-w64-mingw32-gcc]=gcc-mingw-w64-x86-64
    [/usr/bin/wine]=wine64
    [/usr/sbin/haproxy]=haproxy
    [/usr/bin/buildah]=buildah
)
missing=()
for file in "${!PKG_FOR[@]}"; do
    [ -e "$file" ] || missing+=("${PKG_FOR[$file]}")
done
# npm for axe-core (below), wherever it is installed.
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    say "installing Debian packages for the tests: ${missing[*]}"
    # Postfix must not configure itself as the system MTA: the tests run
    # their own instance with its own config directory.
    echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

scripts/setup-build.sh

for target in x86_64-unknown-linux-musl x86_64-pc-windows-gnu; do
    libdir=$(rustc --print target-libdir --target "$target" 2>/dev/null || true)
    if [ -z "$libdir" ] || ! ls "$libdir"/libcore-*.rlib >/dev/null 2>&1; then
        say "adding the $target target (rustup)"
        rustup target add "$target"
    fi
done
for component in rustfmt clippy; do
    subcommand=${component/rustfmt/fmt}
    if ! cargo "$subcommand" --version >/dev/null 2>&1; then
        say "adding the $component component (rustup)"
        rustup component add "$component"
    fi
done
if [ ! -f tests/node_modules/axe-core/axe.min.js ]; then
    if command -v npm >/dev/null; then
        say "installing npm's axe-core into tests/node_modules/ (the accessibility scan)"
        (cd tests && npm ci --no-audit --no-fund --loglevel=error) ||
            say "npm ci in tests/ failed: the views test's accessibility scan will fail"
    else
        say "npm not found after apt-get: the views test's accessibility scan needs tests/node_modules/axe-core"
    fi
fi
say "ready to test"
