/* arena: the one place secret values live.
 *
 * A fixed region mapped once, locked in RAM (never swapped), excluded from
 * core dumps and from forked children, and zeroed when the run ends. Memory
 * is handed out by bumping a pointer and is never freed piecemeal: the
 * whole arena is wiped at once. Every secret value put here is also
 * registered, so the logger can refuse to print it (log_msg redacts any
 * registered value found in a line).
 */
#ifndef CASTELLAN_ARENA_H
#define CASTELLAN_ARENA_H

#include <stddef.h>

#include "err.h"

#define ARENA_MAX_SECRETS 512

struct arena_span {
	const unsigned char *p;
	size_t n;
};

struct arena {
	unsigned char *base;
	size_t size, used;
	struct arena_span secrets[ARENA_MAX_SECRETS];
	int nsecrets;
};

int arena_open(struct arena *a, size_t size, struct err *e);

/* n bytes, 16-byte aligned and zeroed, or NULL when the arena is full. */
void *arena_alloc(struct arena *a, size_t n);

/* Registers p[0..n) as a secret value for redaction; -1 when the table is
 * full (the caller must then refuse to continue). */
int arena_register(struct arena *a, const void *p, size_t n);

/* Copies a secret string (NUL-terminated) into the arena and registers it;
 * NULL when full. */
char *arena_strdup(struct arena *a, const char *s, size_t n);

/* Zeroes everything and forgets the secrets; the arena stays usable. */
void arena_wipe(struct arena *a);

/* Wipes and unmaps. Safe on a never-opened (zeroed) arena. */
void arena_close(struct arena *a);

#endif
