/* Front end: the language's keywords, one list read by the lexer (which maps
 * each to its token), the AST's printing (the declaration kinds' names) and the
 * REPL (which words start a typed declaration, completion). */
#ifndef PRP_KEYWORDS_H
#define PRP_KEYWORDS_H
#include "ast.h"

typedef enum {
  PRP_KW_PROBLEM, PRP_KW_IMPORT, PRP_KW_SPACE, PRP_KW_TIME, PRP_KW_FIELD, PRP_KW_CONST, PRP_KW_LET,
  PRP_KW_UNKNOWN, PRP_KW_AS, PRP_KW_IN, PRP_KW_PDE, PRP_KW_INITIAL, PRP_KW_BOUNDARY, PRP_KW_ON,
  PRP_KW_HARD, PRP_KW_SOFT, PRP_KW_SENSORS, PRP_KW_FROM, PRP_KW_AT, PRP_KW_COUNT, PRP_KW_TRUTH,
  PRP_KW_SET, PRP_KW_RELAX, PRP_KW_OFF, PRP_KW_TO, PRP_KW_UNTIL, PRP_KW_PIECEWISE, PRP_KW_NETWORK,
  PRP_KW_TRAIN,
  PRP_NKEYWORDS
} prp_keyword;

typedef struct {
  const char *word;
  int decl;   /* the ast_decl_kind a declaration starting with it has, or -1 */
} prp_keyword_info;

extern const prp_keyword_info prp_keywords[PRP_NKEYWORDS];

/* The keyword spelled word, or -1 for any other word. */
int prp_keyword_find(const char *word);

/* The words that start a line of a relax block, indexed by ast_relax_kind; NULL-terminated. */
extern const char *const prp_relax_mechanisms[];

#endif
