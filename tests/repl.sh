#!/usr/bin/env bash
# Tests of the REPL (prpc repl): scripted sessions fed on standard input against
# expected transcripts (tests/repl/*.cmds -> *.expected), the same session as a
# --script, training in pieces equal to one `prpc run`, the files it writes, and
# an interactive session under a pseudo-terminal (tmux): completion, editing,
# history kept between sessions, Ctrl-C during training and at the prompt.
# Usage: repl.sh PRPC SOURCE_DIR BUILD_DIR   (PRP_UPDATE=1 rewrites the transcripts)
set -u
prpc=$(realpath "$1")
src=$(realpath "$2")
work=$(mktemp -d "${3:-/tmp}/repl-test.XXXXXX")
sock=prp-repl-test-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$work"' EXIT
export PRP_STDLIB="$src/stdlib" NO_COLOR=1
passed=0 failed=0
ok()   { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# Under the sanitizers LeakSanitizer lists the suppressions it used (tests/lsan.supp)
# at exit, a block between two lines of dashes: not part of the transcript.
unsuppress() { sed '/^-\{20,\}$/,/^$/d'; }

cp "$src"/tests/repl/poisson1d.prp "$src"/tests/repl/poisson1d.csv "$work"/
cd "$work"

# ---- transcripts --------------------------------------------------------------------
for cmds in "$src"/tests/repl/*.cmds; do
  name=$(basename "$cmds" .cmds)
  expected="$src/tests/repl/$name.expected"
  timeout 300 "$prpc" repl poisson1d.prp < "$cmds" > "$name.raw" 2>&1
  echo "exit $?" >> "$name.raw"
  unsuppress < "$name.raw" > "$name.out"
  if [ "${PRP_UPDATE:-0}" = 1 ]; then cp "$name.out" "$expected"; fi
  if diff -u "$expected" "$name.out" > "$name.diff"; then ok; else fail "transcript $name"; head -40 "$name.diff"; fi
done

# ---- script mode gives the same transcript as standard input --------------------------
timeout 300 "$prpc" repl poisson1d.prp --script "$src/tests/repl/errors.cmds" > script.raw 2>&1
echo "exit $?" >> script.raw
unsuppress < script.raw > script.out
sed "s|^<stdin>:|$src/tests/repl/errors.cmds:|" errors.out > errors.renamed
if diff -u errors.renamed script.out > script.diff; then ok; else fail "--script differs from standard input"; head -20 script.diff; fi

# ---- train 120 then 180 is one run of 300 epochs ----------------------------------------
q_run=$("$prpc" run --quiet --output=run poisson1d.prp | awk '$1 == "q" { print $3 }')
q_repl=$(printf 'train 120\ntrain 180\n' | "$prpc" repl poisson1d.prp 2>&1 | awk '$1 == "q" { v = $3 } END { print v }')
if [ -n "$q_run" ] && [ "$q_run" = "$q_repl" ]; then ok; else fail "train 120 + 180: q = '$q_repl', prpc run: q = '$q_run'"; fi

# ---- the stopping rule: train 100 then train settles where one prpc run does -------------
sed 's/^  seed 1$/  seed 1\n  stop settled 4e-3 over 20/' poisson1d.prp > stop.prp
run_stop=$("$prpc" run --quiet --output=run_stop stop.prp 2> /dev/null | awk '/trained after/ { e = $4 } $1 == "q" { q = $3 } END { print e, q }')
repl_stop=$(printf 'train 100\ntrain\n' | "$prpc" repl stop.prp 2>&1 | awk '/^settled at epoch/ { e = $4 + 0 } $1 == "q" { q = $3 } END { print e, q }')
if grep -q '"stop": "settled"' run_stop/result.json && [ "$run_stop" = "$repl_stop" ]; then ok
else fail "stop settled: prpc run stopped at (epoch, q) = '$run_stop', the REPL's train 100 + train at '$repl_stop'"; fi

# ---- the kernels as LLVM IR and assembly ------------------------------------------------------
printf 'emit llvm\n' | "$prpc" repl poisson1d.prp > llvm.out 2>&1
if grep -q '^define void @prp_' llvm.out && grep -q 'ret void' llvm.out; then ok; else fail "emit llvm"; head -5 llvm.out; fi
printf 'emit asm\n' | "$prpc" repl poisson1d.prp > asm.out 2>&1
if grep -q 'prp_pde_0:' asm.out && grep -qE '^\s+ret' asm.out; then ok; else fail "emit asm"; head -5 asm.out; fi

# ---- export: the field for ParaView and the sensor fit, as prpc run writes them ---------------
printf 'train 20\nexport exported\n' | "$prpc" repl poisson1d.prp > export.out 2>&1
if grep -q '^wrote exported/field.pvd, exported/sensors.csv and exported/sensors.png' export.out \
   && grep -q '<DataSet ' exported/field.pvd && [ -s exported/field/field_0000.vti ] \
   && [ "$(head -1 exported/sensors.csv)" = "sensor,x,observed,predicted" ] \
   && [ "$(grep -c . exported/sensors.csv)" -eq 10 ]; then ok
else fail "export"; tail -5 export.out; head -2 exported/sensors.csv 2>/dev/null; fi

# ---- relax auto: shown as its piecewise schedules; a typed schedule line replaces it ----------
cat > auto.prp <<'PRP'
problem tiny
import std.sources
space x in [0, 1]
time t in [0, 1]
field u(x, t)
const w = 0.05
unknown xs = 0.2 in [0, 1]
pde dt(u) - 0.01 * dxx(u) = gaussian1d(x, xs, w)
initial u = 0 hard
truth {
  set xs = 0.6
  grid 41
  sensors x = 0.5, t = 0.2 .. 1 count 5
}
relax auto dilate w
network mlp(8)
train {
  epochs 100
}
PRP
printf 'show relax\nsmoothing eps from 0.1 to 0 until 50%% cosine\nshow relax\nwrite auto2.prp\n' | "$prpc" repl auto.prp > auto.out 2>&1
if grep -qE '^  eps += 0\.25 +\(piecewise \[0% 0\.25, 25% 0\.25, 75% 0\] of 100 epochs\)' auto.out \
   && grep -qE '^  w += 0\.5 +\(piecewise \[0% 0\.5, 25% 0\.5, 75% 0\.05\]' auto.out \
   && grep -qE '^  eps += 0\.1 +\(cosine from 0\.1 to 0 until 50% of 100 epochs\)' auto.out \
   && grep -q '^  smoothing eps from 0.1 to 0 until 50% cosine' auto2.prp && ! grep -q 'relax auto' auto2.prp; then ok
else fail "relax auto in the REPL"; tail -8 auto.out; fi

# ---- relax auto on a flow: an edit that changes the flow re-runs the bound (U L / 15) ---------
sed -e 's/^pde .*/pde dt(u) + v * dx(u) - 0.01 * dxx(u) = gaussian1d(x, xs, w)/' -e 's/^const w = 0.05/const w = 0.05\nconst v = 0.5/' \
  auto.prp > flow.prp
printf 'show relax\nset v 1.5\nshow relax\nset v 0\nshow relax\nemit residual\n' | "$prpc" repl flow.prp > flow.out 2>&1
if grep -qE '^  eps += 0\.0333333 +\(piecewise \[0% 0\.0333333, 25% 0\.0333333, 75% 0\]' flow.out \
   && grep -qE '^  eps += 0\.1 +\(piecewise \[0% 0\.1, 25% 0\.1, 75% 0\]' flow.out \
   && grep -qE '^  eps += 0\.25 +\(piecewise \[0% 0\.25, 25% 0\.25, 75% 0\]' flow.out \
   && grep -q '^  smoothing from L^2/(4 T) = 0.25; U = 0: the model PDE has no advection' flow.out; then ok
else fail "relax auto on a flow in the REPL"; tail -12 flow.out; fi

# ---- the files the session wrote -----------------------------------------------------------
for png in loss.png unknowns.png relax.png; do
  if [ "$(head -c 4 "$png" 2>/dev/null | tail -c 3)" = PNG ]; then ok; else fail "$png is not a PNG"; fi
done
if head -1 state.prpstate 2>/dev/null | grep -q '^PRPSTATE 1'; then ok; else fail "state.prpstate is not a state file"; fi
if grep -q 'nudging eta from 3 to 0 until 60% cosine' edited.prp && "$prpc" check edited.prp; then ok
else fail "edited.prp lacks the edits or does not check"; fi

# ---- interactive, under a pseudo-terminal ---------------------------------------------------
pane() { tmux -L "$sock" capture-pane -p -J -S -200 -t repl 2>/dev/null; }
keys() { tmux -L "$sock" send-keys -t repl "$@"; }
# wait_for PATTERN [COUNT]: until the pane shows PATTERN at least COUNT times (30 s at most)
wait_for() {
  local want=${2:-1}
  for _ in $(seq 300); do
    [ "$(pane | grep -cE -- "$1")" -ge "$want" ] && return 0
    sleep 0.1
  done
  return 1
}
check() {  # NAME PATTERN [COUNT]
  if wait_for "$2" "${3:-1}"; then ok; else fail "interactive: $1"; pane | grep -v '^ *$' | tail -15; fi
}
start() {  # a tmux server of our own; a second try if the last one is still going away
  for _ in 1 2 3; do
    tmux -L "$sock" new-session -d -s repl -x 200 -y 50 \
      "cd '$work' && PRP_HISTORY='$work/history' '$prpc' repl poisson1d.prp; echo EXIT=\$?; sleep 60" && return
    sleep 1
  done
}

# ready: until the last line shows an empty prompt (libedit may drop what is typed
# before it has set the terminal up, so keys are sent only at a prompt)
ready() {
  for _ in $(seq 300); do
    pane | grep -v '^ *$' | tail -1 | grep -qE '^prp>\s*$' && { sleep 0.2; return 0; }
    sleep 0.1
  done
  fail "interactive: no prompt"
  pane | grep -v '^ *$' | tail -10
  return 1
}

if command -v tmux > /dev/null; then
  start
  check "prompt" '^prp> '
  ready; keys 'sh' Tab 'unk' Tab Enter
  check "completion of a command and its argument" '^prp> show unknowns'
  check "show after completion" '^  q += 0\.5 '
  ready; keys 'set ep' Tab '250' Enter
  check "completion of an option name" '^prp> set epochs 250'
  ready; keys 'xshow relax' C-a C-d Enter
  check "editing: the line fixed at its start" '^prp> show relax'
  check "show relax" '^  eta += 5 '
  ready; keys 'train 100000000' Enter
  check "training started" 'epoch +[0-9]+/'
  sleep 1
  keys C-c
  check "Ctrl-C stops training" '^interrupted at epoch [0-9]+ of 250'
  ready; keys 'show unknowns' Enter
  check "the trained state is kept" '^  q += (0\.[6-9]|[1-9])'
  ready; keys 'garbage' C-c
  ready; keys 'show relax' Enter
  check "Ctrl-C at the prompt drops the line" '^  eta += 0 ' 1
  if pane | grep -q "unknown command 'garbage'"; then fail "interactive: Ctrl-C at the prompt ran the line"; else ok; fi
  ready; keys Up Enter
  check "history: Up repeats the last line" '^  eta += 0 ' 2
  ready; keys C-d
  check "Ctrl-D leaves" '^EXIT=0'
  tmux -L "$sock" kill-server 2>/dev/null
  sleep 0.5
  if grep -q 'set.*epochs.*250' history; then ok; else fail "history file lacks 'set epochs 250'"; fi
  start
  check "prompt again" '^prp> '
  ready; keys Up
  check "history kept between sessions" '^prp> show relax'
  keys C-u 'quit' Enter
  check "quit" '^EXIT=0'
else
  echo "tmux not found: interactive tests skipped"
fi

echo "repl: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
