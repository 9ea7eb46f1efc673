#!/usr/bin/env bash
# Builds this outside project against the installed io.colony artifacts and runs it.
set -euo pipefail
cd "$(dirname "$0")"
mvn -q -B package
mvn -q -B dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
COLONY_BIN_DIR=${COLONY_BIN_DIR:-$(${PYTHON:-python3} -c 'from colony._private.node import bin_dir; print(bin_dir())')}
export COLONY_BIN_DIR
# The flag lets Arrow Java (ARROW values) use direct buffers; see java/README.md.
exec java --add-opens=java.base/java.nio=ALL-UNNAMED -cp "target/classes:$(cat target/classpath.txt)" example.WordCount
