/* rtnl: a tiny rtnetlink client, just enough to configure one IPv4 link.
 *
 * Every request asks for an acknowledgement and waits for the one that
 * carries its own sequence number (anything else is skipped), with a
 * bounded receive timeout, so no call can hang. Only the kernel's
 * messages are believed. Failures come back as -errno, untouched, so the
 * caller can name the interface in its one sentence. Operations replace
 * rather than add, so configuring the same thing twice converges.
 */
#ifndef CASTELLAN_RTNL_H
#define CASTELLAN_RTNL_H

#include <stdint.h>

/* One NETLINK_ROUTE socket, owned by the caller. */
struct rtnl {
	int fd;
	uint32_t seq;		/* last sequence number sent */
};

/* Opens the socket. Returns 0 or -errno. */
int rtnl_open(struct rtnl *r);
void rtnl_close(struct rtnl *r);

/* Sets the link administratively up, and its MTU when mtu > 0. */
int rtnl_link_up(struct rtnl *r, int ifindex, int mtu);

/* Removes every IPv4 address from the link (routes through them go too). */
int rtnl_addr_flush(struct rtnl *r, int ifindex);

/* Adds addr/prefix (host order) with its broadcast address. */
int rtnl_addr_add(struct rtnl *r, int ifindex, uint32_t addr, int prefix);

/* Sets the main table's IPv4 default route via gw (host order) out of the
 * link. onlink: the gateway is outside the link's subnets, trust that it
 * is reachable there anyway (a /32 lease, a far router). */
int rtnl_route_default(struct rtnl *r, int ifindex, uint32_t gw, int onlink);

#endif
