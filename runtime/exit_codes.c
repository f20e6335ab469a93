/* Runtime and driver: the meaning of each exit status (exit_codes.h), as both
 * prpc's and built programs' --help print it. */
#include "exit_codes.h"

static const struct {
  prp_exit_code code;
  int prpc_only;
  const char *meaning;
} exit_codes[] = {
    {PRP_EXIT_OK, 0, "success"},
    {PRP_EXIT_INPUT, 1, "the input has errors (diagnostics were printed)"},
    {PRP_EXIT_USAGE, 0, "bad command line"},
    {PRP_EXIT_RUNTIME, 0, "training or simulation failed (a value that is not finite)"},
    {PRP_EXIT_IO, 0, "a file could not be written or read (disk full, permissions, refused target)"},
    {PRP_EXIT_MEMORY, 0, "out of memory"},
    {PRP_EXIT_INTERNAL, 0, "internal error (a bug in prp)"},
    {PRP_EXIT_INTERRUPT, 0, "interrupted"},
};

void prp_exit_codes_help(FILE *out, int prpc) {
  fprintf(out, "exit status:\n");
  for (size_t i = 0; i < sizeof exit_codes / sizeof exit_codes[0]; i++)
    if (prpc || !exit_codes[i].prpc_only) fprintf(out, "  %-3d %s\n", (int)exit_codes[i].code, exit_codes[i].meaning);
}
