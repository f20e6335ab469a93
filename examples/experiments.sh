#!/usr/bin/env bash
# The paper's experiments, rerunnable: for each problem, vanilla PINN (--no-relax)
# and PR-PINN from several initial guesses far from the truth and several seeds;
# writes results/experiments/PROBLEM/table.md and table.csv: final error of each
# unknown, success (every unknown within TOL of its bound width of the truth),
# the run's own verdict (converged/suspect/failed, from result.json: what a user
# without the truth would be told), epochs and seconds to success; summary.txt
# also counts how often the verdict agrees with success.
# Usage: examples/experiments.sh [PROBLEM ...]   (default: all four; a PROBLEM is a
#        file of examples/ or examples/blind/, without .prp)
# Environment: PRPC (default build/prpc), EPOCHS (override), SEEDS (default "1 2"),
#              TOL (default 0.05), OUT (default results/experiments),
#              METHODS (default "vanilla pr-pinn"), JOBS (runs at once, default 2),
#              GUESSES (override the problem's list, e.g. "xs=0.1,ys=0.1 xs=0.9,ys=0.9"),
#              REDUCED=1: a smaller network (3x64) and 2048 collocation points, to fit a
#              2-core machine; the tables say which configuration they ran.
set -euo pipefail
cd "$(dirname "$0")/.."
prpc=${PRPC:-build/prpc}
seeds=${SEEDS:-1 2}
tol=${TOL:-0.05}
out=${OUT:-results/experiments}

# Initial guesses at least 40% of the domain away from the truth, per problem.
guesses_for() {
  case $1 in
    source1d)        echo "xs=0.05 xs=0.1 xs=0.15 xs=0.95 xs=0.9" ;;
    plume2d)         echo "xs=0.85,ys=0.85 xs=0.9,ys=0.1 xs=0.75,ys=0.95 xs=0.95,ys=0.5 xs=0.7,ys=0.9" ;;
    fisher_kpp_gyre) echo "xs=1.8,ys=0.8 xs=1.6,ys=0.9 xs=1.9,ys=0.1 xs=1.5,ys=0.85 xs=1.7,ys=0.5" ;;
    acoustic2d)      echo "xs=0.9,ys=0.1 xs=0.85,ys=0.2 xs=0.95,ys=0.9 xs=0.1,ys=0.1 xs=0.8,ys=0.05" ;;
    square2d)        echo "xs=0.1,ys=0.15 xs=0.1,ys=0.9 xs=0.9,ys=0.1 xs=0.15,ys=0.1" ;;      # the corners far from (0.65, 0.7)
    heatbox2x1)      echo "xs=0.15,ys=0.85 xs=0.1,ys=0.1 xs=1.9,ys=0.9 xs=0.3,ys=0.6" ;;
    swirl2d)         echo "xs=0.85,ys=0.2 xs=0.9,ys=0.9 xs=0.1,ys=0.1 xs=0.8,ys=0.1" ;;
    river1d_west)    echo "xs=0.1 xs=0.3 xs=0.5 xs=1.95" ;;
  esac
}

# Epoch from which every unknown stays within tol (of its bound width) of the truth, or "-".
epochs_to_success() {  # history.csv result.json
  local names widths truths
  names=$(jq -r '.unknowns | to_entries[] | select(.value.truth != null) | .key' "$2" | paste -sd' ')
  truths=$(jq -r '.unknowns | to_entries[] | select(.value.truth != null) | .value.truth' "$2" | paste -sd' ')
  widths=$(jq -r '.unknowns | to_entries[] | select(.value.truth != null) | .value.width // 1' "$2" | paste -sd' ')
  awk -F, -v names="$names" -v truths="$truths" -v widths="$widths" -v tol="$tol" '
    NR == 1 { n = split(names, nm, " "); split(truths, tr, " "); split(widths, wd, " ");
              for (i = 1; i <= NF; i++) col[$i] = i; next }
    { ok = 1; for (k = 1; k <= n; k++) { d = $(col[nm[k]]) - tr[k]; if (d < 0) d = -d; if (d > tol * wd[k]) ok = 0 }
      if (ok && first == "") first = $1; if (!ok) first = "" }
    END { print (first == "" ? "-" : first) }' "$1"
}

# One run: METHOD GUESS SEED FILE RUNDIR [EXTRA...]
one_run() {
  local method=$1 guess=$2 seed=$3 file=$4 run=$5; shift 5
  local args=()
  IFS=, read -ra parts <<< "$guess"
  for p in "${parts[@]}"; do args+=(--guess="$p"); done
  [ "$method" = vanilla ] && args+=(--no-relax)
  nice "$prpc" run --quiet --seed="$seed" --output="$run" "${args[@]}" "$@" "$file" > "$run.log" 2>&1 || true
}
export -f one_run
export prpc

# How often the verdict is right: "converged" on a success, "suspect" or
# "failed" on a failure; also how many successes were called converged and how
# many failures were flagged. Reads table.csv's success and verdict columns.
verdict_right() {  # table.csv method
  awk -F, -v m="$2" '
    $1 == m { for (i = NF; i > 0; i--) if ($i == "true" || $i == "false") break
              ok = $i == "true"; v = $(i + 1); n++
              if (ok) { ns++; if (v == "converged") cs++ } else { nf++; if (v != "converged") ff++ }
              right += (ok && v == "converged") || (!ok && v != "converged") }
    END { printf "%d/%d (successes called converged %d/%d, failures flagged %d/%d)\n", right, n, cs, ns, ff, nf }' "$1"
}

run_problem() {
  local problem=$1 file=examples/$1.prp dir=$out/$1
  [ -f "$file" ] || file=examples/blind/$1.prp
  mkdir -p "$dir"
  if [ "${REDUCED:-0}" = 1 ]; then
    sed -e 's/network mlp([0-9, ]*)/network mlp(64, 64, 64)/' -e 's/collocation [0-9]*/collocation 2048/' "$file" > "$dir/$problem.prp"
    file=$dir/$problem.prp
  fi
  echo "configuration: $(grep -E '^network|^ *epochs|^ *collocation' "$file" | tr -s ' ' | paste -sd';')${EPOCHS:+; epochs $EPOCHS}" > "$dir/config.txt"
  local csv=$dir/table.csv md=$dir/table.md
  echo "method,guess,seed,$(jq -rn --arg p "$problem" '"unknowns"'),status,errors,success,verdict,warnings,epochs_to_success,seconds" > "$csv"
  {
    echo "| method | initial guess | seed | final estimate | error | success | verdict | epochs to success | seconds |"
    echo "|---|---|---|---|---|---|---|---|---|"
  } > "$md"
  local extra=()
  [ -n "${EPOCHS:-}" ] && extra+=(--epochs="$EPOCHS")
  local methods=${METHODS:-vanilla pr-pinn} guesses=${GUESSES:-$(guesses_for "$problem")}
  for method in $methods; do
    for guess in $guesses; do
      for seed in $seeds; do
        printf '%s\0%s\0%s\0%s\0%s\0' "$method" "$guess" "$seed" "$file" "$dir/$method-${guess//[=,]/_}-s$seed"
      done
    done
  done | xargs -0 -n 5 -P "${JOBS:-2}" bash -c 'one_run "$@" '"${extra[*]}" _
  for method in $methods; do
    for guess in $guesses; do
      for seed in $seeds; do
        local run=$dir/$method-${guess//[=,]/_}-s$seed
        [ -f "$run/result.json" ] || { echo "| $method | $guess | $seed | (failed: see $run.log) | | | | | |" >> "$md"; continue; }
        local est err ok steps secs verdict warns
        est=$(jq -r '[.unknowns | to_entries[] | "\(.key)=\(.value.value | . * 1000 | round / 1000)"] | join(", ")' "$run/result.json")
        err=$(jq -r '[.unknowns | to_entries[] | select(.value.error != null) | "\(.value.error | . * 1000 | round / 1000)"] | join(", ")' "$run/result.json")
        ok=$(jq -r --argjson tol "$tol" '[.unknowns[] | select(.truth != null) | .error <= $tol * (.width // 1)] | all' "$run/result.json")
        verdict=$(jq -r '.verdict // "-"' "$run/result.json")
        warns=$(jq -r '[.warnings[]? | .name + (if .unknown then "(" + .unknown + ")" else "" end)] | unique | join(" ")' "$run/result.json")
        steps=$(epochs_to_success "$run/history.csv" "$run/result.json")
        secs=$(jq -r '.seconds | . * 10 | round / 10' "$run/result.json")
        echo "| $method | $guess | $seed | $est | $err | $ok | $verdict${warns:+ ($warns)} | $steps | $secs |" >> "$md"
        echo "$method,\"$guess\",$seed,\"$est\",$(jq -r .status "$run/result.json"),\"$err\",$ok,$verdict,\"$warns\",$steps,$secs" >> "$csv"
        echo "$problem $method $guess seed $seed: $est (error $err) success=$ok verdict=$verdict"
      done
    done
  done
  for method in $methods; do
    local n s right
    n=$(grep -c "^$method," "$csv" || true)
    s=$(grep -c "^$method,.*,true,[a-z]*," "$csv" || true)
    right=$(verdict_right "$csv" "$method")
    echo "$problem $method: success $s/$n; verdict right $right" | tee -a "$dir/summary.txt"
  done
}

problems=("$@")
[ ${#problems[@]} -gt 0 ] || problems=(source1d plume2d fisher_kpp_gyre acoustic2d)
for p in "${problems[@]}"; do run_problem "$p"; done
