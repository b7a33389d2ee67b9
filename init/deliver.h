/* deliver: carries out a plan on Proxmox (shared/DESIGN.md §1 "deliver").
 *
 * In order: with castellan.proxmox.template, the templates are checked
 * (clone.h); cidata ISOs an earlier run left behind (it died before its
 * cleanup) are ejected and deleted; without a template, the Talos ISO is
 * made present on the ISO storage of every Proxmox node that gets a new
 * VM (download-url from the Image Factory when missing); owned VMs to go
 * are destroyed; new VMs are created (or cloned, clone.h) one at a time (disk allocation contends on storage, and PVE's config locks
 * time out under parallel creates); each VM to start gets its own cidata
 * ISO uploaded and attached; then every start is sent and all their tasks
 * are waited on side by side (a create task's OK says nothing about the
 * start).
 *
 * Every ISO uploaded is remembered in struct deliver; deliver_cleanup
 * ejects and deletes them all and must be called at the end of every
 * run, success or failure. A 595/596 (PROXMOX_UNKNOWN) stops the run: the
 * next run re-reads the cluster, plans again and converges.
 */
#ifndef CASTELLAN_DELIVER_H
#define CASTELLAN_DELIVER_H

#include "desc.h"
#include "err.h"
#include "log.h"
#include "plan.h"
#include "proxmox.h"

struct deliver_iso {
	char pve_node[DESC_NAME];
	char volid[300];
	long vmid;
	int attached;
};

/* Builds node `node`'s cidata ISO into a buffer it owns until the next
 * call; returns 0 with *iso and *len set, or -1 with one sentence in e. */
typedef int (*deliver_cidata_fn)(void *ctx, int node, const unsigned char **iso, size_t *len,
				 struct err *e);

struct deliver {
	struct proxmox *px;
	const struct desc *d;
	struct log *log;
	struct deliver_iso isos[DESC_MAX_NODES];
	int nisos;
	int created, destroyed, started;
};

void deliver_init(struct deliver *dv, struct proxmox *px, const struct desc *d, struct log *log);

/* Runs plan p. 0 when every VM is running, -1 on a failure, or
 * PROXMOX_UNKNOWN; e names the VM and the cause. */
int deliver_run(struct deliver *dv, const struct plan *p, deliver_cidata_fn cidata, void *ctx,
		struct err *e);

/* Ejects and deletes every ISO this run uploaded; keeps going past
 * failures and reports the first. */
int deliver_cleanup(struct deliver *dv, struct err *e);

#endif
