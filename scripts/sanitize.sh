#!/usr/bin/env bash
# The C++ tests and a short Python smoke suite under a sanitizer:
#   bash scripts/sanitize.sh address   # AddressSanitizer + UndefinedBehaviorSanitizer
#   bash scripts/sanitize.sh thread    # ThreadSanitizer
# Builds everything with COLONY_SANITIZE=<kind> in build/sanitize-<kind> (gcc), runs
# colony_tests, then stages a Python package whose _core extension, colony-gcs and
# colony-raylet are the sanitized ones and runs the smoke tests with the sanitizer runtime
# preloaded into every Python process (drivers and workers). Every process writes its
# reports to build/sanitize-<kind>/reports/; any report fails the script and is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-address}
case "$kind" in
  address) runtime=libasan.so ;;
  thread) runtime=libtsan.so ;;
  *) echo "usage: $0 address|thread" >&2; exit 2 ;;
esac
PYTHON=${PYTHON:-python3}
build=build/sanitize-$kind
reports=$PWD/$build/reports
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOLONY_SANITIZE="$kind" \
    -DCOLONY_BUILD_TESTS=ON -DCOLONY_BUILD_PYTHON=ON -DPython_EXECUTABLE="$(command -v "$PYTHON")" \
    >/dev/null
fi
echo "== sanitize ($kind): building colony_tests, colony-gcs, colony-raylet, _core"
nice -n 10 cmake --build "$build" -j "$(nproc)" --target colony_tests colony-gcs colony-raylet _core

rm -rf "$reports"
mkdir -p "$reports"
# Leaks are not checked: daemons are SIGKILLed by design and gRPC keeps global state.
# abort_on_error: a report ends the process, so the test that provoked it fails too.
common="log_path=$reports/$kind:abort_on_error=1"
export ASAN_OPTIONS="$common:detect_leaks=0:allocator_may_return_null=1"
export UBSAN_OPTIONS="$common:print_stacktrace=1"
# TSan: report races, keep running (halt_on_error=0), so one run lists them all.
export TSAN_OPTIONS="log_path=$reports/$kind:halt_on_error=0:second_deadlock_stack=1:report_signal_unsafe=0"

status=0
echo "== sanitize ($kind): C++ unit tests"
# Tests that fork and exec the real daemons need them beside the test binary.
(cd "$build" && ./colony_tests --gtest_brief=1) || status=1

echo "== sanitize ($kind): Python smoke tests"
stage=$PWD/$build/stage
rm -rf "$stage"
mkdir -p "$stage"
cp -r python/colony "$stage/colony"
rm -f "$stage"/colony/_core*.so
cp "$build"/_core*.so "$stage/colony/"
mkdir -p "$stage/colony/_bin"
cp "$build/colony-gcs" "$build/colony-raylet" "$stage/colony/_bin/"
preload=$(gcc -print-file-name="$runtime")
# Workers inherit the environment from the raylet, so they run preloaded too.
(cd tests/python && PYTHONPATH="$stage" LD_PRELOAD="$preload" COLONY_BIN_DIR="$stage/colony/_bin" \
  "$PYTHON" -m pytest -q -p no:cacheprovider -x test_tasks.py test_actors.py test_objects_api.py \
  test_cancel.py test_generators.py) || status=1

found=$(ls "$reports" | wc -l)
if [ "$found" -gt 0 ]; then
  echo "== sanitize ($kind): $found report(s) in $reports"
  for f in "$reports"/*; do
    echo "---- $f"
    head -n 60 "$f"
  done
  status=1
fi
[ "$status" -eq 0 ] && echo "== sanitize ($kind): clean"
exit $status
