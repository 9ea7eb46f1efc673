#!/usr/bin/env bash
# Installs everything, then runs the main example job: a mixed-language streaming job
# (colony.streaming: a Java source -> a Python map -> a Java keyed reduce -> a file sink).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec ${PYTHON:-python3} examples/mixed/stream_job.py
