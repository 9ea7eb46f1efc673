#!/usr/bin/env bash
# Incremental rebuild for development: the editable install's extension and binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
# Relative paths and no cwd in the hash: a fresh clone elsewhere reuses the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
${PYTHON:-python3} -m pip install -q --disable-pip-version-check --no-build-isolation -e . \
  --config-settings=cmake.define.COLONY_BUILD_TESTS=ON 2>&1 | grep -v "Running pip as the 'root'" || true
