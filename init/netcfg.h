/* netcfg: what the appliance's own network should look like.
 *
 * Parses the cloud-init network-config of the appliance's cidata seed
 * (version 1, as Proxmox VE generates it, and version 2) into one
 * struct net_plan for one interface. Pure: no syscalls. The same struct
 * carries a DHCP lease once one is obtained, so the code that applies it
 * does not care where it came from.
 */
#ifndef CASTELLAN_NETCFG_H
#define CASTELLAN_NETCFG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define NET_MAX_DNS 4
#define NET_MAX_SEARCH 4
#define NET_NAME_MAX 64

struct net_plan {
	int dhcp;			/* 1: ask DHCP for everything below */
	char ifname[16];		/* name the config gives (e.g. eth0), or "" */
	int has_mac;			/* 1: pick the interface with this MAC */
	unsigned char mac[6];
	uint32_t addr;			/* host order; 0 when dhcp */
	int prefix;
	uint32_t gateway;		/* 0: no default route */
	int mtu;			/* 0: leave as is */
	uint32_t dns[NET_MAX_DNS];
	int ndns;
	char search[NET_MAX_SEARCH][NET_NAME_MAX];
	int nsearch;
};

/* No network-config on the seed: DHCP on the first Ethernet interface. */
void netcfg_default(struct net_plan *plan);

/* Parses a network-config document (v1 or v2, optionally under a top-level
 * "network:" key). Fails with one sentence naming the field. IPv6 entries
 * are accepted and ignored; the first interface with IPv4 settings wins. */
int netcfg_parse(const char *text, size_t len, struct net_plan *plan,
		 struct err *e);

#endif
