#!/usr/bin/env bash
# Latency (p50/p99) of Colony's Java streaming word count at a fixed input rate
# (bench/streaming_java, bench.streaming.Latency). Needs the io.colony artifacts installed.
# Usage: bench/streaming_latency_java.sh [LINES_PER_S] [SECONDS] [BATCH] [BATCH_TIMEOUT_MS]
set -euo pipefail
cd "$(dirname "$0")/streaming_java"
mvn -q -B package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >&2
COLONY_BIN_DIR=${COLONY_BIN_DIR:-$(${PYTHON:-python3} -c 'from colony._private.node import bin_dir; print(bin_dir())')}
export COLONY_BIN_DIR
result=$(mktemp)
trap 'rm -f "$result"' EXIT
java --add-opens=java.base/java.nio=ALL-UNNAMED -cp "target/classes:$(cat target/classpath.txt)" \
  bench.streaming.Latency "${1:-10000}" "${2:-20}" "${3:-256}" "${4:-5}" "$result"
