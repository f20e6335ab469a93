#!/usr/bin/env bash
# Issue 11, hypothesis H6 (docs/experiments.md section 0): the PR-PINN's end
# point on the 2D blind problems is biased by the fixed set of 2048 collocation
# points (the default, never redrawn: a few points fall within the true source
# width). The same far-guess table as examples/experiments.sh (PR-PINN only,
# 3x64 network as in the blind files), with the points redrawn every N epochs.
# Usage: examples/experiments/resample_2d.sh [PROBLEM ...]   (default: square2d heatbox2x1)
# Environment: PRPC (default build/prpc), RESAMPLE (default 100), OUT (default
#              results/resample), RANKS (default 2: runs at once, through mpirun when
#              prpc has MPI support; 1: one after another), EXTRA (more train lines,
#              e.g. "lbfgs 300"; ';' between lines).
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=${PRPC:-build/prpc}
every=${RESAMPLE:-100}
out=${OUT:-results/resample}
problems=("$@")
[ ${#problems[@]} -gt 0 ] || problems=(square2d heatbox2x1)

guesses_for() {   # the far guesses of examples/experiments.sh
  case $1 in
    square2d)   echo "xs=0.1,ys=0.15;xs=0.1,ys=0.9;xs=0.9,ys=0.1;xs=0.15,ys=0.1" ;;
    heatbox2x1) echo "xs=0.15,ys=0.85;xs=0.1,ys=0.1;xs=1.9,ys=0.9;xs=0.3,ys=0.6" ;;
    swirl2d)    echo "xs=0.85,ys=0.2;xs=0.9,ys=0.9;xs=0.1,ys=0.1;xs=0.8,ys=0.1" ;;
  esac
}

launch=()
if [ "${RANKS:-2}" -gt 1 ] && "$prpc" --help | grep -q 'MPI support in this build: on'; then
  launch=(mpirun --allow-run-as-root --oversubscribe -np "${RANKS:-2}")
fi
for p in "${problems[@]}"; do
  mkdir -p "$out/$p"
  awk -v every="$every" -v extra="${EXTRA:-}" '/^ *collocation / { next } { print }
    /^train *\{/ { print "  collocation 2048 sobol resample " every; n = split(extra, e, ";"); for (i = 1; i <= n; i++) print "  " e[i] }' \
    "examples/blind/$p.prp" > "$out/$p/$p.prp"
  nice "${launch[@]}" "$prpc" experiments "$out/$p/$p.prp" --methods pr --seeds 1,2 --guesses "$(guesses_for "$p")" \
    -o "$out/$p" | tail -n 3
done
