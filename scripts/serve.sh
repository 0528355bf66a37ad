#!/usr/bin/env bash
# Builds Flightdeck (release) and serves it on http://127.0.0.1:8080 on the embedded default.
# IP, PORT and FLIGHTDECK_DATA_DIR override the defaults (see README).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$FLIGHTDECK_ROOT"
"$FLIGHTDECK_ROOT/scripts/bootstrap.sh"
"$FLIGHTDECK_ROOT/scripts/build.sh"
export IP="${IP:-127.0.0.1}" PORT="${PORT:-8080}"
step "serving on http://$IP:$PORT (Ctrl-C stops)"
exec dist/server
