#!/usr/bin/env bash
# Colony's Java streaming word count (bench/streaming_java), the job bench/flink_wordcount.sh
# runs on Flink. Needs the io.colony artifacts installed (scripts/install.sh).
# Usage: bench/streaming_wordcount_java.sh [LINES] [PARALLELISM] [BATCH] [CREDITS] [CHECKPOINT_MS] [java|mixed]
# (mixed: a Python map between the Java split and the Java keyBy/sum)
set -euo pipefail
cd "$(dirname "$0")/streaming_java"
mvn -q -B package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >&2
COLONY_BIN_DIR=${COLONY_BIN_DIR:-$(${PYTHON:-python3} -c 'from colony._private.node import bin_dir; print(bin_dir())')}
export COLONY_BIN_DIR
exec java --add-opens=java.base/java.nio=ALL-UNNAMED -cp "target/classes:$(cat target/classpath.txt)" \
  bench.streaming.WordCount "${1:-2000000}" "${2:-1}" "${3:-1024}" "${4:-8}" "${5:-1000}" "${6:-java}"
