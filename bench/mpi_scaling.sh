#!/usr/bin/env bash
# Benchmark (not a test): throughput of 1 against P MPI ranks on this machine.
# Data-parallel: epochs per second of one training of source1d (the training time
# rank 0 reports in result.json, without compiling and starting up), and the wall time
# of the whole command. Restarts: restarts per minute of source1d --restarts=R (wall
# time, start-up included). docs/running.md shows the figures of one machine.
# Usage: bench/mpi_scaling.sh [PRPC] [P]   (default build/prpc, 2; EPOCHS=600, RESTARTS=4)
set -euo pipefail
cd "$(dirname "$0")/.."
prpc=$(realpath "${1:-build/prpc}")
ranks=${2:-2}
epochs=${EPOCHS:-600}
restarts=${RESTARTS:-4}
file=examples/source1d.prp
work=$(mktemp -d /tmp/mpi-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mpirun=(mpirun --oversubscribe)
[ "$(id -u)" -eq 0 ] && mpirun+=(--allow-run-as-root)

seconds_of() { sed -n 's/.*"seconds": *\([0-9.e+-]*\).*/\1/p' "$1/result.json"; }
wall() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null 2>&1; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { print a / b }'; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $file, $epochs epochs, $restarts restarts"
printf '%-28s %6s %12s %12s\n' "mode" "ranks" "train s" "throughput"
for p in 1 "$ranks"; do
  launch=()
  [ "$p" -gt 1 ] && launch=("${mpirun[@]}" -np "$p")
  w=$(wall "${launch[@]}" "$prpc" run --quiet --epochs="$epochs" --output="$work/dp$p" "$file")
  s=$(seconds_of "$work/dp$p")
  printf '%-28s %6d %12.2f %9.1f ep/s   (wall %.1f s)\n' "data-parallel training" "$p" "$s" "$(ratio "$epochs" "$s")" "$w"
done
for p in 1 "$ranks"; do
  launch=()
  [ "$p" -gt 1 ] && launch=("${mpirun[@]}" -np "$p")
  w=$(wall "${launch[@]}" "$prpc" run --quiet --epochs="$epochs" --restarts="$restarts" --output="$work/rs$p" "$file")
  printf '%-28s %6d %12.2f %9.2f restarts/min (wall)\n' "restarts" "$p" "$w" "$(ratio "$((60 * restarts))" "$w")"
done
