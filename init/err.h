/* err: how pure code reports a failure.
 *
 * A pure function that can fail takes a struct err * and returns -1 after
 * filling it with one sentence for the operator: the field or object, what
 * was found, what was expected. It never holds a secret value. The caller
 * decides whether to log it, add context, or print it.
 */
#ifndef CASTELLAN_ERR_H
#define CASTELLAN_ERR_H

#include <stddef.h>

struct err {
	char msg[512];
};

/* Formats the sentence into e (truncating if needed) and returns -1. */
int err_set(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefixes the existing sentence with "prefix: " and returns -1. */
int err_wrap(struct err *e, const char *prefix);

#endif
