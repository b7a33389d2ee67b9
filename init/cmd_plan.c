/* castellan plan --identity KEY --live USER-DATA: what a run would do to
 * the Proxmox cluster, as a table, changing nothing. It opens the identity,
 * reads the Proxmox token from Infisical (and revokes its Infisical token),
 * lists the cluster's VMs and prints the plan. */
#include "arena.h"
#include "cli.h"
#include "desc.h"
#include "fetch.h"
#include "io.h"
#include "plan.h"
#include "proxmox.h"
#include "unseal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct plan_opts {
	const char *keyfile, *path, *resolve;
	int live;
};

static int print_plan(const struct desc *d, struct arena *a, const struct fetch *f,
		      const struct plan_opts *o, struct log *log)
{
	struct proxmox_options po = { o->resolve, 0 };
	struct pve_vm *vms = malloc(sizeof *vms * PLAN_MAX_VMS);
	struct plan *p = malloc(sizeof *p);
	char *table = malloc(256 * 1024);
	struct proxmox px;
	struct err e;
	int n = 0, rc = 1;

	if (!vms || !p || !table) {
		cli_fail("out of memory");
		goto out;
	}
	if (proxmox_open(&px, d, f->secrets.s[SECRET_PROXMOX_TOKEN_ID]->value,
			 f->secrets.s[SECRET_PROXMOX_TOKEN_SECRET]->value, a, log, &po, &e) < 0 ||
	    proxmox_vms(&px, vms, PLAN_MAX_VMS, &n, &e) < 0 || plan_make(p, d, vms, n, &e) < 0) {
		cli_fail("%s", e.msg);
	} else {
		plan_table(p, d, table, 256 * 1024);
		printf("plan for cluster %s (mode %s), %d VMs on the Proxmox cluster; nothing was changed\n%s",
		       d->cluster.name, desc_mode_names[d->mode], n, table);
		rc = 0;
	}
	proxmox_close(&px);
out:
	free(vms);
	free(p);
	free(table);
	return rc;
}

static int plan_live(const struct desc *d, const struct plan_opts *o)
{
	struct infisical_options io = { NULL, 0 };
	struct age_identity *key;
	struct sealed s;
	struct fetch f;
	struct arena a;
	struct log log;
	struct err e;
	int rc = 1;

	if (arena_open(&a, 8 * 1024 * 1024, &e) < 0)
		return cli_fail("%s", e.msg);
	log_open_stderr(&log);
	log.redact = &a;
	key = unseal_load_key(&a, o->keyfile, &e);
	if (!key || unseal_open(&a, key, d->identity, strlen(d->identity), &s, &e) < 0) {
		cli_fail("%s", e.msg);
		goto out;
	}
	if (fetch_secrets(&f, d, &s, &a, &log, &io, &e) < 0)
		cli_fail("%s", e.msg);
	else
		rc = print_plan(d, &a, &f, o, &log);
	if (fetch_close(&f, &e) < 0) {
		cli_fail("%s", e.msg);
		rc = 1;
	}
out:
	arena_close(&a);
	return rc;
}

int cmd_plan(int argc, char **argv)
{
	struct plan_opts o = { NULL, NULL, NULL, 0 };
	struct desc *d;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--identity") == 0 && i + 1 < argc)
			o.keyfile = argv[++i];
		else if (strcmp(argv[i], "--live") == 0)
			o.live = 1;
		else if (strcmp(argv[i], "--resolve") == 0 && i + 1 < argc)
			o.resolve = argv[++i];
		else if (argv[i][0] != '-' && !o.path)
			o.path = argv[i];
		else
			return cli_usage();
	}
	if (!o.path)
		return cli_usage();
	if (!o.live || !o.keyfile)
		return cli_fail("plan needs --identity KEY --live: it reads the Proxmox cluster "
				"with the token from Infisical");
	d = cli_load_desc(o.path);
	if (!d)
		return 1;
	rc = plan_live(d, &o);
	cli_desc_free(d);
	return rc;
}
