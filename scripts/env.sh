# Sourced by every script: puts the project's tools on PATH and keeps dx off the network.
# shellcheck shell=bash
FLIGHTDECK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export FLIGHTDECK_ROOT
export PATH="$FLIGHTDECK_ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# dx uses wasm-bindgen, wasm-opt, esbuild and tailwindcss from PATH instead of downloading them.
export NO_DOWNLOADS=1
export DX_TELEMETRY_ENABLED=false
# Builds outlive the clone (CI works in a fresh one): reuse them on the same machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flightdeck/target}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
# The tests' Python tools (scripts/requirements-test.txt), outside the clone like the builds.
export FLIGHTDECK_VENV="${FLIGHTDECK_VENV:-$HOME/.cache/flightdeck/venv}"
# The release wasm's toolchain: a dated nightly, for std rebuilt for size (scripts/toolchain/cargo).
export FLIGHTDECK_WASM_TOOLCHAIN="${FLIGHTDECK_WASM_TOOLCHAIN:-nightly-2026-05-20}"
# Flightdeck's dx: 0.7.10 with patches/wasm-split-cli.diff (scripts/install-dx.sh), first on PATH.
export FLIGHTDECK_DX="${FLIGHTDECK_DX:-$HOME/.cache/flightdeck/dx/bin/dx}"
export PATH="$(dirname "$FLIGHTDECK_DX"):$PATH"

# Prints a step heading with the time since the script started.
step() { printf '\n==> [%4ss] %s\n' "$SECONDS" "$*"; }
