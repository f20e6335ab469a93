#!/usr/bin/env bash
# The blind problem examples/blind/drift2d.prp (stop 10): PR-PINN from 4 far
# guesses x 2 seeds, (a) with the file's settings (relax auto, defaults) and
# (b) with the collocation points redrawn every 100 epochs and 300 L-BFGS
# iterations (the settings measured on square2d); vanilla from the same guesses,
# seed 1. Writes results/drift2d/{auto,resample_lbfgs,vanilla}/.
# Environment: PRPC (default build/prpc), OUT (default results/drift2d), RANKS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=${PRPC:-build/prpc}
out=${OUT:-results/drift2d}
guesses="xs=0.9,ys=0.1;xs=0.1,ys=1.4;xs=0.9,ys=1.4;xs=0.9,ys=0.9"
launch=()
if [ "${RANKS:-2}" -gt 1 ] && "$prpc" --help | grep -q 'MPI support in this build: on'; then
  launch=(mpirun --allow-run-as-root --oversubscribe -np "${RANKS:-2}")
fi
mkdir -p "$out/auto" "$out/resample_lbfgs" "$out/vanilla"
awk '/^train *\{/ { print; print "  collocation 2048 sobol resample 100"; print "  lbfgs 300"; next } { print }' \
  examples/blind/drift2d.prp > "$out/resample_lbfgs/drift2d.prp"
nice "${launch[@]}" "$prpc" experiments examples/blind/drift2d.prp --methods pr --seeds 1,2 --guesses "$guesses" -o "$out/auto" | tail -n 1
nice "${launch[@]}" "$prpc" experiments "$out/resample_lbfgs/drift2d.prp" --methods pr --seeds 1,2 --guesses "$guesses" \
  -o "$out/resample_lbfgs" | tail -n 1
nice "${launch[@]}" "$prpc" experiments examples/blind/drift2d.prp --methods vanilla --seeds 1 --guesses "$guesses" \
  -o "$out/vanilla" | tail -n 1
