/* dhcp: frames we build are checked against RFC 791/768/951/2131 offsets
 * with checksums recomputed here; replies are built by hand, then broken
 * in every way a wire can break them. Buffers handed to the decoder are
 * heap copies of exactly the tested length, so ASan sees any over-read. */
#include "check.h"
#include "dhcp.h"
#include "ipv4.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
#define XID 0x1a2b3c4du
#define SERVER 0x0a000202u	/* 10.0.2.2 */
#define YIADDR 0x0a00020fu	/* 10.0.2.15 */

/* ---- an independent checksum, so the module is not checked by itself ---- */

static unsigned csum(const unsigned char *p, size_t n, unsigned long acc)
{
	for (size_t i = 0; i < n; i++)
		acc += (i % 2 == 0) ? (unsigned long)p[i] << 8 : p[i];
	while (acc > 0xffff)
		acc = (acc & 0xffff) + (acc >> 16);
	return (unsigned)(~acc & 0xffff);
}

static unsigned rd16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }
static uint32_t rd32(const unsigned char *p) { return (uint32_t)rd16(p) << 16 | rd16(p + 2); }
static void wr16(unsigned char *p, unsigned v) { p[0] = (unsigned char)(v >> 8); p[1] = (unsigned char)v; }
static void wr32(unsigned char *p, uint32_t v) { wr16(p, v >> 16); wr16(p + 2, v & 0xffff); }

/* Pseudo-header sum of RFC 768 plus the UDP segment: 0 when right. */
static unsigned udp_verify(const unsigned char *ip)
{
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	const unsigned char *udp = ip + ihl;
	unsigned char ph[12];
	unsigned long acc = 0;

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 17;
	memcpy(ph + 10, udp + 4, 2);
	for (int i = 0; i < 12; i += 2)
		acc += rd16(ph + i);
	return csum(udp, rd16(udp + 4), acc);
}

static void fix_ip_sum(unsigned char *ip)
{
	wr16(ip + 10, 0);
	wr16(ip + 10, csum(ip, (size_t)(ip[0] & 15) * 4, 0));
}

/* Fills in both checksums of a frame whose lengths are already set. */
static void fix_sums(unsigned char *ip)
{
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	unsigned char *udp = ip + ihl;
	unsigned s;

	fix_ip_sum(ip);
	wr16(udp + 6, 0);
	s = udp_verify(ip);
	wr16(udp + 6, s ? s : 0xffff);
}

/* Finds option code in a BOOTP message's options; NULL when absent. */
static const unsigned char *find_opt(const unsigned char *m, size_t mlen, int code)
{
	size_t i = 240;

	while (i < mlen && m[i] != 255) {
		if (m[i] == 0) {
			i++;
			continue;
		}
		if (m[i] == code)
			return m + i;
		i += 2 + m[i + 1];
	}
	return NULL;
}

/* ---- a hand-built reply ---- */

struct reply {
	unsigned char b[1500];
	size_t len;
};

/* Options are given raw, as (code, len, bytes...) with the END added. */
static void make_reply(struct reply *f, uint32_t xid, const unsigned char *mac,
		       uint32_t yiaddr, const unsigned char *opts, size_t olen)
{
	unsigned char *ip = f->b, *udp = ip + 20, *m = udp + 8;
	size_t mlen = 240 + olen + 1;

	memset(f->b, 0, sizeof f->b);
	m[0] = 2;
	m[1] = 1;
	m[2] = 6;
	wr32(m + 4, xid);
	wr32(m + 16, yiaddr);
	wr32(m + 20, SERVER);
	memcpy(m + 28, mac, 6);
	m[236] = 99; m[237] = 130; m[238] = 83; m[239] = 99;
	memcpy(m + 240, opts, olen);
	m[240 + olen] = 255;
	ip[0] = 0x45;
	wr16(ip + 2, (unsigned)(28 + mlen));
	ip[8] = 64;
	ip[9] = 17;
	wr32(ip + 12, SERVER);
	wr32(ip + 16, 0xffffffffu);
	wr16(udp, 67);
	wr16(udp + 2, 68);
	wr16(udp + 4, (unsigned)(8 + mlen));
	fix_sums(ip);
	f->len = 28 + mlen;
}

/* Decodes an exact-size heap copy of the first n bytes. */
static int decode_n(const unsigned char *p, size_t n, const unsigned char *mac,
		    uint32_t xid, unsigned flags, struct dhcp_reply *r, struct err *e)
{
	unsigned char *copy = malloc(n ? n : 1);
	int rc;

	memcpy(copy, p, n);
	e->msg[0] = '\0';
	rc = dhcp_decode(copy, n, mac, xid, flags, r, e);
	free(copy);
	return rc;
}

static int decode(const struct reply *f, struct dhcp_reply *r, struct err *e)
{
	return decode_n(f->b, f->len, MAC, XID, 0, r, e);
}

#define A(a, b, c, d) a, b, c, d
static const unsigned char ACK_OPTS[] = {
	53, 1, 5,
	54, 4, A(10, 0, 2, 2),
	51, 4, A(0, 1, 81, 128),	/* 86400 */
	1, 4, A(255, 255, 255, 0),
	3, 8, A(10, 0, 2, 2), A(10, 0, 2, 1),
	6, 8, A(10, 0, 2, 3), A(1, 1, 1, 1),
	15, 9, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'n',
	26, 2, 0x05, 0xdc,		/* 1500 */
};

/* ---- encoding ---- */

static void test_discover(void)
{
	struct dhcp_client c = { .xid = XID, .secs = 3 };
	unsigned char buf[DHCP_FRAME_MAX];
	const unsigned char *ip = buf, *udp = buf + 20, *m = buf + 28, *o;
	struct err e;
	int n;

	memcpy(c.mac, MAC, 6);
	n = dhcp_discover(buf, sizeof buf, &c, &e);
	CHECK(n > 0 && n <= DHCP_FRAME_MAX);
	/* IPv4, RFC 791 */
	CHECK(ip[0] == 0x45);
	CHECK(rd16(ip + 2) == (unsigned)n);
	CHECK((rd16(ip + 6) & 0x3fff) == 0);
	CHECK(ip[8] > 0);
	CHECK(ip[9] == 17);
	CHECK(rd32(ip + 12) == 0);
	CHECK(rd32(ip + 16) == 0xffffffffu);
	CHECK(csum(ip, 20, 0) == 0);
	/* UDP, RFC 768 */
	CHECK(rd16(udp) == 68 && rd16(udp + 2) == 67);
	CHECK(rd16(udp + 4) == (unsigned)n - 20);
	CHECK(rd16(udp + 6) != 0);
	CHECK(udp_verify(ip) == 0);
	/* BOOTP, RFC 951 / RFC 2131 section 2 */
	CHECK(m[0] == 1 && m[1] == 1 && m[2] == 6 && m[3] == 0);
	CHECK(rd32(m + 4) == XID);
	CHECK(rd16(m + 8) == 3);
	CHECK(rd32(m + 12) == 0 && rd32(m + 16) == 0 && rd32(m + 20) == 0 && rd32(m + 24) == 0);
	CHECK(memcmp(m + 28, MAC, 6) == 0);
	CHECK(m[236] == 99 && m[237] == 130 && m[238] == 83 && m[239] == 99);
	CHECK(n - 28 >= 300);	/* RFC 1542 minimum */
	o = find_opt(m, (size_t)n - 28, 53);
	CHECK(o && o[1] == 1 && o[2] == 1);
	o = find_opt(m, (size_t)n - 28, 61);
	CHECK(o && o[1] == 7 && o[2] == 1 && memcmp(o + 3, MAC, 6) == 0);
	o = find_opt(m, (size_t)n - 28, 55);
	CHECK(o != NULL);
	if (o) {
		int want[] = { 1, 3, 6, 15, 51 };
		for (unsigned w = 0; w < sizeof want / sizeof want[0]; w++)
			CHECK(memchr(o + 2, want[w], o[1]) != NULL);
	}
	CHECK(find_opt(m, (size_t)n - 28, 50) == NULL);
	CHECK(find_opt(m, (size_t)n - 28, 54) == NULL);
	CHECK(find_opt(m, (size_t)n - 28, 12) == NULL);
}

static void test_request(void)
{
	struct dhcp_client c = { .xid = XID, .hostname = "castellan" };
	unsigned char buf[DHCP_FRAME_MAX];
	const unsigned char *m = buf + 28, *o;
	struct err e;
	int n;

	memcpy(c.mac, MAC, 6);
	n = dhcp_request(buf, sizeof buf, &c, YIADDR, SERVER, &e);
	CHECK(n > 0);
	CHECK(csum(buf, 20, 0) == 0);
	CHECK(udp_verify(buf) == 0);
	CHECK(rd32(m + 12) == 0);	/* ciaddr stays 0 in SELECTING */
	o = find_opt(m, (size_t)n - 28, 53);
	CHECK(o && o[2] == 3);
	o = find_opt(m, (size_t)n - 28, 50);
	CHECK(o && o[1] == 4 && rd32(o + 2) == YIADDR);
	o = find_opt(m, (size_t)n - 28, 54);
	CHECK(o && o[1] == 4 && rd32(o + 2) == SERVER);
	o = find_opt(m, (size_t)n - 28, 12);
	CHECK(o && o[1] == 9 && memcmp(o + 2, "castellan", 9) == 0);

	/* Our own frame is not a reply: the decoder skips it. */
	struct dhcp_reply r;
	CHECK(decode_n(buf, (size_t)n, MAC, XID, 0, &r, &e) == DHCP_NOT_OURS);
}

static void test_encode_errors(void)
{
	struct dhcp_client c = { .xid = 1, .hostname = "bad name" };
	unsigned char buf[DHCP_FRAME_MAX];
	struct err e;

	CHECK(dhcp_discover(buf, sizeof buf, &c, &e) == -1);
	CHECK_HAS(e.msg, "host name");
	c.hostname = "-dash";
	CHECK(dhcp_discover(buf, sizeof buf, &c, &e) == -1);
	c.hostname = "";
	CHECK(dhcp_discover(buf, sizeof buf, &c, &e) == -1);
	c.hostname = "a123456789012345678901234567890123456789012345678901234567890123";
	CHECK(dhcp_discover(buf, sizeof buf, &c, &e) == -1);
	c.hostname = NULL;
	CHECK(dhcp_discover(buf, 100, &c, &e) == -1);
	CHECK_HAS(e.msg, "buffer");
}

/* Different xids and secs change only what they should, and the checksum
 * stays right (the odd-length and carry paths of the sum). */
static void test_encode_many(void)
{
	unsigned char buf[DHCP_FRAME_MAX];
	struct err e;
	int bad = 0;

	for (uint32_t i = 0; i < 2000; i++) {
		struct dhcp_client c = { .xid = i * 2654435761u, .secs = (uint16_t)(i * 7919) };
		memcpy(c.mac, MAC, 6);
		c.mac[5] = (unsigned char)i;
		int n = i % 2 ? dhcp_discover(buf, sizeof buf, &c, &e)
			      : dhcp_request(buf, sizeof buf, &c, ~i, i * 40503u, &e);
		if (n < 0 || csum(buf, 20, 0) != 0 || udp_verify(buf) != 0 ||
		    rd32(buf + 32) != c.xid)
			bad++;
	}
	CHECK(bad == 0);
}

/* ---- decoding ---- */

static void test_ack(void)
{
	struct reply f;
	struct dhcp_reply r;
	struct err e;
	char s[IPV4_STRLEN];

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	CHECK(decode(&f, &r, &e) == 0);
	CHECK(r.type == DHCP_ACK);
	CHECK_STR(ipv4_format(r.yiaddr, s), "10.0.2.15");
	CHECK_STR(ipv4_format(r.server_id, s), "10.0.2.2");
	CHECK(r.prefix == 24);
	CHECK_STR(ipv4_format(r.router, s), "10.0.2.2");
	CHECK(r.ndns == 2);
	CHECK_STR(ipv4_format(r.dns[0], s), "10.0.2.3");
	CHECK_STR(ipv4_format(r.dns[1], s), "1.1.1.1");
	CHECK_STR(r.domain, "example.n");
	CHECK(r.lease == 86400);
	CHECK(r.mtu == 1500);

	/* Ethernet pads short frames: bytes past the IPv4 length are not read. */
	f.len += 40;
	CHECK(decode(&f, &r, &e) == 0);

	/* A UDP checksum of 0 means "none" (RFC 768). */
	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	wr16(f.b + 26, 0);
	CHECK(decode(&f, &r, &e) == 0);
}

static void test_offer_nak(void)
{
	static const unsigned char offer[] = {
		53, 1, 2, 0, 0,			/* pads between options */
		54, 4, A(10, 0, 2, 2),
		1, 4, A(255, 255, 240, 0),
		52, 1, 3,			/* overload: ignored */
	};
	static const unsigned char nak[] = { 53, 1, 6 };
	struct reply f;
	struct dhcp_reply r;
	struct err e;

	make_reply(&f, XID, MAC, YIADDR, offer, sizeof offer);
	CHECK(decode(&f, &r, &e) == 0);
	CHECK(r.type == DHCP_OFFER);
	CHECK(r.prefix == 20);
	CHECK(r.router == 0 && r.ndns == 0 && r.domain[0] == '\0' && r.lease == 0);

	/* NAK: no address, and a missing server id is tolerated. */
	make_reply(&f, XID, MAC, 0, nak, sizeof nak);
	CHECK(decode(&f, &r, &e) == 0);
	CHECK(r.type == DHCP_NAK);
}

static void test_not_ours(void)
{
	static const unsigned char other[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x57 };
	struct reply f;
	struct dhcp_reply r;
	struct err e;

	make_reply(&f, XID + 1, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	CHECK(decode(&f, &r, &e) == DHCP_NOT_OURS);
	CHECK_HAS(e.msg, "transaction id");

	make_reply(&f, XID, other, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	CHECK(decode(&f, &r, &e) == DHCP_NOT_OURS);
	CHECK_HAS(e.msg, "hardware address");

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	f.b[28] = 1;			/* BOOTREQUEST */
	fix_sums(f.b);
	CHECK(decode(&f, &r, &e) == DHCP_NOT_OURS);

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	wr16(f.b + 20, 53);		/* a DNS answer, say */
	fix_sums(f.b);
	CHECK(decode(&f, &r, &e) == DHCP_NOT_OURS);
	CHECK_HAS(e.msg, "ports");

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	f.b[9] = 6;			/* TCP */
	fix_sums(f.b);
	CHECK(decode(&f, &r, &e) == DHCP_NOT_OURS);

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	wr16(f.b + 6, 0x2000);		/* more fragments */
	fix_sums(f.b);
	CHECK(decode(&f, &r, &e) == DHCP_NOT_OURS);

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	f.b[0] = 0x65;			/* IPv6-ish */
	CHECK(decode(&f, &r, &e) == DHCP_NOT_OURS);
}

static void test_bad_headers(void)
{
	struct reply f;
	struct dhcp_reply r;
	struct err e;

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	f.b[8] ^= 1;			/* TTL changed, IP sum not */
	CHECK(decode(&f, &r, &e) == DHCP_NOT_OURS);
	CHECK_HAS(e.msg, "IPv4 header checksum");

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	f.b[100] ^= 0x40;		/* payload changed, UDP sum not */
	CHECK(decode(&f, &r, &e) == DHCP_NOT_OURS);
	CHECK_HAS(e.msg, "UDP checksum");
	/* ... unless the kernel says the sum was never filled in. */
	CHECK(decode_n(f.b, f.len, MAC, XID, DHCP_SKIP_UDP_SUM, &r, &e) == 0);

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	f.b[0] = 0x44;			/* IHL 16 bytes */
	CHECK(decode(&f, &r, &e) == DHCP_NOT_OURS);
	CHECK_HAS(e.msg, "header length");

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	f.b[0] = 0x4f;			/* IHL 60: UDP now sits elsewhere */
	fix_ip_sum(f.b);
	CHECK(decode(&f, &r, &e) < 0);

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	wr16(f.b + 2, (unsigned)f.len + 1);
	fix_sums(f.b);
	CHECK(decode(&f, &r, &e) == DHCP_NOT_OURS);
	CHECK_HAS(e.msg, "total length");

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	wr16(f.b + 24, (unsigned)f.len - 20 + 1);
	CHECK(decode(&f, &r, &e) == DHCP_NOT_OURS);
	CHECK_HAS(e.msg, "UDP length");

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	wr16(f.b + 24, 7);
	CHECK(decode(&f, &r, &e) == DHCP_NOT_OURS);

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	f.b[28 + 236] = 98;		/* cookie */
	fix_sums(f.b);
	CHECK(decode(&f, &r, &e) == -1);
	CHECK_HAS(e.msg, "cookie");
}

/* A header with IP options (IHL 6) is read from the right offset. */
static void test_ip_options(void)
{
	struct reply f, g;
	struct dhcp_reply r;
	struct err e;

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	memset(g.b, 0, sizeof g.b);
	memcpy(g.b, f.b, 20);
	g.b[20] = 1; g.b[21] = 1; g.b[22] = 1; g.b[23] = 0;	/* NOP NOP NOP EOL */
	memcpy(g.b + 24, f.b + 20, f.len - 20);
	g.b[0] = 0x46;
	g.len = f.len + 4;
	wr16(g.b + 2, (unsigned)g.len);
	fix_sums(g.b);
	CHECK(decode(&g, &r, &e) == 0);
	CHECK(r.type == DHCP_ACK && r.prefix == 24);
}

/* Every prefix of a valid frame, handed over alone: always an error. */
static void test_truncated(void)
{
	struct reply f;
	struct dhcp_reply r;
	struct err e;
	int ok = 1;

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	for (size_t n = 0; n < f.len; n++)
		if (decode_n(f.b, n, MAC, XID, 0, &r, &e) >= 0 || e.msg[0] == '\0')
			ok = 0;
	CHECK(ok);
}

/* Every cut of the message with the IP and UDP lengths (and sums) made to
 * agree, so the BOOTP and option parsers see the short message themselves.
 * Cuts through the header or inside an option must fail; none may crash.
 * A cut BOOTP header cannot prove the frame is ours; a cut option can. */
static void test_consistent_cuts(void)
{
	struct reply f, g;
	struct dhcp_reply r;
	struct err e;
	int ok = 1;

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	for (size_t n = 28; n < f.len; n++) {
		size_t mlen = n - 28, i = 240;
		int inside = mlen < 240;

		g = f;
		g.len = n;
		wr16(g.b + 2, (unsigned)n);
		wr16(g.b + 24, (unsigned)(n - 20));
		fix_sums(g.b);
		/* Does the cut fall inside an option? */
		while (!inside && i < mlen) {
			size_t next = i + 2 + f.b[28 + i + 1];
			if (f.b[28 + i] == 255)
				break;
			if (i + 1 >= mlen || next > mlen)
				inside = 1;
			i = next;
		}
		int rc = decode_n(g.b, g.len, MAC, XID, 0, &r, &e);
		if (inside && rc >= 0)
			ok = 0;
		if (mlen >= 240 && inside && rc != -1)	/* ours, but cut short */
			ok = 0;
	}
	CHECK(ok);
}

static void test_option_overruns(void)
{
	static const unsigned char overrun[] = {
		53, 1, 5, 54, 4, A(10, 0, 2, 2), 6, 200, A(1, 1, 1, 1),
	};
	struct reply f;
	struct dhcp_reply r;
	struct err e;

	/* make_reply adds END right after, so 6's length runs far past it. */
	make_reply(&f, XID, MAC, YIADDR, overrun, sizeof overrun);
	CHECK(decode(&f, &r, &e) == -1);
	CHECK_HAS(e.msg, "option 6 runs past");

	/* A code in the very last byte, with no length byte. */
	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	f.b[f.len - 1] = 3;		/* where END was */
	fix_sums(f.b);
	CHECK(decode(&f, &r, &e) == -1);
	CHECK_HAS(e.msg, "option 3 runs past");

	/* No END at all, but every option fits: accepted. */
	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	f.len--;
	wr16(f.b + 2, (unsigned)f.len);
	wr16(f.b + 24, (unsigned)f.len - 20);
	fix_sums(f.b);
	CHECK(decode(&f, &r, &e) == 0);
}

static void expect_fail(const unsigned char *opts, size_t n, const char *frag)
{
	struct reply f;
	struct dhcp_reply r;
	struct err e;

	make_reply(&f, XID, MAC, YIADDR, opts, n);
	CHECK(decode(&f, &r, &e) == -1);
	CHECK_HAS(e.msg, frag);
}

static void test_bad_options(void)
{
	static const unsigned char noncontig[] = {
		53, 1, 5, 54, 4, A(10, 0, 2, 2), 1, 4, A(255, 0, 255, 0) };
	static const unsigned char no_server[] = { 53, 1, 2, 1, 4, A(255, 255, 255, 0) };
	static const unsigned char no_type[] = { 54, 4, A(10, 0, 2, 2) };
	static const unsigned char req_type[] = { 53, 1, 3, 54, 4, A(10, 0, 2, 2) };
	static const unsigned char mask3[] = { 53, 1, 5, 54, 4, A(10, 0, 2, 2), 1, 3, 255, 255, 255 };
	static const unsigned char type2[] = { 53, 2, 5, 0, 54, 4, A(10, 0, 2, 2) };
	static const unsigned char sid5[] = { 53, 1, 5, 54, 5, A(10, 0, 2, 2), 0 };
	static const unsigned char router5[] = { 53, 1, 5, 54, 4, A(10, 0, 2, 2), 3, 5, A(10, 0, 2, 2), 0 };
	static const unsigned char dns0[] = { 53, 1, 5, 54, 4, A(10, 0, 2, 2), 6, 0 };
	static const unsigned char lease2[] = { 53, 1, 5, 54, 4, A(10, 0, 2, 2), 51, 2, 1, 0 };
	static const unsigned char mtu4[] = { 53, 1, 5, 54, 4, A(10, 0, 2, 2), 26, 4, A(0, 0, 5, 220) };

	expect_fail(noncontig, sizeof noncontig, "255.0.255.0 is not contiguous");
	expect_fail(no_server, sizeof no_server, "no server identifier");
	expect_fail(no_type, sizeof no_type, "no message type");
	expect_fail(req_type, sizeof req_type, "message type 3");
	expect_fail(mask3, sizeof mask3, "option 1 (subnet mask) has length 3");
	expect_fail(type2, sizeof type2, "option 53");
	expect_fail(sid5, sizeof sid5, "option 54");
	expect_fail(router5, sizeof router5, "option 3");
	expect_fail(dns0, sizeof dns0, "option 6");
	expect_fail(lease2, sizeof lease2, "option 51");
	expect_fail(mtu4, sizeof mtu4, "option 26");
}

static void test_bad_yiaddr(void)
{
	static const unsigned char ack[] = { 53, 1, 5, 54, 4, A(10, 0, 2, 2) };
	uint32_t bad[] = { 0, 0x7f000001u, 0xe0000001u, 0xffffffffu, 0x00000005u };
	struct reply f;
	struct dhcp_reply r;
	struct err e;

	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		make_reply(&f, XID, MAC, bad[i], ack, sizeof ack);
		CHECK(decode(&f, &r, &e) == -1);
		CHECK_HAS(e.msg, "not a usable host address");
	}
}

static void domain_case(const unsigned char *name, size_t n, const char *want)
{
	unsigned char opts[300] = { 53, 1, 5, 54, 4, A(10, 0, 2, 2), 15 };
	struct reply f;
	struct dhcp_reply r;
	struct err e;

	opts[10] = (unsigned char)n;
	memcpy(opts + 11, name, n);
	make_reply(&f, XID, MAC, YIADDR, opts, 11 + n);
	CHECK(decode(&f, &r, &e) == 0);
	CHECK_STR(r.domain, want);
}

static void test_domain(void)
{
	char long_name[80];

	domain_case((const unsigned char *)"lan.example.org", 15, "lan.example.org");
	domain_case((const unsigned char *)"lan\0\0", 5, "lan");		/* trailing NULs */
	domain_case((const unsigned char *)"evil;rm -rf", 11, "");
	domain_case((const unsigned char *)"a\nnameserver 6.6.6.6", 20, "");
	domain_case((const unsigned char *)"two words", 9, "");
	domain_case((const unsigned char *)"mid\0dle", 7, "");
	domain_case((const unsigned char *)"-lead", 5, "");
	domain_case((const unsigned char *)"caf\xc3\xa9", 5, "");
	domain_case((const unsigned char *)"\0", 1, "");
	memset(long_name, 'a', sizeof long_name);
	domain_case((const unsigned char *)long_name, 63, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	domain_case((const unsigned char *)long_name, 64, "");
	domain_case((const unsigned char *)long_name, 80, "");
}

static void test_many_dns(void)
{
	static const unsigned char opts[] = {
		53, 1, 5, 54, 4, A(10, 0, 2, 2),
		6, 24, A(0, 0, 0, 0), A(9, 9, 9, 1), A(9, 9, 9, 2), A(9, 9, 9, 3),
		       A(9, 9, 9, 4), A(9, 9, 9, 5),
		3, 8, A(0, 0, 0, 0), A(10, 0, 2, 1),
	};
	struct reply f;
	struct dhcp_reply r;
	struct err e;

	make_reply(&f, XID, MAC, YIADDR, opts, sizeof opts);
	CHECK(decode(&f, &r, &e) == 0);
	CHECK(r.ndns == NET_MAX_DNS);
	CHECK(r.dns[0] == 0x09090901u && r.dns[NET_MAX_DNS - 1] == 0x09090900u + NET_MAX_DNS);
	CHECK(r.router == 0x0a000201u);	/* the first usable one */
}

/* ---- lease to plan ---- */

static void test_to_plan(void)
{
	struct reply f;
	struct dhcp_reply r;
	struct net_plan p;
	struct err e;
	char s[IPV4_STRLEN];

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	CHECK(decode(&f, &r, &e) == 0);
	memset(&p, 0, sizeof p);
	p.dhcp = 1;
	strcpy(p.ifname, "eth0");
	CHECK(dhcp_to_plan(&r, &p, &e) == 0);
	CHECK_STR(ipv4_format(p.addr, s), "10.0.2.15");
	CHECK(p.prefix == 24);
	CHECK_STR(ipv4_format(p.gateway, s), "10.0.2.2");
	CHECK(p.ndns == 2 && p.dns[0] == 0x0a000203u);
	CHECK(p.nsearch == 1);
	CHECK_STR(p.search[0], "example.n");
	CHECK(p.mtu == 1500);
	CHECK_STR(p.ifname, "eth0");
	CHECK(p.dhcp == 1);

	/* What the network-config set stays first; duplicates are not added. */
	memset(&p, 0, sizeof p);
	p.dhcp = 1;
	p.mtu = 9000;
	p.dns[0] = 0x01010101u;
	p.ndns = 1;
	strcpy(p.search[0], "corp");
	p.nsearch = 1;
	CHECK(dhcp_to_plan(&r, &p, &e) == 0);
	CHECK(p.mtu == 9000);
	CHECK(p.ndns == 2 && p.dns[0] == 0x01010101u && p.dns[1] == 0x0a000203u);
	CHECK(p.nsearch == 2);
	CHECK_STR(p.search[0], "corp");
	CHECK_STR(p.search[1], "example.n");

	/* An OFFER is not a lease. */
	r.type = DHCP_OFFER;
	CHECK(dhcp_to_plan(&r, &p, &e) == -1);
	CHECK_HAS(e.msg, "only an ACK");

	/* A lease without a mask cannot be applied. */
	r.type = DHCP_ACK;
	r.prefix = -1;
	CHECK(dhcp_to_plan(&r, &p, &e) == -1);
	CHECK_HAS(e.msg, "10.0.2.15 from 10.0.2.2 has no subnet mask");
	r.prefix = 0;
	CHECK(dhcp_to_plan(&r, &p, &e) == -1);

	/* No router: no default route. */
	r.prefix = 24;
	r.router = 0;
	memset(&p, 0, sizeof p);
	CHECK(dhcp_to_plan(&r, &p, &e) == 0);
	CHECK(p.gateway == 0);
}

/* Random damage to a valid reply, with and without repaired checksums:
 * whatever the result, no read out of bounds (ASan) and a sentence on
 * every failure. */
static void test_mutations(void)
{
	struct reply f, g;
	struct dhcp_reply r;
	struct err e;
	uint32_t x = 12345;
	int ok = 1;

	make_reply(&f, XID, MAC, YIADDR, ACK_OPTS, sizeof ACK_OPTS);
	for (int it = 0; it < 50000; it++) {
		g = f;
		int flips = 1 + it % 4;
		for (int k = 0; k < flips; k++) {
			x = x * 1103515245u + 12345u;
			size_t at = (x >> 8) % g.len;
			x = x * 1103515245u + 12345u;
			g.b[at] = (unsigned char)(x >> 16);
		}
		size_t ihl = (size_t)(g.b[0] & 15) * 4;
		if (it % 2 && ihl + 8 <= g.len && rd16(g.b + ihl + 4) <= g.len - ihl)
			fix_sums(g.b);
		else if (it % 2)
			fix_ip_sum(g.b);
		x = x * 1103515245u + 12345u;
		size_t n = it % 3 ? g.len : (x >> 8) % (g.len + 1);
		int rc = decode_n(g.b, n, MAC, XID, 0, &r, &e);
		if (rc < 0 && e.msg[0] == '\0')
			ok = 0;
		if (rc == 0 && r.ndns > NET_MAX_DNS)
			ok = 0;
		if (rc == 0 && strlen(r.domain) >= NET_NAME_MAX)
			ok = 0;
	}
	CHECK(ok);
}

/* Known answer from RFC 1071 section 3: the example words sum to ddf2. */
static void test_inet_sum(void)
{
	static const unsigned char w[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	CHECK(dhcp_inet_sum(w, sizeof w, 0) == (uint16_t)~0xddf2);
	CHECK(dhcp_inet_sum(w, 3, 0) == csum(w, 3, 0));
}

int main(void)
{
	test_inet_sum();
	test_discover();
	test_request();
	test_encode_errors();
	test_encode_many();
	test_ack();
	test_offer_nak();
	test_not_ours();
	test_bad_headers();
	test_ip_options();
	test_truncated();
	test_consistent_cuts();
	test_option_overruns();
	test_bad_options();
	test_bad_yiaddr();
	test_domain();
	test_many_dns();
	test_to_plan();
	test_mutations();
	return check_done("dhcp");
}
