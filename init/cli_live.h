/* cli_live: what castellan plan --live and castellan render --live share.
 *
 * Opens the description's sealed identity with the operator's key file,
 * reads the cluster's secrets from Infisical into a locked arena (the
 * stderr log redacts them), and reads the Proxmox cluster into a plan,
 * exactly as the appliance would; changes nothing. cli_live_close revokes
 * the Infisical token and wipes the arena. Failures are printed (one
 * sentence) and reported as 1, the host commands' exit status.
 */
#ifndef CASTELLAN_CLI_LIVE_H
#define CASTELLAN_CLI_LIVE_H

#include "arena.h"
#include "desc.h"
#include "fetch.h"
#include "log.h"
#include "plan.h"

struct cli_live {
	struct arena arena;
	struct log log;
	struct fetch fetch;
	struct pve_vm *vms;		/* PLAN_MAX_VMS, malloc'd */
	int nvms;
	struct plan *plan;		/* malloc'd */
};

/* 0, or 1 after printing why. */
int cli_live_open(struct cli_live *l, const struct desc *d, const char *keyfile);
/* Lists the VMs and plans; resolve is "host:port:address" or NULL. */
int cli_live_plan(struct cli_live *l, const struct desc *d, const char *resolve);
/* rc, or 1 when revoking the token failed. */
int cli_live_close(struct cli_live *l, int rc);

#endif
