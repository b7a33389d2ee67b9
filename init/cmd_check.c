/* castellan check: everything the appliance would refuse, found offline.
 * Parses the whole description; with --identity, opens the sealed Machine
 * Identity and checks its binding as far as a host can. Prints no secret. */
#include "arena.h"
#include "cli.h"
#include "desc.h"
#include "io.h"
#include "unseal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define USER_DATA_MAX (1024 * 1024)

static int check_identity(const struct desc *d, const char *keyfile)
{
	struct arena a;
	struct sealed s;
	struct age_identity *key;
	struct err e;
	int rc = 1;

	if (arena_open(&a, 256 * 1024, &e) < 0)
		return cli_fail("%s", e.msg);
	key = unseal_load_key(&a, keyfile, &e);
	if (!key || unseal_open(&a, key, d->identity, strlen(d->identity), &s, &e) < 0) {
		cli_fail("%s", e.msg);
		goto out;
	}
	printf("identity: opened, client id %s\n", s.client_id);
	if (s.has_not_after)
		printf("identity: valid until %s (not_after)\n", s.not_after_text);
	if (s.has_vm_uuid)
		printf("identity: bound to VM %s (vm_uuid; checked by the appliance at boot)\n",
		       s.vm_uuid);
	/* The VM binding can only be checked on the VM itself. */
	if (sealed_check(&s, (long long)time(NULL), s.has_vm_uuid ? s.vm_uuid : NULL, &e) < 0) {
		cli_fail("%s", e.msg);
		goto out;
	}
	rc = 0;
out:
	arena_close(&a);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	const char *keyfile = NULL, *path = NULL;
	struct desc *d;
	char *text, summary[512];
	struct err e;
	ssize_t n;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--identity") == 0 && i + 1 < argc)
			keyfile = argv[++i];
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			return cli_usage();
	}
	if (!path)
		return cli_usage();
	d = calloc(1, sizeof *d);
	text = malloc(USER_DATA_MAX);
	if (!d || !text) {
		rc = cli_fail("out of memory");
		goto out;
	}
	n = io_read_file(path, text, USER_DATA_MAX);
	if (n < 0) {
		cli_fail("reading %s: %s", path, errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
		goto out;
	}
	if (desc_parse(d, text, (size_t)n, &e) < 0) {
		cli_fail("%s", e.msg);
		goto out;
	}
	desc_summary(d, summary, sizeof summary);
	printf("description: ok\n%s\n", summary);
	if (keyfile)
		rc = check_identity(d, keyfile);
	else {
		printf("identity: not opened (give --identity KEY to open it)\n");
		rc = 0;
	}
	desc_free(d);
out:
	free(d);
	free(text);
	return rc;
}
