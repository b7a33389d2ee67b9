/* plan: from the description and what Proxmox holds now, what to do.
 *
 * Pure. Ownership is the tag castellan-<cluster> on a VM together with the
 * line "castellan-cluster: <cluster>" in its description (a tag alone is
 * easy to set by hand): castellan only ever touches VMs carrying both. A described VMID or name held by a VM
 * without the tag stops the plan before any change, naming it.
 *
 *   reconcile  create what is missing, keep owned VMs that match, start
 *              owned VMs that are stopped, replace an owned VM whose name
 *              no longer matches; owned VMs not described are left alone
 *   rebuild    destroy every owned VM, then create every described one
 *
 * Placement: a node's `host` when given; a kept VM stays where it is;
 * otherwise round-robin over castellan.proxmox.nodes in described order.
 *
 * With castellan.proxmox.template, every new VM is cloned from a VM
 * template of that name (or VMID): the one on the VM's own Proxmox node
 * when there is one (templates on local storage exist per node), else the
 * first found, cloned across (PVE allows that only from shared storage).
 */
#ifndef CASTELLAN_PLAN_H
#define CASTELLAN_PLAN_H

#include "desc.h"
#include "err.h"

#define PLAN_MAX_VMS 1024

/* One VM as GET /cluster/resources?type=vm reports it. */
struct pve_vm {
	long vmid;
	char name[DESC_NAME];
	char node[DESC_NAME];
	char status[16];		/* "running", "stopped", ... */
	int template;
	int owned;			/* carries the tag and the marker */
	int marked;			/* the marker but no tag: a clone left unfinished */
	char lock[16];			/* "create", "backup", ...: a task holds it */
};

enum plan_action { PLAN_CREATE, PLAN_KEEP, PLAN_START, PLAN_REPLACE, PLAN_DESTROY, PLAN_ORPHAN };

struct plan_step {
	enum plan_action action;
	long vmid;
	int node;			/* index into desc nodes, or -1 (destroy/orphan) */
	char pve_node[DESC_NAME];	/* where it is or will be */
	char was_on[DESC_NAME];		/* replace: where the old VM is */
	long src_vmid;			/* create/replace from a template, or 0 */
	char src_node[DESC_NAME];	/* where that template is */
	char name[DESC_NAME];
	const char *why;
};

struct plan {
	struct plan_step steps[DESC_MAX_NODES + PLAN_MAX_VMS];
	int n;
};

/* Nonzero when tags (Proxmox's ";"- or ","-separated list) hold
 * castellan-<cluster>. */
int plan_tags_own(const char *tags, const char *cluster);

#define PLAN_MARKER "castellan-cluster: "

/* Nonzero when a VM description holds the line PLAN_MARKER<cluster>. */
int plan_marker_owns(const char *description, const char *cluster);

int plan_make(struct plan *p, const struct desc *d, const struct pve_vm *vms, int nvms,
	      struct err *e);

/* Nonzero when no described control plane is running: etcd starts anew
 * and the first control plane bootstraps it; while one runs, every other
 * control plane joins it (a node replacing a lost one never bootstraps).
 * A stopped control plane does not count: if it was installed, Talos boots
 * from its own disk and ignores the cidata; if a failed run made it and
 * never started it, the cluster still needs its init node. */
int plan_cluster_is_new(const struct plan *p, const struct desc *d);

const char *plan_action_name(enum plan_action a);

/* The plan as a table, one row per step, into out. */
void plan_table(const struct plan *p, const struct desc *d, char *out, size_t cap);

#endif
