#!/usr/bin/env bash
# Builds the route-split release app into dist-split/ (the `wasm-split` feature: one wasm chunk per
# page, fetched when the page is first shown), laid out like scripts/build.sh's dist/. The server is
# the same as the default build's; only the wasm differs. Why it needs a patched router macro:
# patches/README.md. Run the e2e suite on it with FLIGHTDECK_DIST=dist-split.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$FLIGHTDECK_ROOT"
out=dist-split
# One build at a time across checkouts (the same lock as scripts/build.sh: dx's staging folder is
# shared).
exec 9>"$CARGO_TARGET_DIR/.flightdeck-build.lock"
flock 9
"$FLIGHTDECK_ROOT/scripts/build-css.sh"
step "dx bundle --release --wasm-split"
# asset!() paths are baked into the crate: recompile it after a build from another checkout.
built_root="$CARGO_TARGET_DIR/.flightdeck-built-root"
[ "$(cat "$built_root" 2>/dev/null)" = "$FLIGHTDECK_ROOT" ] || touch src/app.rs
rm -rf "$out" "$CARGO_TARGET_DIR/dx/flightdeck/release/web/public"
# The options after @client are the browser build's only: the server is built as in build.sh.
# The wasm-split profile (Cargo.toml) goes through scripts/toolchain/cargo like wasm-release.
PATH="$FLIGHTDECK_ROOT/scripts/toolchain:$PATH" dx bundle --platform web --release \
  --debug-symbols=false --out-dir "$out" \
  @client --platform web --release --debug-symbols=false \
  --wasm-split --features wasm-split --profile wasm-split
echo "$FLIGHTDECK_ROOT" > "$built_root"
node scripts/defer-boot.mjs "$out/public/index.html"
node scripts/precompress.mjs "$out/public"
step "built: $(du -sh "$out" | cut -f1) in $out/"
