#!/usr/bin/env bash
# Stop 11 (docs/experiments.md, section 0): PR-PINN with the file's settings
# (5000 epochs, relax auto), then a strict phase of 4000 more epochs with the
# collocation points redrawn every 100 epochs and the unknowns at their full
# rate (REPL: `collocation 2048 sobol resample 100`, `unknowns_slowdown 1`,
# `train 4000`), from far guesses x 2 seeds. Two runs at a time.
# Usage: examples/experiments/strict_polish.sh PROBLEM "G1;G2;..."   (G = xs=A,ys=B)
# Writes results/strict_polish/PROBLEM/{run scripts, logs, table.txt}.
# Environment: PRPC (default build/prpc), OUT (default results/strict_polish), SEEDS ("1 2").
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=$(realpath "${PRPC:-build/prpc}")
problem=$1
guesses=$2
file=examples/blind/$problem.prp
out=${OUT:-results/strict_polish}/$problem
mkdir -p "$out"
bounds() { sed -n "s/^unknown $1 *= *[-0-9.e+]* *\(in .*\)$/\1/p" "$file"; }
scripts=()
IFS=';' read -ra list <<< "$guesses"
for g in "${list[@]}"; do
  for seed in ${SEEDS:-1 2}; do
    name="$(echo "$g" | tr ',=' '__')-s$seed"
    {
      echo "load $file"
      for pair in ${g//,/ }; do echo "unknown ${pair%%=*} = ${pair#*=} $(bounds "${pair%%=*}")"; done
      echo "set seed $seed"
      echo "train 5000"
      echo "show unknowns"
      echo "collocation 2048 sobol resample 100"
      echo "unknowns_slowdown 1"
      echo "train 4000"
      echo "show unknowns"
    } > "$out/$name.repl"
    scripts+=("$name")
  done
done
printf '%s\n' "${scripts[@]}" | nice xargs -P 2 -I{} sh -c "'$prpc' repl --script '$out/{}.repl' > '$out/{}.log' 2>&1"
for name in "${scripts[@]}"; do
  echo "$name: $(grep -E '^  (xs|ys) ' "$out/$name.log" | awk '{ v[NR] = $1 "=" $3 } END { print v[1], v[2], " -> ", v[NR-1], v[NR] }')"
done | tee "$out/table.txt"
