/* Runtime, training: what a plan needs in memory, estimated and checked before training
 * starts, so that a size the machine cannot give is an error with the numbers rather than a
 * crash (or an exit from the allocator) in the middle of a run. */
#ifndef PRP_TRAIN_MEMORY_H
#define PRP_TRAIN_MEMORY_H
#include <stddef.h>
#include "train.h"

/* Bytes the point sets, the network's work space and the optimisers of pb take (a lower
 * bound of what the run allocates). */
double prp_train_memory_needed(const prp_train_problem *pb);

/* Bytes this process can still allocate: the smallest of physical memory and the address
 * space and data limits (ulimit -v, -d) less what is in use; +inf when nothing says. */
double prp_memory_available(void);

/* NULL, or "out of memory for N collocation points (needs X GiB, Y GiB available)". */
char *prp_train_check_memory(const prp_train_problem *pb);

#endif
