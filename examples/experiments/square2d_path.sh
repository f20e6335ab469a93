#!/usr/bin/env bash
# Where the relaxed misfit's minimum goes along relax auto's schedule on square2d
# (docs/experiments.md, section 0, stop 12): the simulator's landscape at 0, 40, ...,
# 100% of training with the file's relax auto, then with each mechanism alone (the
# same piecewise schedules as auto's: smoothing only, dilatation only).
# Usage: examples/experiments/square2d_path.sh   Environment: PRPC, OUT (results/square2d_path)
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=${PRPC:-build/prpc}
out=${OUT:-results/square2d_path}
base=examples/blind/square2d.prp
mkdir -p "$out"
nice "$prpc" landscape "$base" --param xs,ys --points 25 --at 0,40,50,60,70,80,90,100 --grid 41 \
  -o "$out/auto" | grep verdict
variant() {  # NAME RELAX-BLOCK
  awk -v r="$2" '/^relax auto/ { print r; next } { print }' "$base" > "$out/$1.prp"
  nice "$prpc" landscape "$out/$1.prp" --param xs,ys --points 17 --at 40,45,50,55,60,65,70,75 --grid 41 \
    -o "$out/$1" | grep verdict
}
variant dilatation_only $'relax {\n  dilatation sigma piecewise [0% 0.5, 25% 0.5, 75% 0.03]\n}'
variant smoothing_only $'relax {\n  smoothing eps piecewise [0% 0.25, 25% 0.25, 75% 0]\n}'
