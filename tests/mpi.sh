#!/usr/bin/env bash
# prpc under `mpirun -np 2` (runtime/dist.c, docs/running.md): restarts dealt to two ranks
# equal the one-process restarts (history and table); data-parallel training of source1d
# for 200 epochs follows the one-process history within the tolerance docs/running.md
# states; a rank that fails (a missing file on one rank, another problem on one rank,
# a NaN) ends the job with a message and a non-zero status, never a hang (every mpirun
# is time-limited); `prpc experiments` spread over two ranks gives the one-process table.
# Skipped, saying so, only when the build has no MPI support. About a minute.
# Usage: mpi.sh PRPC SOURCE_DIR BUILD_DIR
set -u
. "$(dirname "$0")/support/harness.sh" mpi "$@"
if ! "$prpc" --help | grep -q "MPI support in this build: on"; then
  echo "mpi.sh: SKIPPED: this prpc was built without MPI support (PRP_MPI=OFF or no MPI found)"
  exit 0
fi
command -v mpirun > /dev/null || { echo "FAIL mpirun not found, but prpc has MPI support"; exit 1; }
# Under the sanitizers, leak detection is off in the processes mpirun starts: OpenMPI does
# not free what its dlopen'd components allocate by MPI_Finalize (stacks without names).
mpirun=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 120 mpirun --oversubscribe)
[ "$(id -u)" -eq 0 ] && mpirun+=(--allow-run-as-root)
cd "$work"

# mpi_expect NAME CODE PATTERN -- MPIRUN-ARGS...: the job's status and output
mpi_expect() {
  local name=$1 code=$2 pattern=$3; shift 4
  local out rc
  out=$("${mpirun[@]}" "$@" 2>&1); rc=$?
  if [ "$rc" -eq 124 ]; then fail "$name: the job hung (killed after 120 s)"; return; fi
  if [ "$rc" -ne "$code" ]; then fail "$name: exit $rc, wanted $code"; printf '%s\n' "$out" | head -8; return; fi
  if ! printf '%s\n' "$out" | grep -qE -- "$pattern"; then fail "$name: output lacks /$pattern/"; printf '%s\n' "$out" | head -8; return; fi
  ok
}

cat > p.prp <<'PRP'
problem p
space x in [0, 1]
field u(x)
unknown q = 0.5 in [0, 5]
pde dxx(u) = -q * sin(x)
boundary u = 0
sensors from "p.csv"
PRP
printf 'x,u\n0.1,0.2\n0.5,0.4\n0.7,0.3\n' > p.csv

# 1. restarts over ranks: each restart's history bitwise the sequential one, the same table
expect "restarts, one process" 0 "^best \(lowest loss\)" -- run --quiet --epochs=40 --restarts=5 --output=seq p.prp
"$prpc" run --quiet --epochs=40 --restarts=5 --output=seq p.prp > seq.txt 2> /dev/null
mpi_expect "restarts, two ranks" 0 "^best \(lowest loss\)" -- -np 2 "$prpc" run --quiet --epochs=40 --restarts=5 --output=par p.prp
"${mpirun[@]}" -np 2 "$prpc" run --quiet --epochs=40 --restarts=5 --output=par p.prp > par.txt 2> /dev/null
if cmp -s seq.txt par.txt; then ok; else fail "restarts: the tables differ"; diff seq.txt par.txt | head; fi
for k in 0 1 2 3 4; do
  if cmp -s "seq/restart_$k/history.csv" "par/restart_$k/history.csv"; then ok; else fail "restart $k: history differs"; fi
done
if cmp -s seq/verdict.json par/verdict.json; then ok; else fail "restarts: verdict.json differs"; fi

# 2. data-parallel: each rank 1/2 of the points, gradients summed every step. Epoch 0 (same
# weights, sums in another order) within 1e-12 relative; at every epoch the loss and each
# loss term within 1e-6 of that epoch's loss, xs within 1e-5, dL/dxs within 1e-3 of its
# largest value (docs/running.md says why).
src1d="$src/examples/source1d.prp"
expect "data-parallel, one process" 0 "trained after 200 epochs" -- run --quiet --epochs=200 --output=dp1 "$src1d"
mpi_expect "data-parallel, two ranks" 0 "trained after 200 epochs" -- -np 2 "$prpc" run --quiet --epochs=200 --output=dp2 "$src1d"
if [ -s dp1/history.csv ] && [ -s dp2/history.csv ] && [ -s dp2/result.json ] && [ -s dp2/field.pvd ]; then ok; else fail "data-parallel: outputs missing"; fi
if paste -d, dp1/history.csv dp2/history.csv | awk -F, '
    NR == 1 { n = NF / 2; for (i = 1; i <= n; i++) col[$i] = i; next }
    { for (i = 1; i <= n; i++) { a[NR, i] = $i; b[NR, i] = $(i + n) }
      g = $(col["dL_dxs"]); if (g < 0) g = -g; if (g > gmax) gmax = g; rows = NR }
    function rel(x, y, scale) { d = x - y; if (d < 0) d = -d; if (scale < 0) scale = -scale; return scale > 0 ? d / scale : d }
    END {
      for (r = 2; r <= rows; r++) {
        for (i = col["loss"]; i < col["xs"]; i++) {
          e = rel(a[r, i], b[r, i], r == 2 ? a[r, i] : a[r, col["loss"]]); lim = r == 2 ? 1e-12 : 1e-6
          if (e > worst) worst = e
          if (e > lim) { printf "epoch %s column %d: relative difference %.3g > %g\n", a[r, 1], i, e, lim; bad = 1 }
        }
        d = a[r, col["xs"]] - b[r, col["xs"]]; if (d < 0) d = -d
        if (d > 1e-5) { printf "epoch %s: xs differs by %.3g\n", a[r, 1], d; bad = 1 }
        d = a[r, col["dL_dxs"]] - b[r, col["dL_dxs"]]; if (d < 0) d = -d
        if (d > 1e-3 * gmax) { printf "epoch %s: dL/dxs differs by %.3g\n", a[r, 1], d; bad = 1 }
      }
      printf "data-parallel: %d epochs compared, largest loss difference %.3g of the loss\n", rows - 1, worst > "/dev/stderr"
      exit bad || rows != 201 }'; then ok; else fail "data-parallel history differs from one process"; fi

# 2'. built programs do the same (they link MPI when prpc has it)
expect "build" 0 "" -- build p.prp -o prog
./prog --quiet --epochs=40 --restarts=3 --output=bseq > bseq.txt 2> /dev/null
mpi_expect "built program, restarts" 0 "^best \(lowest loss\)" -- -np 2 ./prog --quiet --epochs=40 --restarts=3 --output=bpar
"${mpirun[@]}" -np 2 ./prog --quiet --epochs=40 --restarts=3 --output=bpar > bpar.txt 2> /dev/null
if cmp -s bseq.txt bpar.txt; then ok; else fail "built program: the restart tables differ"; diff bseq.txt bpar.txt | head; fi
./prog --quiet --epochs=50 --output=bd1 > /dev/null 2>&1
mpi_expect "built program, data-parallel" 0 "trained after 50 epochs" -- -np 2 ./prog --quiet --epochs=50 --output=bd2
if paste -d, bd1/history.csv bd2/history.csv | awk -F, 'NR > 1 { d = $2 - $(2 + NF / 2); if (d < 0) d = -d; if (d > 1e-6 * $2) bad = 1; n++ }
      END { exit bad || n != 50 }'; then ok; else fail "built program: data-parallel loss differs"; fi

# 2''. experiments: the runs spread over the ranks give the one-process table (but the seconds)
"$prpc" experiments p.prp --guesses "q=0.2 q=4" --seeds=1,2 --epochs=20 -o xseq > /dev/null 2>&1
mpi_expect "experiments, two ranks" 0 "^p pr-pinn: success 4/4" -- -np 2 "$prpc" experiments p.prp --guesses "q=0.2 q=4" --seeds=1,2 --epochs=20 -o xpar
if [ -s xseq/table.csv ] && cmp -s <(cut -d, -f1-10 xseq/table.csv) <(cut -d, -f1-10 xpar/table.csv); then ok; else fail "experiments: the tables differ"; fi
for run in vanilla-q_0.2-s1 vanilla-q_4-s2 pr-pinn-q_0.2-s2 pr-pinn-q_4-s1; do
  if cmp -s "xseq/$run/history.csv" "xpar/$run/history.csv"; then ok; else fail "experiments: $run differs"; fi
done

# 3. failures end the job, never a hang
mpi_expect "a missing file on rank 1" 1 "cannot open 'missing.prp'" -- \
  -np 1 "$prpc" run --quiet --epochs=20 --output=f1 p.prp : -np 1 "$prpc" run --quiet --epochs=20 --output=f1 missing.prp
mpi_expect "another problem on rank 1" 3 "rank 1 trains another problem than rank 0" -- \
  -np 1 "$prpc" run --quiet --epochs=20 --output=f2 p.prp : -np 1 "$prpc" run --quiet --epochs=30 --output=f2 p.prp
mpi_expect "check under mpirun" 2 "'check' runs in one process" -- -np 2 "$prpc" check p.prp
sed 's/pde dxx(u) = -q \* sin(x)/pde dxx(u) = -log(q - 1) * sin(x)/' p.prp > nan.prp
mpi_expect "NaN, data-parallel" 3 "not finite at epoch 1 \(in the residual term\)" -- -np 2 "$prpc" run --quiet --output=nan nan.prp
if grep -q '"status": "not finite"' nan/result.json 2>/dev/null; then ok; else fail "NaN: rank 0 wrote no result.json"; fi
mpi_expect "NaN, restarts" 0 "^0 +0\.5 +nan +failed" -- -np 2 "$prpc" run --quiet --epochs=5 --restarts=3 --output=nanr nan.prp
"$prpc" run --quiet --epochs=5 --restarts=3 --output=nanr nan.prp > nan_seq.txt 2> /dev/null
"${mpirun[@]}" -np 2 "$prpc" run --quiet --epochs=5 --restarts=3 --output=nanr nan.prp > nan_par.txt 2> /dev/null
if cmp -s nan_seq.txt nan_par.txt; then ok; else fail "NaN restarts: the tables differ"; diff nan_seq.txt nan_par.txt | head; fi
mkdir -p ro && printf 'not a directory' > ro/restart_1
mpi_expect "an output error on rank 1" 4 "restart_1" -- -np 2 "$prpc" run --quiet --epochs=5 --restarts=2 --output=ro p.prp

summary
