#!/usr/bin/env bash
# Compiles Tailwind (assets/tailwind.css + tailwind.config.js) to assets/app.css, with its errors
# shown (dx runs Tailwind too, but hides failures). Every cargo build needs this file to exist.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$FLIGHTDECK_ROOT"
tailwindcss --config tailwind.config.js --input assets/tailwind.css --output assets/app.css --minify 2>&1 \
  | grep -v -e '^Rebuilding' -e '^Done in' -e '^$' || true
grep -q 'dark\\:bg-slate-950' assets/app.css || { echo "build-css: assets/app.css lacks the dark-mode rules" >&2; exit 1; }
