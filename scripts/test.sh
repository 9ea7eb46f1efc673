#!/usr/bin/env bash
# Installs everything, then runs the whole test suite: C++ (ctest), Python (pytest),
# and cross-language tests. Exits non-zero if any part fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
PYTHON=${PYTHON:-python3}

status=0
build_dir=$(ls -d build/cp*/ 2>/dev/null | head -n 1)
echo "== C++ unit tests (ctest in $build_dir)"
(cd "$build_dir" && ctest --output-on-failure --timeout 120) || status=1

echo "== Python and cross-language tests (pytest)"
suites=(tests/python)
[ -n "$(ls xlang_tests/test_*.py 2>/dev/null)" ] && suites+=(xlang_tests)
$PYTHON -m pytest -q -p no:cacheprovider "${suites[@]}" || status=1
exit $status
