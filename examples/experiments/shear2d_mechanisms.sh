#!/usr/bin/env bash
# Stop 11 (docs/experiments.md, section 0): shear2d's relaxed misfit keeps its
# minimum at (0.4, 0.5), 0.1 downstream of the truth, from 50% to 70% of
# training and jumps to the truth only when the relaxation ends. Which
# mechanism holds it there: the smoothing of the 70% level alone (0.00512),
# its source width alone (0.087, sigma x 2.9), both, and the width of the 50%
# level alone (0.315)? Through the simulator (prpc landscape at the start of a
# schedule that holds the value). Writes results/shear2d_mechanisms/NAME/.
# Environment: PRPC (default build/prpc), OUT (default results/shear2d_mechanisms).
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=${PRPC:-build/prpc}
out=${OUT:-results/shear2d_mechanisms}
mkdir -p "$out"
variant() {  # NAME RELAX-LINES
  sed "s/^relax auto dilate sigma/relax {\n$2\n}/" examples/blind/shear2d.prp > "$out/$1.prp"
}
variant smoothing70 '  smoothing eps from 0.00512 to 0 until 100% linear'
variant width70 '  dilatation sigma from 0.087 to sigma until 100% linear'
variant both70 '  smoothing eps from 0.00512 to 0 until 100% linear\n  dilatation sigma from 0.087 to sigma until 100% linear'
variant width50 '  dilatation sigma from 0.315 to sigma until 100% linear'
for m in smoothing70 width70 both70 width50; do
  echo "$m: $(nice "$prpc" landscape "$out/$m.prp" --param xs,ys --points 25 --grid 41 --schedule --at 0 -o "$out/$m" | grep '^verdict')"
done
