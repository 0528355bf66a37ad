#!/usr/bin/env bash
# Builds the release app into dist/: dist/server and dist/public/ (wasm-opt'd, with .br and .gz
# beside every compressible file so the server sends them precompressed).
# The browser's wasm is split by route (the `wasm-split` feature): a main wasm plus one chunk per
# page, fetched when the page is first shown or in the background once the first page is up. Why
# it needs a patched router macro and a patched dx (scripts/install-dx.sh): patches/README.md.
# `--whole`: the one-wasm build, into dist-whole/ instead (for comparing sizes; the server is the
# same). Run the e2e suite on it with FLIGHTDECK_DIST=dist-whole.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$FLIGHTDECK_ROOT"
out=dist
# The options after @client are the browser build's only: the server is built as without them.
# The wasm-split profile (Cargo.toml) goes through scripts/toolchain/cargo like wasm-release.
client=(@client --platform web --release --debug-symbols=false --wasm-split --features wasm-split --profile wasm-split)
if [[ "${1:-}" == "--whole" ]]; then
  out=dist-whole
  client=()
fi
# Checkouts share the target dir and dx's staging folder in it: one build at a time.
exec 9>"$CARGO_TARGET_DIR/.flightdeck-build.lock"
flock 9
"$FLIGHTDECK_ROOT/scripts/build-css.sh"
step "dx bundle --release ${1:-}"
# asset!() bakes the absolute path of each asset into the compiled crate, and cargo does not see
# that path change: after a build from another checkout sharing this target dir, recompile it.
built_root="$CARGO_TARGET_DIR/.flightdeck-built-root"
if [ "$(cat "$built_root" 2>/dev/null)" != "$FLIGHTDECK_ROOT" ]; then
  touch src/app.rs
fi
# No DWARF in the shipped wasm (dx keeps it by default: +270 KB raw, +58 KB brotli).
# dx adds to existing folders (its staging folder and dist/): old hashed assets would linger.
rm -rf "$out" "$CARGO_TARGET_DIR/dx/flightdeck/release/web/public"
# The wasm is built by the pinned nightly with std rebuilt for size, the server by stable: dx finds
# scripts/toolchain/cargo first on PATH, which picks the toolchain by target.
PATH="$FLIGHTDECK_ROOT/scripts/toolchain:$PATH" dx bundle --platform web --release --debug-symbols=false --out-dir "$out" "${client[@]}"
echo "$FLIGHTDECK_ROOT" > "$built_root"
node scripts/defer-boot.mjs "$out/public/index.html"
node scripts/precompress.mjs "$out/public"
step "built: $(du -sh "$out" | cut -f1) in $out/"
