#include "vmspec.h"

#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

/* SHA-256 of "<what>/<cluster>/<vmid>": what a VM's identity derives from,
 * so a rebuilt VM gets the same one. */
static void derive(const char *what, const char *cluster, long vmid, unsigned char h[32])
{
	char key[128];
	br_sha256_context c;
	int n = snprintf(key, sizeof key, "%s/%s/%ld", what, cluster, vmid);

	br_sha256_init(&c);
	br_sha256_update(&c, key, (size_t)n);
	br_sha256_out(&c, h);
}

void vmspec_mac(const char *cluster, long vmid, char out[18])
{
	unsigned char h[32];

	derive("castellan", cluster, vmid, h);
	snprintf(out, 18, "BC:24:11:%02X:%02X:%02X", h[0], h[1], h[2]);
}

void vmspec_talos_iso(const struct desc *d, char *out, size_t cap)
{
	snprintf(out, cap, "talos-%s-%.12s-nocloud-amd64.iso", d->talos.version, d->talos.schematic);
}

void vmspec_talos_url(const struct desc *d, char *out, size_t cap)
{
	snprintf(out, cap, "https://factory.talos.dev/image/%s/%s/nocloud-amd64.iso",
		 d->talos.schematic, d->talos.version);
}

void vmspec_cidata_iso(const struct desc *d, long vmid, char *out, size_t cap)
{
	snprintf(out, cap, "castellan-%s-%ld-cidata.iso", d->cluster.name, vmid);
}

/* Like the MAC, stable across rebuilds: a version-4-shaped UUID from
 * SHA-256 of the cluster name and VMID. */
void vmspec_uuid(const char *cluster, long vmid, char out[37])
{
	unsigned char h[32];

	derive("castellan-uuid", cluster, vmid, h);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x40);
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12],
		 h[13], h[14], h[15]);
}

void vmspec_about(const struct desc *d, int i, char *out, size_t cap)
{
	const struct desc_node *n = &d->cluster.nodes[i];

	snprintf(out, cap, "Talos %s node %s, managed by castellan.\n%s%s",
		 n->role == ROLE_CONTROLPLANE ? "control plane" : "worker", n->name, PLAN_MARKER,
		 d->cluster.name);
}

/* What a Talos node's VM holds whether it was created or cloned. */
static int add_common(cJSON *o, const struct desc *d, int i)
{
	const struct desc_node *n = &d->cluster.nodes[i];
	const struct desc_proxmox *px = &d->proxmox;
	char net[160], mac[18], tag[80], about[300], uuid[37], smbios[64];

	vmspec_mac(d->cluster.name, n->vmid, mac);
	vmspec_uuid(d->cluster.name, n->vmid, uuid);
	snprintf(smbios, sizeof smbios, "uuid=%s", uuid);
	if (px->vlan)
		snprintf(net, sizeof net, "virtio=%s,bridge=%s,tag=%d", mac, px->bridge, px->vlan);
	else
		snprintf(net, sizeof net, "virtio=%s,bridge=%s", mac, px->bridge);
	snprintf(tag, sizeof tag, "castellan-%s", d->cluster.name);
	vmspec_about(d, i, about, sizeof about);
	return cJSON_AddStringToObject(o, "name", n->name) &&
	       cJSON_AddNumberToObject(o, "cores", (double)n->cores) &&
	       cJSON_AddNumberToObject(o, "sockets", 1) &&
	       cJSON_AddNumberToObject(o, "memory", (double)n->memory) &&
	       cJSON_AddStringToObject(o, "cpu", "x86-64-v2-AES") &&
	       cJSON_AddStringToObject(o, "machine", "q35") &&
	       cJSON_AddStringToObject(o, "ostype", "l26") &&
	       cJSON_AddStringToObject(o, "scsihw", "virtio-scsi-single") &&
	       cJSON_AddStringToObject(o, "net0", net) &&
	       cJSON_AddStringToObject(o, "serial0", "socket") &&
	       cJSON_AddStringToObject(o, "smbios1", smbios) &&
	       cJSON_AddNumberToObject(o, "onboot", 1) &&
	       cJSON_AddStringToObject(o, "tags", tag) &&
	       cJSON_AddStringToObject(o, "description", about) ? 0 : -1;
}

cJSON *vmspec_create(const struct desc *d, int i)
{
	const struct desc_node *n = &d->cluster.nodes[i];
	const struct desc_proxmox *px = &d->proxmox;
	char disk[160], iso[200], cdrom[300];
	cJSON *o = cJSON_CreateObject();

	vmspec_talos_iso(d, iso, sizeof iso);
	snprintf(cdrom, sizeof cdrom, "%s:iso/%s,media=cdrom", px->iso_storage, iso);
	snprintf(disk, sizeof disk, "%s:%ld,discard=on,iothread=1,ssd=1", px->storage, n->disk);
	if (!o || !cJSON_AddNumberToObject(o, "vmid", (double)n->vmid) ||
	    add_common(o, d, i) < 0 ||
	    !cJSON_AddStringToObject(o, "scsi0", disk) ||
	    !cJSON_AddStringToObject(o, "ide0", cdrom) ||
	    /* An empty disk boots nothing, so the first boot falls through to
	     * the Talos ISO, which installs to scsi0 and reboots from it. */
	    !cJSON_AddStringToObject(o, "boot", "order=scsi0;ide0")) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int is_drive_key(const char *k)
{
	static const char *const buses[] = { "ide", "sata", "scsi", "virtio", "efidisk", "tpmstate",
					     NULL };

	for (int i = 0; buses[i]; i++) {
		size_t n = strlen(buses[i]);
		if (strncmp(k, buses[i], n) == 0 && k[n] >= '0' && k[n] <= '9')
			return 1;
	}
	return 0;
}

/* "4G", "2252M", "1.5T": PVE's disk sizes, in bytes; -1 when unreadable. */
static double size_bytes(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	const char *units = "KMGT", *u = *end ? strchr(units, *end) : NULL;

	if (end == s || v < 0 || (*end && (!u || end[1])))
		return -1;
	for (const char *k = units; u && k <= u; k++)
		v *= 1024;
	return v;
}

#define GIB (1024.0 * 1024 * 1024)

int vmspec_disk_cmp(const struct vmspec_disk *disk, long gib)
{
	double want = (double)gib * GIB;

	return disk->bytes < want ? -1 : disk->bytes > want;
}

int vmspec_drive_storage(const char *key, const char *value, char *out, size_t cap)
{
	size_t n = strcspn(value, ":,");

	if (!is_drive_key(key) || value[n] != ':' || value[0] == '/')
		return 0;
	snprintf(out, cap, "%.*s", (int)n, value);
	return 1;
}

/* A cloud-init drive's volume: [<vmid>/]vm-<vmid>-cloudinit[.<format>]. */
static int is_cloudinit(const char *value)
{
	const char *vol = strchr(value, ':'), *end, *p;
	size_t n;

	if (!vol)
		return 0;
	vol++;
	end = vol + strcspn(vol, ",");
	for (p = vol; p < end; p++)
		if (*p == '/')
			vol = p + 1;
	n = (size_t)(end - vol);
	if (n < 14 || strncmp(vol, "vm-", 3) != 0)
		return 0;
	p = vol + 3;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	return strncmp(p, "-cloudinit", 10) == 0 && (p + 10 == end || p[10] == '.');
}

int vmspec_template_disk(const cJSON *conf, struct vmspec_disk *out, char *why, size_t cap)
{
	const cJSON *disk = cJSON_GetObjectItemCaseSensitive(conf, "scsi0");
	const char *v = cJSON_IsString(disk) ? disk->valuestring : NULL, *size;
	double bytes;

	if (!v || strstr(v, "media=cdrom")) {
		snprintf(why, cap, "has no disk on scsi0 (castellan boots the clone from scsi0)");
		return -1;
	}
	snprintf(out->storage, sizeof out->storage, "%.*s", (int)strcspn(v, ":,"), v);
	size = strstr(v, ",size=");
	bytes = -1;
	if (size) {
		char num[32];
		snprintf(num, sizeof num, "%.*s", (int)strcspn(size + 6, ","), size + 6);
		bytes = size_bytes(num);
	}
	if (bytes < 0) {
		snprintf(why, cap, "has a disk on scsi0 of no readable size (\"%.80s\")", v);
		return -1;
	}
	out->bytes = bytes;
	out->gib = (long)((bytes + GIB - 1) / GIB);
	return 0;
}

cJSON *vmspec_clone_config(const struct desc *d, int i, const cJSON *tmpl)
{
	char drop[512] = "";
	size_t n = 0;
	const cJSON *item;
	cJSON *o = cJSON_CreateObject();

	/* A second cidata volume would leave Talos to pick one: the
	 * template's cloud-init drives go; ours is attached on ide2 later. */
	cJSON_ArrayForEach(item, tmpl)
		if (is_drive_key(item->string) && cJSON_IsString(item) &&
		    is_cloudinit(item->valuestring) && n + strlen(item->string) + 2 < sizeof drop)
			n += (size_t)snprintf(drop + n, sizeof drop - n, "%s%s", n ? "," : "",
					      item->string);
	if (!o || add_common(o, d, i) < 0 ||
	    /* The template's disk holds Talos already: no ISO to fall to. */
	    !cJSON_AddStringToObject(o, "boot", "order=scsi0") ||
	    (n && !cJSON_AddStringToObject(o, "delete", drop))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}
