#!/usr/bin/env bash
# The development runs of the 2D relaxation (docs/experiments.md, "PR-PINN in
# 2D"): examples/blind/square2d.prp (reduced: 3x64, 2048 points) from the
# corner (0.1, 0.15), 3000 epochs, seeds 1 and 2, one variant of the relaxation
# at a time. Writes OUT/VARIANT-sSEED/ and prints the final estimates.
# Usage: examples/experiments/square2d_variants.sh [VARIANT ...]
# Environment: PRPC (default build/prpc), OUT (default results/square2d-variants),
#              SEEDS (default "1 2"), JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=${PRPC:-build/prpc}
out=${OUT:-results/square2d-variants}
seeds=${SEEDS:-1 2}
base=examples/blind/square2d.prp
mkdir -p "$out"

# Each variant: a relax block (or auto) and extra train lines.
relax_of() {
  case $1 in
    vanilla|at_truth|near) echo "relax off" ;;
    strong_cosine)   printf 'relax {\n  smoothing eps from 0.2 to 0 until 60%% cosine\n  dilatation sigma from 0.5 to sigma until 60%% cosine\n}\n' ;;
    cosine_box|cosine_free|cosine_free_fast)
                     printf 'relax {\n  smoothing eps from 0.25 to 0 until 60%% cosine\n  dilatation sigma from 0.5 to sigma until 60%% cosine\n}\n' ;;
    hold_box|hold_box_fast|hold_box_resample|auto|auto_warmup)
                     echo "relax auto dilate sigma" ;;
    hold_nudging)    printf 'relax {\n  smoothing eps piecewise [0%% 0.25, 25%% 0.25, 75%% 0]\n  dilatation sigma piecewise [0%% 0.5, 25%% 0.5, 75%% sigma]\n  nudging eta from 5 to 0 until 50%% cosine width 0.1\n}\n' ;;
    hold_geometric)  printf 'relax {\n  smoothing eps piecewise [0%% 0.25, 25%% 0.25, 75%% 0]\n  dilatation sigma piecewise [0%% 0.5, 25%% 0.5, 31.25%% 0.35175, 37.5%% 0.24746, 43.75%% 0.17409, 50%% 0.12247, 56.25%% 0.086162, 62.5%% 0.060615, 68.75%% 0.042643, 75%% sigma]\n}\n' ;;
    *) echo "unknown variant $1" >&2; exit 2 ;;
  esac
}
train_of() {
  case $1 in
    strong_cosine)     printf '  optimizer adam lr 1e-3 unknowns_lr 2e-3\n  source_energy box\n' ;;
    cosine_box|hold_box|hold_nudging|hold_geometric) printf '  source_energy box\n' ;;
    cosine_free_fast)  printf '  optimizer adam lr 1e-3 unknowns_lr 3e-3\n' ;;
    hold_box_fast)     printf '  optimizer adam lr 1e-3 unknowns_lr 3e-3\n  source_energy box\n' ;;
    hold_box_resample) printf '  collocation 2048 sobol resample 100\n  source_energy box\n' ;;
    auto_warmup)       printf '  warmup 10%%\n' ;;
  esac
}
guess_of() {
  case $1 in
    at_truth) echo "--guess=xs=0.65 --guess=ys=0.7" ;;
    near)     echo "--guess=xs=0.55 --guess=ys=0.6" ;;
    *)        echo "" ;;
  esac
}

run_one() {  # VARIANT SEED
  local g
  g=$(guess_of "$1")
  # shellcheck disable=SC2086
  nice "$prpc" run --quiet --seed="$2" $g --output="$out/$1-s$2" "$out/$1.prp" > "$out/$1-s$2.log" 2>&1 || true
}
export -f run_one guess_of
export prpc out

variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(vanilla at_truth near strong_cosine cosine_box cosine_free cosine_free_fast
                                      hold_box hold_nudging hold_box_fast hold_box_resample hold_geometric auto auto_warmup)
for v in "${variants[@]}"; do
  { sed '/^relax auto dilate sigma$/,$d' "$base"; relax_of "$v"; echo; echo "network mlp(64, 64, 64) tanh"
    printf 'train {\n  precision f32\n  epochs 3000\n'; train_of "$v"; echo "}"; } > "$out/$v.prp"
done
for v in "${variants[@]}"; do for s in $seeds; do echo "$v $s"; done; done | xargs -n 2 -P "${JOBS:-2}" bash -c 'run_one "$@"' _
echo "variant seed xs ys"
for v in "${variants[@]}"; do
  for s in $seeds; do
    r=$out/$v-s$s/result.json
    if [ -f "$r" ]; then echo "$v $s $(jq -r '[.unknowns.xs.value, .unknowns.ys.value] | map(. * 1000 | round / 1000) | join(" ")' "$r")"
    else echo "$v $s (no result: $out/$v-s$s.log)"; fi
  done
done
