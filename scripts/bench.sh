#!/usr/bin/env bash
# Runs every benchmark, printing its figures: dashboard-state compression (50 KB, 1 MB) and
# state save/load latency on SQLite, PostgreSQL and Redis at 1, 10 and 100 concurrent writers
# (a throwaway PostgreSQL and Redis are started on loopback and stopped afterwards).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$FLIGHTDECK_ROOT"
source scripts/services.sh
step "compression benchmark"
cargo bench --bench state_compression
step "state store benchmark"
cargo bench --features server --bench state_store
