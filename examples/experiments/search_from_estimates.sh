#!/usr/bin/env bash
# The refinement with its search around the answer (`refine 30 path 1 hops 3`), run from
# recorded network estimates without training (1 epoch, the unknowns frozen): what the
# search does with the networks an earlier table ended with (docs/experiments.md, stop 15).
# Usage: examples/experiments/search_from_estimates.sh FILE.prp STARTS OUT
#   STARTS: lines "NAME NAME1=V1 NAME2=V2 ..." (the unknowns' starting values).
# Environment: PRPC (default build/prpc), JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=$(realpath "${PRPC:-build/prpc}")
file=$1 starts=$(realpath "$2") out=$3
mkdir -p "$out"
sed -E '/^ *(epochs|lbfgs|refine|warmup) /d' "$file" |
  awk '{ print } /^train *\{/ { print "  epochs 1\n  warmup 1\n  refine 30 path 1 hops 3" }' > "$out/search.prp"
grep -q '^  epochs 1$' "$out/search.prp" || { echo "no train block in $file" >&2; exit 1; }
while read -r name rest; do
  case $name in "#"* | "") continue ;; esac
  args=()
  for kv in $rest; do args+=("--guess=$kv"); done
  echo "$name ${args[*]}"
done < "$starts" | xargs -P "${JOBS:-2}" -L 1 bash -c \
  'name=$1; shift; nice "$0" run "'"$out"'/search.prp" --quiet "$@" -o "'"$out"'/$name" > "'"$out"'/$name.log" 2>&1' "$prpc"
for log in "$out"/*.log; do
  [ -f "${log%.log}/result.json" ] || echo "$(basename "${log%.log}"): no result ($log)"
done
for r in "$out"/*/result.json; do
  [ -f "$r" ] || continue
  python3 - "$r" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); u = j["unknowns"]; r = j.get("refine", {})
ok = all(abs(v["value"] - v["truth"]) <= 0.05 * v["width"] for v in u.values() if "truth" in v)
fmt = lambda d: "(" + ", ".join("%.3f" % d[k] for k in u) + ")"
print("%-40s start %s before %s -> %s hops %d screened %d sims %d %s" % (
    sys.argv[1].split("/")[-2], fmt({k: v.get("network_value", v["value"]) for k, v in u.items()}),
    fmt(r.get("before_search", {k: v["value"] for k, v in u.items()})), fmt({k: v["value"] for k, v in u.items()}),
    r.get("search_hops", 0), r.get("search_points_screened", 0), r.get("simulations", 0), "success" if ok else "miss"))
PY
done | tee "$out/summary.txt"
