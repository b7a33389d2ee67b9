#include "unseal.h"
#include "io.h"

#include <errno.h>
#include <string.h>

#define KEY_FILE_MAX 4096

struct age_identity *unseal_load_key(struct arena *a, const char *path, struct err *e)
{
	char *text = arena_alloc(a, KEY_FILE_MAX);
	struct age_identity *id = arena_alloc(a, sizeof *id);
	ssize_t n;

	if (!text || !id) {
		err_set(e, "the secret arena is full");
		return NULL;
	}
	n = io_read_file(path, text, KEY_FILE_MAX);
	if (n < 0) {
		err_set(e, "reading the age identity %s: %s", path,
			errno == EFBIG ? "larger than 4 KiB" : strerror(errno));
		return NULL;
	}
	if (age_identity_parse(id, text, (size_t)n, e) < 0) {
		err_wrap(e, path);
		return NULL;
	}
	memset(text, 0, KEY_FILE_MAX);
	return id;
}

int unseal_open(struct arena *a, const struct age_identity *key, const char *armored,
		size_t len, struct sealed *s, struct err *e)
{
	unsigned char *bin = arena_alloc(a, len), *plain;
	long n, m;

	if (!bin)
		return err_set(e, "castellan.identity: larger than the secret arena");
	n = age_dearmor(bin, len, armored, len, e);
	if (n < 0)
		return err_wrap(e, "castellan.identity");
	plain = arena_alloc(a, SEALED_MAX + 1);
	if (!plain)
		return err_set(e, "castellan.identity: the secret arena is full");
	m = age_decrypt(plain, SEALED_MAX, bin, (size_t)n, key, e);
	if (m < 0)
		return err_wrap(e, "castellan.identity");
	return sealed_parse(s, a, (const char *)plain, (size_t)m, e);
}
