#!/usr/bin/env bash
# The editor grammars of docs/editors/ against the scanner: the keywords of the Vim
# syntax file and of the TextMate grammar must be exactly those of the scanner's
# keyword table (compiler/front/keywords.c, which the lexer reads), and the TextMate grammar
# must be valid JSON whose patterns compile.
# Usage: editors.sh PRPC SOURCE_DIR BUILD_DIR
set -u
src=$(realpath "$2")
failed=0
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# [PRP_KW_PROBLEM] = {"problem", DECL_PROBLEM}, ... inside `prp_keywords[PRP_NKEYWORDS] = { ... };`
scanner=$(sed -n '/prp_keywords\[PRP_NKEYWORDS\] = {/,/^};/p' "$src/compiler/front/keywords.c" |
          grep -oE '\{"[a-z_]+", [A-Z_0-9-]+\}' | sed -E 's/\{"([a-z_]+)".*/\1/' | sort)
[ "$(printf '%s\n' "$scanner" | wc -l)" -ge 20 ] || fail "found only $(printf '%s\n' "$scanner" | wc -w) keywords in compiler/front/keywords.c"

vim=$(grep -E '^syn keyword prpKeyword ' "$src/docs/editors/prp.vim" | sed 's/^syn keyword prpKeyword //' | tr ' ' '\n' |
      grep -v '^$' | sort)
textmate=$(python3 - "$src/docs/editors/prp.tmLanguage.json" <<'PY'
import json, re, sys
g = json.load(open(sys.argv[1]))
def walk(node):
    if isinstance(node, dict):
        if "match" in node:
            re.compile(node["match"])
        if node.get("name") == "keyword.control.prp":
            m = re.fullmatch(r"\\b\((.*)\)\\b", node["match"])
            print("\n".join(sorted(m.group(1).split("|"))) if m else "UNREADABLE")
        for v in node.values(): walk(v)
    elif isinstance(node, list):
        for v in node: walk(v)
walk(g)
PY
) || fail "prp.tmLanguage.json is not valid JSON with valid patterns"
textmate=$(printf '%s\n' "$textmate" | sort)

for pair in "vim:$vim" "textmate:$textmate"; do
  name=${pair%%:*} words=${pair#*:}
  missing=$(comm -23 <(printf '%s\n' "$scanner") <(printf '%s\n' "$words") | tr '\n' ' ')
  extra=$(comm -13 <(printf '%s\n' "$scanner") <(printf '%s\n' "$words") | tr '\n' ' ')
  [ -z "$missing" ] || fail "$name grammar lacks the scanner's keywords: $missing"
  [ -z "$extra" ] || fail "$name grammar has keywords the scanner does not: $extra"
done
echo "editors: $(printf '%s\n' "$scanner" | wc -l) keywords checked, $failed failed"
[ "$failed" -eq 0 ]
