#!/usr/bin/env bash
# Restarts run concurrently in one process (runtime/train/train_restarts_threads.c,
# docs/running.md): with --restart-workers=2 and =3 (more runs at once than this machine
# may have cores, so the threads really overlap) every restart's estimate, history,
# weights and result.json (but its seconds), the table with the chosen restart and
# verdict.json are those of --restart-workers=1, one run after the other; the same for a
# built program. An output error and Ctrl-C end a concurrent series as they end a
# sequential one. About 20 seconds.
# Usage: restarts.sh PRPC SOURCE_DIR BUILD_DIR
set -u
. "$(dirname "$0")/support/harness.sh" restarts "$@"
cd "$work"

# same_runs A B N: restart directories 0..N-1 of A and B hold the same results
same_runs() {
  local a=$1 b=$2 n=$3 k
  for ((k = 0; k < n; k++)); do
    for f in history.csv weights.prpstate; do
      if cmp -s "$a/restart_$k/$f" "$b/restart_$k/$f"; then ok; else fail "$b: restart $k: $f differs from $a's"; fi
    done
    if diff <(grep -v '"seconds"' "$a/restart_$k/result.json") <(grep -v '"seconds"' "$b/restart_$k/result.json") > /dev/null
    then ok; else fail "$b: restart $k: result.json differs from $a's (apart from seconds)"; fi
  done
  if cmp -s "$a/verdict.json" "$b/verdict.json"; then ok; else fail "$b: verdict.json differs from $a's"; fi
}

# 1. source1d (relaxed, with the model check): 3 restarts, one after the other, 2 and 3 at once
src1d="$src/examples/source1d.prp"
for w in 1 2 3; do
  timeout 120 "$prpc" run --quiet --no-refine --epochs=30 --restarts=3 --restart-workers=$w --output=s$w "$src1d" > s$w.txt 2> s$w.err
  rc=$?
  if [ "$rc" -eq 0 ] && grep -qE '^best \(lowest loss\): restart [0-2]' s$w.txt; then ok
  else fail "source1d, $w at a time: exit $rc"; tail -3 s$w.err; fi
done
for w in 2 3; do
  if cmp -s s1.txt s$w.txt; then ok; else fail "source1d: the table with $w at a time differs"; diff s1.txt s$w.txt | head; fi
  same_runs s1 s$w 3
done
# the table's estimates differ between the restarts (a test that compares like with like)
if [ "$(awk '$1 ~ /^[0-2]$/ { print $2 }' s1.txt | sort -u | wc -l)" -eq 3 ]; then ok; else fail "source1d: the restarts' estimates are not distinct"; cat s1.txt; fi

# 2. a built program: 4 restarts, 2 at a time and one after the other
cp "$src"/tests/repl/poisson1d.prp "$src"/tests/repl/poisson1d.csv .
if timeout 120 "$prpc" build poisson1d.prp -o prog > build.log 2>&1; then
  ./prog --quiet --epochs=40 --restarts=4 --restart-workers=1 --output=b1 > b1.txt 2> /dev/null
  ./prog --quiet --epochs=40 --restarts=4 --restart-workers=2 --output=b2 > b2.txt 2> /dev/null
  if grep -q '^best (lowest loss)' b1.txt && cmp -s b1.txt b2.txt; then ok; else fail "built program: the tables differ"; diff b1.txt b2.txt | head; fi
  same_runs b1 b2 4
else
  fail "prpc build"; tail -3 build.log
fi

# 3. an output that cannot be written ends the series with exit 4, naming it
mkdir -p ro && printf 'not a directory' > ro/restart_1
expect "an output error, 2 at a time" 4 "ro/restart_1" -- run --quiet --epochs=5 --restarts=3 --restart-workers=2 --output=ro poisson1d.prp
expect "bad --restart-workers" 2 "--restart-workers: expected a whole number from 0 to 256" -- run --restart-workers=x poisson1d.prp

# 4. Ctrl-C while two restarts run: both stop, the table of the finished ones, exit 130
"$prpc" run --quiet --epochs=20000000 --restarts=6 --restart-workers=2 --output=int poisson1d.prp > int.log 2>&1 &
pid=$!
for _ in $(seq 1 300); do [ -d int/restart_1 ] && break; sleep 0.1; done
sleep 1   # both runs are training
kill -INT "$pid"
for _ in $(seq 1 300); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2> /dev/null; then kill -KILL "$pid"; fail "Ctrl-C: still running after 30 s"; fi
wait "$pid"; rc=$?
if [ "$rc" -eq 130 ] && grep -q "^restart " int.log && grep -q "interrupted during restart" int.log; then ok
else fail "Ctrl-C during concurrent restarts: exit $rc"; tail -3 int.log; fi
if grep -q '"status": "interrupted"' int/restart_0/result.json int/restart_1/result.json 2> /dev/null; then ok
else fail "Ctrl-C: the running restarts wrote no interrupted result.json"; fi

summary
