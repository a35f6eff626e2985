#ifndef TRESTLE_EXPAT_BASELINE_H
#define TRESTLE_EXPAT_BASELINE_H
#include <stddef.h>

/* Raw expat, in C, as the reference the Swift stream parser is measured
   against: a namespace-aware parser forced to UTF-8 (as Trestle's is), fed
   the same bytes in the same chunk size, whose callbacks only count.
   Returns the number of end tags seen, or -1 on a parse error. */
long trestle_expat_baseline(const char *data, size_t length, size_t chunk);

#endif
