/* Front end and output: the limits of a field grid (`output field grid ...` in a
 * train block), checked by the checker and used by the field export (field_export.h). */
#ifndef PRP_FIELD_LIMITS_H
#define PRP_FIELD_LIMITS_H

enum { PRP_FIELD_MAX_SIZE = 4096, PRP_FIELD_MAX_TIMES = 10000, PRP_FIELD_MAX_POINTS = 1 << 24 };

#endif
