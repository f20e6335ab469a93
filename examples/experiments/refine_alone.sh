#!/usr/bin/env bash
# The control of refine_2d.sh: the refinement alone, from the initial guess, with no
# training to speak of (1 epoch of the vanilla PINN, then `refine STEPS`): where the
# model's misfit descends from the guess to the truth, a local fit of the simulated
# model needs no PINN at all. Same problems and guesses as refine_2d.sh.
# Usage: examples/experiments/refine_alone.sh [PROBLEM...]
# Environment: PRPC (default build/prpc), OUT (default results/refine_alone), STEPS (30).
set -euo pipefail
cd "$(dirname "$0")/../.."
prpc=${PRPC:-build/prpc}
out=${OUT:-results/refine_alone}
problems=("$@")
[ ${#problems[@]} -gt 0 ] || problems=(square2d crossflow2d shear2d heatbox2x1 drift2d ell2d)
guesses_of() {   # the guesses of refine_2d.sh, one per line
  sed -n "s/^  \[$1\]=\"\(.*\)\"$/\1/p" examples/experiments/refine_2d.sh | tr ';' '\n'
  [ "$1" = drift2d ] && sed -n 's/^guesses="\(.*\)"$/\1/p' examples/experiments/drift2d.sh | tr ';' '\n'
  return 0
}
for p in "${problems[@]}"; do
  mkdir -p "$out/$p"
  awk -v steps="${STEPS:-30}" '{ print } /^train *\{/ { print "  refine " steps }' "examples/blind/$p.prp" > "$out/$p/$p.prp"
  while read -r g; do
    [ -z "$g" ] || [ "$g" = DRIFT ] && continue
    args=()
    IFS=, read -ra pairs <<< "$g"
    for pair in "${pairs[@]}"; do args+=("--guess=$pair"); done
    name=$(echo "$g" | tr ',=' '__')
    nice "$prpc" run --quiet --no-relax --epochs=1 "${args[@]}" --output="$out/$p/$name" "$out/$p/$p.prp" 2>&1 |
      grep -E "^  [a-z]+ +=|^refine" | tr '\n' ' ' | sed "s/^/$p $g: /"; echo
  done < <(guesses_of "$p")
done
