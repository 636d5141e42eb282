#!/usr/bin/env bash
# Set up (idempotent) and run the whole pipeline on the embedded sample: raw -> warehouse.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
source .venv/bin/activate
dvc repro "$@"
dvc metrics show
echo "Warehouse: data/warehouse/longue.duckdb; watch-terms plot: reports/plots/watch_terms.png"
