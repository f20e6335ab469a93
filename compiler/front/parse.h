/* Front end, stage 1: parsing a source into the AST (grammar/lexer.l and
 * grammar/parser.y) and loading the standard-library modules it imports. */
#ifndef PRP_PARSE_H
#define PRP_PARSE_H
#include "ast.h"
#include "diag.h"

/* State shared by the scanner and the parser of one source. */
typedef struct prp_parse_state {
  ast_program *prog;
  prp_diag *diag;
  const prp_source *src;
  const prp_source *module;   /* non-NULL while parsing an imported module */
  int line, col;              /* scanner position, 1-based, columns in code points */
  int depth;                  /* open ( and [ : newlines inside them are blanks */
  int open_line[PRP_MAX_NESTING + 1], open_col[PRP_MAX_NESTING + 1];  /* where each opened */
  int last_token;             /* to drop blank lines and newlines after '{' */
  int eof_newline_sent;
  int fatal;                  /* stop at once: nesting limit, memory */
  int comment_line, comment_col;
  const char *token_text;     /* text of the last token scanned, for messages */
  int token_len;
} prp_parse_state;

/* Parses src (already checked to be text) and appends its declarations to prog.
 * Returns the number of errors reported. */
int prp_parse_source(ast_program *prog, const prp_source *src, const prp_source *module, prp_diag *diag);

/* Loads, checks and parses a file, then its imports. NULL only if the file
 * could not be read at all (the reason is reported through diag). */
ast_program *prp_parse_file(const char *path, prp_diag *diag);
/* The same for text in memory (tests, fuzzer, REPL). */
ast_program *prp_parse_string(const char *name, const char *text, size_t len, prp_diag *diag);

/* Where `import std.NAME` looks: prp_stdlib_dir() (paths.h). */

#endif
