#include "clone.h"
#include "vmspec.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static int gets_new_vm(const struct plan_step *s)
{
	return s->action == PLAN_CREATE || s->action == PLAN_REPLACE;
}

/* Whether storage is shared, as pve_node lists it; -1 when not listed
 * (the token may not see it: PVE then decides). */
static int storage_shared(struct proxmox *c, const char *pve_node, const char *storage,
			  int *shared, struct err *e)
{
	char path[160], op[200];
	const cJSON *list, *item;
	cJSON *j;

	*shared = -1;
	snprintf(path, sizeof path, "/api2/json/nodes/%s/storage", pve_node);
	snprintf(op, sizeof op, "list the storages of %s (Datastore.Audit)", pve_node);
	if (proxmox_get(c, path, op, &j, &list, e) < 0)
		return -1;
	cJSON_ArrayForEach(item, list) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "storage");
		const cJSON *sh = cJSON_GetObjectItemCaseSensitive(item, "shared");
		if (cJSON_IsString(id) && strcmp(id->valuestring, storage) == 0)
			*shared = cJSON_IsNumber(sh) && sh->valuedouble != 0;
	}
	cJSON_Delete(j);
	return 0;
}

static int check_across(struct proxmox *c, const struct plan_step *s, const char *storage,
			struct err *e)
{
	int shared;

	if (storage_shared(c, s->src_node, storage, &shared, e) < 0)
		return -1;
	if (shared == 0)
		return err_set(e, "castellan.proxmox.template: VM %ld (%s) goes on %s, but template "
			       "%ld is on %s and PVE clones across nodes only between shared "
			       "storages (%s is not); make a template of that name on %s; nothing "
			       "was changed", s->vmid, s->name, s->pve_node, s->src_vmid, s->src_node,
			       storage, s->pve_node);
	return 0;
}

/* A clone onto another node: PVE wants every volume of the template, and
 * the storage the copy goes to, on shared storage. */
static int check_volumes(struct proxmox *c, const struct plan_step *s, const cJSON *conf,
			 struct err *e)
{
	const cJSON *item;
	char storage[DESC_NAME];

	cJSON_ArrayForEach(item, conf)
		if (cJSON_IsString(item) &&
		    vmspec_drive_storage(item->string, item->valuestring, storage, sizeof storage) &&
		    check_across(c, s, storage, e) < 0)
			return -1;
	return check_across(c, s, c->desc->proxmox.storage, e);
}

/* One template, against every step cloned from it. */
static int check_one(struct proxmox *c, const struct plan *p, int first, struct err *e)
{
	const struct desc *d = c->desc;
	const struct plan_step *t = &p->steps[first];
	struct vmspec_disk disk;
	const cJSON *conf;
	char why[200];
	cJSON *j;
	int rc = 0;

	if (proxmox_vm_config(c, t->src_node, t->src_vmid, &j, &conf, e) < 0)
		return -1;
	if (vmspec_template_disk(conf, &disk, why, sizeof why) < 0)
		rc = err_set(e, "castellan.proxmox.template: template %ld on %s %s; nothing was "
			     "changed", t->src_vmid, t->src_node, why);
	for (int i = first; rc == 0 && i < p->n; i++) {
		const struct plan_step *s = &p->steps[i];
		if (!gets_new_vm(s) || s->src_vmid != t->src_vmid)
			continue;
		if (vmspec_disk_cmp(&disk, d->cluster.nodes[s->node].disk) > 0)
			rc = err_set(e, "castellan.cluster.nodes[%d].disk: %ld GiB is smaller than the "
				     "%ld GiB disk of template %ld, and a clone cannot shrink it; "
				     "nothing was changed", s->node, d->cluster.nodes[s->node].disk,
				     disk.gib, s->src_vmid);
		else if (strcmp(s->pve_node, s->src_node) != 0)
			rc = check_volumes(c, s, conf, e);
	}
	cJSON_Delete(j);
	return rc;
}

int clone_check(struct proxmox *c, const struct plan *p, struct err *e)
{
	for (int i = 0; i < p->n; i++) {
		int seen = 0;
		if (!gets_new_vm(&p->steps[i]) || !p->steps[i].src_vmid)
			continue;
		for (int j = 0; j < i; j++)
			seen |= gets_new_vm(&p->steps[j]) && p->steps[j].src_vmid == p->steps[i].src_vmid;
		if (!seen && check_one(c, p, i, e) < 0)
			return -1;
	}
	return 0;
}

static int copy(struct proxmox *c, const struct plan_step *s, struct err *e)
{
	const struct desc *d = c->desc;
	cJSON *o = cJSON_CreateObject();
	char path[256], op[320], about[300];
	int rc;

	/* The marker from the start, so a clone a crash leaves untagged can
	 * be told apart from a stranger's VM (plan.h, marked). */
	vmspec_about(d, s->node, about, sizeof about);
	if (!o || !cJSON_AddNumberToObject(o, "newid", (double)s->vmid) ||
	    !cJSON_AddStringToObject(o, "name", s->name) ||
	    !cJSON_AddStringToObject(o, "description", about) ||
	    !cJSON_AddNumberToObject(o, "full", 1) ||
	    !cJSON_AddStringToObject(o, "storage", d->proxmox.storage) ||
	    (strcmp(s->pve_node, s->src_node) != 0 &&
	     !cJSON_AddStringToObject(o, "target", s->pve_node))) {
		cJSON_Delete(o);
		return err_set(e, "out of memory building the clone request of %s", s->name);
	}
	snprintf(path, sizeof path, "/api2/json/nodes/%s/qemu/%ld/clone", s->src_node, s->src_vmid);
	snprintf(op, sizeof op, "clone template %ld on %s into VM %ld (%s) on %s (VM.Clone)",
		 s->src_vmid, s->src_node, s->vmid, s->name, s->pve_node);
	rc = proxmox_change(c, "POST", path, o, op, e);
	cJSON_Delete(o);
	return rc;
}

static int grow(struct proxmox *c, const struct plan_step *s, long gib, struct err *e)
{
	char size[32], path[256], op[200];
	cJSON *o = cJSON_CreateObject();
	int rc;

	snprintf(size, sizeof size, "%ldG", gib);
	if (!o || !cJSON_AddStringToObject(o, "disk", "scsi0") ||
	    !cJSON_AddStringToObject(o, "size", size)) {
		cJSON_Delete(o);
		return err_set(e, "out of memory building a disk resize");
	}
	snprintf(path, sizeof path, "/api2/json/nodes/%s/qemu/%ld/resize", s->pve_node, s->vmid);
	snprintf(op, sizeof op, "grow the disk of VM %ld (%s) to %s", s->vmid, s->name, size);
	rc = proxmox_change(c, "PUT", path, o, op, e);
	cJSON_Delete(o);
	return rc;
}

/* The clone's disk grown to the described size, then its settings: the
 * tag goes last, so a clone is castellan's only once it is whole. */
static int shape(struct proxmox *c, const struct plan_step *s, struct err *e)
{
	long gib = c->desc->cluster.nodes[s->node].disk;
	struct vmspec_disk disk;
	const cJSON *conf;
	char why[200];
	cJSON *j, *spec;
	int rc;

	if (proxmox_vm_config(c, s->pve_node, s->vmid, &j, &conf, e) < 0)
		return -1;
	spec = vmspec_clone_config(c->desc, s->node, conf);
	rc = vmspec_template_disk(conf, &disk, why, sizeof why);
	cJSON_Delete(j);
	if (!spec)
		return err_set(e, "out of memory building the config of %s", s->name);
	if (rc < 0)
		rc = err_set(e, "the clone %ld (%s) %s", s->vmid, s->name, why);
	else if (vmspec_disk_cmp(&disk, gib) < 0)
		rc = grow(c, s, gib, e);
	if (rc == 0)
		rc = proxmox_configure(c, s->pve_node, s->vmid, spec, "the Talos node settings", e);
	cJSON_Delete(spec);
	return rc;
}

int clone_vm(struct proxmox *c, const struct plan_step *s, struct err *e)
{
	struct err mine, first;
	int rc;

	if ((rc = copy(c, s, e)) != 0)
		return rc;
	if ((rc = shape(c, s, e)) == 0) {
		log_info(c->log, "proxmox", "cloned template %ld into VM %ld (%s) on %s", s->src_vmid,
			 s->vmid, s->name, s->pve_node);
		return 0;
	}
	/* Whatever became of it, the half-made clone goes: then the outcome
	 * is known again, and the next run clones afresh. */
	first = *e;
	if (proxmox_destroy(c, s->pve_node, s->vmid, &mine) == 0)
		return err_set(e, "%s; VM %ld on %s was destroyed again", first.msg, s->vmid,
			       s->pve_node);
	log_warn(c->log, "proxmox", "%s", mine.msg);
	return err_set(e, "%s; the unfinished clone VM %ld on %s could not be destroyed: remove "
		       "it by hand", first.msg, s->vmid, s->pve_node);
}
