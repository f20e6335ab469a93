/* libFuzzer target for the front end: any byte string goes through the text
 * check, the scanner, the parser and (when it parses) the checker and the AST
 * dump. Built with clang when PRP_FUZZ=ON; run by scripts/test.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "ast.h"
#include "check.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static FILE *sink;
  if (!sink) sink = fopen("/dev/null", "w");
  prp_diag diag;
  prp_diag_init(&diag, sink, 0);
  ast_program *prog = prp_parse_string("fuzz.prp", (const char *)data, size, &diag);
  if (prog && diag.errors == 0 && prp_check(prog, &diag) == 0) ast_dump(prog, sink);
  ast_program_free(prog);
  return 0;
}
