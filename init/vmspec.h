/* vmspec: the Proxmox VM configuration of one Talos node.
 *
 * Pure. cpu x86-64-v2-AES (the API default kvm64 cannot boot Talos), q35,
 * a virtio-scsi-single disk of the described size, a virtio NIC with a MAC
 * derived from the cluster name and VMID (stable across rebuilds, so DHCP
 * reservations and switch tables keep working), a serial console, the
 * ownership tag and a description marker naming the cluster, the Talos
 * nocloud ISO on ide0 and a disk-first boot order. The node's cidata ISO
 * goes on ide2 (ide3 does not start on q35) once it is uploaded.
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

#endif
