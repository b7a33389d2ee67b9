/* dhcp: the DHCPv4 client's wire format (RFC 2131, 2132, 951, 768, 791).
 *
 * Builds DISCOVER and REQUEST (selecting state) as whole IPv4+UDP frames,
 * 0.0.0.0:68 -> 255.255.255.255:67 with both checksums, ready for an
 * AF_PACKET SOCK_DGRAM socket; reads a received IPv4/UDP frame back into a
 * struct dhcp_reply, and turns an ACK into a struct net_plan. Pure: no
 * syscalls, no allocation. Decoding trusts nothing: every length is checked
 * against the bytes actually received, and a frame that is not a well-formed
 * reply to our transaction fails with one sentence.
 */
#ifndef CASTELLAN_DHCP_H
#define CASTELLAN_DHCP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "netcfg.h"

/* Room for any frame dhcp_discover/dhcp_request build (they pad the DHCP
 * message to the 300 bytes old relays and servers insist on). */
#define DHCP_FRAME_MAX 576

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

enum dhcp_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

/* Who is asking: the same for every message of one exchange. */
struct dhcp_client {
	unsigned char mac[6];
	uint32_t xid;			/* transaction id, chosen at random */
	uint16_t secs;			/* seconds since the exchange began */
	const char *hostname;		/* option 12, or NULL */
};

/* What a server said. Addresses in host order; 0 when absent. */
struct dhcp_reply {
	enum dhcp_type type;		/* DHCP_OFFER, DHCP_ACK or DHCP_NAK */
	uint32_t yiaddr;		/* the address offered / granted */
	uint32_t server_id;		/* option 54 */
	int prefix;			/* from option 1; -1 when absent */
	uint32_t router;		/* first of option 3 */
	uint32_t dns[NET_MAX_DNS];	/* option 6, the first NET_MAX_DNS */
	int ndns;
	char domain[NET_NAME_MAX];	/* option 15 when clean, else "" */
	uint32_t lease;			/* option 51, seconds; 0 when absent */
	int mtu;			/* option 26; 0 when absent */
};

/* Flags for dhcp_decode. */
#define DHCP_SKIP_UDP_SUM 1u	/* the kernel says the UDP checksum is not
				 * filled in yet (offload on a local link) */

/* Build a frame into buf, which holds at least DHCP_FRAME_MAX bytes.
 * Return its length, or -1 with e set (buffer too small, host name not
 * 1-63 letters, digits, dots and dashes). */
int dhcp_discover(unsigned char *buf, size_t cap, const struct dhcp_client *c,
		  struct err *e);
int dhcp_request(unsigned char *buf, size_t cap, const struct dhcp_client *c,
		 uint32_t requested, uint32_t server_id, struct err *e);

/* Reads an IPv4 packet (no link header) as a reply to client mac and xid.
 * Returns 0 with r filled (type OFFER, ACK or NAK); -1 with e set for a
 * reply to this exchange that cannot be used (the caller may say so);
 * DHCP_NOT_OURS with e set for anything else a packet socket sees:
 * other traffic, other clients, broken headers (the caller skips it). */
#define DHCP_NOT_OURS (-2)
int dhcp_decode(const unsigned char *pkt, size_t len, const unsigned char mac[6],
		uint32_t xid, unsigned flags, struct dhcp_reply *r, struct err *e);

/* Copies an ACK's lease into plan (address, prefix, gateway, DNS, search
 * domain, MTU when the plan sets none), keeping its interface choice.
 * Fails when the lease cannot be used as it is. */
int dhcp_to_plan(const struct dhcp_reply *r, struct net_plan *plan,
		 struct err *e);

/* The Internet checksum (RFC 1071) of buf, continuing from sum; exposed
 * for tests. Returns the folded, complemented 16-bit value. */
uint16_t dhcp_inet_sum(const unsigned char *buf, size_t len, uint32_t sum);

#endif
