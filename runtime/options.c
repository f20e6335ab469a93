/* Runtime, command line: checked numeric option values; see options.h. */
#include "options.h"
#include "util.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

char *prp_option_count(const char *arg, long min, long max, long *out) {
  const char *eq = strchr(arg, '=');
  const char *text = eq ? eq + 1 : "";
  char *end;
  errno = 0;
  long n = strtol(text, &end, 10);
  if (*text && !*end && errno == 0 && n >= min && n <= max) {
    *out = n;
    return NULL;
  }
  char quoted[PRP_EXCERPT_CHARS + 4];
  int name_len = eq ? (int)(eq - arg) : (int)strlen(arg);
  if (name_len > PRP_EXCERPT_CHARS) name_len = PRP_EXCERPT_CHARS;
  return prp_errorf("%.*s: expected a whole number from %ld to %ld, not '%s'", name_len, arg, min, max,
                    prp_excerpt(quoted, text));
}
