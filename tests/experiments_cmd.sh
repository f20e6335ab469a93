#!/usr/bin/env bash
# `prpc experiments` (compiler/driver/experiments_cmd.c, experiments_table.c) on a tiny sweep of
# source1d: 2 methods x 2 guesses x 1 seed, 20 epochs; table.md, table.csv and
# summary.txt have a row per run and a line per method, each run its directory; option
# errors exit 2 before any run. About 10 s. (Under mpirun: tests/mpi.sh.)
# Usage: experiments_cmd.sh PRPC SOURCE_DIR BUILD_DIR
set -u
. "$(dirname "$0")/support/harness.sh" experiments_cmd "$@"
file="$src/examples/source1d.prp"
out="$work/sweep"

expect bad_method 2 "--methods: 'adam' is no method" -- experiments "$file" --methods=vanilla,adam -o "$out"
expect bad_guess 2 "--guesses: --guess: 'ys' is not an unknown" -- experiments "$file" --guesses "xs=0.1 ys=0.2" -o "$out"
expect bad_bound 2 "xs = 7 lies outside its bounds" -- experiments "$file" --guesses "xs=7" -o "$out"
expect bad_seed 2 "--seeds: expected a whole number" -- experiments "$file" --seeds=1,x -o "$out"
expect bad_tol 2 "--tol expects a share of the bound width" -- experiments "$file" --tol=2 -o "$out"
[ ! -e "$out" ] && ok || fail "an option error still made $out"
expect help 0 "experiments FILE" -- --help

expect sweep 0 "^source1d pr-pinn: success [0-2]/2; verdict right [0-2]/2" -- \
  experiments "$file" --guesses "xs=0.05 xs=0.9" --seeds=3 --epochs=20 -o "$out"
head -1 "$out/table.csv" | grep -qx 'method,guess,seed,unknowns,status,errors,success,verdict,warnings,epochs_to_success,seconds' \
  && ok || fail "table.csv header: $(head -1 "$out/table.csv")"
[ "$(grep -c '^vanilla,"xs=0\.[09]5*",3,"xs=[0-9.]*\( (network xs=[0-9.]*)\)\?",done,"[0-9.]*",\(true\|false\),[a-z]*,' "$out/table.csv")" = 2 ] \
  && ok || { fail "table.csv vanilla rows"; cat "$out/table.csv"; }
[ "$(grep -c '^pr-pinn,' "$out/table.csv")" = 2 ] && ok || fail "table.csv pr-pinn rows"
[ "$(grep -c '^| \(vanilla\|pr-pinn\) | xs=0\.[09]5* | 3 | xs=' "$out/table.md")" = 4 ] && ok || fail "table.md rows"
[ "$(wc -l < "$out/summary.txt")" = 2 ] && grep -q '^source1d vanilla: success' "$out/summary.txt" && ok || fail "summary.txt"
for run in vanilla-xs_0.05-s3 vanilla-xs_0.9-s3 pr-pinn-xs_0.05-s3 pr-pinn-xs_0.9-s3; do
  [ -s "$out/$run/result.json" ] && [ -s "$out/$run/history.csv" ] && ok || fail "no run directory $run"
done
# the run with the file's seed and guess is the one `prpc run` makes
expect one 0 "^source1d pr-pinn xs=0\.05 seed 3: " -- experiments "$file" --methods=pr --guesses "xs=0.05" --seeds=3 --epochs=20 -o "$work/one"
expect run 0 "trained after 20 epochs" -- run --quiet --seed=3 --epochs=20 --guess=xs=0.05 -o "$work/run" "$file"
if cmp -s "$work/one/pr-pinn-xs_0.05-s3/history.csv" "$work/run/history.csv"; then ok; else fail "experiments' run differs from prpc run"; fi

summary
