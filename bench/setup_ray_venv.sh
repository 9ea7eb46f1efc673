#!/usr/bin/env bash
# Installs Ray from PyPI into its own virtual environment (bench/.ray-venv), for
# `microbenchmark.py --compare-ray`. Ray never enters Colony's environment: the two engines
# run in separate processes. Safe to re-run. RAY_VERSION=2.x.y pins a version.
set -euo pipefail
cd "$(dirname "$0")"
VENV=${RAY_VENV:-.ray-venv}
PYTHON=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
# grpcio: Ray's own benchmark script (ray/_private/ray_perf.py) imports Ray Client, which
# needs it; the harness does not.
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "ray${RAY_VERSION:+==$RAY_VERSION}" numpy grpcio
"$VENV/bin/python" -c 'import ray; print("ray", ray.__version__, "in", ray.__file__)'
