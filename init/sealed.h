/* sealed: the Machine Identity document inside the age file, and its binding.
 *
 * The plaintext is a flat YAML mapping: client_id, client_secret, and the
 * optional not_after (RFC 3339) and vm_uuid (SMBIOS UUID). It is parsed by
 * hand, in place, so the secret never passes through a general parser's
 * heap: values are copied straight into the arena, and client_secret is
 * registered there for redaction. Errors never quote client_secret.
 * Pure apart from the arena it is handed.
 */
#ifndef CASTELLAN_SEALED_H
#define CASTELLAN_SEALED_H

#include <stddef.h>
#include <time.h>

#include "arena.h"
#include "err.h"

#define SEALED_MAX 4096		/* the plaintext, at most */

struct sealed {
	const char *client_id;		/* in the arena; not a secret */
	const char *client_secret;	/* in the arena; registered */
	int has_not_after;
	long long not_after;		/* seconds since the epoch, UTC */
	char not_after_text[40];
	int has_vm_uuid;
	char vm_uuid[37];		/* lower case, canonical */
};

int sealed_parse(struct sealed *s, struct arena *a, const char *text, size_t len,
		 struct err *e);

/* Enforces the binding: not_after against now, vm_uuid against
 * machine_uuid (NULL when it could not be read). */
int sealed_check(const struct sealed *s, long long now, const char *machine_uuid,
		 struct err *e);

/* Writes the plaintext castellan seal encrypts. not_after and vm_uuid may
 * be NULL. Returns the length, or -1 if it does not fit or a value cannot
 * be written safely (it would need quoting the reader does not do). */
long sealed_format(char *out, size_t cap, const char *client_id, const char *client_secret,
		   const char *not_after, const char *vm_uuid, struct err *e);

/* "2026-12-31T23:59:59Z", "...59.5+01:00": seconds since the epoch. */
int rfc3339_parse(const char *s, long long *t);

#endif
