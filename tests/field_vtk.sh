#!/usr/bin/env bash
# The field export of `prpc run` and `prpc eval` read back with VTK's own XML readers
# (python3-vtk9; missing is a failure): dimensions, spacing, array names, and values
# against the network of weights.prpstate evaluated independently (field_vtk.py);
# the sensor fit files; and eval's errors for bad grids, states and shapes.
# Usage: field_vtk.sh PRPC SOURCE_DIR BUILD_DIR
set -u
EXPECT_TIMEOUT=120
. "$(dirname "$0")/support/harness.sh" field_vtk "$@"

# VTK's readers live in Debian's python3-vtk9, for the system Python.
python=""
for p in /usr/bin/python3 python3; do
  if "$p" -c 'import vtkmodules.vtkIOXML' 2>/dev/null; then python=$p; break; fi
done
if [ -z "$python" ]; then
  echo "FAIL no Python with VTK's XML readers: install python3-vtk9 (scripts/install-deps.sh)"
  exit 1
fi

# reader NAME DIR ARGS...: field_vtk.py passes
reader() {
  local name=$1; shift
  if out=$("$python" "$src/tests/field_vtk.py" "$@" 2>&1); then ok; else fail "$name"; printf '%s\n' "$out" | head -20; fi
}


cat > "$work/tiny2d.prp" <<'PRP'
problem tiny2d
import std.sources
space x in [0, 1], y in [0, 1]
time  t in [0, 1]
field u(x, y, t)
const D = 0.01
unknown xs = 0.3 in [0, 1]
let s = gaussian2d(x, y, xs, 0.5, 0.1)
pde dt(u) - D * lap(u) = s
initial u = 0 hard
boundary u = 0
truth {
  set xs = 0.6
  grid 33 x 25
  sensors x = 0.5 .. 0.75 count 2, y = 0.5, t = 0.5 .. 1 count 2
}
network mlp(8, 8) tanh
train {
  epochs 30
  collocation 256
  output field grid 9 x 7 times 3
}
PRP

# run: the train block's grid, 9 x 7 at 3 times, the truth beside the field
expect run_2d 0 'results in' -- run "$work/tiny2d.prp" --quiet --output="$work/t2"
reader run_2d "$work/t2" 9,7,1 0.125,0.1667,1 3 0 1
for f in sensors.csv sensors.png field.pvd; do [ -s "$work/t2/$f" ] && ok || fail "run_2d: no $f"; done
[ "$(head -1 "$work/t2/sensors.csv")" = "sensor,x,y,t,observed,predicted" ] && ok || fail "sensors.csv header: $(head -1 "$work/t2/sensors.csv")"
[ "$(wc -l < "$work/t2/sensors.csv")" -eq 5 ] && ok || fail "sensors.csv: $(wc -l < "$work/t2/sensors.csv") lines, wanted 5"

# eval from the saved state on another grid
expect eval_2d 0 'field.pvd, sensors.csv and sensors.png written' -- \
  eval "$work/tiny2d.prp" --state "$work/t2/weights.prpstate" --grid 5x17 --times=2 -o "$work/e2"
reader eval_2d "$work/e2" 5,17,1 0.25,0.0625,1 2 0 1 "$work/t2/weights.prpstate"

# a 1D problem: one space-time image
expect run_1d 0 'results in' -- run "$src/examples/source1d.prp" --epochs=20 --quiet --output="$work/s1"
reader run_1d "$work/s1" 201,101,1 0.005,0.01,1 1 1 1

# errors: never a crash, a message and a non-zero exit
expect eval_no_state 2 'eval needs --state' -- eval "$work/tiny2d.prp"
expect eval_missing_state 1 'nope.prpstate' -- eval "$work/tiny2d.prp" --state "$work/nope.prpstate" -o "$work/x"
expect eval_bad_grid 2 '--grid expects 2 sizes' -- eval "$work/tiny2d.prp" --state "$work/t2/weights.prpstate" --grid 5x
expect eval_grid_1 2 '--grid expects 2 sizes' -- eval "$work/tiny2d.prp" --state "$work/t2/weights.prpstate" --grid 1x9
expect eval_grid_3d 2 '--grid expects 2 sizes' -- eval "$work/tiny2d.prp" --state "$work/t2/weights.prpstate" --grid 4x4x4
expect eval_bad_times 2 '--times expects' -- eval "$work/tiny2d.prp" --state "$work/t2/weights.prpstate" --times=0
expect eval_wrong_problem 1 'problem|widths|match' -- eval "$src/examples/source1d.prp" --state "$work/t2/weights.prpstate" -o "$work/x"
sed 's/mlp(8, 8)/mlp(8, 9)/' "$work/tiny2d.prp" > "$work/tiny2d_wide.prp"
expect eval_wrong_shape 1 'widths|shape|match' -- eval "$work/tiny2d_wide.prp" --state "$work/t2/weights.prpstate" -o "$work/x"
head -c 300 "$work/t2/weights.prpstate" > "$work/cut.prpstate"
expect eval_truncated_state 1 'cut.prpstate' -- eval "$work/tiny2d.prp" --state "$work/cut.prpstate" -o "$work/x"

summary
