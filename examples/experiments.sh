#!/usr/bin/env bash
# The paper's experiments, rerunnable: for each problem, vanilla PINN (--no-relax)
# and PR-PINN from several initial guesses far from the truth and several seeds;
# writes results/experiments/PROBLEM/table.md and table.csv: final error of each
# unknown, success (every unknown within TOL of its bound width of the truth),
# the run's own verdict (converged/suspect/failed, from result.json: what a user
# without the truth would be told), epochs and seconds to success; summary.txt
# also counts how often the verdict agrees with success. A thin loop over
# `prpc experiments` (docs/running.md), which does the runs and writes the tables;
# this script keeps the per-problem guess lists and the REDUCED configuration.
# Usage: examples/experiments.sh [PROBLEM ...]   (default: all four; a PROBLEM is a
#        file of examples/ or examples/blind/, without .prp)
# Environment: PRPC (default build/prpc), EPOCHS (override), SEEDS (default "1 2"),
#              TOL (default 0.05), OUT (default results/experiments),
#              METHODS (default "vanilla pr-pinn"), JOBS (MPI ranks sharing the runs, default 2;
#              one process when prpc has no MPI support),
#              GUESSES (override the problem's list, e.g. "xs=0.1,ys=0.1 xs=0.9,ys=0.9"),
#              REDUCED=1: a smaller network (3x64) and 2048 collocation points, to fit a
#              2-core machine; the tables say which configuration they ran;
#              EXTRA: train-block lines added to the file (e.g. "refine 30"), in config.txt.
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
    fisher_kpp_gyre | fisher_kpp_weak_gyre)
                     echo "xs=1.8,ys=0.8 xs=1.6,ys=0.9 xs=1.9,ys=0.1 xs=1.5,ys=0.85 xs=1.7,ys=0.5" ;;
    acoustic2d)      echo "xs=0.9,ys=0.1 xs=0.85,ys=0.2 xs=0.95,ys=0.9 xs=0.1,ys=0.1 xs=0.8,ys=0.05" ;;
    acoustic2d_wide) echo "xs=0.9,ys=0.1 xs=0.1,ys=0.1 xs=0.95,ys=0.9 xs=0.95,ys=0.5 xs=0.5,ys=0.05" ;;   # c from the file's 0.5
    square2d)        echo "xs=0.1,ys=0.15 xs=0.1,ys=0.9 xs=0.9,ys=0.1 xs=0.15,ys=0.1" ;;      # the corners far from (0.65, 0.7)
    heatbox2x1)      echo "xs=0.15,ys=0.85 xs=0.1,ys=0.1 xs=1.9,ys=0.9 xs=0.3,ys=0.6" ;;
    swirl2d)         echo "xs=0.85,ys=0.2 xs=0.9,ys=0.9 xs=0.1,ys=0.1 xs=0.8,ys=0.1" ;;
    river1d_west)    echo "xs=0.1 xs=0.3 xs=0.5 xs=1.95" ;;
  esac
}

# One problem: `prpc experiments` runs the sweep and writes table.md, table.csv and
# summary.txt; under mpirun (JOBS > 1 and MPI support in prpc) the runs are spread.
run_problem() {
  local problem=$1 file=examples/$1.prp dir=$out/$1
  [ -f "$file" ] || file=examples/blind/$1.prp
  mkdir -p "$dir"
  if [ "${REDUCED:-0}" = 1 ]; then
    sed -e 's/network mlp([0-9, ]*)/network mlp(64, 64, 64)/' -e 's/collocation [0-9]*/collocation 2048/' "$file" > "$dir/$problem.prp"
    file=$dir/$problem.prp
  fi
  if [ -n "${EXTRA:-}" ]; then
    awk -v extra="$EXTRA" '{ print } /^train *\{/ { print "  " extra }' "$file" > "$dir/$problem.extra.prp"
    file=$dir/$problem.extra.prp
  fi
  echo "configuration: $(grep -E '^network|^ *epochs|^ *collocation' "$file" | tr -s ' ' | paste -sd';')${EPOCHS:+; epochs $EPOCHS}${EXTRA:+; $EXTRA}" > "$dir/config.txt"
  local args=(experiments "$file" -o "$dir" --tol="$tol" --seeds="${seeds// /,}"
              --methods="$(echo "${METHODS:-vanilla pr-pinn}" | tr ' ' ,)" --guesses="${GUESSES:-$(guesses_for "$problem")}")
  [ -n "${EPOCHS:-}" ] && args+=(--epochs="$EPOCHS")
  local launch=()
  if [ "${JOBS:-2}" -gt 1 ] && "$prpc" --help | grep -q "MPI support in this build: on"; then
    launch=(mpirun --oversubscribe -np "${JOBS:-2}")
    [ "$(id -u)" -eq 0 ] && launch+=(--allow-run-as-root)
  fi
  nice "${launch[@]}" "$prpc" "${args[@]}"
}

problems=("$@")
[ ${#problems[@]} -gt 0 ] || problems=(source1d plume2d fisher_kpp_gyre acoustic2d)
for p in "${problems[@]}"; do run_problem "$p"; done
