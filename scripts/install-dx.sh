#!/usr/bin/env bash
# Installs Flightdeck's dx: dx 0.7.10 with patches/wasm-split-cli.diff (why: that file's header;
# the diff only touches the route splitter), from the crates.io sources, into its own root
# ($FLIGHTDECK_DX, default ~/.cache/flightdeck/dx/bin/dx), which scripts/env.sh puts first on PATH.
# A dx installed elsewhere is untouched. scripts/bootstrap.sh calls this.
# Does nothing when the root already holds a dx built from this patch. The first build takes about
# 20 minutes on 2 cores (its own target dir, ~/.cache/flightdeck/dx-target).
set -euo pipefail
source "$(dirname "$0")/env.sh"
version=$(sed -n 's/^dioxus = { version = "=\([0-9.]*\)".*/\1/p' "$FLIGHTDECK_ROOT/Cargo.toml")
[[ -n "$version" ]] || { echo "install-dx: no exact dioxus version pinned in Cargo.toml" >&2; exit 1; }
patch_file="$FLIGHTDECK_ROOT/patches/wasm-split-cli.diff"
if [[ "$FLIGHTDECK_DX" != */bin/dx ]]; then
  echo "FLIGHTDECK_DX must end in /bin/dx (cargo install's layout): $FLIGHTDECK_DX" >&2
  exit 1
fi
root="${FLIGHTDECK_DX%/bin/dx}"
stamp="$root/built-from"
# The diff's hunks only: editing its explanatory header does not cost a 20-minute rebuild.
want="dioxus-cli $version + $(sed -n '/^--- /,$p' "$patch_file" | sha256sum | cut -d' ' -f1)"
if [[ -x "$FLIGHTDECK_DX" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
  echo "install-dx: $FLIGHTDECK_DX is up to date"
  exit 0
fi

# The published .crate files (cargo's download cache), fetched through cargo if they are not there.
cache="${CARGO_HOME:-$HOME/.cargo}/registry/cache"
crate_file() { compgen -G "$cache/*/$1-$version.crate" | head -1; }
work="$HOME/.cache/flightdeck/dx-src"
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
export CARGO_TARGET_DIR="$HOME/.cache/flightdeck/dx-target"
cargo install --locked --offline --path "$cli" --root "$root" --force ||
  cargo install --locked --path "$cli" --root "$root" --force
echo "$want" >"$stamp"
step "install-dx: $("$FLIGHTDECK_DX" --version) at $FLIGHTDECK_DX"
