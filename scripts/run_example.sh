#!/usr/bin/env bash
# Installs everything, then runs the example job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec ${PYTHON:-python3} examples/word_count.py
