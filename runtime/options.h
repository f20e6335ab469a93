/* Runtime, command line: the numeric option values prpc and built programs share, checked
 * with a message that names the option and the allowed range. */
#ifndef PRP_OPTIONS_H
#define PRP_OPTIONS_H

/* The largest --epochs, --seed, --restarts any command accepts. */
#define PRP_OPTION_COUNT_MAX 1000000000L

/* `arg` is "--NAME=VALUE"; VALUE must be a whole number in [min, max]. NULL and *out set, or
 * "--NAME: expected a whole number from MIN to MAX, not 'VALUE'" (VALUE cut to 80 bytes). */
char *prp_option_count(const char *arg, long min, long max, long *out);

#endif
