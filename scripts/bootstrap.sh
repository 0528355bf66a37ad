#!/usr/bin/env bash
# Installs everything Flightdeck's build and tests need, from package registries only (crates.io,
# npm, Debian). Idempotent: a second run only checks versions. `--test` adds the test tools.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$FLIGHTDECK_ROOT"

want_test_tools=false
[[ "${1:-}" == "--test" ]] && want_test_tools=true

dioxus_version=$(sed -n 's/^dioxus = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
[[ -n "$dioxus_version" ]] || { echo "bootstrap: no exact dioxus version pinned in Cargo.toml" >&2; exit 1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The release wasm is built by a pinned nightly with std from source (scripts/toolchain/cargo):
# its rust-src, no wasm32 std (build-std compiles it). About 30 s, once.
if ! rustup run "$FLIGHTDECK_WASM_TOOLCHAIN" rustc --version >/dev/null 2>&1 \
  || ! rustup component list --toolchain "$FLIGHTDECK_WASM_TOOLCHAIN" --installed | grep -q '^rust-src'; then
  step "rustup toolchain install $FLIGHTDECK_WASM_TOOLCHAIN (rust-src), for the release wasm"
  rustup toolchain install "$FLIGHTDECK_WASM_TOOLCHAIN" --profile minimal --component rust-src
fi

# dx with our fix to its route splitter (patches/wasm-split-cli.diff): about 20 minutes, once.
"$FLIGHTDECK_ROOT/scripts/install-dx.sh"

# wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock exactly. Without --locked: its own
# lock file pins a crate version missing from the index.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
[[ -n "$bindgen_version" ]] || { echo "bootstrap: wasm-bindgen not found in Cargo.lock" >&2; exit 1; }
if [[ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]]; then
  step "cargo install wasm-bindgen-cli $bindgen_version (about 6 minutes, once)"
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

# Tailwind, esbuild, wasm-opt (binaryen), playwright-core and lighthouse, pinned by package-lock.json.
if ! cmp -s package-lock.json node_modules/.flightdeck-lock.json 2>/dev/null; then
  step "npm ci"
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.flightdeck-lock.json
fi

# twiggy, for the size report's breakdown of the wasm by crate and module (about 1 minute, once).
if $want_test_tools && [[ "$(twiggy --version 2>/dev/null | awk '{print $2}')" != "0.8.0" ]]; then
  step "cargo install twiggy 0.8.0"
  cargo install twiggy --version 0.8.0 --locked
fi

if $want_test_tools && [[ ! -x "$CHROMIUM" ]]; then
  step "apt-get install chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

# The tests' Python tools, pinned, in a virtual environment outside the clone (about 30 s, once).
if $want_test_tools && ! cmp -s scripts/requirements-test.txt "$FLIGHTDECK_VENV/.flightdeck-requirements.txt" 2>/dev/null; then
  step "python venv for the tests (OpenTelemetry SDK, client generator, pytest, schemathesis)"
  python3 -m venv "$FLIGHTDECK_VENV"
  "$FLIGHTDECK_VENV/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
  cp scripts/requirements-test.txt "$FLIGHTDECK_VENV/.flightdeck-requirements.txt"
fi

step "toolchain ready: $FLIGHTDECK_WASM_TOOLCHAIN for the wasm, dx $dioxus_version, wasm-bindgen $bindgen_version, $(tailwindcss --help 2>/dev/null | sed -n 2p | xargs), $(wasm-opt --version)"
