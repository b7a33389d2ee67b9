#include "deliver.h"
#include "clone.h"
#include "vmspec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define START_DEADLINE_MS (5 * 60 * 1000)

void deliver_init(struct deliver *dv, struct proxmox *px, const struct desc *d, struct log *log)
{
	memset(dv, 0, sizeof *dv);
	dv->px = px;
	dv->d = d;
	dv->log = log;
}

static int gets_new_vm(enum plan_action a)
{
	return a == PLAN_CREATE || a == PLAN_REPLACE;
}

static int gets_started(enum plan_action a)
{
	return gets_new_vm(a) || a == PLAN_START;
}

static int seen_before(const struct plan *p, int i)
{
	for (int j = 0; j < i; j++)
		if (gets_new_vm(p->steps[j].action) &&
		    strcmp(p->steps[j].pve_node, p->steps[i].pve_node) == 0)
			return 1;
	return 0;
}

/* Once per Proxmox node: on shared storage the first download serves all. */
static int ensure_talos_iso(struct deliver *dv, const struct plan *p, struct err *e)
{
	const char *storage = dv->d->proxmox.iso_storage;
	char iso[200], url[400];
	int present, rc;

	vmspec_talos_iso(dv->d, iso, sizeof iso);
	vmspec_talos_url(dv->d, url, sizeof url);
	for (int i = 0; i < p->n; i++) {
		const char *node = p->steps[i].pve_node;
		if (!gets_new_vm(p->steps[i].action) || seen_before(p, i))
			continue;
		if (proxmox_iso_present(dv->px, node, storage, iso, &present, e) < 0)
			return -1;
		if (present)
			continue;
		log_info(dv->log, "deliver", "%s:iso/%s is missing on %s; downloading it from the "
			 "Image Factory", storage, iso, node);
		if ((rc = proxmox_download_iso(dv->px, node, storage, url, iso, e)) != 0)
			return rc;
	}
	return 0;
}

static int destroy_old(struct deliver *dv, const struct plan *p, struct err *e)
{
	int rc;

	for (int i = 0; i < p->n; i++) {
		const struct plan_step *s = &p->steps[i];
		if (s->action != PLAN_DESTROY && s->action != PLAN_REPLACE)
			continue;
		if ((rc = proxmox_destroy(dv->px, s->action == PLAN_REPLACE ? s->was_on : s->pve_node,
					  s->vmid, e)) != 0)
			return rc;
		dv->destroyed++;
	}
	return 0;
}

static int create_new(struct deliver *dv, const struct plan *p, struct err *e)
{
	int rc;

	for (int i = 0; i < p->n; i++) {
		const struct plan_step *s = &p->steps[i];
		if (!gets_new_vm(s->action))
			continue;
		rc = s->src_vmid ? clone_vm(dv->px, s, e) : proxmox_create(dv->px, s->node, s->pve_node, e);
		if (rc != 0)
			return rc;
		dv->created++;
	}
	return 0;
}

/* Remembered before the upload: an upload with an unknown outcome may
 * still have left the file behind, and deleting an absent one is fine. */
static int attach_cidata(struct deliver *dv, const struct plan_step *s, deliver_cidata_fn cidata,
			 void *ctx, struct err *e)
{
	const char *storage = dv->d->proxmox.iso_storage;
	struct deliver_iso *iso = &dv->isos[dv->nisos];
	const unsigned char *data;
	char file[200], cdrom[320];
	size_t len;
	int rc;

	if (dv->nisos == DESC_MAX_NODES)
		return err_set(e, "more than %d cidata ISOs in one run", DESC_MAX_NODES);
	if (cidata(ctx, s->node, &data, &len, e) < 0)
		return -1;
	vmspec_cidata_iso(dv->d, s->vmid, file, sizeof file);
	snprintf(iso->pve_node, sizeof iso->pve_node, "%s", s->pve_node);
	snprintf(iso->volid, sizeof iso->volid, "%s:iso/%s", storage, file);
	iso->vmid = s->vmid;
	dv->nisos++;
	if ((rc = proxmox_upload_iso(dv->px, s->pve_node, storage, file, data, len, e)) != 0)
		return rc;
	snprintf(cdrom, sizeof cdrom, "%s,media=cdrom", iso->volid);
	/* Counted as attached first: a 596 may hide an attach that happened. */
	iso->attached = 1;
	return proxmox_set_config(dv->px, s->pve_node, s->vmid, VMSPEC_CIDATA_SLOT, cdrom, e);
}

/* The first failure of several is the one reported; its code too. */
static void note(int rc, const struct err *mine, int *first, struct err *e)
{
	if (rc == 0 || *first)
		return;
	*first = rc;
	*e = *mine;
}

/* All starts go out first, then every start that went out is waited on,
 * even after a failure: a VM left booting must not lose its cidata to the
 * cleanup unseen. A start that a config lock held up is retried alone. */
static int start_all(struct deliver *dv, const struct plan *p, struct err *e)
{
	static char upids[DESC_MAX_NODES][256];
	int first = 0, rc;
	struct err mine;

	for (int i = 0, k = 0; i < p->n; i++) {
		const struct plan_step *s = &p->steps[i];
		if (!gets_started(s->action))
			continue;
		rc = proxmox_start_begin(dv->px, s->pve_node, s->vmid, upids[k], sizeof upids[k], &mine);
		if (rc != 0)
			upids[k][0] = '\0';
		note(rc, &mine, &first, e);
		k++;
	}
	for (int i = 0, k = 0; i < p->n; i++) {
		const struct plan_step *s = &p->steps[i];
		char op[128];
		if (!gets_started(s->action) || !upids[k++][0])
			continue;
		snprintf(op, sizeof op, "start VM %ld (%s) on %s", s->vmid, s->name, s->pve_node);
		rc = proxmox_task_wait(dv->px, upids[k - 1], op, START_DEADLINE_MS, &mine);
		if (rc < 0 && strstr(mine.msg, "can't lock file"))
			rc = proxmox_start(dv->px, s->pve_node, s->vmid, &mine);
		if (rc == 0) {
			dv->started++;
			log_info(dv->log, "deliver", "VM %ld (%s) started on %s", s->vmid, s->name,
				 s->pve_node);
		}
		note(rc, &mine, &first, e);
	}
	return first;
}

/* The VM of ours with this VMID, as the plan saw it, or NULL. */
static const struct plan_step *owned_vm(const struct plan *p, long vmid)
{
	for (int i = 0; i < p->n; i++)
		if (p->steps[i].vmid == vmid && p->steps[i].action != PLAN_CREATE)
			return &p->steps[i];
	return NULL;
}

/* A run that died (power lost, a crash) could not delete its cidata ISOs:
 * they hold the cluster's keys. Before anything else, every ISO named as
 * this cluster's is ejected from its VM and deleted. */
static int sweep(struct deliver *dv, const struct plan *p, struct err *e)
{
	static char names[PROXMOX_ISOS_MAX][PROXMOX_NAME_MAX];
	const struct desc *d = dv->d;
	char prefix[DESC_NAME + 16], volid[PROXMOX_NAME_MAX + DESC_NAME + 8];
	int n, rc;

	snprintf(prefix, sizeof prefix, "castellan-%s-", d->cluster.name);
	for (int k = 0; k < d->proxmox.nnodes; k++) {
		const char *node = d->proxmox.nodes[k];
		if (proxmox_isos(dv->px, node, d->proxmox.iso_storage, names, PROXMOX_ISOS_MAX, &n,
				 e) < 0)
			return -1;
		for (int i = 0; i < n; i++) {
			char *end;
			long vmid;
			const struct plan_step *vm;
			size_t len = strlen(names[i]);
			if (strncmp(names[i], prefix, strlen(prefix)) != 0 || len < 11 ||
			    strcmp(names[i] + len - 11, "-cidata.iso") != 0)
				continue;
			vmid = strtol(names[i] + strlen(prefix), &end, 10);
			snprintf(volid, sizeof volid, "%s:iso/%s", d->proxmox.iso_storage, names[i]);
			vm = end == names[i] + len - 11 ? owned_vm(p, vmid) : NULL;
			if (vm && (rc = proxmox_set_config(dv->px, vm->action == PLAN_REPLACE ?
							   vm->was_on : vm->pve_node, vmid,
							   VMSPEC_CIDATA_SLOT, "none,media=cdrom", e)) != 0)
				return rc;
			if ((rc = proxmox_delete_volume(dv->px, node, volid, e)) != 0)
				return rc;
			log_warn(dv->log, "deliver", "removed %s on %s, left behind by an earlier run",
				 volid, node);
		}
	}
	return 0;
}

int deliver_run(struct deliver *dv, const struct plan *p, deliver_cidata_fn cidata, void *ctx,
		struct err *e)
{
	int rc;

	/* A clone boots Talos from the template's disk: no ISO to fetch. */
	if ((dv->d->proxmox.template[0] && (rc = clone_check(dv->px, p, e)) != 0) ||
	    (rc = sweep(dv, p, e)) != 0 ||
	    (!dv->d->proxmox.template[0] && (rc = ensure_talos_iso(dv, p, e)) != 0) ||
	    (rc = destroy_old(dv, p, e)) != 0 ||
	    (rc = create_new(dv, p, e)) != 0)
		return rc;
	for (int i = 0; i < p->n; i++)
		if (gets_started(p->steps[i].action) &&
		    (rc = attach_cidata(dv, &p->steps[i], cidata, ctx, e)) != 0)
			return rc;
	return start_all(dv, p, e);
}

int deliver_cleanup(struct deliver *dv, struct err *e)
{
	struct err mine;
	int failed = 0;

	for (int i = 0; i < dv->nisos; i++) {
		struct deliver_iso *iso = &dv->isos[i];
		int rc = 0;
		if (iso->attached) {
			rc = proxmox_set_config(dv->px, iso->pve_node, iso->vmid, VMSPEC_CIDATA_SLOT,
						"none,media=cdrom", &mine);
			if (rc == 0)
				iso->attached = 0;
			else if (!failed++)
				*e = mine;
		}
		/* Deleted even when the eject failed: the keys must not stay on
		 * the storage; a VM still pointing at it fails to start, loudly. */
		rc = proxmox_delete_volume(dv->px, iso->pve_node, iso->volid, &mine);
		if (rc != 0 && !failed++)
			*e = mine;
	}
	if (!failed)
		dv->nisos = 0;
	return failed ? -1 : 0;
}
