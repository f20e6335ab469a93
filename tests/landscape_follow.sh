#!/usr/bin/env bash
# `prpc landscape --follow RUN_DIR` on a short run of the source1d example: the run's history
# has the PINN's gradient per unknown (dL_dxs, whose size is grad_unknowns with one unknown);
# follow.csv has its header, one row per sample, angles in [0, 180] and the epochs spread over
# the run; follow.png is written; option errors exit non-zero with a message. About 5 s.
# Usage: landscape_follow.sh PRPC SOURCE_DIR BUILD_DIR
set -u
. "$(dirname "$0")/support/harness.sh" landscape_follow "$@"
file="$src/examples/source1d.prp"


run="$work/run"
expect run 0 "" -- run "$file" --epochs=60 --quiet -o "$run"
hist="$run/history.csv"
head -1 "$hist" | grep -q ',grad_unknowns,dL_dxs$' && ok || fail "history header: $(head -1 "$hist")"
# one unknown: |dL_dxs| is grad_unknowns
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
         { g = $(col["dL_dxs"]); if (g < 0) g = -g; d = g - $(col["grad_unknowns"]); if (d < 0) d = -d
           if (d > 1e-12 * (g + 1)) bad = 1; rows++ }
         END { exit (bad || rows != 60) }' "$hist" && ok || fail "dL_dxs does not match grad_unknowns"

out="$work/follow"
expect follow 0 "9 simulations; wrote $out/follow.csv, follow.png" -- \
  landscape "$file" --follow "$run" --samples 3 --grid 101 -o "$out"
csv="$out/follow.csv"
if [ -f "$csv" ]; then
  head -1 "$csv" | grep -qx 'epoch,xs,eps,width,angle,grad_sim,grad_pinn,L,dLsim_dxs,dLpinn_dxs' && ok || fail "follow.csv header: $(head -1 "$csv")"
  awk -F, 'NR > 1 { if (!($5 >= 0 && $5 <= 180) || !($6 > 0) || !($7 > 0)) bad = 1; e = e " " $1; rows++ }
           END { if (e != " 0 30 59") bad = 1; exit (bad || rows != 3) }' "$csv" && ok || fail "follow.csv rows: $(cat "$csv")"
else
  fail "no follow.csv"
fi
[ -s "$out/follow.png" ] && ok || fail "no follow.png"
# without -o the results go next to the history
expect default_dir 0 "wrote $run/follow.csv" -- landscape "$file" --follow "$run" --samples 1 --grid 101
[ -f "$run/follow.csv" ] && ok || fail "no follow.csv in the run directory"

# errors
expect missing_dir 1 "--follow $work/none: no such directory" -- landscape "$file" --follow "$work/none" --grid 101
old="$work/old"
mkdir -p "$old"
cut -d, -f1-10 "$hist" > "$old/history.csv"   # a history without the dL_d columns
expect no_grad 1 "has no column 'dL_dxs'.*run it again" -- landscape "$file" --follow "$old" --grid 101
printf 'epoch,loss\n' > "$old/history.csv"
expect no_rows 1 "no rows yet" -- landscape "$file" --follow "$old" --grid 101
expect samples_0 2 "--samples expects K >= 1 \(rows of the run's history\), not '0'" -- landscape "$file" --follow "$run" --samples 0
expect with_param 1 "--param, --range, --points, --eps, --dilate, --schedule and --at do not apply" -- \
  landscape "$file" --follow "$run" --param xs
expect samples_alone 1 "--samples counts the rows of a run compared with --follow" -- landscape "$file" --param xs --samples 3
expect help 0 "landscape FILE --follow RUN_DIR" -- --help

summary
