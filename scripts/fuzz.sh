#!/usr/bin/env bash
# Runs each cargo-fuzz target in fuzz/ for SECONDS_PER_TARGET seconds (default 60), one at a time,
# and prints each one's executions. Installs nightly and cargo-fuzz when they are missing. Exits
# non-zero when a target crashes (a panic, an overflow, over 10 s on one input or over the memory
# limit), leaving the input under fuzz/artifacts/<target>/ (replay it with
# `cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>`).
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$FLIGHTDECK_ROOT"

seconds="${1:-60}"
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(path_edit migrate lz_decompress lz_roundtrip json_body)
# Nightly builds with a sanitizer share nothing with the normal builds: a target dir of their own.
export CARGO_TARGET_DIR="${FLIGHTDECK_FUZZ_TARGET_DIR:-$HOME/.cache/flightdeck/fuzz-target}"

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  step "rustup toolchain install nightly"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  step "cargo install cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
# The crate embeds the compiled stylesheet: every build needs it.
[[ -f assets/app.css ]] || scripts/build-css.sh

# The fuzz crate's lock (not committed) starts from the main one: the same versions are fuzzed.
[[ -f fuzz/Cargo.lock ]] || cp Cargo.lock fuzz/Cargo.lock
step "cargo fuzz build"
cargo +nightly fuzz build

# Seeds, copied into each target's corpus (which is not committed) from the test fixtures.
step "seed corpora"
corpus=fuzz/corpus
mkdir -p "$corpus"/{path_edit,migrate,lz_decompress,lz_roundtrip,json_body}
cp tests/fixtures/dashboard/*.json "$corpus/migrate/"
cp fuzz/seeds/json_body/* "$corpus/json_body/"
edits=(
  'widgets.w1.position' '{"x":4,"y":2}'
  'widgets.w9' '{"kind":"alerts","config":{"limit":5},"position":{"x":0,"y":20},"size":{"w":2,"h":2}}'
  'widgets.w1' 'null'
  'preferences.density' '"compact"'
  'filters.audit' '{"search":"error","values":{"status":"pending"}}'
)
for fixture in tests/fixtures/dashboard/*.json; do
  for ((i = 0; i < ${#edits[@]}; i += 2)); do
    { printf '%s\n%s\n' "${edits[i]}" "${edits[i + 1]}"; cat "$fixture"; } \
      >"$corpus/path_edit/$(basename "$fixture" .json)-$((i / 2))"
  done
done
# lz fixtures: the compressed texts as UTF-16LE (how lz_decompress reads its input); the inputs
# up to 4 KB as they are (the 60 KB one would slow lz_roundtrip from ~2,000 to ~100 runs a second;
# the unit tests round-trip states of that size).
node -e '
  const fs = require("fs");
  const [fixtures, out] = process.argv.slice(1);
  for (const { name, input, compressed } of JSON.parse(fs.readFileSync(fixtures, "utf8"))) {
    fs.writeFileSync(`${out}/lz_decompress/${name}`, Buffer.from(compressed, "utf16le"));
    if (input.length <= 4096) fs.writeFileSync(`${out}/lz_roundtrip/${name}`, input);
  }' tests/fixtures/lz/lz-string.json "$corpus"
cp tests/fixtures/dashboard/*.json "$corpus/lz_roundtrip/"

logs="$(mktemp -d)"
summary=()
for target in "${targets[@]}"; do
  step "fuzz $target for ${seconds}s (log: $logs/$target.log)"
  options=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1)
  [[ $target == lz_* ]] || options+=(-dict=fuzz/json.dict)
  if ! cargo +nightly fuzz run "$target" "$corpus/$target" -- "${options[@]}" >"$logs/$target.log" 2>&1; then
    tail -n 60 "$logs/$target.log"
    echo "fuzz: $target CRASHED; the input is under fuzz/artifacts/$target/" >&2
    exit 1
  fi
  # libFuzzer's last line: "#<executions> DONE cov: … exec/s: <rate> …".
  done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$logs/$target.log" | tail -n 1)"
  executions="$(sed -E 's/^#([0-9]+).*/\1/' <<<"$done_line")"
  rate="$(sed -E 's/.*exec\/s: ([0-9]+).*/\1/' <<<"$done_line")"
  summary+=("$target: $executions executions ($rate exec/s), no crash")
  echo "${summary[-1]}"
done

step "summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
