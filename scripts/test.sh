#!/usr/bin/env bash
# test.sh - README command 2 (and what CI runs): installs what is missing, builds with warnings fatal,
# runs the whole suite through ctest, then again under ASan+UBSan, then valgrind memcheck.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
jobs=$(nproc)

echo "== build (warnings are errors) and test"
cmake -S . -B build -DPM_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure --timeout 900)

echo "== ASan+UBSan build and test"
cmake -S . -B build-asan -DPM_WERROR=ON -DPM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
   ctest --output-on-failure --timeout 900)

if [ -x scripts/valgrind.sh ]; then
  echo "== valgrind memcheck"
  scripts/valgrind.sh build
fi
