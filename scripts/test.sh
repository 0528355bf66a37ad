#!/usr/bin/env bash
# Runs every test: formatting and lints, unit and integration tests (with them the OpenTelemetry
# SDK's exporter, the generated Python and TypeScript clients under pytest and node's runner, and
# schemathesis fuzzing the OpenAPI document), then the end-to-end tests in headless Chromium
# against the release build, and the size report with Lighthouse.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$FLIGHTDECK_ROOT"

results="$(mktemp)"
trap 'rm -f "$results"' EXIT

"$FLIGHTDECK_ROOT/scripts/bootstrap.sh" --test
"$FLIGHTDECK_ROOT/scripts/build-css.sh"

step "cargo fmt --check"
cargo fmt --all -- --check
# dx 0.7.10's `dx fmt --check` rewrites the files it checks (src/cli/autoformat.rs, `format_file`
# writes whatever it is asked about), so: format the rsx in place and fail if that changed anything.
step "dx fmt (rsx) changes nothing"
dx fmt >/dev/null
git diff --exit-code --stat -- '*.rs' || { echo "the rsx above was not dx-formatted: commit what dx fmt wrote" >&2; exit 1; }

step "clippy (server build)"
cargo clippy --features server --all-targets -- -D warnings
step "clippy (web build)"
cargo clippy --features web --target wasm32-unknown-unknown -- -D warnings
step "clippy (all features)"
cargo clippy --all-features --all-targets -- -D warnings

# A throwaway Redis and PostgreSQL for the tests below, stopped on exit.
source "$FLIGHTDECK_ROOT/scripts/services.sh"

step "unit and integration tests"
# The lib's unit tests and tests/server (the bin and doc-tests hold none).
# The reference agent (examples/agent.rs) is driven by tests/server/approvals.rs.
cargo build --features server --example agent
cargo test --features server --lib --test server 2>&1 | tee -a "$results"

"$FLIGHTDECK_ROOT/scripts/build.sh"

step "end-to-end tests (headless Chromium)"
node --test --test-concurrency=1 tests/e2e/ 2>&1 | tee -a "$results"

step "size report"
node scripts/size-report.mjs

# Every runner above stops the script on a failure, so reaching here means none failed.
passed=$(awk '/^test result:/ { n += $4 } /^# pass / { n += $3 } END { print n + 0 }' "$results")
step "all tests passed"
echo "summary: $passed passed, 0 failed"
