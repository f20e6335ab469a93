#!/usr/bin/env bash
# fisher_kpp_gyre redesigned at rung (a) (issue 12; docs/experiments.md, stop 14): variants of
# examples/fisher_kpp_gyre.prp that change the gyre's strength A (the file's 0.1), the duration
# T (2), the sensor grid NX x NY (5 x 3) and the source's normalisation: `peak` is the file's
# 0.5 * bump2d (the dilated source's mass grows as sigma^2: 36x at the start), `mass` the same
# strict source written as q * gaussian2d with q = 0.5 * 2 pi 0.05^2 (the dilated source keeps
# the truth's mass), `box` the same with std.sources' gaussian2d_box, unit mass inside the box
# (the dilated source keeps the truth's mass inside the box: a wide source by a wall no
# longer loses mass through it; stop 14 ran it written out, the same formula). Per variant,
# through the simulator (no PINN):
#   the landscape of (xs, ys) at the relaxed start (0%) and strict (100%), 21 x 21, 128 nodes;
#   the strict model's minimum near the truth: the refinement alone (`refine 30 path 1`)
#   after 1 epoch of the vanilla PINN started at the truth (and the file's 500 L-BFGS
#   iterations, which move the unknowns 0.02-0.13 before the refinement starts).
# MODE=rungb: rung (b) instead, the PINN (3x64 tanh, 2048 points) with the unknowns held at
#   the truth (warm-up 99%: they move in the last 1%; no relaxation, EPOCHS epochs): its
#   data misfit, and the simulated model's at the network's estimate (the model check).
# MODE=far: vanilla and PR-PINN from the five far guesses of examples/experiments.sh, seeds
#   1 and 2, 3x64 tanh, 2048 points, EPOCHS epochs (`prpc experiments`, refined by default).
# Usage: examples/experiments/fisher_redesign.sh A:T:NX:NY:NORM...   e.g. 0.1:2:5:3:peak 0.03:2:5:3:mass
# Environment: PRPC (default build/prpc), OUT (default results/fisher_redesign), POINTS (21),
#              AT (0,100), MODE (landscape, rungb or far), EPOCHS (3000), RANKS (2),
#              METHODS (far: vanilla,pr), RESIDUAL_WEIGHT (rungb, far: the residual's weight, 1).
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=${PRPC:-build/prpc}
out=${OUT:-results/fisher_redesign}
mkdir -p "$out"
# variant_file A T NX NY NORM FILE: writes the variant's .prp
variant_file() {
  local src="let s = 0.5 * bump2d(x, y, xs, ys, sigma)"
  [ "$5" = mass ] && src="let s = 0.5 * 2 * pi * 0.05^2 * gaussian2d(x, y, xs, ys, sigma)   # the truth's mass at every width"
  [ "$5" = box ] && src="let s = 0.5 * 2 * pi * 0.05^2 * gaussian2d_box(x, y, xs, ys, sigma, 0, 2, 0, 1)   # the truth's mass inside the box at every width"
  sed -e "s/^time  t in \[0, 2\]/time  t in [0, $2]/" \
      -e "s/(x, y, t, 0.1, 0.25,/(x, y, t, $1, 0.25,/" \
      -e "s/^let s = .*/$src/" \
      -e "s/sensors x = 0.2 .. 1.8 count 5, y = 0.2 .. 0.8 count 3, t = 0.1 .. 2 count 20/sensors x = 0.2 .. 1.8 count $3, y = 0.2 .. 0.8 count $4, t = 0.1 .. $2 count 20/" \
      examples/fisher_kpp_gyre.prp > "$6"
  grep -q "count $3, y = 0.2 .. 0.8 count $4, t = 0.1 .. $2" "$6" || { echo "variant_file: the sensors line did not change" >&2; exit 2; }
}
reduced() {   # reduced FILE OUT [LINE]: the 3x64 network, 2048 points, LINE added to the train block
  sed -e 's/^network mlp([0-9, ]*)/network mlp(64, 64, 64)/' -e 's/collocation [0-9]*/collocation 2048/' \
      -e "s/residual 1, initial/residual ${RESIDUAL_WEIGHT:-1}, initial/" "$1" |
    awk -v extra="${3:-}" '{ print } /^train *\{/ && extra != "" { print "  " extra }' > "$2"
}
rung_b() {    # rung_b NAME FILE
  reduced "$2" "$out/$1/fisher_rungb.prp" "warmup 99%"
  nice "$prpc" run --quiet --no-relax --no-refine --epochs="${EPOCHS:-3000}" --guess=xs=0.5 --guess=ys=0.3 \
    --output="$out/$1/rungb" "$out/$1/fisher_rungb.prp" > "$out/$1/rungb.log" 2>&1 || true
  local check; check=$(grep -o 'misses the data by mse/sigma^2 [0-9.e+]* (the network: [0-9.e+]*)' "$out/$1/rungb.log" || true)
  echo "$1 rung (b): $(grep -E '^  (xs|ys) ' "$out/$1/rungb.log" | awk '{print $1 "=" $3}' | paste -sd' ') (the unknowns move in the last 1%); the network's misfit mse/sigma^2 $(sed -E 's/.*network: ([0-9.e+]*)\)/\1/' <<< "$check"), the simulated model's at the network's estimate $(awk '{print $6}' <<< "$check")"
}
far() {       # far NAME FILE
  reduced "$2" "$out/$1/fisher_far.prp"
  local launch=()
  if [ "${RANKS:-2}" -gt 1 ] && "$prpc" --help | grep -q 'MPI support in this build: on'; then
    launch=(mpirun --allow-run-as-root --oversubscribe -np "${RANKS:-2}")
  fi
  nice "${launch[@]}" "$prpc" experiments "$out/$1/fisher_far.prp" --methods "${METHODS:-vanilla,pr}" --seeds 1,2 \
    --epochs="${EPOCHS:-3000}" --guesses "xs=1.8,ys=0.8;xs=1.6,ys=0.9;xs=1.9,ys=0.1;xs=1.5,ys=0.85;xs=1.7,ys=0.5" \
    -o "$out/$1/far" | grep -v '^rank '
}
for v in "$@"; do
  IFS=: read -r A T NX NY NORM <<< "$v"
  name="A${A}_T${T}_${NX}x${NY}_${NORM}"
  mkdir -p "$out/$name"
  f="$out/$name/fisher.prp"
  variant_file "$A" "$T" "$NX" "$NY" "$NORM" "$f"
  case ${MODE:-landscape} in
    rungb) rung_b "$name" "$f"; continue ;;
    far) far "$name" "$f"; continue ;;
    landscape) ;;
    *) echo "unknown MODE '${MODE}' (landscape, rungb or far)" >&2; exit 2 ;;
  esac
  nice "$prpc" landscape "$f" --param xs,ys --points "${POINTS:-21}" --at "${AT:-0,100}" --grid 128 \
    -o "$out/$name/landscape" 2> "$out/$name/landscape.err" | grep '^verdict' | sed "s/^/$name: /"
  awk '{ print } /^train *\{/ { print "  refine 30 path 1" }' "$f" > "$out/$name/fisher_refine.prp"
  nice "$prpc" run --quiet --no-relax --epochs=1 --guess=xs=0.5 --guess=ys=0.3 \
    --output="$out/$name/from_truth" "$out/$name/fisher_refine.prp" 2>&1 |
    grep -E "^  [a-z]+ +=|^refine" | tr '\n' ' ' | sed "s/^/$name from the truth: /"; echo
done
