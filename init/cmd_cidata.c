/* castellan cidata: the NoCloud seed ISO (volume id cidata) an operator
 * attaches to the appliance, built without genisoimage. Written to a
 * temporary file beside the output and renamed, so a failure leaves no
 * partial image; mode 0600, since user-data holds the sealed identity. */
#include "cli.h"
#include "io.h"
#include "iso9660.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A Talos machine config with inline manifests runs to about 1 MiB. */
#define CIDATA_FILE_MAX (16 * 1024 * 1024)

enum { F_META, F_USER, F_NET, F_COUNT };

struct cidata_args {
	const char *out;
	const char *path[F_COUNT];	/* NULL: absent (meta-data: the default) */
};

static const char *const seed_names[F_COUNT] = { "meta-data", "user-data", "network-config" };
static const char default_meta[] = "instance-id: castellan\n";

static int parse_args(struct cidata_args *a, int argc, char **argv)
{
	memset(a, 0, sizeof *a);
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(s, "-o") == 0 && v)
			a->out = argv[++i];
		else if (strcmp(s, "--meta-data") == 0 && v)
			a->path[F_META] = argv[++i];
		else if (strcmp(s, "--network-config") == 0 && v)
			a->path[F_NET] = argv[++i];
		else if (s[0] != '-' && !a->path[F_USER])
			a->path[F_USER] = s;
		else
			return cli_usage();
	}
	if (!a->out || !a->path[F_USER])
		return cli_usage();
	return 0;
}

/* Reads path into a new buffer the caller frees; NULL after saying why. */
static char *load(const char *path, size_t *len)
{
	char *buf = malloc(CIDATA_FILE_MAX + 1);
	ssize_t n;

	if (!buf) {
		cli_fail("out of memory reading %s", path);
		return NULL;
	}
	n = io_read_file(path, buf, CIDATA_FILE_MAX + 1);
	if (n < 0) {
		cli_fail("reading %s: %s", path, errno == EFBIG ? "larger than 16 MiB" : strerror(errno));
		free(buf);
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

/* SOURCE_DATE_EPOCH, when set, makes the image reproducible. */
static int image_time(long long *t)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;

	if (!s || !*s) {
		*t = (long long)time(NULL);
		return 0;
	}
	errno = 0;
	*t = strtoll(s, &end, 10);
	if (errno || *end || *t < 0)
		return cli_fail("SOURCE_DATE_EPOCH=%s is not a count of seconds since 1970", s);
	return 0;
}

static int build(const struct cidata_args *a, struct iso_file *f, int n)
{
	size_t size = iso9660_size(f, n);
	void *img = size ? malloc(size) : NULL;
	long long t;
	struct err e;
	long len;
	int rc;

	if (image_time(&t) != 0)
		return 1;
	if (size && !img)
		return cli_fail("out of memory for a %zu-byte image", size);
	len = iso9660_write(img, size, "cidata", t, f, n, &e);
	rc = len < 0 ? cli_fail("%s", e.msg) : cli_write_private(a->out, img, (size_t)len);
	free(img);
	return rc;
}

int cmd_cidata(int argc, char **argv)
{
	struct cidata_args a;
	struct iso_file f[F_COUNT];
	char *buf[F_COUNT] = { NULL, NULL, NULL };
	int rc, n = 0;

	rc = parse_args(&a, argc, argv);
	if (rc != 0)
		return rc;
	for (int i = 0; i < F_COUNT; i++) {
		size_t len = 0;
		if (!a.path[i] && i == F_META) {
			f[n++] = (struct iso_file){ seed_names[i], default_meta, sizeof default_meta - 1 };
			continue;
		}
		if (!a.path[i])
			continue;
		buf[i] = load(a.path[i], &len);
		if (!buf[i]) {
			rc = 1;
			break;
		}
		f[n++] = (struct iso_file){ seed_names[i], buf[i], len };
	}
	if (rc == 0)
		rc = build(&a, f, n);
	for (int i = 0; i < F_COUNT; i++)
		free(buf[i]);
	return rc;
}
