#!/usr/bin/env bash
# Set up, ingest the sample corpus into index/, and run a search.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/searchsvc ingest samples/ --index index/
.venv/bin/searchsvc search "KRAS G12C" --index index/
