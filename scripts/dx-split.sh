#!/usr/bin/env bash
# Builds the dx that `scripts/build.sh --split` uses: dx 0.7.10 with patches/wasm-split-cli.diff
# (why: that file's header), from the crates.io sources in cargo's cache, into its own root
# ($FLIGHTDECK_DX_SPLIT, default ~/.cache/flightdeck/dx-split/bin/dx: scripts/env.sh). The
# installed dx is untouched.
# Does nothing when the root already holds a dx built from this patch. The first build takes about
# 20 minutes on 2 cores (its own target dir, ~/.cache/flightdeck/dx-split-target).
set -euo pipefail
source "$(dirname "$0")/env.sh"
version=0.7.10
patch_file="$FLIGHTDECK_ROOT/patches/wasm-split-cli.diff"
if [[ "$FLIGHTDECK_DX_SPLIT" != */bin/dx ]]; then
  echo "FLIGHTDECK_DX_SPLIT must end in /bin/dx (cargo install's layout): $FLIGHTDECK_DX_SPLIT" >&2
  exit 1
fi
root="${FLIGHTDECK_DX_SPLIT%/bin/dx}"
stamp="$root/built-from"
want="dioxus-cli $version + $(sha256sum "$patch_file" | cut -d' ' -f1)"
if [[ -x "$FLIGHTDECK_DX_SPLIT" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
  echo "dx-split: $FLIGHTDECK_DX_SPLIT is up to date"
  exit 0
fi

# The published .crate files (cargo's download cache), fetched through cargo if they are not there.
cache="${CARGO_HOME:-$HOME/.cargo}/registry/cache"
crate_file() { compgen -G "$cache/*/$1-$version.crate" | head -1; }
work="$HOME/.cache/flightdeck/dx-split-src"
rm -rf "$work"
mkdir -p "$work"
if [[ -z "$(crate_file dioxus-cli)" || -z "$(crate_file wasm-split-cli)" ]]; then
  step "cargo fetch dioxus-cli $version"
  mkdir -p "$work/fetch/src"
  touch "$work/fetch/src/lib.rs"
  printf '[package]\nname = "fetch"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\ndioxus-cli = "=%s"\nwasm-split-cli = "=%s"\n' \
    "$version" "$version" >"$work/fetch/Cargo.toml"
  cargo fetch --manifest-path "$work/fetch/Cargo.toml"
fi
tar -xzf "$(crate_file dioxus-cli)" -C "$work"
tar -xzf "$(crate_file wasm-split-cli)" -C "$work"

step "patch wasm-split-cli $version"
patch -p1 -d "$work/wasm-split-cli-$version" <"$patch_file"
cli="$work/dioxus-cli-$version"
printf '\n[patch.crates-io]\nwasm-split-cli = { path = "../wasm-split-cli-%s" }\n' "$version" >>"$cli/Cargo.toml"
# The published Cargo.lock's versions; only wasm-split-cli's source becomes the path (cargo also
# rewrites a few of that lock's dependency edges, to versions already in it).
cargo update --manifest-path "$cli/Cargo.toml" -p wasm-split-cli

step "cargo install dioxus-cli $version (patched) into $root"
export CARGO_TARGET_DIR="$HOME/.cache/flightdeck/dx-split-target"
cargo install --locked --offline --path "$cli" --root "$root" --force ||
  cargo install --locked --path "$cli" --root "$root" --force
echo "$want" >"$stamp"
step "dx-split: $("$FLIGHTDECK_DX_SPLIT" --version) at $FLIGHTDECK_DX_SPLIT"
