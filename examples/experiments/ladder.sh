#!/usr/bin/env bash
# Rungs (b) and (c) of the ladder (docs/experiments.md) for a problem with a
# truth block: (b) representable -- the strict PINN (no relaxation) with the
# unknowns held at the truth for 99% of training: does the network fit the
# data to the noise level (mse / sigma^2 from result.json's checks)?
# (c) near -- vanilla and PR-PINN from guesses 0.1 of the bound width away
# from the truth (one per unknown direction, + then -): recovered?
# Rung (a), the landscape, is `prpc landscape FILE --param ...`.
# Usage: examples/experiments/ladder.sh PROBLEM [RUNGS]   (RUNGS: "b c", default)
# Environment: PRPC (default build/prpc), OUT (default results/ladder), SEED (1),
#              EPOCHS (override), NETWORK (e.g. "mlp(64, 64, 64) sin": replaces the
#              file's network line), COLLOCATION (default 2048), JOBS (default 2),
#              DELTAS (default "0.1 -0.1": the offsets of rung (c)).
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=${PRPC:-build/prpc}
problem=$1
rungs=${2:-b c}
file=examples/$problem.prp
[ -f "$file" ] || file=examples/blind/$problem.prp
out=${OUT:-results/ladder}/$problem
mkdir -p "$out"

# The file with the network and collocation of this ladder, and extra train lines.
variant() {  # DEST [TRAIN-LINE...]
  local dest=$1; shift
  local lines=("  collocation ${COLLOCATION:-2048}" "$@")
  awk -v net="${NETWORK:-}" -v extra="$(printf '%s\n' "${lines[@]}")" '
    /^network / && net != "" { print "network " net; next }
    /^ *collocation / { next }
    { print }
    /^train *\{/ { print extra }' "$file" > "$dest"
}

truths=$(grep -A20 '^truth' "$file" | grep -m1 -o 'set .*' | sed 's/^set //; s/ //g')
seed=${SEED:-1}
extra=()
[ -n "${EPOCHS:-}" ] && extra+=(--epochs="$EPOCHS")

run() {  # NAME FILE [ARGS...]
  local name=$1 f=$2; shift 2
  nice "$prpc" run --quiet --seed="$seed" --output="$out/$name" "${extra[@]}" "$@" "$f" > "$out/$name.log" 2>&1 || true
}

guess_args() {  # "a=1,b=2" [NAME DELTA]: --guess per unknown, NAME moved by DELTA
  local IFS=, pair
  for pair in $1; do
    local n=${pair%%=*} v=${pair#*=}
    [ "$n" = "${2:-}" ] && v=$(awk -v v="$v" -v d="$3" 'BEGIN { print v + d }')
    printf -- '--guess=%s=%s\n' "$n" "$v"
  done
}

jobs=()
if [[ " $rungs " == *" b "* ]]; then
  variant "$out/b.prp" "  warmup 99%"
  mapfile -t args < <(guess_args "$truths")
  run b_truth "$out/b.prp" --no-relax "${args[@]}" &
  jobs+=($!)
fi
if [[ " $rungs " == *" c "* ]]; then
  variant "$out/c.prp"
  IFS=, read -ra pairs <<< "$truths"
  for pair in "${pairs[@]}"; do
    n=${pair%%=*}
    for d in ${DELTAS:-0.1 -0.1}; do
      mapfile -t args < <(guess_args "$truths" "$n" "$d")
      for method in vanilla pr-pinn; do
        flag=(); [ $method = vanilla ] && flag=(--no-relax)
        run "c_${method}_${n}${d}" "$out/c.prp" "${flag[@]}" "${args[@]}" &
        jobs+=($!)
        while [ "$(jobs -rp | wc -l)" -ge "${JOBS:-2}" ]; do sleep 1; done
      done
    done
  done
fi
wait

# The table: one line per run.
for r in "$out"/*/result.json; do
  name=$(basename "$(dirname "$r")")
  jq -r --arg n "$name" '"\($n): " + ([.unknowns | to_entries[] | "\(.key)=\(.value.value * 1000 | round / 1000) (err \(.value.error * 1000 | round / 1000))"] | join(", ")) + "; mse/sigma^2 \(((.checks.misfit_mse // 0) / ((.checks.noise_compared // 1) * (.checks.noise_compared // 1))) * 10 | round / 10); verdict \(.verdict)"' "$r"
done | tee "$out/summary.txt"
