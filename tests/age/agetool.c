/* agetool: init/age.c as a filter, so tests can hold it against the real
 * age tool on arbitrary payloads. Test-only; never part of the appliance.
 *
 *   agetool decrypt IDENTITY-FILE < in > out
 *   agetool encrypt [-a] RECIPIENT... < in > out
 */
#include "age.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static int fill(void *ctx, unsigned char *buf, size_t n)
{
	(void)ctx;
	return getrandom(buf, n, 0) == (ssize_t)n ? 0 : -1;
}

static unsigned char *slurp(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0, got;
	unsigned char *buf = malloc(cap);

	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	*len = n;
	return buf;
}

static int decrypt(const char *keyfile)
{
	struct age_identity id;
	struct err e;
	size_t klen, len;
	FILE *kf = fopen(keyfile, "r");
	unsigned char *key = kf ? slurp(kf, &klen) : NULL, *in = slurp(stdin, &len), *bin, *out;
	long n;

	if (kf)
		fclose(kf);
	if (!key || age_identity_parse(&id, (char *)key, klen, &e) < 0) {
		fprintf(stderr, "agetool: %s\n", key ? e.msg : "cannot read the identity");
		return 1;
	}
	bin = malloc(len + 1);
	out = malloc(len + 1);
	n = (long)len;
	memcpy(bin, in, len);
	if (age_is_armored(in, len))
		n = age_dearmor(bin, len, (char *)in, len, &e);
	if (n >= 0)
		n = age_decrypt(out, len, bin, (size_t)n, &id, &e);
	if (n < 0) {
		fprintf(stderr, "agetool: %s\n", e.msg);
		return 1;
	}
	fwrite(out, 1, (size_t)n, stdout);
	free(key);
	free(in);
	free(bin);
	free(out);
	return 0;
}

static int encrypt(int argc, char **argv)
{
	struct age_recipient r[AGE_MAX_STANZAS + 1];
	struct age_rng rng = { fill, NULL };
	struct err e;
	int armored = 0, nr = 0, i;
	size_t len, cap;
	unsigned char *in = slurp(stdin, &len), *out;
	long n;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-a") == 0)
			armored = 1;
		else if (nr > AGE_MAX_STANZAS || age_recipient_parse(&r[nr++], argv[i], &e) < 0) {
			fprintf(stderr, "agetool: %s: %s\n", argv[i], e.msg);
			return 1;
		}
	}
	cap = age_encrypt_bound(len, (size_t)nr, armored);
	out = malloc(cap);
	n = age_encrypt(out, cap, in, len, r, (size_t)nr, armored, &rng, &e);
	if (n < 0) {
		fprintf(stderr, "agetool: %s\n", e.msg);
		return 1;
	}
	fwrite(out, 1, (size_t)n, stdout);
	free(in);
	free(out);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "decrypt") == 0)
		return decrypt(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "encrypt") == 0)
		return encrypt(argc - 2, argv + 2);
	fputs("usage: agetool decrypt KEY | agetool encrypt [-a] RECIPIENT...\n", stderr);
	return 2;
}
