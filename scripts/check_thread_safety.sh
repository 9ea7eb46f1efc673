#!/usr/bin/env bash
# Clang's thread-safety analysis over the C++ sources that use colony::Mutex (common/mutex.h):
# a member read or written without the lock that GUARDED_BY names, or a REQUIRES function
# called without it, fails the check. gcc builds ignore the annotations, so this is where
# they are enforced. Usage: bash scripts/check_thread_safety.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-$(ls -d build/cp3*/ 2>/dev/null | head -n 1)}
if [ -z "$build" ] || [ ! -d "$build/proto_gen" ]; then
  echo "no build folder with proto_gen/ (run scripts/install.sh first)" >&2
  exit 2
fi
# Sources that include the annotated mutex, directly or through their own header.
mapfile -t headers < <(grep -rl --include='*.h' '#include "common/mutex.h"' src/core_cpp)
files=()
for src in $(grep -rl --include='*.cc' -e '#include "common/mutex.h"' src/core_cpp) \
           $(for h in "${headers[@]}"; do echo "${h%.h}.cc"; done); do
  [ -f "$src" ] && files+=("$src")
done
mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u)
echo "== thread-safety analysis (clang -Wthread-safety) over ${#files[@]} file(s)"
status=0
for f in "${files[@]}"; do
  if ! clang++ -std=c++17 -fsyntax-only -Wthread-safety -Wthread-safety-beta \
      -Werror=thread-safety -Werror=thread-safety-beta -Wno-unknown-warning-option \
      -Isrc/core_cpp -I"$build/proto_gen" "$f"; then
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "== thread-safety analysis: clean"
exit $status
