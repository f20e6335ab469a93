#!/usr/bin/env bash
# Issue 11, stop 10: a post-hoc probe on the flow problems (drift2d, swirl2d):
# relax auto's schedules with only the smoothing's starting value replaced
# (auto: L^2/(4T) = 0.5625 on drift2d, 0.25 on swirl2d), from two far guesses,
# seed 1. Writes results/smoothing_probe/PROBLEM-epsE-GUESS/.
# Usage: examples/experiments/smoothing_probe.sh [EPS]   (default 0.05)
# Environment: PRPC (default build/prpc), OUT (default results/smoothing_probe).
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=${PRPC:-build/prpc}
eps=${1:-0.05}
out=${OUT:-results/smoothing_probe}
mkdir -p "$out"
probe() {  # PROBLEM WIDTH0 GUESS...
  local p=$1 w=$2; shift 2
  sed "s/^relax auto dilate sigma/relax {\n  smoothing eps piecewise [0% $eps, 25% $eps, 75% 0]\n  dilatation sigma piecewise [0% $w, 25% $w, 75% sigma]\n}/" \
    "examples/blind/$p.prp" > "$out/$p-eps$eps.prp"
  for g in "$@"; do
    local xs=${g% *} ys=${g#* }
    nice "$prpc" run --quiet --seed=1 --guess=xs="$xs" --guess=ys="$ys" --output="$out/$p-eps$eps-${xs}_$ys" \
      "$out/$p-eps$eps.prp" | grep -E '^  (xs|ys)|^verdict|^model check' &
  done
  wait
}
probe drift2d 0.75 "0.9 0.1" "0.1 1.4"   # widths as relax auto: L/2
probe swirl2d 0.5 "0.85 0.2" "0.9 0.9"
