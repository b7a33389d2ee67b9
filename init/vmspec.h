/* vmspec: the Proxmox VM configuration of one Talos node.
 *
 * Pure. cpu x86-64-v2-AES (the API default kvm64 cannot boot Talos), q35,
 * a virtio-scsi-single disk of the described size, a virtio NIC with a MAC
 * derived from the cluster name and VMID (stable across rebuilds, so DHCP
 * reservations and switch tables keep working), a serial console, the
 * ownership tag and a description marker naming the cluster, the Talos
 * nocloud ISO on ide0 and a disk-first boot order. The node's cidata ISO
 * goes on ide2 (ide3 does not start on q35) once it is uploaded.
 *
 * A VM cloned from a Talos template (a VM whose scsi0 holds the Image
 * Factory's nocloud disk image) gets the same settings through a config
 * change after the copy, boots from scsi0 and needs no Talos ISO.
 */
#ifndef CASTELLAN_VMSPEC_H
#define CASTELLAN_VMSPEC_H

#include <cjson/cJSON.h>

#include "desc.h"

/* Proxmox's OUI (BC:24:11), then three bytes of SHA-256(cluster, vmid). */
void vmspec_mac(const char *cluster, long vmid, char out[18]);

/* A stable SMBIOS UUID for the VM, from the cluster name and VMID. */
void vmspec_uuid(const char *cluster, long vmid, char out[37]);

/* File names on the ISO storage: the Talos nocloud ISO of the described
 * version and schematic, its Image Factory URL, and a node's cidata ISO. */
void vmspec_talos_iso(const struct desc *d, char *out, size_t cap);
void vmspec_talos_url(const struct desc *d, char *out, size_t cap);
void vmspec_cidata_iso(const struct desc *d, long vmid, char *out, size_t cap);
#define VMSPEC_CIDATA_SLOT "ide2"

/* The body of POST /nodes/{node}/qemu for described node i, or NULL when
 * out of memory. The caller frees it with cJSON_Delete. */
cJSON *vmspec_create(const struct desc *d, int i);

/* Node i's VM description: a line for people, then castellan's marker. */
void vmspec_about(const struct desc *d, int i, char *out, size_t cap);

/* Cloning (castellan.proxmox.template): the template's boot disk, read
 * from its config (GET .../config "data"), or -1 with why it cannot serve. */
struct vmspec_disk {
	char storage[DESC_NAME];
	double bytes;
	long gib;			/* bytes, rounded up to whole GiB */
};
int vmspec_template_disk(const cJSON *conf, struct vmspec_disk *out, char *why, size_t cap);

/* disk against gib GiB: <0 smaller (a clone's disk grows), 0 the same,
 * >0 larger (a clone cannot shrink it). */
int vmspec_disk_cmp(const struct vmspec_disk *disk, long gib);

/* The storage of a VM config entry key: value when it is a drive on a
 * volume (not "none", a physical CD-ROM or a host path): 1 and the
 * storage ID in out, else 0. PVE clones across nodes only when every such
 * storage is shared. */
int vmspec_drive_storage(const char *key, const char *value, char *out, size_t cap);

/* The body of POST .../config that makes a clone of template config tmpl
 * into described node i: the same CPU, memory, NIC, identity, tag and
 * marker as vmspec_create, boot from scsi0, and the template's cloud-init
 * drives (volume vm-<id>-cloudinit) deleted. NULL when out of memory. */
cJSON *vmspec_clone_config(const struct desc *d, int i, const cJSON *tmpl);

#endif
