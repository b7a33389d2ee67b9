/* vmspec: the Proxmox VM configuration of one Talos node.
 *
 * Pure. cpu x86-64-v2-AES (the API default kvm64 cannot boot Talos), q35,
 * a virtio-scsi-single disk of the described size, a virtio NIC with a MAC
 * derived from the cluster name and VMID (stable across rebuilds, so DHCP
 * reservations and switch tables keep working), a serial console, the
 * ownership tag and a description marker naming the cluster.
 */
#ifndef CASTELLAN_VMSPEC_H
#define CASTELLAN_VMSPEC_H

#include <cjson/cJSON.h>

#include "desc.h"

/* Proxmox's OUI (BC:24:11), then three bytes of SHA-256(cluster, vmid). */
void vmspec_mac(const char *cluster, long vmid, char out[18]);

/* The body of POST /nodes/{node}/qemu for described node i, or NULL when
 * out of memory. The caller frees it with cJSON_Delete. */
cJSON *vmspec_create(const struct desc *d, int i);

#endif
