/* placeholder parser, replaced by the real one */
%define api.pure full
%locations
%param {void *scanner}
%code { int yylex(void *lval, void *lloc, void *scanner); static void yyerror(void *l, void *s, const char *m) {} }
%token END_TOKEN
%%
top: %empty ;
%%
