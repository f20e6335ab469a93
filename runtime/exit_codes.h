/* Runtime and driver: the exit statuses of prpc and of the programs `prpc build`
 * makes, defined once here (compiler/diag.h includes this header). */
#ifndef PRP_EXIT_CODES_H
#define PRP_EXIT_CODES_H
#include <stdio.h>

typedef enum prp_exit_code {
  PRP_EXIT_OK = 0,
  PRP_EXIT_INPUT = 1,     /* the input has errors (diagnostics were printed); prpc only */
  PRP_EXIT_USAGE = 2,     /* bad command line */
  PRP_EXIT_RUNTIME = 3,   /* training or simulation failed (a value that is not finite) */
  PRP_EXIT_IO = 4,        /* a file could not be written (or read): disk full, permissions, refused target */
  PRP_EXIT_MEMORY = 5,    /* out of memory: a size the machine cannot give */
  PRP_EXIT_INTERNAL = 70, /* a bug in prp */
  PRP_EXIT_INTERRUPT = 130
} prp_exit_code;

/* Prints the "exit status:" section of --help: every code, or (prpc == 0) the
 * ones a built program can return. */
void prp_exit_codes_help(FILE *out, int prpc);

#endif
