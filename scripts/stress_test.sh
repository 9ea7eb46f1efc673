#!/usr/bin/env bash
# Runs the whole test suite (scripts/test.sh) N times in a row (default 5) while two CPU
# hogs (stress-ng --cpu 2) keep this machine busy; stops at the first failing run.
# The suite must stay green on a loaded machine: tests wait for documented conditions,
# never for a sleep to be long enough. Usage: bash scripts/stress_test.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
if ! command -v stress-ng >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -qq stress-ng >/dev/null
fi
stress-ng --cpu 2 --quiet &
hog=$!
trap 'kill $hog 2>/dev/null || true; wait $hog 2>/dev/null || true' EXIT
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  if bash scripts/test.sh; then
    echo "== stress run $i of $runs: passed in $(( $(date +%s) - start )) s (under stress-ng --cpu 2)"
  else
    echo "== stress run $i of $runs: FAILED after $(( $(date +%s) - start )) s (under stress-ng --cpu 2)"
    exit 1
  fi
done
echo "== all $runs runs passed under stress-ng --cpu 2"
