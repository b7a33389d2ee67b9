#include "plan.h"

#include <stdio.h>
#include <string.h>

static const char *const action_names[] = { "create", "keep", "start", "replace", "destroy",
					    "leave" };

int plan_cluster_is_new(const struct plan *p, const struct desc *d)
{
	for (int i = 0; i < p->n; i++) {
		const struct plan_step *s = &p->steps[i];
		if (s->node >= 0 && d->cluster.nodes[s->node].role == ROLE_CONTROLPLANE &&
		    s->action == PLAN_KEEP)
			return 0;
	}
	return 1;
}

const char *plan_action_name(enum plan_action a)
{
	return action_names[a];
}

int plan_tags_own(const char *tags, const char *cluster)
{
	char want[DESC_NAME + 16];
	size_t n;
	const char *p = tags;

	n = (size_t)snprintf(want, sizeof want, "castellan-%s", cluster);
	while (*p) {
		size_t len = strcspn(p, ";, ");
		if (len == n && strncmp(p, want, n) == 0)
			return 1;
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

int plan_marker_owns(const char *description, const char *cluster)
{
	size_t n = strlen(PLAN_MARKER), m = strlen(cluster);

	/* The marker is a line of its own; Proxmox may end lines with CRLF. */
	for (const char *p = description; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, PLAN_MARKER, n) == 0 && strncmp(p + n, cluster, m) == 0 &&
		    (p[n + m] == '\0' || p[n + m] == '\n' || p[n + m] == '\r'))
			return 1;
	return 0;
}

static const struct pve_vm *by_vmid(const struct pve_vm *vms, int n, long vmid)
{
	for (int i = 0; i < n; i++)
		if (vms[i].vmid == vmid)
			return &vms[i];
	return NULL;
}

/* A foreign VM on a described VMID or name stops everything. */
static int check_foreign(const struct desc *d, const struct pve_vm *vms, int n, struct err *e)
{
	for (int i = 0; i < d->cluster.nnodes; i++) {
		const struct desc_node *dn = &d->cluster.nodes[i];
		for (int j = 0; j < n; j++) {
			const struct pve_vm *v = &vms[j];
			if (v->owned)
				continue;
			/* PVE writes the tag only when the create task finishes;
			 * a clone gets it from castellan after the copy. */
			if (v->vmid == dn->vmid && (strcmp(v->lock, "create") == 0 ||
						    strcmp(v->lock, "clone") == 0))
				return err_set(e, "VMID %ld (node %s) is still being created on %s (lock: "
					       "%s); plan again when that task has finished",
					       v->vmid, dn->name, v->node, v->lock);
			if (v->vmid == dn->vmid && v->marked)
				return err_set(e, "VMID %ld (node %s) is held by VM \"%s\" on %s, which "
					       "carries castellan's marker but not the tag castellan-%s: "
					       "a clone an interrupted run left unfinished; destroy it "
					       "by hand (qm destroy %ld) and run again; nothing was changed",
					       v->vmid, dn->name, v->name, v->node, d->cluster.name, v->vmid);
			if (v->vmid == dn->vmid)
				return err_set(e, "VMID %ld (node %s) is held by VM \"%s\" on %s, which castellan "
					       "does not own (no tag castellan-%s); nothing was changed",
					       v->vmid, dn->name, v->name, v->node, d->cluster.name);
			if (strcmp(v->name, dn->name) == 0)
				return err_set(e, "the name %s is held by VM %ld on %s, which castellan does not "
					       "own (no tag castellan-%s); nothing was changed", dn->name,
					       v->vmid, v->node, d->cluster.name);
		}
	}
	return 0;
}

static void add(struct plan *p, enum plan_action a, long vmid, int node, const char *pve,
		const char *name, const char *why)
{
	struct plan_step *s = &p->steps[p->n++];

	s->action = a;
	s->vmid = vmid;
	s->node = node;
	snprintf(s->pve_node, sizeof s->pve_node, "%s", pve);
	snprintf(s->name, sizeof s->name, "%s", name);
	s->why = why;
	s->was_on[0] = '\0';
	s->src_vmid = 0;
	s->src_node[0] = '\0';
}

/* Round-robin over the Proxmox nodes, counting only unpinned new VMs. */
static const char *placement(const struct desc *d, const struct desc_node *dn, int *rr)
{
	if (dn->host[0])
		return dn->host;
	return d->proxmox.nodes[(*rr)++ % d->proxmox.nnodes];
}

static void reconcile_one(struct plan *p, const struct desc *d, int i, const struct pve_vm *v,
			  int *rr)
{
	const struct desc_node *dn = &d->cluster.nodes[i];

	if (!v)
		add(p, PLAN_CREATE, dn->vmid, i, placement(d, dn, rr), dn->name, "absent");
	else if (v->template || strcmp(v->name, dn->name) != 0)
	{
		add(p, PLAN_REPLACE, dn->vmid, i, dn->host[0] ? dn->host : v->node, dn->name,
		    v->template ? "owned, but a template" : "owned, but named differently");
		snprintf(p->steps[p->n - 1].was_on, DESC_NAME, "%s", v->node);
	}
	else if (strcmp(v->status, "running") != 0)
		add(p, PLAN_START, dn->vmid, i, v->node, dn->name, "owned, stopped");
	else
		add(p, PLAN_KEEP, dn->vmid, i, v->node, dn->name, "owned, running");
}

/* The template a new VM on pve_node is cloned from: the one on that node,
 * else the first of that name or VMID anywhere. */
static int pick_template(const struct desc *d, const struct pve_vm *vms, int n, const char *pve,
			 struct plan_step *s, struct err *e)
{
	const char *want = d->proxmox.template;
	const struct pve_vm *found = NULL, *plain = NULL;
	char id[24];

	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%ld", vms[i].vmid);
		if (strcmp(vms[i].name, want) != 0 && strcmp(id, want) != 0)
			continue;
		if (!vms[i].template)
			plain = plain ? plain : &vms[i];
		else if (!found || (strcmp(vms[i].node, pve) == 0 && strcmp(found->node, pve) != 0))
			found = &vms[i];
	}
	if (!found && plain)
		return err_set(e, "castellan.proxmox.template: VM %ld (\"%s\") on %s is not a "
			       "template; nothing was changed", plain->vmid, plain->name, plain->node);
	if (!found)
		return err_set(e, "castellan.proxmox.template: no VM template named \"%s\" on "
			       "Proxmox; nothing was changed", want);
	s->src_vmid = found->vmid;
	snprintf(s->src_node, sizeof s->src_node, "%s", found->node);
	return 0;
}

int plan_make(struct plan *p, const struct desc *d, const struct pve_vm *vms, int nvms,
	      struct err *e)
{
	int rr = 0;

	p->n = 0;
	if (nvms > PLAN_MAX_VMS)
		return err_set(e, "Proxmox lists %d VMs; castellan plans over at most %d", nvms,
			       PLAN_MAX_VMS);
	if (check_foreign(d, vms, nvms, e) < 0)
		return -1;
	if (d->mode == MODE_REBUILD)
		for (int j = 0; j < nvms; j++)
			if (vms[j].owned)
				add(p, PLAN_DESTROY, vms[j].vmid, -1, vms[j].node, vms[j].name,
				    "rebuild destroys every owned VM");
	for (int i = 0; i < d->cluster.nnodes; i++) {
		const struct desc_node *dn = &d->cluster.nodes[i];
		const struct pve_vm *v = by_vmid(vms, nvms, dn->vmid);
		if (d->mode == MODE_REBUILD)
			add(p, PLAN_CREATE, dn->vmid, i, placement(d, dn, &rr), dn->name,
			    v ? "rebuilt" : "absent");
		else
			reconcile_one(p, d, i, v, &rr);
	}
	for (int j = 0; d->mode == MODE_RECONCILE && j < nvms; j++) {
		int described = 0;
		for (int i = 0; i < d->cluster.nnodes; i++)
			described |= d->cluster.nodes[i].vmid == vms[j].vmid;
		if (vms[j].owned && !described)
			add(p, PLAN_ORPHAN, vms[j].vmid, -1, vms[j].node, vms[j].name,
			    "owned, not described (reconcile leaves it)");
	}
	for (int i = 0; d->proxmox.template[0] && i < p->n; i++)
		if ((p->steps[i].action == PLAN_CREATE || p->steps[i].action == PLAN_REPLACE) &&
		    pick_template(d, vms, nvms, p->steps[i].pve_node, &p->steps[i], e) < 0)
			return -1;
	return 0;
}

void plan_table(const struct plan *p, const struct desc *d, char *out, size_t cap)
{
	size_t n = (size_t)snprintf(out, cap, "%-10s %-16s %-13s %-12s %-8s %s\n", "VMID", "NAME",
				    "ROLE", "PROXMOX", "ACTION", "WHY");

	for (int i = 0; i < p->n && n < cap; i++) {
		const struct plan_step *s = &p->steps[i];
		const char *role = s->node < 0 ? "-" :
				   d->cluster.nodes[s->node].role == ROLE_CONTROLPLANE ? "controlplane" :
											 "worker";
		char from[DESC_NAME + 48] = "";
		if (s->src_vmid)
			snprintf(from, sizeof from, "; clone of template %ld on %s", s->src_vmid,
				 s->src_node);
		n += (size_t)snprintf(out + n, cap - n, "%-10ld %-16s %-13s %-12s %-8s %s%s\n", s->vmid,
				      s->name, role, s->pve_node, plan_action_name(s->action), s->why,
				      from);
	}
}
