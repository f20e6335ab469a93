#!/usr/bin/env bash
# Rung (b) of the ladder for acoustic2d (docs/experiments.md, stop 13): can the network
# represent the forward wave at the true parameters? The unknowns held at the truth
# (warm-up 99%, no relaxation), a 3x64 sin network, 2048 points; variants of the
# example with a lower pulse frequency and a shorter duration. Prints mse/sigma^2 per
# variant (limit of the verdict: 4).
# Usage: examples/experiments/acoustic_rung_b.sh [VARIANT...]
#   VARIANT: F0:T0:T_END[:EPOCHS[:SIGMA[:EVERY]]] (default "8:0.15:1 4:0.3:1 8:0.15:0.5 4:0.3:0.6"):
#   the pulse's peak frequency and delay, the duration, the epochs (EPOCHS), the true source
#   width (the file's 0.02), the rates halved every EVERY epochs (never)
# Environment: PRPC (default build/prpc), OUT (default results/acoustic_rung_b), EPOCHS (3000),
#              DATA_WEIGHT (the data's weight, the file's 10; stop 16).
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=${PRPC:-build/prpc}
out=${OUT:-results/acoustic_rung_b}
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(8:0.15:1 4:0.3:1 8:0.15:0.5 4:0.3:0.6)
mkdir -p "$out"
for v in "${variants[@]}"; do
  IFS=: read -r f0 t0 tend epochs width every <<< "$v"
  epochs=${epochs:-${EPOCHS:-3000}} width=${width:-0.02}
  name="f${f0}_t0${t0}_T${tend}_e${epochs}_s${width}${every:+_d$every}${DATA_WEIGHT:+_w$DATA_WEIGHT}"
  decay=""; [ -n "$every" ] && decay=" decay 0.5 every $every"
  # the file: pulse f0 and t0, duration, sensor times up to the end, the reduced network
  sed -e "s/^const f0 *= *[0-9.]*/const f0    = $f0/" \
      -e "s/^const t0 *= *[0-9.]*/const t0    = $t0/" \
      -e "s/^const sigma *= *[0-9.]*/const sigma = $width/" \
      -e "s/^  optimizer .*/&$decay/" \
      -e "s/^time  t in \[0, 1\]/time  t in [0, $tend]/" \
      -e "s/t = 0.02 .. 1 count 50/t = 0.02 .. $tend count 50/" \
      -e "s/^network .*/network mlp(64, 64, 64) sin/" \
      -e "s/weights     data 10,/weights     data ${DATA_WEIGHT:-10},/" \
      -e "s/^  collocation .*/  collocation 2048 sobol resample 200\n  warmup 99%/" \
      examples/acoustic2d.prp > "$out/$name.prp"
  nice "$prpc" run --quiet --no-relax --epochs="$epochs" --guess=xs=0.35 --guess=ys=0.6 --guess=c=1 \
    --output="$out/$name" "$out/$name.prp" > "$out/$name.log" 2>&1 || true
  # the network's own misfit (checks.misfit_mse / noise_compared^2 of result.json): since
  # the refinement is on by default (stop 13) the log's first mse/sigma^2 is the model's
  network="- (no result.json: see $out/$name.log)"
  [ -f "$out/$name/result.json" ] &&
    network=$(awk -F'[:,]' '/"misfit_mse"/ { m = $2 } /"noise_compared"/ { s = $2 } END { if (s > 0) printf "%.3g", m / (s * s) }' "$out/$name/result.json")
  echo "$name: network mse/sigma^2 $network; model check $(grep -o 'misses the data by mse/sigma^2 [0-9.e+]*' "$out/$name.log" | awk '{print $NF}'); $(grep -o 'in [0-9.]* s' "$out/$name.log" | head -1)"
done
