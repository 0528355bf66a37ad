#!/usr/bin/env bash
# Builds the release app into dist/: dist/server and dist/public/ (wasm-opt'd, with .br and .gz
# beside every compressible file so the server sends them precompressed).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$FLIGHTDECK_ROOT"
# Checkouts share the target dir and dx's staging folder in it: one build at a time.
exec 9>"$CARGO_TARGET_DIR/.flightdeck-build.lock"
flock 9
"$FLIGHTDECK_ROOT/scripts/build-css.sh"
step "dx bundle --release"
# asset!() bakes the absolute path of each asset into the compiled crate, and cargo does not see
# that path change: after a build from another checkout sharing this target dir, recompile it.
built_root="$CARGO_TARGET_DIR/.flightdeck-built-root"
if [ "$(cat "$built_root" 2>/dev/null)" != "$FLIGHTDECK_ROOT" ]; then
  touch src/app.rs
fi
# No DWARF in the shipped wasm (dx keeps it by default: +270 KB raw, +58 KB brotli).
# dx adds to existing folders (its staging folder and dist/): old hashed assets would linger.
rm -rf dist "$CARGO_TARGET_DIR/dx/flightdeck/release/web/public"
# The wasm is built by the pinned nightly with std rebuilt for size, the server by stable: dx finds
# scripts/toolchain/cargo first on PATH, which picks the toolchain by target.
PATH="$FLIGHTDECK_ROOT/scripts/toolchain:$PATH" dx bundle --platform web --release --debug-symbols=false --out-dir dist
echo "$FLIGHTDECK_ROOT" > "$built_root"
node scripts/defer-boot.mjs dist/public/index.html
node scripts/precompress.mjs dist/public
step "built: $(du -sh dist | cut -f1) in dist/"
