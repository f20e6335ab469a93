#!/usr/bin/env bash
# Stop 11's probes on the blind flow problems (docs/experiments.md, section 0,
# "Stop 11"): one run each, shear2d from (1.1, 0.1) seed 1 and crossflow2d from
# (0.2, 0.9) seed 2, with one train-block line added to the blind file per
# probe, plus the strict PINN started at the truth. Two runs at a time.
# (The Adam-moments probe of that table was a code change that was not kept.)
# Environment: PRPC (default build/prpc), OUT (default results/flow_probes).
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=${PRPC:-build/prpc}
out=${OUT:-results/flow_probes}
mkdir -p "$out"
variant() {  # PROBLEM NAME LINE...: the blind file with LINEs added to its train block
  local p=$1 name=$2; shift 2
  awk -v lines="$(printf '%s\n' "$@")" '/^train *\{/ { print; printf "%s\n", lines; next } { print }' \
    "examples/blind/$p.prp" > "$out/$p-$name.prp"
}
run() {  # FILE NAME SEED XS YS [ARGS...]
  local file=$1 name=$2 seed=$3 xs=$4 ys=$5; shift 5
  nice "$prpc" run --quiet --seed="$seed" --guess=xs="$xs" --guess=ys="$ys" -o "$out/$name" "$@" "$file" \
    > "$out/$name.log" 2>&1
  echo "$name: $(sed -n 's/^  \(xs\|ys\) *= *\([-0-9.e+]*\).*/\1=\2/p' "$out/$name.log" | tr '\n' ' ')"
}
variant shear2d noslow "  unknowns_slowdown 1"
variant crossflow2d noslow "  unknowns_slowdown 1"
variant shear2d resample_lbfgs "  collocation 2048 sobol resample 100" "  lbfgs 300"
variant shear2d residual10 "  weights residual 10"
run examples/blind/shear2d.prp shear2d-vanilla-truth 1 0.3 0.5 --no-relax &
run examples/blind/crossflow2d.prp crossflow2d-vanilla-truth 2 1.5 0.4 --no-relax; wait
run "$out/shear2d-noslow.prp" shear2d-noslow 1 1.1 0.1 &
run "$out/crossflow2d-noslow.prp" crossflow2d-noslow 2 0.2 0.9; wait
run "$out/shear2d-resample_lbfgs.prp" shear2d-resample_lbfgs 1 1.1 0.1 &
run "$out/shear2d-residual10.prp" shear2d-residual10 1 1.1 0.1; wait
# Why the unknowns move slowly: every epoch logged (history.csv's dL_dxs and xs).
variant shear2d log1 "  log 1"
run "$out/shear2d-log1.prp" shear2d-log1 1 1.1 0.1
