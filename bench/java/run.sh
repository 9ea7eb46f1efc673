#!/usr/bin/env bash
# The Java rows of the microbenchmark: builds against the installed io.colony artifacts
# (scripts/install.sh) and runs. Usage: bash bench/java/run.sh [rounds] [output.json]
set -euo pipefail
output=${2:+$(realpath -m "$2")}
cd "$(dirname "$0")"
mvn -q -B package
mvn -q -B dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
COLONY_BIN_DIR=${COLONY_BIN_DIR:-$(${PYTHON:-python3} -c 'from colony._private.node import bin_dir; print(bin_dir())')}
export COLONY_BIN_DIR
# The flag lets Arrow Java (ARROW values) use direct buffers; see java/README.md.
exec java --add-opens=java.base/java.nio=ALL-UNNAMED -cp "target/classes:$(cat target/classpath.txt)" bench.JavaMicrobenchmark "${1:-5}" ${output:+"$output"}
