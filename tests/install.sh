#!/usr/bin/env bash
# Installation test: `cmake --install` into a temporary prefix, move the prefix
# elsewhere, then use the installed prpc from another directory with a clean
# environment: check, run --epochs=50, build, and run the built program.
# Usage: install.sh PRPC SOURCE_DIR BUILD_DIR
set -u
src=$(realpath "$2")
build=$(realpath "$3")
work=$(mktemp -d /tmp/prp-install-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

ok()   { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# Clean environment: a minimal PATH, no PRP_* variable; the sanitizers'
# settings pass through (an ASan build's prpc and programs read them).
clean() {
  env -i PATH=/usr/bin:/bin HOME="$work" NO_COLOR=1 \
    ${ASAN_OPTIONS+ASAN_OPTIONS="$ASAN_OPTIONS"} ${LSAN_OPTIONS+LSAN_OPTIONS="$LSAN_OPTIONS"} \
    ${UBSAN_OPTIONS+UBSAN_OPTIONS="$UBSAN_OPTIONS"} "$@"
}

# expect NAME PATTERN -- COMMAND...: exit 0 and output matching PATTERN
expect() {
  local name=$1 pattern=$2; shift 3
  local out rc
  out=$(cd "$work/run" && clean timeout 300 "$@" 2>&1); rc=$?
  if [ "$rc" -ne 0 ]; then fail "$name: exit $rc"; printf '%s\n' "$out" | tail -5; return; fi
  if ! printf '%s\n' "$out" | grep -qE -- "$pattern"; then fail "$name: output lacks /$pattern/"; printf '%s\n' "$out" | tail -5; return; fi
  ok
}

if cmake --install "$build" --prefix "$work/stage" > "$work/install.log" 2>&1; then ok
else fail "cmake --install"; cat "$work/install.log"; exit 1; fi
mv "$work/stage" "$work/prefix"   # installed paths must not be baked in either
prefix=$work/prefix
for f in bin/prpc lib/libprprt.a lib/libprpmain.a share/prp/stdlib/sources.prp include/prp/train.h; do
  [ -e "$prefix/$f" ] && ok || fail "not installed: $f"
done

# No path into the source or build tree in what prpc executes or reads
# (debug information, which names the sources for debuggers, left aside; a
# sanitizer build also records source paths for its reports: not checked).
strip --strip-debug -o "$work/prpc.nodebug" "$prefix/bin/prpc"
if grep -q '^PRP_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "note: sanitizer build, the check for source and build paths is skipped"
else
  for dir in "$src" "$build"; do
    if strings "$work/prpc.nodebug" | grep -qF "$dir"; then fail "installed prpc names $dir"; strings "$work/prpc.nodebug" | grep -F "$dir" | head -3
    else ok; fi
  done
fi

mkdir -p "$work/run"
cp "$src/examples/source1d.prp" "$work/run/"
prpc=$prefix/bin/prpc
expect version '^prpc [0-9.]+ \(LLVM 19' -- "$prpc" --version
expect check '^$' -- "$prpc" check source1d.prp
expect "run --epochs=50" 'results in results/source1d' -- "$prpc" run --quiet --epochs=50 source1d.prp
[ -s "$work/run/results/source1d/history.csv" ] && ok || fail "run wrote no history.csv"
expect build '^$' -- "$prpc" build source1d.prp -o prog
expect "built program" 'xs' -- ./prog --quiet --epochs=50 --output=built
[ -s "$work/run/built/history.csv" ] && ok || fail "the built program wrote no history.csv"

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
