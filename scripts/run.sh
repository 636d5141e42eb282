#!/usr/bin/env bash
# Set up (idempotent) and run the whole pipeline on the embedded sample: raw -> warehouse.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
source .venv/bin/activate
dvc repro "$@"
# what the run produced, per collection, and how to open it (every metric: dvc metrics show)
python -m pipeline.reports
