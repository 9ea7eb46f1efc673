#!/usr/bin/env bash
# Apache Flink's local MiniCluster running the Java word count of bench/flink/ (the reference
# figure for Colony's Java streaming, issue 21). Bench only: Flink comes from Maven Central into
# ~/.m2 on the first run. Usage: bench/flink_wordcount.sh [LINES] [PARALLELISM]
set -euo pipefail
cd "$(dirname "$0")/flink"
lines="${1:-2000000}"
parallelism="${2:-1}"
mvn -q -B package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >&2
# Flink 1.20 on JDK 17 reflects into these packages (its documented JVM options).
exec java -Xmx2g \
  --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
  --add-opens=java.base/java.io=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED \
  -Dlog4j2.level=warn \
  -cp "target/classes:$(cat target/classpath.txt)" \
  io.colony.bench.flink.WordCount "$lines" "$parallelism"
