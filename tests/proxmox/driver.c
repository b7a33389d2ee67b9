/* Test-only: init/proxmox.c's changing calls on one described node, so
 * tests can hold them against the Proxmox twin. Never shipped.
 *
 *   driver USER-DATA RESOLVE create INDEX PVE-NODE | start|stop|destroy VMID PVE-NODE
 *   driver USER-DATA RESOLVE upload FILE PVE-NODE     (to iso_storage, as ci-<basename>)
 *   driver USER-DATA RESOLVE delete VOLID PVE-NODE
 *   driver USER-DATA RESOLVE attach VMID:KEY=VALUE PVE-NODE
 *   driver USER-DATA RESOLVE reconcile CIDATA-DIR -
 *      the appliance's deliver stage: list, plan, deliver (each node's
 *      cidata ISO read from CIDATA-DIR/<node>.iso), and cleanup on every
 *      path; prints the plan table and "created N destroyed N started N"
 * The token comes from $PVE_TOKEN_ID and $PVE_TOKEN_SECRET. Exit 0 on
 * success, 1 on a failure, 3 when the outcome is unknown (595/596). */
#include "deliver.h"
#include "desc.h"
#include "io.h"
#include "proxmox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cidata_from_dir(void *ctx, int node, const unsigned char **iso, size_t *len,
			   struct err *e)
{
	static unsigned char buf[4 << 20];
	const struct desc *d = ((const struct desc **)ctx)[1];
	char path[512];
	ssize_t n;

	snprintf(path, sizeof path, "%s/%s.iso", ((const char **)ctx)[0], d->cluster.nodes[node].name);
	if ((n = io_read_file(path, (char *)buf, sizeof buf)) < 0)
		return err_set(e, "cannot read %s", path);
	*iso = buf;
	*len = (size_t)n;
	return 0;
}

static int reconcile(struct proxmox *c, const struct desc *d, const char *dir, struct log *log,
		     struct err *e)
{
	static struct pve_vm vms[PLAN_MAX_VMS];
	static struct plan p;
	static struct deliver dv;
	static char table[1 << 16];
	const void *ctx[2] = { dir, d };
	struct err ce;
	int n, rc;

	if (proxmox_vms(c, vms, PLAN_MAX_VMS, &n, e) < 0 || plan_make(&p, d, vms, n, e) < 0)
		return -1;
	plan_table(&p, d, table, sizeof table);
	fputs(table, stdout);
	deliver_init(&dv, c, d, log);
	rc = deliver_run(&dv, &p, cidata_from_dir, (void *)ctx, e);
	if (deliver_cleanup(&dv, &ce) < 0) {
		printf("cleanup: %s\n", ce.msg);
		rc = rc ? rc : -1;
		*e = rc ? *e : ce;
	}
	printf("created %d destroyed %d started %d\n", dv.created, dv.destroyed, dv.started);
	return rc;
}

int main(int argc, char **argv)
{
	static char text[1 << 20];
	static struct desc d;
	static struct proxmox c;
	struct proxmox_options opt = { NULL, 20000 };
	struct arena a;
	struct log log;
	struct err e;
	ssize_t n;
	long arg;
	int rc = -1;

	if (argc != 6 || (n = io_read_file(argv[1], text, sizeof text)) < 0)
		return 2;
	opt.resolve = argv[2];
	arg = strtol(argv[4], NULL, 10);
	log_open_stderr(&log);
	if (desc_parse(&d, text, (size_t)n, &e) < 0 || arena_open(&a, 8 << 20, &e) < 0 ||
	    proxmox_open(&c, &d, getenv("PVE_TOKEN_ID"), getenv("PVE_TOKEN_SECRET"), &a, &log,
			 &opt, &e) < 0)
		goto out;
	if (strcmp(argv[3], "create") == 0)
		rc = proxmox_create(&c, (int)arg, argv[5], &e);
	else if (strcmp(argv[3], "start") == 0)
		rc = proxmox_start(&c, argv[5], arg, &e);
	else if (strcmp(argv[3], "stop") == 0)
		rc = proxmox_stop(&c, argv[5], arg, &e);
	else if (strcmp(argv[3], "destroy") == 0)
		rc = proxmox_destroy(&c, argv[5], arg, &e);
	else if (strcmp(argv[3], "reconcile") == 0)
		rc = reconcile(&c, &d, argv[4], &log, &e);
	else if (strcmp(argv[3], "upload") == 0) {
		static unsigned char iso[4 << 20];
		ssize_t len = io_read_file(argv[4], (char *)iso, sizeof iso);
		const char *base = strrchr(argv[4], '/');
		rc = len < 0 ? -1 : proxmox_upload_iso(&c, argv[5], d.proxmox.iso_storage,
						       base ? base + 1 : argv[4], iso, (size_t)len, &e);
	} else if (strcmp(argv[3], "delete") == 0) {
		rc = proxmox_delete_volume(&c, argv[5], argv[4], &e);
	} else if (strcmp(argv[3], "attach") == 0) {
		char key[32], *eq = strchr(argv[4], '='), *colon = strchr(argv[4], ':');
		if (eq && colon && colon < eq) {
			snprintf(key, sizeof key, "%.*s", (int)(eq - colon - 1), colon + 1);
			rc = proxmox_set_config(&c, argv[5], arg, key, eq + 1, &e);
		}
	}
out:
	if (rc != 0)
		printf("%s\n", e.msg);
	return rc == 0 ? 0 : rc == PROXMOX_UNKNOWN ? 3 : 1;
}
