#!/usr/bin/env bash
# Benchmark (not a test): the wall time of `prpc run --restarts=R` with the restarts
# concurrent, one per core (--restart-workers=0, the default), against one after the
# other (--restart-workers=1), start-up (JIT, truth simulation) included, and the ratio
# sequential / concurrent. The two are run alternately REPEATS times; the best of each is
# compared. It also says whether the two tables are the same (they must be).
# docs/performance.md shows the figures of one machine.
# Usage: bench/restarts_concurrent.sh [PRPC] [FILE]
#        (default build/prpc, examples/source1d.prp; EPOCHS=600, RESTARTS=2, REPEATS=2)
set -euo pipefail
cd "$(dirname "$0")/.."
prpc=$(realpath "${1:-build/prpc}")
file=${2:-examples/source1d.prp}
epochs=${EPOCHS:-600}
restarts=${RESTARTS:-2}
repeats=${REPEATS:-2}
work=$(mktemp -d /tmp/restarts-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# wall OUT ARGS...: prpc ARGS with stdout to OUT; prints the seconds it took
wall() {
  local out=$1 t0 t1; shift
  t0=$(date +%s.%N); "$prpc" "$@" > "$out" 2> /dev/null; t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $file, $epochs epochs, --restarts=$restarts"
best_seq="" best_con=""
for ((i = 1; i <= repeats; i++)); do
  args=(run --quiet --epochs="$epochs" --restarts="$restarts" "$file")
  s=$(wall "$work/seq.txt" "${args[@]}" --restart-workers=1 --output="$work/seq")
  c=$(wall "$work/con.txt" "${args[@]}" --restart-workers=0 --output="$work/con")
  printf 'run %d: one after the other %7.2f s wall, concurrent %7.2f s wall (load %s)\n' "$i" "$s" "$c" \
    "$(cut -d' ' -f1 /proc/loadavg)"
  best_seq=$(min "$best_seq" "$s")
  best_con=$(min "$best_con" "$c")
done
same=no
cmp -s "$work/seq.txt" "$work/con.txt" && same=yes
printf 'restarts=%d, best of %d: one after the other %.2f s, concurrent %.2f s, sequential/concurrent = %.2f (same table: %s)\n' \
  "$restarts" "$repeats" "$best_seq" "$best_con" "$(awk -v a="$best_seq" -v b="$best_con" 'BEGIN { print a / b }')" "$same"
