/* castellan check: everything the appliance would refuse, found offline.
 * Parses the whole description; with --identity, opens the sealed Machine
 * Identity and checks its binding as far as a host can. Prints no secret. */
#include "arena.h"
#include "cli.h"
#include "desc.h"
#include "fetch.h"
#include "io.h"
#include "log.h"
#include "unseal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


struct check_opts {
	const char *keyfile;
	int live;
	const char *resolve;	/* --resolve host:port:address */
	long deadline_s;	/* --deadline: how long one Infisical operation may take */
};

/* Logs in, checks every required secret, revokes the token. Prints each
 * problem as one sentence; returns the number of problems. */
static int check_live(const struct desc *d, const struct sealed *s, struct arena *a,
		      const struct check_opts *o)
{
	struct infisical_options io = { o->resolve, o->deadline_s * 1000 };
	struct fetch f;
	struct log log;
	struct err e;
	int bad = 0;

	log_open_stderr(&log);
	log.redact = a;
	if (fetch_secrets(&f, d, s, a, &log, &io, &e) < 0) {
		bad = f.nproblems ? f.nproblems : 1;
		if (!f.nproblems)
			cli_fail("%s", e.msg);
		for (int i = 0; i < f.nproblems && i < FETCH_MAX_PROBLEMS; i++)
			cli_fail("%s", f.problems[i].msg);
	}
	for (int id = 0; f.nlist && id < SECRET_COUNT; id++)
		if (f.secrets.s[id])
			printf("secret %s: present%s\n", secrets_name(&d->infisical, id),
			       bad ? "" : ", well-formed");
		else if (id == SECRET_TALOS_SECRETS)
			printf("secret %s: absent (the appliance generates the cluster PKI and stores it)\n",
			       secrets_name(&d->infisical, id));
	int had_token = f.open && f.infisical.token;
	if (fetch_close(&f, &e) < 0) {
		cli_fail("%s", e.msg);
		bad++;
	} else if (had_token) {
		printf("infisical: access token revoked\n");
	}
	return bad;
}

static int check_identity(const struct desc *d, const struct check_opts *o)
{
	const char *keyfile = o->keyfile;
	struct arena a;
	struct sealed s;
	struct age_identity *key;
	struct err e;
	int rc = 1;

	if (arena_open(&a, 4 * 1024 * 1024, &e) < 0)
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
	rc = o->live && check_live(d, &s, &a, o) > 0 ? 1 : 0;
out:
	arena_close(&a);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	struct check_opts o = { NULL, 0, NULL, 0 };
	const char *path = NULL;
	struct desc *d;
	char summary[512];
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--identity") == 0 && i + 1 < argc)
			o.keyfile = argv[++i];
		else if (strcmp(argv[i], "--live") == 0)
			o.live = 1;
		else if (strcmp(argv[i], "--resolve") == 0 && i + 1 < argc)
			o.resolve = argv[++i];
		else if (strcmp(argv[i], "--deadline") == 0 && i + 1 < argc) {
			o.deadline_s = strtol(argv[++i], NULL, 10);
			if (o.deadline_s <= 0)
				return cli_fail("--deadline takes a whole number of seconds");
		}
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			return cli_usage();
	}
	if (!path)
		return cli_usage();
	if (o.live && !o.keyfile)
		return cli_fail("--live needs --identity KEY: logging in to Infisical takes the sealed identity");
	d = cli_load_desc(path);
	if (!d)
		return 1;
	desc_summary(d, summary, sizeof summary);
	printf("description: ok\n%s\n", summary);
	if (o.keyfile)
		rc = check_identity(d, &o);
	else {
		printf("identity: not opened (give --identity KEY to open it)\n");
		rc = 0;
	}
	cli_desc_free(d);
	return rc;
}
