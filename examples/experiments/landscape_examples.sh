#!/usr/bin/env bash
# The basin before and after the relaxation (issue 11) for the paper's three 2D examples:
# the model's misfit over (xs, ys), the other unknowns at their truth, at the start (0%)
# and the end (100%) of the file's own relax schedule, through the simulator on a coarse
# grid. Writes misfit2d_*.png and verdict.csv per problem; prints the verdict lines.
# Usage: examples/experiments/landscape_examples.sh [PROBLEM...]
# Environment: PRPC (default build/prpc), OUT (default results/landscape_examples),
#              POINTS (21), GRID (64), AT (0,100).
# The strict levels need the truth blocks' grids (a 64-node grid aliases the narrow sources):
#   AT=100 POINTS=15 GRID=128 OUT=results/landscape_examples_128 examples/experiments/landscape_examples.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=${PRPC:-build/prpc}
out=${OUT:-results/landscape_examples}
problems=("$@")
[ ${#problems[@]} -gt 0 ] || problems=(plume2d fisher_kpp_gyre acoustic2d)
for p in "${problems[@]}"; do
  nice "$prpc" landscape "examples/$p.prp" --param xs,ys --points "${POINTS:-21}" --at "${AT:-0,100}" \
    --grid "${GRID:-64}" -o "$out/$p" 2> "$out-$p.err" | grep '^verdict' | sed "s/^/$p: /"
done
