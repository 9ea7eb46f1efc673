#!/usr/bin/env bash
# Installs everything, then runs the whole test suite: C++ (ctest), Java (JUnit through
# Maven, unit and cluster tests), Python (pytest) and cross-language tests. Exits non-zero
# if any part fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
PYTHON=${PYTHON:-python3}

status=0
echo "== Python import layers (lint-imports; contracts in pyproject.toml)"
lint-imports --no-cache || status=1

build_dir=$(ls -d build/cp*/ 2>/dev/null | head -n 1)
echo "== C++ lock annotations (clang -Wthread-safety over sources using colony::Mutex)"
bash scripts/check_thread_safety.sh "$build_dir" || status=1

echo "== C++ unit tests (ctest in $build_dir)"
(cd "$build_dir" && ctest --output-on-failure --timeout 120) || status=1

echo "== Fuzzing: each libFuzzer target of src/core_cpp/fuzz for 20 s (clang build in build/fuzz)"
bash scripts/fuzz.sh 20 || status=1

echo "== Java tests (JUnit: unit tests, then cluster tests against real local clusters)"
COLONY_BIN_DIR=$($PYTHON -c 'from colony._private.node import bin_dir; print(bin_dir())')
export COLONY_BIN_DIR
(cd java && mvn -q -B install -Dcolony.native.dir="$COLONY_BIN_DIR") || status=1

echo "== Java job outside the build, using the installed Maven artifacts (examples/java)"
bash examples/java/run.sh || status=1

echo "== Python and cross-language tests (pytest)"
suites=(tests/python)
[ -n "$(ls xlang_tests/test_*.py 2>/dev/null)" ] && suites+=(xlang_tests)
$PYTHON -m pytest -q -p no:cacheprovider "${suites[@]}" || status=1
exit $status
