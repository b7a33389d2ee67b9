/* castellan plan --identity KEY --live USER-DATA: what a run would do to
 * the Proxmox cluster, as a table, changing nothing. It opens the identity,
 * reads the Proxmox token from Infisical (and revokes its Infisical token),
 * lists the cluster's VMs and prints the plan. */
#include "cli.h"
#include "cli_live.h"
#include "desc.h"

#include <stdio.h>
#include <string.h>

struct plan_opts {
	const char *keyfile, *path, *resolve;
	int live;
};

static int plan_live(const struct desc *d, const struct plan_opts *o)
{
	static char table[256 * 1024];
	struct cli_live l;
	int rc = cli_live_open(&l, d, o->keyfile);

	if (rc == 0 && (rc = cli_live_plan(&l, d, o->resolve)) == 0) {
		plan_table(l.plan, d, table, sizeof table);
		printf("plan for cluster %s (mode %s), %d VMs on the Proxmox cluster; nothing was changed\n%s",
		       d->cluster.name, desc_mode_names[d->mode], l.nvms, table);
	}
	return cli_live_close(&l, rc);
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
