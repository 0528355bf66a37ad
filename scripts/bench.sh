#!/usr/bin/env bash
# Runs every benchmark, printing its figures: dashboard-state compression (50 KB, 1 MB); state
# save/load latency on SQLite, PostgreSQL and Redis at 1, 10 and 100 concurrent writers; live-sync
# fan-out latency (p50/p99) with 1, 100 and 1,000 clients on one instance and on two over Redis and
# with 10,000 connections on one (and the server's memory per connection), the release server in
# its own process, each p99 target said met or missed, and the bytes of a one-widget edit; approvals: idle CPU of 1,000 waiting agents, their wake latency, a bulk decision
# of 1,000; the health mesh: a round over 100 agents with 10 hung; MCP startup; audit queries over
# 1M entries; analytics over 1M usage events; the MCP gateway: its p50/p99 overhead on an allowed
# call against stdio straight to the upstream, the memory of 1,000 gated calls waiting, and their
# bulk approval; OTLP trace intake in spans per second on SQLite and PostgreSQL (a throwaway PostgreSQL and Redis are started on loopback and stopped afterwards);
# the render budget in headless Chromium (dashboard, approval queue, audit search) on a fresh
# release build in dist/.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$FLIGHTDECK_ROOT"
source scripts/services.sh
step "compression benchmark"
cargo bench --bench state_compression
step "state store benchmark"
cargo bench --features server --bench state_store
step "sync latency benchmark"
cargo bench --features server --bench sync_latency
step "approvals benchmark"
cargo bench --features server --bench approvals
step "health mesh benchmark"
cargo bench --features server --bench health
step "MCP startup benchmark"
cargo bench --features server --bench mcp
step "audit log benchmark"
cargo bench --features server --bench audit
step "analytics benchmark"
cargo bench --features server --bench analytics
step "MCP gateway benchmark"
cargo bench --features server --bench gateway
step "OTLP intake benchmark"
cargo bench --features server --bench otlp
step "render benchmark (release build first: it measures dist/)"
scripts/build.sh
node scripts/render-bench.mjs
