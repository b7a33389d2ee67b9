/* castellan keygen and castellan seal: making the appliance's key, and
 * sealing a Machine Identity to it. Both write what age writes. */
#include "age.h"
#include "arena.h"
#include "cli.h"
#include "io.h"
#include "sealed.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fill_random(void *ctx, unsigned char *buf, size_t n)
{
	(void)ctx;
	return io_random(buf, n);
}

/* Writes to path (refusing to replace an existing file) or stdout. */
static int emit(const char *path, const void *buf, size_t len, unsigned mode)
{
	int fd = 1, rc;

	if (path) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (fd < 0)
			return cli_fail("creating %s: %s", path, strerror(errno));
	}
	rc = io_write_all(fd, buf, len);
	if (rc < 0)
		cli_fail("writing %s: %s", path ? path : "the output", strerror(errno));
	if (path && close(fd) < 0 && rc == 0)
		rc = cli_fail("closing %s: %s", path, strerror(errno));
	return rc < 0 ? 1 : 0;
}

int cmd_keygen(int argc, char **argv)
{
	struct age_identity id;
	struct age_recipient r;
	unsigned char secret[32];
	char sk[AGE_IDENTITY_LEN], pk[AGE_RECIPIENT_LEN], when[32], file[256];
	const char *out = NULL;
	time_t now = time(NULL);
	int n, rc;

	if (argc == 3 && strcmp(argv[1], "-o") == 0)
		out = argv[2];
	else if (argc != 1)
		return cli_usage();
	if (fill_random(NULL, secret, sizeof secret) < 0)
		return cli_fail("no randomness: %s", strerror(errno));
	age_identity_from_secret(&id, secret);
	age_recipient_of(&r, &id);
	age_identity_format(&id, sk);
	age_recipient_format(&r, pk);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	n = snprintf(file, sizeof file, "# created: %s\n# public key: %s\n%s\n", when, pk, sk);
	rc = emit(out, file, (size_t)n, 0600);
	memset(secret, 0, sizeof secret);
	memset(&id, 0, sizeof id);
	memset(sk, 0, sizeof sk);
	memset(file, 0, sizeof file);
	if (rc == 0)
		fprintf(stderr, "Public key: %s\n", pk);
	return rc;
}

struct seal_args {
	struct age_recipient r[AGE_MAX_STANZAS];
	int nr;
	const char *not_after, *vm_uuid, *out, *in;
};

static int seal_parse_args(struct seal_args *s, int argc, char **argv)
{
	struct err e;

	memset(s, 0, sizeof *s);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-r") == 0 && v) {
			if (s->nr == AGE_MAX_STANZAS)
				return cli_fail("at most %d recipients", AGE_MAX_STANZAS);
			if (age_recipient_parse(&s->r[s->nr++], v, &e) < 0)
				return cli_fail("-r %s: %s", v, e.msg);
			i++;
		} else if (strcmp(a, "--not-after") == 0 && v) {
			s->not_after = argv[++i];
		} else if (strcmp(a, "--vm-uuid") == 0 && v) {
			s->vm_uuid = argv[++i];
		} else if (strcmp(a, "-o") == 0 && v) {
			s->out = argv[++i];
		} else if (a[0] != '-' && !s->in) {
			s->in = a;
		} else {
			return cli_usage();
		}
	}
	if (s->nr == 0)
		return cli_fail("seal needs at least one -r age1... recipient (the image's public key)");
	return 0;
}

/* The input is itself a sealed document (client_id, client_secret); it is
 * parsed strictly, then written again with the bindings added. */
static int seal_with(struct seal_args *s, struct arena *a)
{
	char *input = arena_alloc(a, SEALED_MAX + 1), *doc = arena_alloc(a, SEALED_MAX);
	size_t cap = age_encrypt_bound(SEALED_MAX, (size_t)s->nr, 1);
	unsigned char *sealed_file = arena_alloc(a, cap);
	struct age_rng rng = { fill_random, NULL };
	struct sealed sd;
	struct err e;
	ssize_t n;
	long len, out;

	if (!input || !doc || !sealed_file)
		return cli_fail("the secret arena is full");
	n = s->in ? io_read_file(s->in, input, SEALED_MAX + 1) : io_read_fd(0, input, SEALED_MAX + 1);
	if (n < 0)
		return cli_fail("reading %s: %s", s->in ? s->in : "standard input",
				errno == EFBIG ? "larger than 4 KiB" : strerror(errno));
	if (sealed_parse(&sd, a, input, (size_t)n, &e) < 0)
		return cli_fail("%s (the input needs client_id: and client_secret: lines)", e.msg);
	if (sd.has_not_after || sd.has_vm_uuid)
		return cli_fail("give not_after and vm_uuid as --not-after and --vm-uuid, not in the input");
	len = sealed_format(doc, SEALED_MAX, sd.client_id, sd.client_secret, s->not_after,
			    s->vm_uuid, &e);
	if (len < 0)
		return cli_fail("%s", e.msg);
	out = age_encrypt(sealed_file, cap, (unsigned char *)doc, (size_t)len, s->r,
			  (size_t)s->nr, 1, &rng, &e);
	if (out < 0)
		return cli_fail("%s", e.msg);
	return emit(s->out, sealed_file, (size_t)out, 0644);
}

int cmd_seal(int argc, char **argv)
{
	struct seal_args s;
	struct arena a;
	struct err e;
	int rc;

	rc = seal_parse_args(&s, argc, argv);
	if (rc != 0)
		return rc;
	if (arena_open(&a, 256 * 1024, &e) < 0)
		return cli_fail("%s", e.msg);
	rc = seal_with(&s, &a);
	arena_close(&a);
	return rc;
}
