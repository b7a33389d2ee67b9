/* libFuzzer target: the age armor and header/payload parser, fed anything.
 * A fixed identity is used, so inputs that reach the X25519 unwrap and the
 * MAC check are exercised too. Run by tests/fuzz/run.sh for a bounded time. */
#include "age.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char bin[1 << 20], out[1 << 20];
static struct age_identity id;

/* The identity comes from $FUZZ_AGE_KEY so the seeds (sealed to it by the
 * real age tool) reach the unwrap, the MAC and the payload. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char text[4096];
	const char *path = getenv("FUZZ_AGE_KEY");
	FILE *f = path ? fopen(path, "r") : NULL;
	size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
	struct err e;

	(void)argc;
	(void)argv;
	if (f)
		fclose(f);
	if (age_identity_parse(&id, text, n, &e) < 0) {
		fprintf(stderr, "fuzz_age: FUZZ_AGE_KEY: %s\n", e.msg);
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct age_identity other;
	struct err e;
	long n = (long)size;

	if (size > sizeof bin)
		return 0;
	if (age_is_armored(data, size))
		n = age_dearmor(bin, sizeof bin, (const char *)data, size, &e);
	else
		memcpy(bin, data, size);
	if (n >= 0)
		(void)age_decrypt(out, sizeof out, bin, (size_t)n, &id, &e);
	(void)age_identity_parse(&other, (const char *)data, size, &e);
	return 0;
}
