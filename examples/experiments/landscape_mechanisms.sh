#!/usr/bin/env bash
# Issue 11 (docs/experiments.md, section 0, stop 10): where each relaxation
# mechanism alone puts the minimum of square2d's relaxed misfit -- smoothing
# 0.125 alone, the source width 0.265 (sigma x 8.83) alone, and half of each --
# through the simulator (prpc landscape at the start of a schedule that holds
# the value). Writes results/mechanisms/{smoothing,width,both}/.
# Environment: PRPC (default build/prpc), OUT (default results/mechanisms).
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=${PRPC:-build/prpc}
out=${OUT:-results/mechanisms}
mkdir -p "$out"
variant() {  # NAME RELAX-LINES
  sed "s/^relax auto dilate sigma/relax {\n$2\n}/" examples/blind/square2d.prp > "$out/$1.prp"
}
variant smoothing '  smoothing eps from 0.125 to 0 until 100% linear'
variant width '  dilatation sigma from 0.265 to sigma until 100% linear'
variant both '  smoothing eps from 0.0625 to 0 until 100% linear\n  dilatation sigma from 0.15 to sigma until 100% linear'
for m in smoothing width both; do
  nice "$prpc" landscape "$out/$m.prp" --param xs,ys --points 15 --grid 41 --schedule --at 0 -o "$out/$m" | grep '^verdict'
done
