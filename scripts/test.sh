#!/usr/bin/env bash
# Runs every test: formatting and lints, unit and integration tests, then the end-to-end tests in
# headless Chromium against the release build, and the size report with Lighthouse.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$FLIGHTDECK_ROOT"

"$FLIGHTDECK_ROOT/scripts/bootstrap.sh" --test
"$FLIGHTDECK_ROOT/scripts/build-css.sh"

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (server build)"
cargo clippy --features server --all-targets -- -D warnings
step "clippy (web build)"
cargo clippy --features web --target wasm32-unknown-unknown -- -D warnings

step "unit and integration tests"
cargo test --features server

"$FLIGHTDECK_ROOT/scripts/build.sh"

step "end-to-end tests (headless Chromium)"
node --test --test-concurrency=1 tests/e2e/

step "size report"
node scripts/size-report.mjs

step "all tests passed"
