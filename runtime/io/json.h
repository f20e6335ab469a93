/* Runtime, run output: a small streaming JSON writer (result.json).  Numbers are printed in
 * the shortest form that reads back to the same double; NaN and Inf become null. */
#ifndef PRP_JSON_H
#define PRP_JSON_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct prp_json prp_json;

/* Writes to `f` (not closed by prp_json_finish), pretty-printed with two-space indents. */
prp_json *prp_json_new(FILE *f);
/* Writes `path` atomically: the file appears only when prp_json_finish succeeds. */
char *prp_json_open_file(prp_json **j, const char *path);
/* Checks that every object and array was closed (an internal error otherwise), writes the
 * final newline, reports I/O errors as a message, and frees `j`. */
char *prp_json_finish(prp_json *j);

void prp_json_begin_object(prp_json *j);
void prp_json_end_object(prp_json *j);
void prp_json_begin_array(prp_json *j);
void prp_json_end_array(prp_json *j);
void prp_json_key(prp_json *j, const char *key); /* inside an object, before each value */

void prp_json_string(prp_json *j, const char *s); /* UTF-8; invalid bytes become U+FFFD */
void prp_json_number(prp_json *j, double v);
void prp_json_int(prp_json *j, int64_t v);
void prp_json_bool(prp_json *j, bool v);
void prp_json_null(prp_json *j);

/* Shorthands for key + value. */
void prp_json_member_string(prp_json *j, const char *key, const char *s);
void prp_json_member_number(prp_json *j, const char *key, double v);
void prp_json_member_int(prp_json *j, const char *key, int64_t v);
void prp_json_member_bool(prp_json *j, const char *key, bool v);

/* The shortest %.{15,16,17}g text of v that strtod reads back exactly (buf: 32 bytes);
 * "null" for NaN and Inf. */
void prp_json_format_number(char buf[32], double v);

#endif
