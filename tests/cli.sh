#!/usr/bin/env bash
# Command-line and hostile-input tests of prpc: --help, --version, exit codes,
# the verdict in result.json,
# and inputs that must give a located error and exit 1 quickly, never a crash
# or a hang (huge lines, deep nesting, binary data, invalid UTF-8, NUL bytes).
# Usage: cli.sh PRPC SOURCE_DIR BUILD_DIR
set -u
prpc=$(realpath "$1")
src=$(realpath "$2")
work=$(mktemp -d "${3:-/tmp}/cli-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
export PRP_STDLIB="$src/stdlib" NO_COLOR=1
passed=0 failed=0

ok()   { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# expect NAME CODE PATTERN -- ARGS...: exit code CODE and output matching PATTERN
expect() {
  local name=$1 code=$2 pattern=$3; shift 4
  local out rc
  out=$(timeout 30 "$prpc" "$@" 2>&1); rc=$?
  if [ "$rc" -ne "$code" ]; then fail "$name: exit $rc, wanted $code"; printf '%s\n' "$out" | head -5; return; fi
  if ! printf '%s\n' "$out" | grep -qE -- "$pattern"; then fail "$name: output lacks /$pattern/"; printf '%s\n' "$out" | head -5; return; fi
  ok
}

expect help 0 'usage: prpc COMMAND' -- --help
expect help_short 0 'exit status' -- -h
expect version 0 '^prpc [0-9]+\.[0-9]+\.[0-9]+ \(LLVM 19' -- --version
expect no_command 2 'no command given' --
expect unknown_command 2 "unknown command 'frobnicate'" -- frobnicate x.prp
expect unknown_option 2 "unknown option '--frob'" -- check --frob x.prp
expect no_file 2 "needs a FILE.prp" -- check
expect emit_without_what 2 "emit needs what to print" -- emit "$src/examples/source1d.prp"
expect missing_file 1 "cannot open '$work/nope.prp': No such file or directory" -- check "$work/nope.prp"
expect directory 1 "is a directory, not a source file" -- check "$work"
for f in "$src"/examples/*.prp; do
  expect "example $(basename "$f")" 0 '^$' -- check "$f"
done

# Generated hostile inputs: each must be a located error (file:line:col) and exit 1.
hostile() {
  local name=$1 file="$work/$1.prp"
  expect "hostile $name" 1 "^$file:[0-9]+:[0-9]+: error: " -- check "$file"
}
: > "$work/empty.prp"; hostile empty
head -c 4096 /dev/urandom > "$work/garbage.prp"; printf '\xff' >> "$work/garbage.prp"; hostile garbage
printf 'problem p\nconst a = 1 \xc3\x28\n' > "$work/bad_utf8.prp"; hostile bad_utf8
printf 'problem p\nconst a = \xed\xa0\x80\n' > "$work/surrogate.prp"; hostile surrogate
printf 'problem p\nconst a = 1\x00\n' > "$work/nul.prp"; hostile nul
{ printf 'const a = '; head -c 1048576 /dev/zero | tr '\0' '1'; printf '\n'; } > "$work/long_number.prp"; hostile long_number
{ printf 'const a = '; for i in $(seq 1 100000); do printf 'b + '; done; printf '1\n'; } > "$work/long_line.prp"; hostile long_line
{ printf 'const a = '; head -c 100000 /dev/zero | tr '\0' '('; printf '1'; head -c 100000 /dev/zero | tr '\0' ')'; printf '\n'; } > "$work/deep_parens.prp"; hostile deep_parens
{ printf 'const a = '; head -c 100000 /dev/zero | tr '\0' '-'; printf '1\n'; } > "$work/deep_minus.prp"; hostile deep_minus
{ printf 'const a = 2'; for i in $(seq 1 20000); do printf '^2'; done; printf '\n'; } > "$work/deep_power.prp"; hostile deep_power
printf 'problem p\nconst a = 1 /* never closed\n' > "$work/open_comment.prp"; hostile open_comment
printf 'problem p\nsensors from "never closed\n' > "$work/open_string.prp"; hostile open_string
printf 'problem p\nconst a = 1e999999\n' > "$work/huge_number.prp"; hostile huge_number
printf 'problem p\ntrain {\n  epochs 10\n' > "$work/open_block.prp"; hostile open_block

# prpc run: sensor files with errors are located at their line; option errors.
cat > "$work/p.prp" <<'EOF'
problem p
space x in [0, 1]
field u(x)
unknown q = 0.5 in [0, 5]
pde dxx(u) = -q * sin(x)
boundary u = 0
sensors from "p.csv"
EOF
printf 'x,u\n0.1,0.2\n0.5\n' > "$work/p.csv"
expect "run: short row" 1 "p.prp:7:14: error: .*p.csv:3: expected 2 values, found 1" -- run --quiet "$work/p.prp"
printf 'x,u\n0.1,0.2\n1.5,0.3\n' > "$work/p.csv"
expect "run: point outside" 1 "p.csv:3: .*outside the domain" -- run --quiet "$work/p.prp"
printf 'x,v\n0.1,0.2\n' > "$work/p.csv"
expect "run: bad header" 1 "p.csv:1: .*column" -- run --quiet "$work/p.prp"
printf 'x,u\n0.1,abc\n' > "$work/p.csv"
expect "run: not a number" 1 "p.csv:2: .*'abc' is not a number" -- run --quiet "$work/p.prp"
printf 'x,u\n0.1,0.2\n0.5,0.4\n' > "$work/p.csv"
expect "run: unknown guess name" 2 "'qq' is not an unknown" -- run --quiet --guess=qq=1 "$work/p.prp"
expect "run: guess outside bounds" 2 "q = 7 lies outside its bounds" -- run --quiet --guess=q=7 "$work/p.prp"
expect "run: zero epochs" 2 "--epochs: expected a whole number from 1 to 1000000000, not '0'" -- run --epochs=0 "$work/p.prp"
expect "run: negative epochs" 2 "--epochs: expected a whole number from 1 to 1000000000, not '-1'" -- run --epochs=-1 "$work/p.prp"
expect "run: bad seed" 2 "--seed: expected a whole number from 0 to" -- run --seed=x "$work/p.prp"
expect "run: too many restarts" 2 "--restarts: expected a whole number from 1 to 1000, not '5000'" -- run --restarts=5000 "$work/p.prp"
expect "run: bad max-errors" 2 "--max-errors: expected a whole number from 1 to 10000" -- check --max-errors=0 "$work/p.prp"
expect "run: bad color" 2 "--color: expected always, never or auto, not 'blue'" -- check --color=blue "$work/p.prp"
expect "run: trains" 0 "q += " -- run --quiet --epochs=20 --output="$work/out" "$work/p.prp"
for f in history.csv result.json weights.prpstate; do
  if [ -s "$work/out/$f" ]; then ok; else fail "run: $f missing"; fi
done

# Every run ends with a verdict, on the console and in result.json; restarts
# write theirs to verdict.json (runtime/train/train_verdict.c).
expect "run: verdict line" 0 "^verdict: (converged|suspect|failed)$" -- run --quiet --epochs=20 --output="$work/out" "$work/p.prp"
has() { grep -qE -- "$2" "$1" 2>/dev/null; }   # FILE PATTERN (no jq needed)
if has "$work/out/result.json" '"verdict": "(converged|suspect|failed)"' && has "$work/out/result.json" '"warnings": \[' &&
   has "$work/out/result.json" '"noise": "unknown"'; then ok; else fail "run: result.json lacks the verdict"; fi
expect "run: restarts verdict" 0 "^verdict: " -- run --quiet --epochs=5 --restarts=2 --output="$work/rs" "$work/p.prp"
if has "$work/rs/verdict.json" '"restarts": 2' && has "$work/rs/verdict.json" '"verdict": '; then ok; else fail "run: restarts verdict.json"; fi

# A loss that becomes NaN stops training, naming the epoch and the term (exit 3),
# and keeps the last finite state.
sed 's/pde dxx(u) = -q \* sin(x)/pde dxx(u) = -log(q - 1) * sin(x)/' "$work/p.prp" > "$work/nan.prp"
cp "$work/p.csv" "$work/nan.csv"
sed -i 's/"p.csv"/"nan.csv"/' "$work/nan.prp"
expect "run: NaN stops" 3 "not finite at epoch 1 \(in the residual term\)" -- run --quiet --output="$work/nan" "$work/nan.prp"
if grep -q '"status": "not finite"' "$work/nan/result.json" 2>/dev/null; then ok; else fail "run: NaN result.json"; fi
if has "$work/nan/result.json" '"verdict": "failed"' && has "$work/nan/result.json" '"name": "not_finite"'; then ok; else fail "run: NaN verdict"; fi

# Ctrl-C stops cleanly at the end of an epoch and writes what was reached (exit 130).
"$prpc" run --quiet --epochs=1000000 --output="$work/int" "$work/p.prp" > "$work/int.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$work/int/history.csv" ] && break; sleep 0.1; done
kill -INT "$pid"
wait "$pid"
rc=$?
if [ "$rc" -eq 130 ] && grep -q '"status": "interrupted"' "$work/int/result.json" 2>/dev/null; then ok; else fail "run: Ctrl-C gave exit $rc"; cat "$work/int.log" | tail -3; fi

# A 2D problem with a truth block gets source.png: the estimate over the true field (not
# refined: 3 epochs leave the network at its guess, and a refinement from there takes a minute).
expect "run: 2D truth" 0 "results in $work/plume/" -- run --quiet --epochs=3 --no-refine --output="$work/plume" "$src/examples/plume2d.prp"
if has "$work/plume/result.json" '"noise": "truth"' && has "$work/plume/result.json" '"verdict": '; then ok; else fail "run: the truth block's noise"; fi
# The verdict's model check: the file's strict model simulated at the estimate, in
# result.json; a model the simulator cannot solve (steady) gets a note and no check.
if has "$work/plume/result.json" '"model_misfit_mse": [0-9]'; then ok; else fail "run: the model check in result.json"; fi
printf 'x,u\n0.1,0.2\n0.5,0.4\n0.9,0.3\n' > "$work/p.csv"
expect "run: no model check when steady" 0 "note: the verdict's model check is left out: .*no 'time'" -- run --quiet --epochs=5 --output="$work/steady" "$work/p.prp"
for f in source.png loss.png unknowns.png; do
  if head -c 8 "$work/plume/$f" 2>/dev/null | od -An -c | grep -q 'P   N   G'; then ok; else fail "run: $f is not a PNG"; fi
done

# prpc build: standalone programs; prpc simulate: sensor files.
expect "build without -o" 2 "build needs -o" -- build "$src/examples/source1d.prp"
expect "build into a missing directory" 4 "cannot write" -- build "$src/examples/source1d.prp" -o "$work/none/p"
expect "build" 0 '^$' -- build "$work/p.prp" -o "$work/pprog"
if "$work/pprog" --help | grep -q "usage:"; then ok; else fail "built program --help"; fi
if "$work/pprog" --quiet --epochs=20 --output="$work/pout" | grep -qE '^verdict: ' && has "$work/pout/result.json" '"verdict": '; then
  ok; else fail "built program: no verdict"; fi
if readelf -d "$work/pprog" | grep -qi llvm; then fail "built program links LLVM"; else ok; fi
expect "simulate" 0 "120 observations written to $work/s1.csv" -- simulate "$src/examples/source1d.prp" -o "$work/s1.csv"
"$prpc" simulate "$src/examples/source1d.prp" -o "$work/s2.csv" > /dev/null
if cmp -s "$work/s1.csv" "$work/s2.csv" && [ "$(wc -l < "$work/s1.csv")" -eq 121 ] && head -1 "$work/s1.csv" | grep -qx 'x,t,u'; then ok; else fail "simulate is not reproducible"; fi
expect "simulate a file without truth" 1 "truth" -- simulate "$work/p.prp" -o "$work/s3.csv"


# ---- Runtime faults (issue 15): nothing overwritten that is not ours, no failure
# reported as success, no crash on big requests. Each asserts the exit code, the
# message, and that nothing outside the run's own files changed.
unchanged() {  # NAME FILE COPY: FILE still equals COPY
  if cmp -s "$2" "$3"; then ok; else fail "$1: $2 changed"; fi
}
printf 'precious\n' > "$work/precious.txt"; cp "$work/precious.txt" "$work/precious.copy"
cp "$src/examples/source1d.prp" "$work/v.prp"
expect "simulate over its input" 4 "v.prp: is an input of this run; not overwritten" -- simulate "$work/v.prp" -o "$work/v.prp"
unchanged "simulate over its input" "$work/v.prp" "$src/examples/source1d.prp"
expect "simulate over a directory" 4 "is a directory; not overwritten" -- simulate "$work/v.prp" -o "$work"
expect "build over its input" 4 "is an input of this run" -- build "$work/p.prp" -o "$work/p.prp"
mkdir -p "$work/o2/result.json" "$work/o2/weights.prpstate" "$work/o2/loss.png"
expect "run into directories named like outputs" 4 "o2/result.json: is a directory; not overwritten" -- run --quiet --epochs=5 --output="$work/o2" "$work/p.prp"
if [ ! -e "$work/o2/history.csv" ]; then ok; else fail "run into directories: trained anyway"; fi
mkdir -p "$work/o4"; ln -s "$work/precious.txt" "$work/o4/history.csv"
expect "run over a symlink" 0 "results in $work/o4/" -- run --quiet --epochs=5 --output="$work/o4" "$work/p.prp"
unchanged "run over a symlink" "$work/precious.txt" "$work/precious.copy"
if [ -f "$work/o4/history.csv" ] && [ ! -L "$work/o4/history.csv" ]; then ok; else fail "symlink: history.csv is not a new file"; fi
mkdir -p "$work/o5/restart_3"
for f in source.png result.json restart_3/history.csv history.csv.Ab12Cd; do echo old > "$work/o5/$f"; done
cp "$work/precious.txt" "$work/o5/keep.txt"
expect "run into old results" 0 "results in" -- run --quiet --epochs=5 --output="$work/o5" "$work/p.prp"
if [ ! -e "$work/o5/source.png" ] && [ ! -e "$work/o5/restart_3" ] && [ ! -e "$work/o5/history.csv.Ab12Cd" ]; then ok; else fail "old outputs stay: $(ls "$work/o5" | tr '\n' ' ')"; fi
unchanged "run into old results" "$work/o5/keep.txt" "$work/precious.copy"
if grep -q '"epochs": 5' "$work/o5/result.json"; then ok; else fail "old result.json kept"; fi
"$work/pprog" --quiet --epochs=5 --output="$work/o2" > "$work/o2.log" 2>&1; rc=$?
if [ "$rc" -eq 4 ] && grep -q "is a directory; not overwritten" "$work/o2.log"; then ok; else fail "built program: exit $rc"; head -3 "$work/o2.log"; fi
out=$("$work/pprog" --epochs=-1 2>&1); rc=$?
if [ "$rc" -eq 2 ] && printf '%s' "$out" | grep -q -- "--epochs: expected a whole number from 1 to"; then ok; else fail "built program --epochs=-1: exit $rc"; fi

# Sensor files: CR-only line endings, duplicate points, files that are no CSV.
printf 'x,u\r0.1,0.2\r0.5,0.4\r' > "$work/p.csv"
expect "run: CR line endings" 0 "results in" -- run --quiet --epochs=5 --output="$work/cr" "$work/p.prp"
printf 'x,u\n0.1,0.2\n0.5,0.4\n0.1,0.3\n' > "$work/p.csv"
expect "run: duplicate point" 1 "p.csv:4: a second observation of the same point with a different value" -- run --quiet "$work/p.prp"
printf 'root:$6$secretsalt$hash:19000:0:99999:7:::\n' > "$work/p.csv"
out=$(timeout 30 "$prpc" run --quiet "$work/p.prp" 2>&1); rc=$?
if [ "$rc" -eq 1 ] && ! printf '%s' "$out" | grep -q secretsalt; then ok; else fail "a file that is no CSV is quoted (exit $rc)"; printf '%s\n' "$out" | head -3; fi
sed 's|"p.csv"|"/dev/zero"|' "$work/p.prp" > "$work/zero.prp"
expect "run: /dev/zero as sensors" 1 "cannot open sensor file '/dev/zero': it is not a regular file" -- run --quiet "$work/zero.prp"
printf 'x,u\n0.1,1e308\n0.5,-1e308\n' > "$work/p.csv"
expect "run: huge values" 3 "not finite" -- run --quiet --output="$work/huge" "$work/p.prp"
if grep -q '"loss": null' "$work/huge/result.json"; then ok; else fail "huge values: result.json loss is not null"; fi
printf 'x,u\n0.1,0.2\n0.5,0.4\n' > "$work/p.csv"
long=$(head -c 100000 /dev/zero | tr '\0' 'q')   # (one argument is at most 128 KiB)
out=$(timeout 30 "$prpc" run --quiet --guess="q=$long" "$work/p.prp" 2>&1); rc=$?
if [ "$rc" -eq 2 ] && [ "${#out}" -lt 400 ]; then ok; else fail "a 100 kB --guess: exit $rc, ${#out} bytes of message"; fi

# The REPL's load and restore: directories and devices refused at once, not read.
printf 'load %s\nload /dev/zero\nload %s\nrestore /dev/zero\n' "$work" "$work/p.prp" > "$work/load.cmds"
out=$(timeout 60 "$prpc" repl < "$work/load.cmds" 2>&1)
if printf '%s' "$out" | grep -q "$work: is a directory" && printf '%s' "$out" | grep -q "/dev/zero: is a device, not a source file" \
   && printf '%s' "$out" | grep -q "/dev/zero: is a device, not a state file"; then ok; else fail "REPL load/restore of a directory or device"; printf '%s\n' "$out" | tail -4; fi

# Memory: a size the machine cannot give is an error before training (exit 5).
sed 's/^unknown q.*/&\ntrain {\n  collocation 1000000000\n}/' "$work/p.prp" > "$work/big.prp"
if ldd "$prpc" | grep -q libasan; then
  echo "SKIP 1e9 collocation points under ulimit -v: AddressSanitizer reserves more address space than the limit"
else
  out=$( (ulimit -v 8000000; timeout 60 "$prpc" run --quiet --epochs=1 --output="$work/big" "$work/big.prp") 2>&1); rc=$?
  if [ "$rc" -eq 5 ] && printf '%s' "$out" | grep -q "out of memory for 1000000000 collocation points (needs"; then ok; else fail "1e9 collocation points: exit $rc"; printf '%s\n' "$out" | tail -3; fi
fi

# Ctrl-C during --restarts: the finished restarts' table and exit 130.
"$prpc" run --quiet --epochs=20000 --restarts=50 --output="$work/rs_int" "$work/p.prp" > "$work/rs_int.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$work/rs_int/restart_1/history.csv" ] && break; sleep 0.1; done
kill -INT "$pid"; wait "$pid"; rc=$?
if [ "$rc" -eq 130 ] && grep -q "^restart" "$work/rs_int.log" && grep -q "interrupted during restart" "$work/rs_int.log"; then ok
else fail "Ctrl-C during restarts: exit $rc"; tail -3 "$work/rs_int.log"; fi

# As root: device nodes and a full disk. Elsewhere these are skipped, visibly.
if [ "$(id -u)" -eq 0 ]; then
  mknod -m 666 "$work/node" c 1 3
  expect "simulate over a device" 4 "node: is a device; not overwritten" -- simulate "$work/v.prp" -o "$work/node"
  expect "build over a device" 4 "node: is a device; not overwritten" -- build "$work/p.prp" -o "$work/node"
  if [ -c "$work/node" ]; then ok; else fail "the device node was replaced"; fi
  printf 'load %s\nsave %s\n' "$work/p.prp" "$work/node" > "$work/save.cmds"
  out=$(timeout 60 "$prpc" repl < "$work/save.cmds" 2>&1)
  if printf '%s' "$out" | grep -q "is a device; not overwritten" && [ -c "$work/node" ]; then ok; else fail "REPL save over a device"; printf '%s\n' "$out" | tail -3; fi
  mkdir -p "$work/full"
  if mount -t tmpfs -o size=64k tmpfs "$work/full" 2>/dev/null; then
    head -c 60000 /dev/zero > "$work/full/fill" 2>/dev/null
    out=$(timeout 60 "$prpc" run --quiet --epochs=200 --output="$work/full/r" "$work/p.prp" 2>&1); rc=$?
    if [ "$rc" -eq 4 ] && printf '%s' "$out" | grep -q "error: .*No space left on device" && ! printf '%s' "$out" | grep -q "results in"; then ok
    else fail "full disk: exit $rc"; printf '%s\n' "$out" | tail -3; fi
    ls "$work/full/r" 2>/dev/null | grep -q 'X\{0\}\.[A-Za-z0-9]\{6\}$' && fail "full disk: temporaries left: $(ls "$work/full/r")" || ok
    umount "$work/full"
  else
    echo "SKIP full disk: cannot mount a tmpfs here"
  fi
else
  echo "SKIP device node, REPL save and full-disk cases: they need root (this runner is uid $(id -u))"
fi

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
