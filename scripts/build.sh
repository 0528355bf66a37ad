#!/usr/bin/env bash
# Builds the release app into dist/: dist/server and dist/public/ (wasm-opt'd, with .br and .gz
# beside every compressible file so the server sends them precompressed).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$FLIGHTDECK_ROOT"
"$FLIGHTDECK_ROOT/scripts/build-css.sh"
step "dx bundle --release"
# No DWARF in the shipped wasm (dx keeps it by default: +270 KB raw, +58 KB brotli).
# dx adds to existing folders (its staging folder and dist/): old hashed assets would linger.
rm -rf dist "$CARGO_TARGET_DIR/dx/flightdeck/release/web/public"
dx bundle --platform web --release --debug-symbols=false --out-dir dist
node scripts/precompress.mjs dist/public
step "built: $(du -sh dist | cut -f1) in dist/"
