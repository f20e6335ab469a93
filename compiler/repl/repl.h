/* The REPL (`prpc repl [FILE]`): interactive or scripted experiments on a .prp
 * problem. It sits on top of the whole pipeline: front end, plan, JIT, training. */
#ifndef PRP_REPL_H
#define PRP_REPL_H
#include <stdio.h>

typedef struct prp_repl prp_repl;

/* A session writing results to out and diagnostics to err. interactive: a
 * person at a terminal (live progress line, timings); otherwise the output is
 * deterministic, for transcripts. */
prp_repl *prp_repl_new(FILE *out, FILE *err, int interactive);
void prp_repl_free(prp_repl *r);

/* Runs one input line (a command or a declaration). `where` names the input
 * ("<stdin>", a script's path) and lineno is the line's number in it, for
 * located messages. Returns 0, 1 after an error (reported), or -1 for `quit`. */
int prp_repl_exec(prp_repl *r, const char *line, const char *where, int lineno);

/* Words that complete the text `prefix` typed at position `word_index` of the
 * line (0: the command): commands, declaration keywords, options and the
 * names of the loaded problem. Calls add(ctx, word) for each. */
void prp_repl_complete(const prp_repl *r, const char *line, const char *prefix,
                       void (*add)(void *ctx, const char *word), void *ctx);

/* `prpc repl [FILE] [--script FILE]`: argv[0] is "repl". Reads commands from the
 * script, else standard input (line editing and history on a terminal).
 * Returns the exit code: 0, or 1 if a scripted session met an error. */
int prp_repl_main(int argc, char **argv);

#endif
