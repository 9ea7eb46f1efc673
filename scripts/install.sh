#!/usr/bin/env bash
# Installs everything Colony needs on a fresh Debian machine and builds it (editable).
# Safe to re-run: skips what is already present; C++ rebuilds are incremental (ccache).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential cmake ninja-build ccache pkg-config libgrpc++-dev libprotobuf-dev
              protobuf-compiler protobuf-compiler-grpc libgtest-dev openjdk-17-jdk-headless maven
              stress-ng clang libclang-rt-14-dev libhiredis-dev redis-server
              chromium chromium-driver)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== apt: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
echo "== pip: build and test dependencies"
$PYTHON -m pip install -q --disable-pip-version-check "cython>=3.0" "scikit-build-core>=0.9" \
  "cloudpickle>=2.0" "msgpack>=1.0" numpy pyarrow "pytest>=7" pytest-timeout cryptography import-linter grpcio redis \
  prometheus-client selenium

echo "== building colony (C++ core, binaries, Cython extension, C++ tests)"
# Relative paths and no cwd in the hash: a fresh clone elsewhere reuses the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
$PYTHON -m pip install -q --disable-pip-version-check --no-build-isolation -e . \
  --config-settings=cmake.define.COLONY_BUILD_TESTS=ON
COLONY_BIN_DIR=$($PYTHON -c 'from colony._private.node import bin_dir; print(bin_dir())')
echo "== colony installed; binaries in $COLONY_BIN_DIR"

echo "== Java SDK: io.colony artifacts into the local Maven repository (JNI library inside)"
# Tests run in scripts/test.sh; here only the artifacts, so an outside project can use them.
(cd java && mvn -q -B install -DskipTests -Dcolony.native.dir="$COLONY_BIN_DIR")
# The classpath of Java workers that Python drivers start (the raylet reads it next to itself).
# It holds the streaming module too (io.colony.streaming's OperatorActor and the plan's JSON
# parser), so a Python job's Java operators need only their own classes on the code search path.
(cd java/runtime && mvn -q -B dependency:build-classpath -Dmdep.outputFile=target/deps.txt >/dev/null)
(cd java/streaming && mvn -q -B dependency:build-classpath -DincludeScope=runtime \
  -Dmdep.outputFile=target/deps.txt >/dev/null)
m2="$HOME/.m2/repository/io/colony"
echo "$m2/colony-runtime/0.1.0-SNAPSHOT/colony-runtime-0.1.0-SNAPSHOT.jar:$(cat java/runtime/target/deps.txt):$m2/colony-streaming/0.1.0-SNAPSHOT/colony-streaming-0.1.0-SNAPSHOT.jar:$(cat java/streaming/target/deps.txt)" \
  > "$COLONY_BIN_DIR/java_classpath.txt"
