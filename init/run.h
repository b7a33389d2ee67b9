/* run: the appliance's run as PID 1, a list of stages over one context.
 *
 * Each stage is a function of struct run that returns 0, or -1 with one
 * sentence in run->err. The first failure is logged under the stage's
 * name and ends the run in the description's on_failure action (power-off
 * until the description is read). Nothing here ever returns.
 */
#ifndef CASTELLAN_RUN_H
#define CASTELLAN_RUN_H

#include "arena.h"
#include "cidata.h"
#include "deliver.h"
#include "desc.h"
#include "err.h"
#include "fetch.h"
#include "forge.h"
#include "log.h"
#include "netcfg.h"
#include "plan.h"
#include "proxmox.h"
#include "sealed.h"

struct run {
	struct log log;
	struct err err;
	struct arena arena;		/* every secret value, locked; wiped at the end */
	struct seed *seed;		/* the cloud-init files, as read */
	struct desc *desc;		/* the parsed description */
	int have_desc;
	struct sealed identity;		/* the opened Machine Identity, in the arena */
	struct net_plan net;
	struct fetch fetch;		/* Infisical, open from stage secrets until the wipe */
	struct proxmox px;		/* open from stage plan until the wipe */
	int px_open;
	struct pve_vm *vms;		/* what Proxmox holds, as read for the plan */
	struct plan *plan;
	struct forge *forge;		/* bundle, manifests, configs: in the arena */
	br_hmac_drbg_context rng;	/* seeded from getrandom for the PKI */
	struct deliver deliver;		/* what this run uploaded, for the cleanup */
	int delivering;			/* changes began: the cleanup must run */
	char *canary;			/* the value ESO must echo, in the arena */
};

void run_appliance(void) __attribute__((noreturn));

#endif
