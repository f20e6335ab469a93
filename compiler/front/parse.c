/* Front end, stage 1: runs the scanner and parser over a source and loads the
 * standard-library modules it imports (`import std.flows` -> stdlib/flows.prp). */
#include "parse.h"
#include "util.h"
#include "parser.h"
#include "lexer.h"
#include "paths.h"
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

int yyparse(void *scanner, prp_parse_state *ps);

static void add_source(ast_program *prog, prp_source *src) {
  prog->sources = prp_xrealloc(prog->sources, sizeof *prog->sources * (size_t)(prog->nsources + 1), 1);
  prog->sources[prog->nsources++] = src;
}

int prp_parse_source(ast_program *prog, const prp_source *src, const prp_source *module, prp_diag *diag) {
  int before = diag->errors;
  int line, col;
  const char *what;
  if (!prp_source_check_text(src, &line, &col, &what)) {
    prp_error(diag, (prp_loc){src, line, col, line, col}, "%s", what);
    return diag->errors - before;
  }
  prp_parse_state ps = {.prog = prog, .diag = diag, .src = src, .module = module, .line = 1, .col = 1};
  yyscan_t scanner;
  if (yylex_init_extra(&ps, &scanner) != 0) prp_internal_error("cannot create the scanner");
  YY_BUFFER_STATE buf = yy_scan_bytes(src->text, (int)src->len, scanner);
  yyparse(scanner, &ps);
  yy_delete_buffer(buf, scanner);
  yylex_destroy(scanner);
  return diag->errors - before;
}

static int already_loaded(const ast_program *prog, const char *path) {
  for (int i = 0; i < prog->nsources; i++)
    if (strcmp(prog->sources[i]->path, path) == 0) return 1;
  return 0;
}

/* Path of the module named by an import declaration: std.a.b -> DIR/a/b.prp. */
static int module_path(const ast_decl *imp, char *path, size_t len, prp_diag *diag) {
  if (strcmp(imp->params[0], "std") != 0 || imp->nparams < 2) {
    prp_error(diag, imp->loc, "modules are imported from the standard library, as 'import std.NAME'");
    return 0;
  }
  size_t n = (size_t)snprintf(path, len, "%s", prp_stdlib_dir());
  for (int i = 1; i < imp->nparams && n < len; i++)
    n += (size_t)snprintf(path + n, len - n, "/%s", imp->params[i]);
  if (n + 5 > len) {
    prp_error(diag, imp->loc, "module name too long");
    return 0;
  }
  strcat(path, ".prp");
  return 1;
}


static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Notes which modules exist, sorted, so the message helps to fix the import. */
static void list_modules(prp_diag *diag, prp_loc loc) {
  DIR *dir = opendir(prp_stdlib_dir());
  if (!dir) return;
  char *names[64];
  int n = 0;
  for (struct dirent *e; (e = readdir(dir)) && n < 64;) {
    size_t len = strlen(e->d_name);
    if (len > 4 && strcmp(e->d_name + len - 4, ".prp") == 0) names[n++] = prp_xstrndup(e->d_name, len - 4);
  }
  closedir(dir);
  qsort(names, (size_t)n, sizeof *names, compare_names);
  char list[1024] = "";
  for (int i = 0; i < n; i++) {
    snprintf(list + strlen(list), sizeof list - strlen(list), "%sstd.%s", i ? ", " : "", names[i]);
    free(names[i]);
  }
  if (n) prp_hint(diag, loc, "the standard library has %s", list);
}

static void load_import(ast_program *prog, const ast_decl *imp, prp_diag *diag) {
  char path[4096];
  if (!module_path(imp, path, sizeof path, diag)) return;
  if (already_loaded(prog, path)) return;
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
    char name[512] = "std";
    for (int i = 1; i < imp->nparams; i++) snprintf(name + strlen(name), sizeof name - strlen(name), ".%s", imp->params[i]);
    prp_error(diag, imp->loc, "no module '%s' in the standard library", name);
    list_modules(diag, imp->loc);
    prp_hint(diag, imp->loc, "modules are looked up in %s (set PRP_STDLIB to change it)", prp_stdlib_dir());
    return;
  }
  char err[512];
  prp_source *src = prp_source_load(path, err, sizeof err);
  if (!src) {
    prp_error(diag, imp->loc, "%s", err);
    return;
  }
  add_source(prog, src);
  prp_parse_source(prog, src, src, diag);
}

/* Loads the imports; modules may import others, each module is loaded once. */
static void load_imports(ast_program *prog, prp_diag *diag) {
  for (int i = 0; i < prog->ndecls; i++)
    if (prog->decls[i]->kind == DECL_IMPORT) load_import(prog, prog->decls[i], diag);
}

static ast_program *parse_loaded(prp_source *src, prp_diag *diag) {
  ast_program *prog = ast_program_new();
  prog->main = src;
  add_source(prog, src);
  if (prp_parse_source(prog, src, NULL, diag) == 0) load_imports(prog, diag);
  return prog;
}

ast_program *prp_parse_file(const char *path, prp_diag *diag) {
  char err[512];
  prp_source *src = prp_source_load(path, err, sizeof err);
  if (!src) {
    prp_error_plain(diag, "%s", err);
    return NULL;
  }
  return parse_loaded(src, diag);
}

ast_program *prp_parse_string(const char *name, const char *text, size_t len, prp_diag *diag) {
  return parse_loaded(prp_source_from_string(name, text, len), diag);
}
