#!/usr/bin/env bash
# Builds the release app into dist/: dist/server and dist/public/ (wasm-opt'd, with .br and .gz
# beside every asset so the server sends them precompressed).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$FLIGHTDECK_ROOT"
"$FLIGHTDECK_ROOT/scripts/build-css.sh"
step "dx bundle --release"
dx bundle --platform web --release --out-dir dist
# dx writes brotli variants; add gzip for clients without brotli.
find dist/public -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.svg' -o -name '*.webmanifest' -o -name '*.html' \) \
  -exec gzip -9 -k -f {} \;
step "built: $(du -sh dist | cut -f1) in dist/"
