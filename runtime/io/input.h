/* Runtime, run input: a file read whole (sensor files, trained states) with a size limit. */
#ifndef PRP_INPUT_H
#define PRP_INPUT_H
#include <stddef.h>

/* Reads path (a regular file or a pipe; not a directory or device) into a malloc'd buffer
 * of *len bytes plus a NUL. More than `limit` bytes is an error naming the limit; `what`
 * names the kind of file in it ("sensor file"). Returns NULL or a malloc'd message. */
char *prp_read_input(const char *path, size_t limit, const char *what, char **text, size_t *len);

#endif
