#!/usr/bin/env bash
# `prpc landscape --param xs,ys` from the command line on a small 2D diffusion problem (truth
# (0.6, 0.4), 9 sensors in the middle, no noise) on a 6 x 6 grid at the start and the end of the
# file's relax schedules: the CSV header and rows, the verdict lines (the relaxed level has one
# basin over the box; unrelaxed, the edges where the source leaves the box are minima too), the
# heat maps, progress on stderr, and the option errors. About 10 s.
# Usage: landscape2d.sh PRPC SOURCE_DIR BUILD_DIR
set -u
. "$(dirname "$0")/support/harness.sh" landscape2d "$@"

file="$work/tiny2d.prp"
cat > "$file" <<'EOF'
problem tiny2d
import std.sources
space x in [0, 1], y in [0, 1]
time  t in [0, 0.5]
field u(x, y, t)
const D = 0.01
const w = 0.08
unknown xs = 0.2 in [0, 1]
unknown ys = 0.8 in [0, 1]
unknown q = 1 in [0, 5]
pde dt(u) - D * lap(u) = q * gaussian2d(x, y, xs, ys, w)
initial u = 0 hard
boundary u = 0
truth {
  set xs = 0.6, ys = 0.4, q = 2
  grid 17 x 17
  sensors x = 0.25 .. 0.75 count 3, y = 0.25 .. 0.75 count 3, t = 0.1 .. 0.5 count 3
}
relax {
  smoothing  eps from 0.02 to 0 until 50% linear
  dilatation w   from 0.3  to w until 50% linear
}
EOF


expect not_unknown 1 "'zz' is not an unknown of this problem \(its unknowns: xs, ys, q\)" -- landscape --param xs,zz "$file"
expect three 1 "--param takes one unknown or two separated by a comma \(as xs,ys\), not 'xs,ys,q'" -- landscape --param xs,ys,q "$file"
expect twice 1 "--param names 'xs' twice; give two different unknowns" -- landscape --param xs,xs "$file"
expect empty_second 1 "--param takes one unknown or two" -- landscape --param xs, "$file"
expect range 1 "--range is for one unknown" -- landscape --param xs,ys --range 0:1 "$file"
expect both_levels 1 "--eps/--dilate and --schedule/--at both choose the relaxation levels; give one" -- landscape --param xs,ys --eps 0 --schedule "$file"
expect bad_at 1 "--at takes percentages of training in \[0, 100\], not 120" -- landscape --param xs,ys --at 0,120 "$file"
sed '/^relax {/,$d' "$file" > "$work/norelax.prp"
expect no_relax 1 "--schedule needs a relax block" -- landscape --param xs,ys --schedule "$work/norelax.prp"
expect help 0 "landscape FILE --param NAME1,NAME2" -- --help

# the default levels (the file's relax schedules) at 0% and 100% of training
out="$work/grid"
log="$work/grid.log"
timeout 120 "$prpc" landscape "$file" --param xs,ys --points 6 --at 0,100 -o "$out" > "$log" 2> "$work/grid.err"
rc=$?
[ "$rc" -eq 0 ] && ok || { fail "2D scan: exit $rc"; cat "$work/grid.err"; }
grep -qE '^verdict 0%: eps 0\.02, w x 3\.75: 1 local minimum; 100\.0% of the box descends to the one at \(0\.6, 0\.4\), nearest the truth \(0\.6, 0\.4\)$' "$log" \
  && ok || fail "relaxed verdict: $(grep '^verdict 0%' "$log")"
grep -qE '^verdict 100%: no relaxation: [2-9] local minima; [0-9.]+% of the box descends to the one at \(0\.6, 0\.4\)' "$log" \
  && ok || fail "unrelaxed verdict: $(grep '^verdict 100%' "$log")"
grep -q "landscape: 72/72 simulations" "$work/grid.err" && ok || fail "no progress line on stderr"
if [ -f "$out/landscape2d.csv" ]; then
  [ "$(head -1 "$out/landscape2d.csv")" = "xs,ys,L_at0,L_at100" ] && ok || fail "csv header: $(head -1 "$out/landscape2d.csv")"
  # 36 rows, xs fastest; L = 0 at the truth without relaxation (no noise), > 0 with
  awk -F, 'NR > 1 { rows++; if (NR == 2 && !($1 == 0 && $2 == 0)) bad = 1; if (NR == 3 && $1 != 0.2) bad = 1
                    if ($1 > 0.59 && $1 < 0.61 && $2 > 0.39 && $2 < 0.41) { truth = 1; if ($4 != 0 || !($3 > 0)) bad = 1 } }
           END { exit (bad || !truth || rows != 36) }' "$out/landscape2d.csv" && ok || fail "csv rows"
  [ "$(head -1 "$out/verdict.csv")" = "at,eps,dilate,minima,share,xs_min,ys_min,L_min" ] && ok || fail "verdict.csv header"
  awk -F, 'NR == 2 && $1 == 0 && $4 == 1 && $5 == 1 { a = 1 } NR == 3 && $1 == 100 && $4 > 1 && $5 < 1 { b = 1 }
           END { exit !(a && b && NR == 3) }' "$out/verdict.csv" && ok || fail "verdict.csv rows: $(cat "$out/verdict.csv")"
else
  fail "no landscape2d.csv"
fi
for png in misfit2d_0.png misfit2d_1.png; do
  [ -s "$out/$png" ] && ok || fail "no $out/$png"
done

# --eps and --dilate as in 1D: the columns are named by the setting
out="$work/lists"
expect lists_print 0 "^verdict eps 0.01, w x 2: 1 local minimum" -- landscape "$file" --param ys,xs --points 3 --eps 0.01 --dilate 2 -o "$out"
[ "$(head -1 "$out/landscape2d.csv" 2>/dev/null)" = "ys,xs,L_eps0.01_wx2" ] && ok || fail "list csv header"

# Ctrl-C: stops between simulations, says so, writes nothing, exits 130
out="$work/interrupted"
# the signal is sent once the scan has started (its progress line), not after a fixed time
"$prpc" landscape "$file" --param xs,ys --points 41 -o "$out" > "$work/int.log" 2>&1 &
pid=$!
for _ in $(seq 600); do grep -q "simulations" "$work/int.log" 2>/dev/null && break; sleep 0.05; done
kill -INT "$pid"
wait "$pid"
rc=$?
msg=$(cat "$work/int.log")
[ "$rc" -eq 130 ] && ok || fail "interrupt: exit $rc"
printf '%s\n' "$msg" | grep -qE "landscape: interrupted after [0-9]+ of 8405 simulations; nothing written" && ok || fail "interrupt message: $(printf '%s\n' "$msg" | tail -2)"
[ ! -e "$out/landscape2d.csv" ] && ok || fail "interrupted scan wrote $out/landscape2d.csv"

summary
