#!/usr/bin/env bash
# The train option `refine N` on the 2D blind problems: each file with `refine 30`
# added to its train block, nothing else changed (relax auto, default training);
# PR-PINN from the far guesses of the earlier tables, 2 seeds, and vanilla with the
# same refinement from the same guesses, seed 1. result.json gives both the
# network's estimate (network_value) and the refined one (value); table.py below
# prints both.
# Usage: examples/experiments/refine_2d.sh [PROBLEM...]
# Environment: PRPC (default build/prpc), OUT (default results/refine_2d), RANKS (2),
# METHODS ("pr vanilla"), STEPS (30).
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=${PRPC:-build/prpc}
out=${OUT:-results/refine_2d}
problems=("$@")
[ ${#problems[@]} -gt 0 ] || problems=(square2d crossflow2d shear2d heatbox2x1 drift2d ell2d)
declare -A guesses=(
  [square2d]="xs=0.1,ys=0.15;xs=0.1,ys=0.9;xs=0.9,ys=0.1;xs=0.15,ys=0.1"
  [heatbox2x1]="xs=0.15,ys=0.85;xs=0.1,ys=0.1;xs=1.9,ys=0.9;xs=0.3,ys=0.6"
  [crossflow2d]="xs=0.2,ys=0.9;xs=0.2,ys=0.1;xs=1.9,ys=0.95;xs=0.9,ys=0.05"
  [shear2d]="xs=1.1,ys=0.1;xs=1.1,ys=0.7;xs=0.1,ys=0.1;xs=0.7,ys=0.05"
  [ell2d]="xs=1.4,ys=0.1;xs=1.4,ys=0.9;xs=0.1,ys=0.1;xs=0.9,ys=0.05"
  [swirl2d]="xs=0.85,ys=0.2;xs=0.9,ys=0.9;xs=0.1,ys=0.1;xs=0.8,ys=0.1"
  [drift2d]="DRIFT"
  [bloom2d]="xs=0.1,ys=0.1;xs=0.15,ys=0.9;xs=0.4,ys=0.05;xs=1.45,ys=0.05"
  [reef2d]="xs=0.85,ys=0.85;xs=0.9,ys=0.1;xs=0.1,ys=0.9;xs=0.8,ys=0.5"
  [kelp2d]="xs=0.2,ys=1.1;xs=0.15,ys=0.1;xs=0.6,ys=1.1;xs=1.9,ys=1.15"
)
launch=()
if [ "${RANKS:-2}" -gt 1 ] && "$prpc" --help | grep -q 'MPI support in this build: on'; then
  launch=(mpirun --allow-run-as-root --oversubscribe -np "${RANKS:-2}")
fi
for p in "${problems[@]}"; do
  g=${guesses[$p]}
  [ "$g" = DRIFT ] && g=$(sed -n 's/^guesses="\(.*\)"$/\1/p' examples/experiments/drift2d.sh)
  mkdir -p "$out/$p"
  awk -v steps="${STEPS:-30}" '{ print } /^train *\{/ { print "  refine " steps }' "examples/blind/$p.prp" > "$out/$p/$p.prp"
  for m in ${METHODS:-pr vanilla}; do
    seeds=1,2; [ "$m" = vanilla ] && seeds=1
    nice "${launch[@]}" "$prpc" experiments "$out/$p/$p.prp" --methods "$m" --seeds "$seeds" \
      --guesses "$g" -o "$out/$p/$m" | tail -n 1
  done
done
