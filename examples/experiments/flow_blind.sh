#!/usr/bin/env bash
# The blind flow problems of stop 11 (examples/blind/crossflow2d.prp,
# shear2d.prp and ell2d.prp, committed before they were run): PR-PINN with the file's
# settings (relax auto, defaults) from 4 far guesses x 2 seeds, and vanilla
# from the same guesses, seed 1. Run it once with each prpc to compare rules
# (LABEL names the output directory).
# Usage: examples/experiments/flow_blind.sh [PROBLEM...]   (default: both)
# Environment: PRPC (default build/prpc), LABEL (default auto), OUT (default
# results/flow_blind), RANKS (2), METHODS ("pr vanilla").
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=${PRPC:-build/prpc}
out=${OUT:-results/flow_blind}
label=${LABEL:-auto}
problems=("$@")
[ ${#problems[@]} -gt 0 ] || problems=(crossflow2d shear2d)
declare -A guesses=(
  [crossflow2d]="xs=0.2,ys=0.9;xs=0.2,ys=0.1;xs=1.9,ys=0.95;xs=0.9,ys=0.05"
  [shear2d]="xs=1.1,ys=0.1;xs=1.1,ys=0.7;xs=0.1,ys=0.1;xs=0.7,ys=0.05"
  [ell2d]="xs=1.4,ys=0.1;xs=1.4,ys=0.9;xs=0.1,ys=0.1;xs=0.9,ys=0.05"
)
launch=()
if [ "${RANKS:-2}" -gt 1 ] && "$prpc" --help | grep -q 'MPI support in this build: on'; then
  launch=(mpirun --allow-run-as-root --oversubscribe -np "${RANKS:-2}")
fi
for p in "${problems[@]}"; do
  for m in ${METHODS:-pr vanilla}; do
    seeds=1,2; [ "$m" = vanilla ] && seeds=1
    dir="$out/$p/$label-$m"
    mkdir -p "$dir"
    nice "${launch[@]}" "$prpc" experiments "examples/blind/$p.prp" --methods "$m" --seeds "$seeds" \
      --guesses "${guesses[$p]}" -o "$dir" | tail -n 1
  done
done
