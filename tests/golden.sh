#!/usr/bin/env bash
# Golden tests of the front end: each tests/golden/errors/NAME.prp is checked
# and its diagnostics (plus the exit code) compared exactly with NAME.expected;
# each example's `emit --ast` dump is compared with tests/golden/ast/NAME.expected, and
# the `emit --residual` of the blind problems with `relax auto` (the rule's printout and
# the schedules it writes) with tests/golden/residual/NAME.expected.
# Usage: golden.sh PRPC SOURCE_DIR [BUILD_DIR]; UPDATE_GOLDEN=1 rewrites the files.
set -u
prpc=$(realpath "$1")
src=$(realpath "$2")
export PRP_STDLIB=../../../stdlib NO_COLOR=1
passed=0 failed=0

compare() {  # name expected-file actual-text
  if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then printf '%s\n' "$3" > "$2"; fi
  if [ -f "$2" ] && diff -u "$2" <(printf '%s\n' "$3") > /tmp/golden.diff.$$; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $1"
    [ -f "$2" ] && head -40 /tmp/golden.diff.$$ || echo "  (no $2)"
  fi
}

cd "$src/tests/golden/errors" || exit 1
for f in *.prp; do
  name=${f%.prp}
  actual=$(timeout 20 "$prpc" check --color=never "$f" 2>&1; echo "exit: $?")
  compare "errors/$name" "$name.expected" "$actual"
done

cd "$src/examples" || exit 1
export PRP_STDLIB=../stdlib
for f in *.prp; do
  name=${f%.prp}
  actual=$(timeout 20 "$prpc" emit --ast "$f" 2>&1; echo "exit: $?")
  compare "ast/$name" "$src/tests/golden/ast/$name.expected" "$actual"
done

cd "$src/examples/blind" || exit 1
export PRP_STDLIB=../../stdlib
for name in drift2d swirl2d square2d river1d_west heatbox2x1; do
  actual=$(timeout 20 "$prpc" emit --residual "$name.prp" 2>&1; echo "exit: $?")
  compare "residual/$name" "$src/tests/golden/residual/$name.expected" "$actual"
done

rm -f /tmp/golden.diff.$$
echo "golden: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
