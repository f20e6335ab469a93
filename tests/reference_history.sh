#!/usr/bin/env bash
# Behaviour pin for the training loop: `prpc run` on examples/source1d.prp with a fixed seed and
# 200 epochs (both resamplings, the relaxation ending at 50%) must write exactly the history.csv
# stored in tests/reference/source1d_history.csv. history.csv prints every number with 17
# significant digits (round trip), so the comparison is byte for byte: any change to the loop's
# arithmetic or order of operations shows. A change that is meant to alter the numbers (a faster
# kernel, another schedule) regenerates the file with PRP_UPDATE=1 and says so. About 4 s.
# Usage: reference_history.sh PRPC SOURCE_DIR [BUILD_DIR]
set -u
. "$(dirname "$0")/support/harness.sh" reference_history "$@"
ref="$src/tests/reference/source1d_history.csv"
out="$work/source1d"

expect run 0 "trained after 200 epochs" -- run "$src/examples/source1d.prp" --epochs=200 --seed=1 --quiet --output="$out"
if [ "${PRP_UPDATE:-0}" = 1 ] && [ -f "$out/history.csv" ]; then
  cp "$out/history.csv" "$ref"
  echo "updated $ref"
fi
if [ ! -f "$out/history.csv" ]; then
  fail "no history.csv written"
elif [ "$(wc -l < "$out/history.csv")" -ne 201 ]; then
  fail "history.csv has $(wc -l < "$out/history.csv") lines, wanted a header and 200 rows"
elif cmp -s "$out/history.csv" "$ref"; then
  ok
else
  fail "history.csv differs from $ref; first differing lines:"
  diff "$ref" "$out/history.csv" | head -6
fi
summary
