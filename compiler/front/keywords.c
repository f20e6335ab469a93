/* Front end: the keyword table; see keywords.h. */
#include "keywords.h"
#include <string.h>

const prp_keyword_info prp_keywords[PRP_NKEYWORDS] = {
  [PRP_KW_PROBLEM] = {"problem", DECL_PROBLEM}, [PRP_KW_IMPORT] = {"import", DECL_IMPORT},
  [PRP_KW_SPACE] = {"space", DECL_SPACE},       [PRP_KW_TIME] = {"time", DECL_TIME},
  [PRP_KW_FIELD] = {"field", DECL_FIELD},       [PRP_KW_CONST] = {"const", DECL_CONST},
  [PRP_KW_LET] = {"let", DECL_LET},             [PRP_KW_UNKNOWN] = {"unknown", DECL_UNKNOWN},
  [PRP_KW_AS] = {"as", -1},                     [PRP_KW_IN] = {"in", -1},
  [PRP_KW_PDE] = {"pde", DECL_PDE},             [PRP_KW_INITIAL] = {"initial", DECL_INITIAL},
  [PRP_KW_BOUNDARY] = {"boundary", DECL_BOUNDARY}, [PRP_KW_ON] = {"on", -1},
  [PRP_KW_HARD] = {"hard", -1},                 [PRP_KW_SOFT] = {"soft", -1},
  [PRP_KW_SENSORS] = {"sensors", DECL_SENSORS}, [PRP_KW_FROM] = {"from", -1},
  [PRP_KW_AT] = {"at", -1},                     [PRP_KW_COUNT] = {"count", -1},
  [PRP_KW_TRUTH] = {"truth", DECL_TRUTH},       [PRP_KW_SET] = {"set", -1},
  [PRP_KW_RELAX] = {"relax", DECL_RELAX},       [PRP_KW_OFF] = {"off", -1},
  [PRP_KW_TO] = {"to", -1},                     [PRP_KW_UNTIL] = {"until", -1},
  [PRP_KW_PIECEWISE] = {"piecewise", -1},       [PRP_KW_NETWORK] = {"network", DECL_NETWORK},
  [PRP_KW_TRAIN] = {"train", DECL_TRAIN},
};

const char *const prp_relax_mechanisms[] = {
  [RELAX_SMOOTHING] = "smoothing", [RELAX_DILATATION] = "dilatation", [RELAX_NUDGING] = "nudging", NULL};

int prp_keyword_find(const char *word) {
  for (int k = 0; k < PRP_NKEYWORDS; k++)
    if (strcmp(prp_keywords[k].word, word) == 0) return k;
  return -1;
}
