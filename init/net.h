/* net: brings the appliance's one network interface up from a net_plan.
 *
 * Finds the interface (by MAC, by name, or the first Ethernet one by
 * index), waiting a bounded time for it to appear; sets it up; waits
 * briefly for carrier; obtains a DHCP lease over a packet socket when the
 * plan asks for one (every wait bounded, so a silent network fails the
 * stage instead of hanging it); then replaces the link's IPv4 addresses
 * and default route and writes /run/resolv.conf. Running it twice
 * converges to the same state. Logs one line per step under stage "net".
 */
#ifndef CASTELLAN_NET_H
#define CASTELLAN_NET_H

#include "err.h"
#include "log.h"
#include "netcfg.h"

#define NET_RESOLV_CONF "/run/resolv.conf"

/* Total bounds, in milliseconds. */
#define NET_WAIT_LINK_MS 10000		/* for the interface to appear */
#define NET_WAIT_CARRIER_MS 5000	/* for carrier; then go on anyway */
#define NET_DHCP_MS 60000		/* for a whole DHCP exchange */

/* Applies plan; for DHCP, fills it with the lease first. On success plan
 * also names the interface used (ifname, mac). Returns 0, or -1 with e
 * holding one sentence naming the interface and the cause. */
int net_up(struct log *log, struct net_plan *plan, struct err *e);

#endif
