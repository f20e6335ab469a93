# Shared by the shell tests of tests/*.sh: their arguments PRPC SOURCE_DIR [BUILD_DIR], a work
# directory removed at exit, pass/fail counting, `expect` and the summary line. Source it as
#   . "$(dirname "$0")/support/harness.sh" NAME "$@"
# (EXPECT_TIMEOUT, default 60 s, bounds each `expect`). Not a test itself: the CMake glob
# takes tests/*.sh only.
harness_name=$1
shift
prpc=$(realpath "$1")
src=$(realpath "$2")
work=$(mktemp -d "${3:-/tmp}/$harness_name-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
export PRP_STDLIB="$src/stdlib" NO_COLOR=1
passed=0 failed=0
ok()   { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# expect NAME CODE PATTERN -- ARGS...: prpc ARGS exits with CODE and prints PATTERN (ERE)
expect() {
  local name=$1 code=$2 pattern=$3; shift 4
  local out rc
  out=$(timeout "${EXPECT_TIMEOUT:-60}" "$prpc" "$@" 2>&1); rc=$?
  if [ "$rc" -ne "$code" ]; then fail "$name: exit $rc, wanted $code"; printf '%s\n' "$out" | head -5; return; fi
  if ! printf '%s\n' "$out" | grep -qE -- "$pattern"; then fail "$name: output lacks /$pattern/"; printf '%s\n' "$out" | head -5; return; fi
  ok
}

# The last line of a test: the counts, and its exit status.
summary() {
  echo "$harness_name.sh: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
