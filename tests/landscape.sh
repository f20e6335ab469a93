#!/usr/bin/env bash
# `prpc landscape` from the command line on the source1d example (the paper's section 4):
# far from the truth (xs = 0.1 upstream, 0.95 downstream of the sensors) |dL/dxs| grows with
# the smoothing eps; without relaxation L is smallest at the truth 0.6; the CSV, plots and
# table are written; option errors exit 2, a wrong unknown exits 1. About 5 s.
# Usage: landscape.sh PRPC SOURCE_DIR BUILD_DIR
set -u
. "$(dirname "$0")/support/harness.sh" landscape "$@"
file="$src/examples/source1d.prp"


expect no_param 1 "name the unknown to scan with --param NAME" -- landscape "$file" -o "$work/x"
expect bad_param 1 "'ys' is not an unknown of this problem \(its unknowns: xs\)" -- landscape --param ys "$file"
expect bad_points 2 "--points expects N >= 2, not '1'" -- landscape --param xs --points 1 "$file"
expect bad_range 2 "--range expects LO:HI, not '0.5'" -- landscape --param xs --range 0.5 "$file"
expect bad_eps 1 "the smoothing eps must be >= 0, not -0.1" -- landscape --param xs --eps=0,-0.1 "$file"
expect too_many_at 2 "--at expects a list of at most 8 percentages" -- landscape --param xs --at 0,10,20,30,40,50,60,70,80 "$file"
expect help 0 "landscape FILE --param NAME" -- --help

# far from the truth: the column of dL/dxs per setting at 0.1 and 0.95
out="$work/far"
expect far 0 "simulations; wrote $out/landscape.csv" -- landscape "$file" --param xs --range 0.1:0.95 --points 2 -o "$out"
if [ -f "$out/landscape.csv" ]; then
  # columns: xs, then L and dLdp for: none, eps 0.005, eps 0.02, sigma x 4, sigma x 10
  head -1 "$out/landscape.csv" | grep -q '^xs,L_eps0_sigmax1,dLdp_eps0_sigmax1,L_eps0.005_sigmax1,' && ok || fail "csv header: $(head -1 "$out/landscape.csv")"
  if awk -F, 'NR > 1 {
        g0 = $3 < 0 ? -$3 : $3; g1 = $5 < 0 ? -$5 : $5; g2 = $7 < 0 ? -$7 : $7
        printf "xs = %s: |dL/dxs| = %.3g, %.3g, %.3g (eps 0, 0.005, 0.02)\n", $1, g0, g1, g2 > "/dev/stderr"
        if (!(g0 < g1 && g1 < g2 && g0 < 0.01 * g2)) bad = 1
        rows++ }
      END { exit (bad || rows != 2) }' "$out/landscape.csv"; then ok; else fail "|dL/dxs| does not grow with eps far from the truth"; fi
else
  fail "no landscape.csv"
fi

# the minimum without relaxation, on a coarse scan through the truth
out="$work/min"
expect minimum 0 "no relaxation +0\.6 " -- landscape "$file" --param xs --range 0.4:0.8 --points 9 --eps 0 --dilate 1 -o "$out"
for png in misfit.png gradient.png gradient_abs.png; do
  [ -s "$out/$png" ] && ok || fail "no $out/$png"
done

summary
