#!/usr/bin/env bash
# The train option `refine N` end to end (runtime/train/train_refine.c, refine.c;
# the model's residuals from compiler/driver/run_model_check.c): source1d trained 30
# epochs from a guess 0.05 off leaves the network near its guess; the refinement
# through the simulated model brings xs to the truth, result.json keeps both
# estimates; with restarts run at once the refinement gives what it gives one after
# the other, and they are ranked by the refined misfit; a built program, which has no
# simulator, says it did not refine; without a refine line it refines (source1d's model is cheap); refine 0 and --no-refine do not; the checker refuses a path of no point. About 20 seconds.
# Usage: refine.sh PRPC SOURCE_DIR BUILD_DIR
set -u
. "$(dirname "$0")/support/harness.sh" refine "$@"
cd "$work"

awk '{ print } /^train *\{/ { print "  refine 20" }' "$src/examples/source1d.prp" > r.prp

has() { grep -qE -- "$2" "$1" 2>/dev/null; }   # FILE PATTERN
# number FILE KEY [NTH]: the NTH (1) number after "KEY": in a JSON file
number() { grep -o "\"$2\": [-0-9.e+]*" "$1" | sed -n "${3:-1}p" | awk '{ print $2 }'; }
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

expect "run with refine" 0 "refine: [0-9]+ Levenberg-Marquardt steps? \(converged\), [0-9]+ simulations of the model" -- \
  run --quiet --guess=xs=0.55 --epochs=30 --output=one r.prp
value=$(number one/result.json value) network=$(number one/result.json network_value)
if near "$value" 0.6 0.005; then ok; else fail "refined xs = $value, not within 0.005 of the truth 0.6"; fi
if [ -n "$network" ] && ! near "$network" 0.6 0.03; then ok; else fail "the network's xs = '$network' (30 epochs) should still be off the truth"; fi
before=$(number one/result.json model_mse_network) after=$(number one/result.json model_mse_refined)
if awk -v a="$after" -v b="$before" 'BEGIN { exit !(a < b / 10) }'; then ok; else fail "model mse $before -> $after: not 10x lower"; fi
# path 10 (the default): 9 points of the training's path screened, and where the winner started
# (here the guess refines to the same minimum as the network's estimate: the estimate's start is kept).
if [ "$(number one/result.json path_points_screened)" = 9 ] && has one/result.json '"from": "network"' &&
   has one/result.json '"from_values": \{'; then ok; else fail "result.json: the path screening not reported"; fi
model=$(number one/result.json model_misfit_mse)
if near "$model" "$after" 1e-12; then ok; else fail "the verdict's model check ($model) is not at the refined estimate ($after)"; fi

# Restarts at once: each restart refined, as one after the other.
for w in 1 2; do
  timeout 120 "$prpc" run --quiet --epochs=20 --restarts=2 --restart-workers=$w --guess=xs=0.55 --output=rs$w r.prp > rs$w.txt 2>&1
done
for k in 0 1; do
  if diff <(grep -v '"seconds"' rs1/restart_$k/result.json) <(grep -v '"seconds"' rs2/restart_$k/result.json) > /dev/null &&
     has rs1/restart_$k/result.json '"refine": \{'; then ok; else fail "restart $k: refined result differs between 1 and 2 workers"; fi
done

# Restarts are ranked by the refined model's misfit, not the network's loss: the best is the
# restart of lowest model_mse_refined.
timeout 120 "$prpc" run --quiet --epochs=20 --restarts=3 --guess=xs=0.55 --output=rank r.prp > rank.txt 2>&1
lowest=$(for k in 0 1 2; do echo "$k $(number rank/restart_$k/result.json model_mse_refined)"; done | sort -g -k2 | head -1 | cut -d' ' -f1)
if [ -n "$lowest" ] && has rank/verdict.json "\"best\": $lowest," && grep -q "best (lowest refined model misfit): restart $lowest" rank.txt
then ok; else fail "restarts: the best is not the restart of lowest refined misfit ($lowest)"; fi
# ... which here is not the restart of lowest loss (restart 2's network fits the data best, at
# xs 0.80, a basin of the model that fits worse): the two rankings really differ in this case.
by_loss=$(for k in 0 1 2; do echo "$k $(number rank/restart_$k/result.json loss)"; done | sort -g -k2 | head -1 | cut -d' ' -f1)
if [ "$by_loss" != "$lowest" ]; then ok; else fail "restarts: the lowest loss ($by_loss) and the lowest refined misfit coincide; the case no longer tells the rankings apart"; fi

# prpc experiments refines too, and its table shows the network's estimate beside the refined one.
expect "experiments with refine" 0 "source1d pr-pinn: success 1/1" -- \
  experiments r.prp --methods pr --guesses "xs=0.55" --seeds 1 --epochs=30 -o exp
if grep -qE "\| xs=0\.6 \(network xs=0\.5[0-9]*\) \|" exp/table.md; then ok; else fail "experiments: table.md lacks the network's estimate"; grep pr-pinn exp/table.md; fi

# ... and with --no-refine it gives the networks' answers.
expect "experiments --no-refine" 0 "source1d pr-pinn: success [01]/1" -- \
  experiments r.prp --methods pr --guesses "xs=0.55" --seeds 1 --epochs=30 --no-refine -o exp0
if grep -q "pr-pinn" exp0/table.md && ! grep -q "(network" exp0/table.md; then ok; else fail "experiments --no-refine: refined"; fi

# A built program has no simulator of the model: it says so and keeps the network's answer.
if timeout 120 "$prpc" build r.prp -o prog > build.log 2>&1; then
  ./prog --quiet --guess=xs=0.55 --epochs=5 --output=b > b.txt 2>&1
  if grep -q "refine: not done: the model cannot be simulated here" b.txt && ! grep -q '"network_value"' b/result.json; then ok
  else fail "built program: no note that it did not refine"; tail -3 b.txt; fi
else
  fail "prpc build"; tail -3 build.log
fi

# The default (no refine line): refined where a simulation is cheap, as source1d's; `refine 0` and
# --no-refine turn it off.
expect "default" 0 "refine: [0-9]+ Levenberg-Marquardt steps?" -- run --quiet --guess=xs=0.55 --epochs=30 --output=dflt "$src/examples/source1d.prp"
if has dflt/result.json '"network_value"'; then ok; else fail "default: result.json has no network_value"; fi
sed 's/refine 20/refine 0/' r.prp > r0.prp
for off in "r0.prp" "--no-refine r.prp" "--no-refine $src/examples/source1d.prp"; do
  # shellcheck disable=SC2086
  "$prpc" run --quiet --guess=xs=0.55 --epochs=30 --output=off $off > off.txt 2>&1
  if ! grep -q '^refine' off.txt && ! has off/result.json '"network_value"' && grep -q '^verdict' off.txt; then ok
  else fail "'$off': refined, or did not run"; tail -3 off.txt; fi
done
sed 's/refine 20/refine 20 path 0/' r.prp > rp0.prp
expect "refine path 0" 1 "rp0.prp:[0-9]+:[0-9]+: error: a whole number must be at least 1" -- run rp0.prp
summary
