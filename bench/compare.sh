#!/usr/bin/env bash
# Benchmark (not a test): the plume2d training step of prp (build/bench_plume_step)
# and of PyTorch (bench/torch_plume_step.py) in one go, f32 at 1 and 2 threads;
# prints both times and the ratio torch / prp (above 1: prp is faster).
# Usage: bench/compare.sh [BUILD_DIR]   (default: build)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
python=${PYTHON:-python3}
if ! "$python" -c 'import torch' 2>/dev/null; then
  # Debian's python3-torch installs for the system interpreter
  if /usr/bin/python3 -c 'import torch' 2>/dev/null; then python=/usr/bin/python3
  else echo "compare.sh: PyTorch is not installed (apt-get install python3-torch; bench/README.md)" >&2; exit 2; fi
fi
[ -x "$build/bench_plume_step" ] || { echo "compare.sh: $build/bench_plume_step is missing (build first)" >&2; exit 2; }
prp_out=$("$build/bench_plume_step" "$here/..")
echo "$prp_out"
torch_out=$("$python" "$here/torch_plume_step.py")
echo "$torch_out"
ms() { grep -E "$1" <<<"$2" | head -1 | sed -E 's/.*: *([0-9.]+) ms.*/\1/'; }
for t in 1 2; do
  label="$t thread"; [ "$t" = 1 ] || label="$t threads"
  p=$(ms "^plume2d step, f32, $label:" "$prp_out")
  q=$(ms "^torch plume2d step, f32, $label:" "$torch_out")
  awk -v p="$p" -v q="$q" -v l="$label" 'BEGIN { printf "f32, %s: prp %.1f ms, torch %.1f ms, torch/prp = %.2f\n", l, p, q, q / p }'
done
p1=$(ms "^plume2d step, f32, 1 thread:" "$prp_out"); p2=$(ms "^plume2d step, f32, 2 threads:" "$prp_out")
e2=$(grep -A1 "^plume2d step, f32, 2 threads:" <<<"$prp_out" | sed -nE 's/.*would take about ([0-9.]+) ms.*/\1/p')
load=$(sed -nE 's/.*load average ([0-9.]+).*/\1/p' <<<"$prp_out" | head -1)
awk -v a="$p1" -v b="$p2" -v e="$e2" -v l="$load" 'BEGIN {
  printf "prp f32, 1 thread / 2 threads = %.2f (wall time, load average %s)\n", a / b, l
  if (e > 0) printf "prp f32, 1 thread / 2 idle cores (estimate from per-thread CPU time) = %.2f\n", a / e }'
