#!/usr/bin/env bash
# Installs everything, then runs the main example job: a mixed-language stream (a Java
# source actor, Python transform tasks, a Java aggregating actor).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec ${PYTHON:-python3} examples/mixed/stream_job.py
