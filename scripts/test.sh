#!/usr/bin/env bash
# The whole test suite, as CI runs it: build and test (1) normally, (2) under
# AddressSanitizer + UndefinedBehaviorSanitizer, then (3) fuzz the parser, the sensor-file
# reader and the state reader for a while each with libFuzzer (clang). Compiler warnings are
# errors (PRP_WERROR).
# Usage: scripts/test.sh [--quick] (skips 2 and 3).
# Environment: PRP_FUZZ_SECONDS (per target, default 30), PRP_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${PRP_JOBS:-2}
fuzz_seconds=${PRP_FUZZ_SECONDS:-30}   # per target: three targets
quick=0
[ "${1:-}" = "--quick" ] && quick=1
export NO_COLOR=1

step() { printf '\n==== %s\n' "$*"; }

build_and_test() {  # DIR [--fast] CMAKE-ARGS...: --fast leaves out the tests labelled slow
  local dir=$1; shift
  local select=()
  if [ "${1:-}" = --fast ]; then select=(-LE slow); shift; fi
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRP_WERROR=ON "$@" > "$dir.configure.log" 2>&1 \
    || { cat "$dir.configure.log"; return 1; }
  cmake --build "$dir" -j "$jobs" 2>&1 | grep -E 'error|warning' || true
  cmake --build "$dir" -j "$jobs" > /dev/null
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 600 "${select[@]}"
  if [ ${#select[@]} -gt 0 ]; then
    echo "not run in this build (slow numerical experiments, run in the normal build above):"
    ctest --test-dir "$dir" -N -L slow | grep 'Test *#' || true
  fi
}

mkdir -p build
step "build and test (release with debug info)"
build_and_test build

if [ "$quick" = 0 ]; then
  step "build and test under AddressSanitizer and UndefinedBehaviorSanitizer"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
  build_and_test build-asan --fast -DPRP_SANITIZE=ON

  step "fuzz the parser, the sensor-file reader and the state reader, ${fuzz_seconds}s each (libFuzzer, ASan, UBSan)"
  CC=/usr/lib/llvm-19/bin/clang cmake -S . -B build-fuzz -DPRP_FUZZ=ON -DPRP_SANITIZE=ON -DPRP_WERROR=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo > build-fuzz.configure.log 2>&1 || { cat build-fuzz.configure.log; exit 1; }
  cmake --build build-fuzz -j "$jobs" --target fuzz_parser fuzz_csv fuzz_state > /dev/null
  mkdir -p build-fuzz/corpus/parser build-fuzz/corpus/csv build-fuzz/corpus/state
  cp examples/*.prp stdlib/*.prp tests/golden/errors/*.prp build-fuzz/corpus/parser/
  cp tests/repl/*.csv tests/golden/errors/*.csv build-fuzz/corpus/csv/
  printf 'x,y,t,u\n0.1,0.2,0.3,0.4\r\n1,1,2,-5e3\n' > build-fuzz/corpus/csv/small.csv
  PRP_STDLIB="$PWD/stdlib" ./build/prpc run --quiet --epochs=2 --output=build-fuzz/state-seed tests/repl/poisson1d.prp \
    > /dev/null && cp build-fuzz/state-seed/weights.prpstate build-fuzz/corpus/state/
  for target in parser csv state; do
    max_len=4096; [ "$target" = state ] && max_len=65536   # a whole seed state, checksum intact
    PRP_STDLIB="$PWD/stdlib" ./build-fuzz/fuzz_$target -max_total_time="$fuzz_seconds" -max_len=$max_len \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 build-fuzz/corpus/$target 2> build-fuzz/fuzz_$target.log \
      || { tail -60 build-fuzz/fuzz_$target.log; exit 1; }
    echo "fuzz_$target: $(grep -E 'stat::number_of_executed_units' build-fuzz/fuzz_$target.log)"
  done
  echo "fuzz: no crash, no leak, no timeout"
fi
step "all tests passed"
