" Vim syntax file for prp problem files (.prp): inverse source-localization problems
" trained as PR-PINNs. The keywords are the scanner's (grammar/lexer.l); tests/editors.sh
" checks that the two lists agree. Install: see docs/editors/README.md.
if exists("b:current_syntax")
  finish
endif

syn keyword prpKeyword problem import space time field const let unknown as in pde
syn keyword prpKeyword initial boundary on hard soft sensors from at count truth set
syn keyword prpKeyword relax off to until piecewise network train

syn match   prpNumber   "\<\d\+\(\.\d\+\)\=\([eE][+-]\=\d\+\)\=%\="
syn match   prpNumber   "\.\d\+\([eE][+-]\=\d\+\)\=%\="
syn match   prpOperator "\.\.\|[-+*/^=]"
syn region  prpString   start=+"+ skip=+\\.+ end=+"+ oneline
syn match   prpComment  "#.*$" contains=@Spell
syn region  prpComment  start="/\*" end="\*/" contains=@Spell

hi def link prpKeyword  Keyword
hi def link prpNumber   Number
hi def link prpOperator Operator
hi def link prpString   String
hi def link prpComment  Comment

let b:current_syntax = "prp"
