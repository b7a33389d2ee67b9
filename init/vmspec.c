#include "vmspec.h"

#include <bearssl.h>
#include <stdio.h>

void vmspec_mac(const char *cluster, long vmid, char out[18])
{
	unsigned char h[32];
	char key[128];
	br_sha256_context c;
	int n = snprintf(key, sizeof key, "castellan/%s/%ld", cluster, vmid);

	br_sha256_init(&c);
	br_sha256_update(&c, key, (size_t)n);
	br_sha256_out(&c, h);
	snprintf(out, 18, "BC:24:11:%02X:%02X:%02X", h[0], h[1], h[2]);
}

cJSON *vmspec_create(const struct desc *d, int i)
{
	const struct desc_node *n = &d->cluster.nodes[i];
	const struct desc_proxmox *px = &d->proxmox;
	char disk[160], net[160], mac[18], tag[80], about[200];
	cJSON *o = cJSON_CreateObject();

	vmspec_mac(d->cluster.name, n->vmid, mac);
	snprintf(disk, sizeof disk, "%s:%ld,discard=on,iothread=1,ssd=1", px->storage, n->disk);
	if (px->vlan)
		snprintf(net, sizeof net, "virtio=%s,bridge=%s,tag=%d", mac, px->bridge, px->vlan);
	else
		snprintf(net, sizeof net, "virtio=%s,bridge=%s", mac, px->bridge);
	snprintf(tag, sizeof tag, "castellan-%s", d->cluster.name);
	snprintf(about, sizeof about, "Talos %s node %s of cluster %s, managed by castellan.",
		 n->role == ROLE_CONTROLPLANE ? "control plane" : "worker", n->name, d->cluster.name);
	if (!o || !cJSON_AddNumberToObject(o, "vmid", (double)n->vmid) ||
	    !cJSON_AddStringToObject(o, "name", n->name) ||
	    !cJSON_AddNumberToObject(o, "cores", (double)n->cores) ||
	    !cJSON_AddNumberToObject(o, "sockets", 1) ||
	    !cJSON_AddNumberToObject(o, "memory", (double)n->memory) ||
	    !cJSON_AddStringToObject(o, "cpu", "x86-64-v2-AES") ||
	    !cJSON_AddStringToObject(o, "machine", "q35") ||
	    !cJSON_AddStringToObject(o, "ostype", "l26") ||
	    !cJSON_AddStringToObject(o, "scsihw", "virtio-scsi-single") ||
	    !cJSON_AddStringToObject(o, "scsi0", disk) ||
	    !cJSON_AddStringToObject(o, "net0", net) ||
	    !cJSON_AddStringToObject(o, "serial0", "socket") ||
	    !cJSON_AddStringToObject(o, "boot", "order=scsi0") ||
	    !cJSON_AddNumberToObject(o, "onboot", 1) ||
	    !cJSON_AddStringToObject(o, "tags", tag) ||
	    !cJSON_AddStringToObject(o, "description", about)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}
