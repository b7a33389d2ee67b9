/* check: the unit tests' few assertions.
 *
 * Each test binary includes this once, calls its test functions from main
 * and returns check_done(), which prints the closing line
 * "unit NAME: N passed, N failed" and exits non-zero on any failure.
 */
#ifndef CASTELLAN_CHECK_H
#define CASTELLAN_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_pass, check_fail;

#define CHECK(cond) do { \
	if (cond) check_pass++; \
	else { check_fail++; fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	if (g_ && w_ && strcmp(g_, w_) == 0) check_pass++; \
	else { check_fail++; fprintf(stderr, "%s:%d: FAILED: %s\n  got:  %s\n  want: %s\n", \
		__FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } \
} while (0)

/* The sentence contains the fragment. */
#define CHECK_HAS(got, frag) do { \
	const char *g_ = (got), *f_ = (frag); \
	if (g_ && strstr(g_, f_)) check_pass++; \
	else { check_fail++; fprintf(stderr, "%s:%d: FAILED: %s lacks \"%s\"\n  got: %s\n", \
		__FILE__, __LINE__, #got, f_, g_ ? g_ : "(null)"); } \
} while (0)

static inline int check_done(const char *name)
{
	printf("unit %s: %d passed, %d failed\n", name, check_pass, check_fail);
	return check_fail ? 1 : 0;
}

#endif
