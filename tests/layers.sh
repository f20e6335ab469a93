#!/usr/bin/env bash
# The compiler's layers (docs/architecture.md): compiler/front and compiler/symbolic do not
# include LLVM's headers, nor a header of a layer above them (llvm, plan, driver, repl). The
# build enforces the first already (only prp_llvm has LLVM's include directories); this test
# reads the sources, so that it also fails in a build whose compiler finds llvm-c/ on its
# default path.
# Usage: layers.sh PRPC SOURCE_DIR BUILD_DIR
set -u
src=$(realpath "$2")
failed=0 checked=0
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# The headers each layer may not include: LLVM's, and those of the layers above it.
above() {
  local layer
  for layer in "$@"; do
    (cd "$src/compiler/$layer" && ls -- *.h 2>/dev/null)
  done
}
check_layer() {
  local layer=$1; shift
  local forbidden file inc
  forbidden=$(above "$@")
  for file in "$src/compiler/$layer"/*.[ch]; do
    checked=$((checked + 1))
    if grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](llvm-c|llvm)/' "$file"; then
      fail "${file#"$src"/} includes an LLVM header"
    fi
    for inc in $(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/p' "$file"); do
      if printf '%s\n' "$forbidden" | grep -qxF -- "$inc"; then
        fail "${file#"$src"/} includes $inc, a header of a layer above $layer"
      fi
    done
  done
}
check_layer front symbolic llvm plan driver repl
check_layer symbolic llvm plan driver repl

[ "$checked" -ge 20 ] || fail "checked only $checked files under compiler/front and compiler/symbolic"
echo "layers.sh: $checked files checked, $failed failed"
[ "$failed" -eq 0 ]
