/* The VM spec: what a created and a cloned node share, the template's
 * boot disk as read from its config, and the clone's settings. */
#include "check.h"
#include "desc.h"
#include "vmspec.h"

#include <stdlib.h>

static struct desc d;

static void load(void)
{
	static char text[1 << 16];
	FILE *f = fopen("tests/fixtures/user-data.yaml", "r");
	size_t n = fread(text, 1, sizeof text - 1, f);
	struct err e;

	fclose(f);
	text[n] = '\0';
	if (desc_parse(&d, text, n, &e) < 0) {
		fprintf(stderr, "fixture: %s\n", e.msg);
		exit(1);
	}
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(x) ? x->valuestring : NULL;
}

static long disk_gib(const char *scsi0, char *why)
{
	cJSON *c = cJSON_CreateObject();
	struct vmspec_disk disk = { .gib = -7 };
	int rc;

	if (scsi0)
		cJSON_AddStringToObject(c, "scsi0", scsi0);
	rc = vmspec_template_disk(c, &disk, why, 200);
	cJSON_Delete(c);
	return rc < 0 ? -1 : disk.gib;
}

static void template_disk(void)
{
	char why[200];
	cJSON *c = cJSON_CreateObject();
	struct vmspec_disk disk;

	CHECK(disk_gib("local-lvm:base-9000-disk-0,size=2G", why) == 2);
	CHECK(disk_gib("local-lvm:base-9000-disk-0,iothread=1,size=2252M,ssd=1", why) == 3);
	CHECK(disk_gib("nas:9000/base-9000-disk-0.qcow2,size=1T", why) == 1024);
	CHECK(disk_gib("local-lvm:base-9000-disk-0,size=1073741824", why) == 1);
	CHECK(disk_gib("local-lvm:base-9000-disk-0", why) == -1);
	CHECK_HAS(why, "no readable size");
	CHECK(disk_gib("local-lvm:base-9000-disk-0,size=2Q", why) == -1);
	CHECK(disk_gib("local:iso/talos.iso,media=cdrom", why) == -1);
	CHECK_HAS(why, "has no disk on scsi0");
	CHECK(disk_gib(NULL, why) == -1);
	cJSON_AddStringToObject(c, "scsi0", "nas:base-9000-disk-0,size=2252M");
	CHECK(vmspec_template_disk(c, &disk, why, sizeof why) == 0);
	CHECK_STR(disk.storage, "nas");
	/* Rounded up for the message, but a 3 GiB node still grows it. */
	CHECK(disk.gib == 3 && vmspec_disk_cmp(&disk, 3) < 0 && vmspec_disk_cmp(&disk, 2) > 0);
	cJSON_ReplaceItemInObject(c, "scsi0", cJSON_CreateString("nas:base-9000-disk-0,size=2G"));
	CHECK(vmspec_template_disk(c, &disk, why, sizeof why) == 0 && vmspec_disk_cmp(&disk, 2) == 0);
	cJSON_Delete(c);
}

/* Which config entries are volumes on a storage (cross-node clones need
 * each of them shared). */
static void drive_storage(void)
{
	char st[64];

	CHECK(vmspec_drive_storage("scsi0", "local-lvm:base-9000-disk-0,size=2G", st, sizeof st) == 1);
	CHECK_STR(st, "local-lvm");
	CHECK(vmspec_drive_storage("ide2", "local:iso/talos.iso,media=cdrom", st, sizeof st) == 1);
	CHECK_STR(st, "local");
	CHECK(vmspec_drive_storage("efidisk0", "nas:9000/base-9000-disk-1.qcow2,size=528K", st, sizeof st) == 1);
	CHECK_STR(st, "nas");
	CHECK(vmspec_drive_storage("ide2", "none,media=cdrom", st, sizeof st) == 0);
	CHECK(vmspec_drive_storage("ide2", "cdrom,media=cdrom", st, sizeof st) == 0);
	CHECK(vmspec_drive_storage("scsi1", "/dev/disk/by-id/ata-x", st, sizeof st) == 0);
	CHECK(vmspec_drive_storage("net0", "virtio=BC:24:11:00:00:01,bridge=vmbr0", st, sizeof st) == 0);
	CHECK(vmspec_drive_storage("description", "a:b", st, sizeof st) == 0);
}

/* A clone gets the created VM's identity, boots its own disk and loses
 * the template's cloud-init drives (two cidata volumes confuse Talos). */
static void clone_config(void)
{
	cJSON *tmpl = cJSON_Parse("{\"scsi0\":\"local-lvm:base-9000-disk-0,size=2G\","
				  "\"ide2\":\"local-lvm:vm-9000-cloudinit,media=cdrom\","
				  "\"sata1\":\"nas:9000/vm-9000-cloudinit.qcow2,media=cdrom\","
				  "\"scsi1\":\"cloudinit-nas:vm-9000-disk-1,size=1G\","
				  "\"sata2\":\"local-lvm:vm-9000-cloudinit-old,media=cdrom\","
				  "\"ide0\":\"local:iso/talos.iso,media=cdrom\","
				  "\"description\":\"built with cloudinit\",\"net0\":\"virtio=X,bridge=vmbr9\"}");
	cJSON *made = vmspec_create(&d, 0), *cl = vmspec_clone_config(&d, 0, tmpl);
	static const char *const same[] = { "name", "cpu", "machine", "scsihw", "net0", "serial0",
					    "smbios1", "tags", "description", NULL };

	CHECK(made && cl);
	for (int i = 0; same[i]; i++)
		CHECK(str(cl, same[i]) && str(made, same[i]) && strcmp(str(cl, same[i]), str(made, same[i])) == 0);
	CHECK_HAS(str(cl, "net0"), "bridge=vmbr0");
	CHECK_STR(str(cl, "boot"), "order=scsi0");
	CHECK_STR(str(made, "boot"), "order=scsi0;ide0");
	CHECK_STR(str(cl, "delete"), "ide2,sata1");
	CHECK(!cJSON_GetObjectItemCaseSensitive(cl, "scsi0") && !cJSON_GetObjectItemCaseSensitive(cl, "vmid"));
	cJSON_Delete(cl);
	cJSON_DeleteItemFromObject(tmpl, "ide2");
	cJSON_DeleteItemFromObject(tmpl, "sata1");
	cl = vmspec_clone_config(&d, 0, tmpl);
	CHECK(cl && !cJSON_GetObjectItemCaseSensitive(cl, "delete"));
	cJSON_Delete(cl);
	cJSON_Delete(made);
	cJSON_Delete(tmpl);
}

int main(void)
{
	load();
	template_disk();
	drive_storage();
	clone_config();
	desc_free(&d);
	return check_done("vmspec");
}
