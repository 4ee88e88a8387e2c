# Installs what the Field Kit needs on a fresh Debian/Ubuntu machine. Sourced by scripts/demo and
# scripts/test; safe to run again (it installs only what is missing).
#
# Needs: a Rust toolchain from rustup (rustc >= 1.89; this machine's registries have no rustup, so
# it must already be there) and apt access to Debian's archive.

set -euo pipefail

FIELDKIT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export FIELDKIT_ROOT
# Build outside the clone so CI and repeated clones reuse one cache.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fieldkit-target}

# System packages: a C toolchain for SQLCipher, and libcrypto (libssl-dev) which SQLCipher
# encrypts with; PostgreSQL and postgresql-common's pg_virtualenv, which the tests use to run a
# throwaway cluster for the sync server's production backend.
FIELDKIT_APT_PACKAGES=(build-essential pkg-config libssl-dev postgresql postgresql-common
    # gdb halts SQLCipher mid start-up in crates/core/tests/concurrent_open.rs.
    gdb
    # The Tauri 2 desktop app (WebKitGTK), and for its end-to-end tests a virtual X display and
    # WebKit's WebDriver.
    libwebkit2gtk-4.1-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev librsvg2-dev
    xvfb xauth webkit2gtk-driver
    # The slip and report tests check the PDFs with qpdf and poppler's pdfinfo, pdffonts,
    # pdftotext and pdftoppm.
    poppler-utils qpdf
    # The sync server's web console tests: headless Chromium driven by chromedriver (W3C
    # WebDriver), no X display needed.
    chromium chromium-driver
    # tests/install_deb.rs checks huduma-sync's unit with systemd-analyze (verify, security).
    systemd)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_apt_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "Installing Debian packages: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

check_rust() {
    if ! command -v cargo >/dev/null 2>&1; then
        [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        echo "Rust is not installed. Install it with rustup (https://rustup.rs), then run this again." >&2
        exit 1
    fi
    local version
    version=$(rustc --version | awk '{print $2}')
    if ! printf '1.89.0\n%s\n' "$version" | sort -V -C; then
        echo "rustc $version is too old: the Field Kit needs 1.89 or newer (rustup update)." >&2
        exit 1
    fi
    for component in rustfmt clippy; do
        if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
            say "Adding the Rust component $component"
            rustup component add "$component"
        fi
    done
}

# Node.js 18 or newer builds the UI (Debian 12's own nodejs is 18).
check_node() {
    local major=0
    if command -v node >/dev/null 2>&1; then
        major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
    fi
    if [ "$major" -lt 18 ] || ! command -v npm >/dev/null 2>&1; then
        install_apt_packages nodejs npm
    fi
}

# The UI's packages, exactly as locked, then the bundle the app compiles in (ui/dist).
build_ui() {
    say "Building the UI (npm ci, type check, vite build)"
    (cd "$FIELDKIT_ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
}

# axe-core, exactly as locked, which the console's browser tests inject to check accessibility.
install_console_test_packages() {
    say "Installing the console tests' packages (npm ci in tests/console)"
    (cd "$FIELDKIT_ROOT/tests/console" && npm ci --no-audit --no-fund --loglevel=error)
}

# tauri-driver: WebDriver in front of WebKitWebDriver, for the app's end-to-end tests.
install_tauri_driver() {
    if ! [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
        say "Installing tauri-driver"
        cargo install --locked tauri-driver@2.1.0
    fi
}

fieldkit_setup() {
    install_apt_packages "${FIELDKIT_APT_PACKAGES[@]}"
    check_rust
    check_node
    build_ui
    install_console_test_packages
}
