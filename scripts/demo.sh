#!/usr/bin/env bash
# Set up, ingest the sample corpus into index/, and serve it on http://127.0.0.1:8000/ (Ctrl-C stops).
# HOST and PORT override the address.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/searchsvc ingest samples/ --index index/
echo "Serving the samples on http://${HOST:-127.0.0.1}:${PORT:-8000}/  (try: /search?q=KRAS%20G12C)"
exec .venv/bin/searchsvc serve --index index/ --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
