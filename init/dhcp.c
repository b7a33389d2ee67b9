#include "dhcp.h"
#include "ipv4.h"

#include <string.h>

/* Offsets into a frame: IPv4 header (no options on what we send), UDP
 * header, then the BOOTP message of RFC 951 / RFC 2131 section 2. */
#define IP_LEN 20
#define UDP_LEN 8
#define BOOTP_OFF (IP_LEN + UDP_LEN)
#define B_OP 0
#define B_HTYPE 1
#define B_HLEN 2
#define B_XID 4
#define B_SECS 8
#define B_YIADDR 16
#define B_CHADDR 28
#define B_COOKIE 236
#define B_OPTIONS 240
#define BOOTP_MIN 300		/* RFC 1542 section 3.1.1: pad to this */

#define OP_BOOTREQUEST 1
#define OP_BOOTREPLY 2
#define HTYPE_ETHER 1
#define IPPROTO_UDP_ 17

enum {
	OPT_PAD = 0,
	OPT_MASK = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_HOSTNAME = 12,
	OPT_DOMAIN = 15,
	OPT_MTU = 26,
	OPT_REQUESTED_IP = 50,
	OPT_LEASE = 51,
	OPT_MSG_TYPE = 53,
	OPT_SERVER_ID = 54,
	OPT_PARAMS = 55,
	OPT_CLIENT_ID = 61,
	OPT_END = 255,
};

static const unsigned char cookie[4] = { 99, 130, 83, 99 };

/* Only what net applies: mask, router, DNS, domain, MTU, lease. */
static const unsigned char wanted[] = {
	OPT_MASK, OPT_ROUTER, OPT_DNS, OPT_DOMAIN, OPT_MTU, OPT_LEASE,
};

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* One's complement sum of big-endian 16-bit words, unfolded. */
static uint32_t sum_add(const unsigned char *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t sum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t dhcp_inet_sum(const unsigned char *buf, size_t len, uint32_t sum)
{
	return sum_fold(sum_add(buf, len, sum));
}

/* The UDP pseudo-header of RFC 768 (source, destination, protocol,
 * length), which the checksum covers although it is never sent. */
static uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint16_t udp_len)
{
	unsigned char ph[12];

	put32(ph, src);
	put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = IPPROTO_UDP_;
	put16(ph + 10, udp_len);
	return sum_add(ph, sizeof ph, 0);
}

/* A host name we are willing to put on the wire: a few letters, digits,
 * dots and dashes, so no server logs or DNS updates get surprises. */
static int clean_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= NET_NAME_MAX || s[0] == '-' || s[0] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

/* Options are appended at *at; the caller sized buf for the largest set
 * (DHCP_FRAME_MAX), so these never check room themselves. */
static size_t opt(unsigned char *o, size_t at, int code, const void *val,
		  size_t len)
{
	o[at] = (unsigned char)code;
	o[at + 1] = (unsigned char)len;
	memcpy(o + at + 2, val, len);
	return at + 2 + len;
}

static size_t opt_addr(unsigned char *o, size_t at, int code, uint32_t a)
{
	unsigned char v[4];

	put32(v, a);
	return opt(o, at, code, v, 4);
}

/* Options every message of ours carries: client id (type 1 + MAC, RFC
 * 2132 9.14, so servers key the lease on it), wanted list, host name. */
static size_t opt_common(unsigned char *o, size_t at, const struct dhcp_client *c)
{
	unsigned char id[7];

	id[0] = HTYPE_ETHER;
	memcpy(id + 1, c->mac, 6);
	at = opt(o, at, OPT_CLIENT_ID, id, sizeof id);
	at = opt(o, at, OPT_PARAMS, wanted, sizeof wanted);
	if (c->hostname)
		at = opt(o, at, OPT_HOSTNAME, c->hostname, strlen(c->hostname));
	return at;
}

static void bootp_header(unsigned char *m, const struct dhcp_client *c)
{
	m[B_OP] = OP_BOOTREQUEST;
	m[B_HTYPE] = HTYPE_ETHER;
	m[B_HLEN] = 6;
	put32(m + B_XID, c->xid);
	put16(m + B_SECS, c->secs);
	/* flags 0: a packet socket sees unicast replies too, so we need not
	 * ask for broadcast (which some networks filter). */
	memcpy(m + B_CHADDR, c->mac, 6);
	memcpy(m + B_COOKIE, cookie, 4);
}

/* Wraps the BOOTP message of length mlen in UDP and IPv4 headers. */
static size_t wrap_ip_udp(unsigned char *buf, size_t mlen)
{
	uint16_t udp_len = (uint16_t)(UDP_LEN + mlen);
	uint16_t tot = (uint16_t)(IP_LEN + udp_len);
	unsigned char *ip = buf, *udp = buf + IP_LEN;
	uint16_t sum;

	ip[0] = 0x45;			/* version 4, 5 words of header */
	put16(ip + 2, tot);
	ip[8] = 64;			/* TTL */
	ip[9] = IPPROTO_UDP_;
	put32(ip + 12, 0);		/* no address yet */
	put32(ip + 16, 0xffffffffu);
	put16(ip + 10, dhcp_inet_sum(ip, IP_LEN, 0));

	put16(udp, DHCP_CLIENT_PORT);
	put16(udp + 2, DHCP_SERVER_PORT);
	put16(udp + 4, udp_len);
	sum = dhcp_inet_sum(udp, udp_len, pseudo_sum(0, 0xffffffffu, udp_len));
	put16(udp + 6, sum ? sum : 0xffff);	/* 0 would mean "none" */
	return tot;
}

static int build(unsigned char *buf, size_t cap, const struct dhcp_client *c,
		 int type, uint32_t requested, uint32_t server_id, struct err *e)
{
	unsigned char *m = buf + BOOTP_OFF, t = (unsigned char)type;
	size_t at = B_OPTIONS;

	if (cap < DHCP_FRAME_MAX)
		return err_set(e, "DHCP: frame buffer of %zu bytes is below the %d needed",
			       cap, DHCP_FRAME_MAX);
	if (c->hostname && !clean_name(c->hostname, strlen(c->hostname)))
		return err_set(e, "DHCP: host name \"%.64s\" is not 1-63 letters, digits, dots and dashes",
			       c->hostname);
	memset(buf, 0, DHCP_FRAME_MAX);
	bootp_header(m, c);
	at = opt(m, at, OPT_MSG_TYPE, &t, 1);
	if (type == DHCP_REQUEST) {
		at = opt_addr(m, at, OPT_REQUESTED_IP, requested);
		at = opt_addr(m, at, OPT_SERVER_ID, server_id);
	}
	at = opt_common(m, at, c);
	m[at++] = OPT_END;
	if (at < BOOTP_MIN)
		at = BOOTP_MIN;		/* already zero: pad options */
	return (int)wrap_ip_udp(buf, at);
}

int dhcp_discover(unsigned char *buf, size_t cap, const struct dhcp_client *c,
		  struct err *e)
{
	return build(buf, cap, c, DHCP_DISCOVER, 0, 0, e);
}

int dhcp_request(unsigned char *buf, size_t cap, const struct dhcp_client *c,
		 uint32_t requested, uint32_t server_id, struct err *e)
{
	return build(buf, cap, c, DHCP_REQUEST, requested, server_id, e);
}

/* ---- decoding ---- */

/* Checks the IPv4 and UDP headers and finds the UDP payload. */
static int ip_udp(const unsigned char *pkt, size_t len, unsigned flags,
		  const unsigned char **msg, size_t *mlen, struct err *e)
{
	size_t ihl, tot, ulen;
	const unsigned char *udp;
	uint32_t src, dst;

	if (len < IP_LEN)
		return err_set(e, "DHCP: packet of %zu bytes is shorter than an IPv4 header", len);
	if (pkt[0] >> 4 != 4)
		return err_set(e, "DHCP: packet is IP version %d, not 4", pkt[0] >> 4);
	ihl = (size_t)(pkt[0] & 15) * 4;
	tot = get16(pkt + 2);
	if (ihl < IP_LEN || ihl > len)
		return err_set(e, "DHCP: IPv4 header length %zu does not fit the %zu bytes received", ihl, len);
	if (tot < ihl || tot > len)
		return err_set(e, "DHCP: IPv4 total length %zu does not fit the %zu bytes received", tot, len);
	if (dhcp_inet_sum(pkt, ihl, 0) != 0)
		return err_set(e, "DHCP: IPv4 header checksum is wrong");
	if (pkt[9] != IPPROTO_UDP_)
		return err_set(e, "DHCP: IPv4 protocol %d is not UDP", pkt[9]);
	if (get16(pkt + 6) & 0x3fff)	/* more fragments, or an offset */
		return err_set(e, "DHCP: IPv4 fragment cannot be read alone");
	if (tot - ihl < UDP_LEN)
		return err_set(e, "DHCP: UDP header does not fit in the IPv4 packet");
	udp = pkt + ihl;
	if (get16(udp) != DHCP_SERVER_PORT || get16(udp + 2) != DHCP_CLIENT_PORT)
		return err_set(e, "DHCP: UDP ports %u->%u are not 67->68",
			       get16(udp), get16(udp + 2));
	ulen = get16(udp + 4);
	if (ulen < UDP_LEN || ulen > tot - ihl)
		return err_set(e, "DHCP: UDP length %zu does not fit the IPv4 packet", ulen);
	src = get32(pkt + 12);
	dst = get32(pkt + 16);
	if (get16(udp + 6) != 0 && !(flags & DHCP_SKIP_UDP_SUM) &&
	    dhcp_inet_sum(udp, ulen, pseudo_sum(src, dst, (uint16_t)ulen)) != 0)
		return err_set(e, "DHCP: UDP checksum is wrong");
	*msg = udp + UDP_LEN;
	*mlen = ulen - UDP_LEN;
	return 0;
}

/* Checks that the BOOTP message answers our own request. */
static int bootp_ours(const unsigned char *m, size_t mlen,
		      const unsigned char mac[6], uint32_t xid, struct err *e)
{
	if (mlen < B_OPTIONS)
		return err_set(e, "DHCP: message of %zu bytes is shorter than the %d of a BOOTP header and cookie",
			       mlen, B_OPTIONS);
	if (m[B_OP] != OP_BOOTREPLY)
		return err_set(e, "DHCP: message is not a BOOTREPLY (op %d)", m[B_OP]);
	if (get32(m + B_XID) != xid)
		return err_set(e, "DHCP: transaction id 0x%08x is not ours (0x%08x)",
			       get32(m + B_XID), xid);
	if (m[B_HTYPE] != HTYPE_ETHER || m[B_HLEN] != 6 ||
	    memcmp(m + B_CHADDR, mac, 6) != 0)
		return err_set(e, "DHCP: reply is for another hardware address");
	return 0;
}

static int bad_len(struct err *e, int code, const char *what, size_t len,
		   const char *want)
{
	return err_set(e, "DHCP: option %d (%s) has length %zu, expected %s",
		       code, what, len, want);
}

/* A list of addresses: a positive multiple of 4 bytes. */
static int addr_list(const unsigned char *v, size_t len, int code,
		     const char *what, uint32_t *out, int max, int *n,
		     struct err *e)
{
	size_t i;

	if (len == 0 || len % 4 != 0)
		return bad_len(e, code, what, len, "a multiple of 4");
	*n = 0;
	for (i = 0; i < len && *n < max; i += 4) {
		uint32_t a = get32(v + i);
		if (a != 0 && a != 0xffffffffu)
			out[(*n)++] = a;
	}
	return 0;
}

/* The domain goes into resolv.conf, so anything but a plain name is
 * dropped rather than trusted; some servers send a trailing NUL. */
static void domain(const unsigned char *v, size_t len, char *out)
{
	while (len > 0 && v[len - 1] == '\0')
		len--;
	out[0] = '\0';
	if (!clean_name((const char *)v, len))
		return;
	memcpy(out, v, len);
	out[len] = '\0';
}

static int option(int code, const unsigned char *v, size_t len,
		  struct dhcp_reply *r, struct err *e)
{
	uint32_t one;
	int n;

	switch (code) {
	case OPT_MSG_TYPE:
		if (len != 1)
			return bad_len(e, code, "message type", len, "1");
		r->type = (enum dhcp_type)v[0];
		return 0;
	case OPT_SERVER_ID:
		if (len != 4)
			return bad_len(e, code, "server identifier", len, "4");
		r->server_id = get32(v);
		return 0;
	case OPT_MASK:
		if (len != 4)
			return bad_len(e, code, "subnet mask", len, "4");
		if (ipv4_mask_to_prefix(get32(v), &r->prefix) < 0) {
			char s[IPV4_STRLEN];
			return err_set(e, "DHCP: subnet mask %s is not contiguous",
				       ipv4_format(get32(v), s));
		}
		return 0;
	case OPT_ROUTER:
		if (addr_list(v, len, code, "router", &one, 1, &n, e) < 0)
			return -1;
		r->router = n ? one : 0;
		return 0;
	case OPT_DNS:
		return addr_list(v, len, code, "DNS servers", r->dns,
				 NET_MAX_DNS, &r->ndns, e);
	case OPT_DOMAIN:
		domain(v, len, r->domain);
		return 0;
	case OPT_LEASE:
		if (len != 4)
			return bad_len(e, code, "lease time", len, "4");
		r->lease = get32(v);
		return 0;
	case OPT_MTU:
		if (len != 2)
			return bad_len(e, code, "interface MTU", len, "2");
		n = get16(v);
		r->mtu = n >= 68 ? n : 0;	/* RFC 2132 9.1's minimum */
		return 0;
	}
	return 0;	/* options we did not ask for, overload (52) included */
}

/* Walks the options field; every length is checked against its end. */
static int options(const unsigned char *p, size_t len, struct dhcp_reply *r,
		   struct err *e)
{
	size_t i = 0;

	while (i < len) {
		int code = p[i];
		size_t olen;

		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (code == OPT_END)
			return 0;
		if (len - i < 2 || (olen = p[i + 1]) > len - i - 2)
			return err_set(e, "DHCP: option %d runs past the end of the message", code);
		if (option(code, p + i + 2, olen, r, e) < 0)
			return -1;
		i += 2 + olen;
	}
	return 0;	/* a missing END is tolerated: every option fit */
}

/* Not 0.x, loopback, multicast or broadcast. */
static int host_addr(uint32_t a)
{
	unsigned top = a >> 24;

	return top != 0 && top != 127 && top < 224;
}

static int check_reply(struct dhcp_reply *r, struct err *e)
{
	char s[IPV4_STRLEN];

	if (r->type == 0)
		return err_set(e, "DHCP: reply carries no message type (option 53)");
	if (r->type != DHCP_OFFER && r->type != DHCP_ACK && r->type != DHCP_NAK)
		return err_set(e, "DHCP: message type %d is not OFFER, ACK or NAK", (int)r->type);
	if (r->type == DHCP_NAK)
		return 0;
	if (r->server_id == 0)
		return err_set(e, "DHCP: %s carries no server identifier (option 54)",
			       r->type == DHCP_OFFER ? "OFFER" : "ACK");
	if (!host_addr(r->yiaddr))
		return err_set(e, "DHCP: offered address %s is not a usable host address",
			       ipv4_format(r->yiaddr, s));
	return 0;
}

int dhcp_decode(const unsigned char *pkt, size_t len, const unsigned char mac[6],
		uint32_t xid, unsigned flags, struct dhcp_reply *r, struct err *e)
{
	const unsigned char *m = pkt;
	size_t mlen = 0;

	memset(r, 0, sizeof *r);
	r->prefix = -1;
	/* Until the transaction and hardware address match, a bad frame may
	 * be anyone's (the packet socket sees all IPv4): skipped, not blamed. */
	if (ip_udp(pkt, len, flags, &m, &mlen, e) < 0 ||
	    bootp_ours(m, mlen, mac, xid, e) < 0)
		return DHCP_NOT_OURS;
	if (memcmp(m + B_COOKIE, cookie, 4) != 0)
		return err_set(e, "DHCP: reply lacks the DHCP magic cookie");
	r->yiaddr = get32(m + B_YIADDR);
	if (options(m + B_OPTIONS, mlen - B_OPTIONS, r, e) < 0)
		return -1;
	return check_reply(r, e);
}

static void add_dns(struct net_plan *p, uint32_t a)
{
	int i;

	for (i = 0; i < p->ndns; i++)
		if (p->dns[i] == a)
			return;
	if (p->ndns < NET_MAX_DNS)
		p->dns[p->ndns++] = a;
}

static void add_search(struct net_plan *p, const char *d)
{
	int i;

	for (i = 0; i < p->nsearch; i++)
		if (strcmp(p->search[i], d) == 0)
			return;
	if (p->nsearch < NET_MAX_SEARCH) {
		memcpy(p->search[p->nsearch], d, strlen(d) + 1);
		p->nsearch++;
	}
}

/* What the network-config says (DNS, search, MTU) comes first: the
 * operator wrote it; the server's values fill the remaining room. */
int dhcp_to_plan(const struct dhcp_reply *r, struct net_plan *plan,
		 struct err *e)
{
	char a[IPV4_STRLEN], sv[IPV4_STRLEN];
	int i;

	if (r->type != DHCP_ACK)
		return err_set(e, "DHCP: only an ACK grants a lease, not message type %d", (int)r->type);
	if (r->prefix < 1)
		return err_set(e, "DHCP: lease of %s from %s has %s",
			       ipv4_format(r->yiaddr, a), ipv4_format(r->server_id, sv),
			       r->prefix < 0 ? "no subnet mask (option 1)" : "a /0 subnet mask");
	plan->addr = r->yiaddr;
	plan->prefix = r->prefix;
	plan->gateway = host_addr(r->router) ? r->router : 0;
	for (i = 0; i < r->ndns; i++)
		add_dns(plan, r->dns[i]);
	if (r->domain[0])
		add_search(plan, r->domain);
	if (plan->mtu == 0)
		plan->mtu = r->mtu;
	return 0;
}
