/* The plan: create what is missing, converge on a second run, never touch
 * a VM castellan does not own, and rebuild only what it owns. */
#include "check.h"
#include "desc.h"
#include "plan.h"

#include <stdlib.h>

static struct desc d;
static struct plan p;

static void load(const char *mode)
{
	static char text[1 << 16];
	FILE *f = fopen("tests/fixtures/user-data.yaml", "r");
	size_t n = fread(text, 1, sizeof text - 1, f);
	char *m;
	struct err e;

	fclose(f);
	text[n] = '\0';
	m = strstr(text, "mode: reconcile");
	memcpy(m + 6, mode, strlen(mode));	/* "reconcile" and "rebuild  " are 9 wide */
	if (desc_parse(&d, text, n, &e) < 0) {
		fprintf(stderr, "fixture: %s\n", e.msg);
		exit(1);
	}
}

static struct pve_vm vm(long vmid, const char *name, const char *node, const char *status,
			int owned)
{
	struct pve_vm v = { .vmid = vmid, .owned = owned };

	snprintf(v.name, sizeof v.name, "%s", name);
	snprintf(v.node, sizeof v.node, "%s", node);
	snprintf(v.status, sizeof v.status, "%s", status);
	return v;
}

static int count(enum plan_action a)
{
	int n = 0;

	for (int i = 0; i < p.n; i++)
		n += p.steps[i].action == a;
	return n;
}

static void fresh_and_second_run(void)
{
	struct pve_vm vms[8];
	struct err e;
	char table[4096];

	CHECK(plan_make(&p, &d, NULL, 0, &e) == 0);
	CHECK(p.n == 5 && count(PLAN_CREATE) == 5);
	CHECK(plan_cluster_is_new(&p, &d));
	/* round robin, except cp3 which names its host */
	CHECK_STR(p.steps[0].pve_node, "pve1");
	CHECK_STR(p.steps[1].pve_node, "pve2");
	CHECK_STR(p.steps[2].pve_node, "pve2");
	CHECK_STR(p.steps[3].pve_node, "pve1");
	CHECK_STR(p.steps[4].pve_node, "pve2");
	plan_table(&p, &d, table, sizeof table);
	CHECK_HAS(table, "1101       cp1              controlplane  pve1         create   absent");

	/* what the first run made, plus unrelated VMs: nothing to do */
	vms[0] = vm(1101, "cp1", "pve1", "running", 1);
	vms[1] = vm(1102, "cp2", "pve2", "running", 1);
	vms[2] = vm(1103, "cp3", "pve2", "running", 1);
	vms[3] = vm(1201, "w1", "pve1", "running", 1);
	vms[4] = vm(1202, "w2", "pve2", "running", 1);
	vms[5] = vm(100, "pihole", "pve1", "running", 0);
	CHECK(plan_make(&p, &d, vms, 6, &e) == 0);
	CHECK(p.n == 5 && count(PLAN_KEEP) == 5);
	CHECK(!plan_cluster_is_new(&p, &d));
	/* only cp2 survives: the lost ones join it, none bootstraps */
	CHECK(plan_make(&p, &d, &vms[1], 1, &e) == 0);
	CHECK(!plan_cluster_is_new(&p, &d));
	/* only workers survive: etcd is gone, cp1 bootstraps a new one */
	CHECK(plan_make(&p, &d, &vms[3], 2, &e) == 0);
	CHECK(plan_cluster_is_new(&p, &d));
	/* a stopped one is started where it is; a renamed one is replaced */
	vms[3] = vm(1201, "w1", "pve2", "stopped", 1);
	vms[4] = vm(1202, "old-w2", "pve1", "running", 1);
	CHECK(plan_make(&p, &d, vms, 6, &e) == 0);
	CHECK(count(PLAN_START) == 1 && count(PLAN_REPLACE) == 1 && count(PLAN_KEEP) == 3);
	CHECK_STR(p.steps[3].pve_node, "pve2");
	/* an owned VM no longer described is left alone in reconcile */
	vms[6] = vm(1299, "w9", "pve1", "running", 1);
	CHECK(plan_make(&p, &d, vms, 7, &e) == 0);
	CHECK(count(PLAN_ORPHAN) == 1 && count(PLAN_DESTROY) == 0);
}

static void foreign(void)
{
	struct pve_vm vms[2];
	struct err e;

	vms[0] = vm(1102, "database", "pve2", "running", 0);
	CHECK(plan_make(&p, &d, vms, 1, &e) < 0);
	CHECK_STR(e.msg, "VMID 1102 (node cp2) is held by VM \"database\" on pve2, which castellan does "
		  "not own (no tag castellan-castle); nothing was changed");
	vms[0] = vm(1102, "VM 1102", "pve2", "stopped", 0);
	strcpy(vms[0].lock, "create");
	CHECK(plan_make(&p, &d, vms, 1, &e) < 0);
	CHECK_STR(e.msg, "VMID 1102 (node cp2) is still being created on pve2 (lock: create); plan "
		  "again when that task has finished");
	vms[0] = vm(1102, "cp2", "pve2", "stopped", 0);
	vms[0].marked = 1;
	CHECK(plan_make(&p, &d, vms, 1, &e) < 0);
	CHECK_STR(e.msg, "VMID 1102 (node cp2) is held by VM \"cp2\" on pve2, which carries castellan's "
		  "marker but not the tag castellan-castle: a clone an interrupted run left unfinished; "
		  "destroy it by hand (qm destroy 1102) and run again; nothing was changed");
	vms[0] = vm(555, "w1", "pve1", "running", 0);
	CHECK(plan_make(&p, &d, vms, 1, &e) < 0);
	CHECK_STR(e.msg, "the name w1 is held by VM 555 on pve1, which castellan does not own "
		  "(no tag castellan-castle); nothing was changed");
	CHECK(p.n == 0);
}

static void rebuild(void)
{
	struct pve_vm vms[4];
	struct err e;

	load("rebuild  ");
	vms[0] = vm(1101, "cp1", "pve1", "running", 1);
	vms[1] = vm(1299, "w9", "pve1", "stopped", 1);
	vms[2] = vm(100, "pihole", "pve1", "running", 0);
	CHECK(plan_make(&p, &d, vms, 3, &e) == 0);
	CHECK(count(PLAN_DESTROY) == 2 && count(PLAN_CREATE) == 5);
	for (int i = 0; i < p.n; i++)
		CHECK(p.steps[i].vmid != 100);	/* the foreign VM is never touched */
	CHECK(p.steps[0].action == PLAN_DESTROY);	/* destroy before create */
	desc_free(&d);
}

static void tags(void)
{
	CHECK(plan_tags_own("castellan-castle", "castle"));
	CHECK(plan_tags_own("talos;castellan-castle;prod", "castle"));
	CHECK(plan_tags_own("talos,castellan-castle", "castle"));
	CHECK(!plan_tags_own("castellan-castle2", "castle"));
	CHECK(!plan_tags_own("xcastellan-castle", "castle"));
	CHECK(!plan_tags_own("", "castle"));
}

static void marker(void)
{
	CHECK(plan_marker_owns("castellan-cluster: castle", "castle"));
	CHECK(plan_marker_owns("Talos worker node w1, managed by castellan.\ncastellan-cluster: castle\n", "castle"));
	CHECK(plan_marker_owns("notes\r\ncastellan-cluster: castle\r\n", "castle"));
	CHECK(!plan_marker_owns("castellan-cluster: castle2", "castle"));
	CHECK(!plan_marker_owns("see castellan-cluster: castle", "castle"));	/* not a line of its own */
	CHECK(!plan_marker_owns("castellan-cluster: cast", "castle"));
	CHECK(!plan_marker_owns("", "castle"));
}

/* Each new VM clones the template on its own Proxmox node when there is
 * one; the table says which. */
static void templates(void)
{
	struct pve_vm vms[4];
	struct err e;
	char table[4096];

	snprintf(d.proxmox.template, sizeof d.proxmox.template, "talos-tmpl");
	vms[0] = vm(9000, "talos-tmpl", "pve1", "stopped", 0);
	vms[1] = vm(9001, "talos-tmpl", "pve2", "stopped", 0);
	vms[2] = vm(1101, "cp1", "pve1", "running", 1);
	vms[0].template = vms[1].template = 1;
	CHECK(plan_make(&p, &d, vms, 3, &e) == 0);
	CHECK(p.steps[0].action == PLAN_KEEP && p.steps[0].src_vmid == 0);
	for (int i = 1; i < p.n; i++)
		CHECK(p.steps[i].src_vmid == (strcmp(p.steps[i].pve_node, "pve1") == 0 ? 9000 : 9001) &&
		      strcmp(p.steps[i].src_node, p.steps[i].pve_node) == 0);
	plan_table(&p, &d, table, sizeof table);
	CHECK_HAS(table, "1103       cp3              controlplane  pve2         create   absent; "
		  "clone of template 9001 on pve2\n");
	/* only one template: every node clones it, across when need be */
	CHECK(plan_make(&p, &d, &vms[1], 1, &e) == 0);
	for (int i = 0; i < p.n; i++)
		CHECK(p.steps[i].src_vmid == 9001 && strcmp(p.steps[i].src_node, "pve2") == 0);
	/* by VMID */
	snprintf(d.proxmox.template, sizeof d.proxmox.template, "9000");
	CHECK(plan_make(&p, &d, vms, 2, &e) == 0);
	CHECK(p.steps[1].src_vmid == 9000 && strcmp(p.steps[1].pve_node, "pve2") == 0);
	/* a VM of that name that is not a template, or none at all */
	snprintf(d.proxmox.template, sizeof d.proxmox.template, "talos-tmpl");
	vms[3] = vm(555, "talos-tmpl", "pve2", "stopped", 0);
	CHECK(plan_make(&p, &d, &vms[3], 1, &e) < 0);
	CHECK_STR(e.msg, "castellan.proxmox.template: VM 555 (\"talos-tmpl\") on pve2 is not a "
		  "template; nothing was changed");
	CHECK(plan_make(&p, &d, &vms[2], 1, &e) < 0);
	CHECK_STR(e.msg, "castellan.proxmox.template: no VM template named \"talos-tmpl\" on "
		  "Proxmox; nothing was changed");
	/* a clone in progress is not taken for a foreign VM */
	vms[3] = vm(1102, "cp2", "pve2", "stopped", 0);
	strcpy(vms[3].lock, "clone");
	CHECK(plan_make(&p, &d, &vms[3], 1, &e) < 0);
	CHECK_HAS(e.msg, "is still being created on pve2 (lock: clone)");
	d.proxmox.template[0] = '\0';
}

int main(void)
{
	load("reconcile");
	fresh_and_second_run();
	foreign();
	templates();
	desc_free(&d);
	rebuild();
	tags();
	marker();
	return check_done("plan");
}
