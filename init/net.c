#include "net.h"
#include "clock.h"
#include "syntax.h"
#include "dhcp.h"
#include "io.h"
#include "ipv4.h"
#include "rtnl.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>

#define SYS_NET "/sys/class/net"
#define ARPHRD_ETHER_ 1		/* /sys/class/net/X/type of Ethernet */
#define POLL_SYSFS_MS 100
#define REQUEST_TRIES 4		/* REQUESTs before starting over */
#define BACKOFF_CAP_MS 8000
#define RECV_MAX 2048		/* larger frames are no DHCP reply we read */

/* The interface chosen, as the kernel names it. */
struct iface {
	char name[IFNAMSIZ];
	int index;
	unsigned char mac[6];
	int virt;		/* no backing device (veth, bridge, ...) */
};

/* ---- time ---- */

static void sleep_until(int64_t until)
{
	for (;;) {
		int64_t left = until - (int64_t)clock_ms();
		struct timespec ts;

		if (left <= 0)
			return;
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)(left % 1000) * 1000000;
		if (nanosleep(&ts, NULL) == 0 || errno != EINTR)
			return;
	}
}

/* ---- sysfs ---- */

/* A name the kernel could have given, so it is safe inside a path. */
static int ifname_ok(const char *s)
{
	size_t n = strnlen(s, IFNAMSIZ);

	if (n == 0 || n >= IFNAMSIZ || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || (unsigned char)*s <= ' ')
			return 0;
	return 1;
}

static ssize_t sys_read(const char *ifname, const char *attr, char *buf, size_t cap)
{
	char path[96];

	snprintf(path, sizeof path, SYS_NET "/%.15s/%.16s", ifname, attr);
	return io_read_file(path, buf, cap);
}

static int sys_int(const char *ifname, const char *attr, int *v)
{
	char buf[32], *end;
	long n;

	if (sys_read(ifname, attr, buf, sizeof buf) < 0)
		return -1;
	errno = 0;
	n = strtol(buf, &end, 10);
	if (errno || end == buf || n < INT_MIN || n > INT_MAX)
		return -1;
	*v = (int)n;
	return 0;
}
static char *mac_format(const unsigned char m[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	return out;
}

/* Reads what we need of one interface; -1 when it vanished meanwhile
 * or is not something we can use. */
static int iface_read(const char *name, struct iface *c, int *type)
{
	char buf[64], path[96];

	if (sys_int(name, "ifindex", &c->index) < 0 || sys_int(name, "type", type) < 0)
		return -1;
	if (sys_read(name, "address", buf, sizeof buf) < 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	if (syntax_mac(buf, c->mac) < 0)
		return -1;
	snprintf(c->name, sizeof c->name, "%.15s", name);
	snprintf(path, sizeof path, SYS_NET "/%.15s/device", name);
	c->virt = access(path, F_OK) != 0;
	return 0;
}

static int iface_wanted(const struct net_plan *p, const struct iface *c, int type)
{
	if (p->has_mac)
		return memcmp(p->mac, c->mac, 6) == 0;
	if (p->ifname[0])
		return strcmp(p->ifname, c->name) == 0;
	return type == ARPHRD_ETHER_ && strcmp(c->name, "lo") != 0;
}

/* Of two candidates, a real device beats a virtual one, then the lower
 * index wins: the order the kernel found them, stable across boots. */
static int iface_better(const struct iface *a, const struct iface *b)
{
	if (a->virt != b->virt)
		return !a->virt;
	return a->index < b->index;
}

/* One look at /sys/class/net: 1 found, 0 not yet, -1 with errno. */
static int iface_scan(const struct net_plan *p, struct iface *out)
{
	DIR *d = opendir(SYS_NET);
	struct dirent *de;
	int found = 0, saved;

	if (!d)
		return -1;
	for (;;) {
		struct iface c;
		int type;

		errno = 0;
		if (!(de = readdir(d)))
			break;
		if (!ifname_ok(de->d_name) || iface_read(de->d_name, &c, &type) < 0)
			continue;
		if (iface_wanted(p, &c, type) && (!found || iface_better(&c, out))) {
			*out = c;
			found = 1;
		}
	}
	saved = errno;
	closedir(d);
	errno = saved;
	return saved ? -1 : found;
}

static void iface_describe(const struct net_plan *p, char *out, size_t cap)
{
	char m[18];

	if (p->has_mac)
		snprintf(out, cap, "no interface with MAC %s", mac_format(p->mac, m));
	else if (p->ifname[0])
		snprintf(out, cap, "interface %s", p->ifname);
	else
		snprintf(out, cap, "no Ethernet interface");
}

static int iface_wait(const struct net_plan *p, struct iface *out, struct err *e)
{
	int64_t deadline = (int64_t)clock_ms() + NET_WAIT_LINK_MS;
	char what[64];

	if (!p->has_mac && p->ifname[0] && !ifname_ok(p->ifname))
		return err_set(e, "interface name \"%.16s\" is not a valid Linux interface name",
			       p->ifname);
	for (;;) {
		int rc = iface_scan(p, out);
		if (rc < 0)
			return err_set(e, SYS_NET ": listing interfaces: %s", strerror(errno));
		if (rc > 0)
			return 0;
		if ((int64_t)clock_ms() >= deadline)
			break;
		sleep_until((int64_t)clock_ms() + POLL_SYSFS_MS);
	}
	iface_describe(p, what, sizeof what);
	return err_set(e, "%s %s within %d s", what,
		       p->has_mac || !p->ifname[0] ? "appeared" : "did not appear",
		       NET_WAIT_LINK_MS / 1000);
}

/* Carrier is only a hint: some virtual NICs report it late or never, and
 * DHCP's own timeouts bound what follows. */
static void carrier_wait(struct log *log, const struct iface *ifc)
{
	int64_t start = (int64_t)clock_ms(), deadline = start + NET_WAIT_CARRIER_MS;
	int up = 0;

	for (;;) {
		if (sys_int(ifc->name, "carrier", &up) == 0 && up == 1)
			break;
		if ((int64_t)clock_ms() >= deadline) {
			log_warn(log, "net", "%s: no carrier after %d s, going on",
				 ifc->name, NET_WAIT_CARRIER_MS / 1000);
			return;
		}
		sleep_until((int64_t)clock_ms() + POLL_SYSFS_MS);
	}
	log_info(log, "net", "%s: carrier after %.1f s", ifc->name,
		 (double)((int64_t)clock_ms() - start) / 1000.0);
}

/* ---- DHCP over a packet socket ---- */

/* One exchange's state, on the caller's stack. */
struct dhcp_ex {
	struct log *log;
	const struct iface *ifc;
	int fd;
	uint64_t rng;			/* xorshift64*, seeded by getrandom */
	int64_t start, deadline;
	struct dhcp_client client;
	struct err bad;			/* the last reply we could not use */
};

/* Randomness only has to keep appliances booted together apart, so an
 * unready pool (early boot) is no reason to wait or fail. */
static void rng_seed(struct dhcp_ex *x)
{
	ssize_t n = getrandom(&x->rng, sizeof x->rng, GRND_NONBLOCK);

	if (n < 0 && errno == EAGAIN)
		n = getrandom(&x->rng, sizeof x->rng, GRND_INSECURE);
	if (n != (ssize_t)sizeof x->rng) {
		log_warn(x->log, "net", "reading random bytes for DHCP: %s; using the clock and MAC",
			 n < 0 ? strerror(errno) : "short read");
		x->rng = (uint64_t)(int64_t)clock_ms() * 0x9e3779b97f4a7c15ull;
		for (int i = 0; i < 6; i++)
			x->rng ^= (uint64_t)x->ifc->mac[i] << (8 * i);
	}
	if (x->rng == 0)
		x->rng = 1;
}

static uint32_t rng_next(struct dhcp_ex *x)
{
	x->rng ^= x->rng >> 12;
	x->rng ^= x->rng << 25;
	x->rng ^= x->rng >> 27;
	return (uint32_t)((x->rng * 0x2545f4914f6cdd1dull) >> 32);
}

/* 1, 2, 4, 8, 8, ... s for the n-th wait, each moved by up to half a
 * second either way so appliances booted together drift apart (RFC 2131
 * section 4.1 asks for such randomization). */
static int64_t backoff_ms(struct dhcp_ex *x, int n)
{
	int64_t base = n >= 3 ? BACKOFF_CAP_MS : 1000 << n;

	return base - 500 + (int64_t)(rng_next(x) % 1001);
}

static int64_t until_capped(struct dhcp_ex *x, int64_t wait)
{
	int64_t t = (int64_t)clock_ms() + wait;

	return t < x->deadline ? t : x->deadline;
}

static int packet_open(struct dhcp_ex *x, struct err *e)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = x->ifc->index,
	};
	int one = 1;

	x->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (x->fd < 0)
		return err_set(e, "%s: opening a packet socket for DHCP: %s",
			       x->ifc->name, strerror(errno));
	/* Tells us when a local sender left the UDP checksum to offload. */
	if (setsockopt(x->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0)
		err_set(e, "%s: asking for packet checksum status: %s",
			x->ifc->name, strerror(errno));
	else if (bind(x->fd, (struct sockaddr *)&sll, sizeof sll) < 0)
		err_set(e, "%s: binding the DHCP packet socket: %s",
			x->ifc->name, strerror(errno));
	else
		return 0;
	close(x->fd);
	x->fd = -1;
	return -1;
}

/* A lost send is like a lost reply: the next retransmission covers it. */
static void frame_send(struct dhcp_ex *x, const unsigned char *buf, int len,
		       const char *what)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = x->ifc->index,
		.sll_halen = 6,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	ssize_t n;

	do
		n = sendto(x->fd, buf, (size_t)len, 0, (struct sockaddr *)&to, sizeof to);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		log_warn(x->log, "net", "%s: sending DHCP %s: %s", x->ifc->name,
			 what, strerror(errno));
}

static unsigned csum_flags(struct msghdr *m)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		struct tpacket_auxdata aux;
		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
		    c->cmsg_len < CMSG_LEN(sizeof aux))
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof aux);
		if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
			return DHCP_SKIP_UDP_SUM;
	}
	return 0;
}

/* A reply for us that we cannot use is worth one warning, not one per
 * retransmission: only a new reason is logged. */
static void note_bad(struct dhcp_ex *x, const struct err *why)
{
	if (strcmp(x->bad.msg, why->msg) == 0)
		return;
	x->bad = *why;
	log_warn(x->log, "net", "%s: ignoring a reply: %s", x->ifc->name, why->msg);
}

/* Reads one frame: 1 with r set when it is a reply for us, 0 to go on. */
static int frame_recv(struct dhcp_ex *x, struct dhcp_reply *r, struct err *e)
{
	unsigned char buf[RECV_MAX];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct sockaddr_ll from;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct msghdr m = {
		.msg_name = &from, .msg_namelen = sizeof from,
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = &ctl, .msg_controllen = sizeof ctl,
	};
	struct err why;
	ssize_t n = recvmsg(x->fd, &m, MSG_DONTWAIT);
	int rc;

	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == ENETDOWN) {	/* reported once; DHCP timeouts bound it */
			log_warn(x->log, "net", "%s: link went down during DHCP", x->ifc->name);
			return 0;
		}
		return err_set(e, "%s: receiving DHCP replies: %s", x->ifc->name, strerror(errno));
	}
	if ((m.msg_flags & MSG_TRUNC) || from.sll_pkttype == PACKET_OUTGOING)
		return 0;
	rc = dhcp_decode(buf, (size_t)n, x->client.mac, x->client.xid,
			 csum_flags(&m), r, &why);
	if (rc == -1)		/* ours but unusable; DHCP_NOT_OURS is skipped */
		note_bad(x, &why);
	return rc == 0;
}

/* Waits until `until` for a reply to our xid: 1 got one, 0 time is up. */
static int reply_wait(struct dhcp_ex *x, int64_t until, struct dhcp_reply *r,
		      struct err *e)
{
	for (;;) {
		int64_t left = until - (int64_t)clock_ms();
		struct pollfd p = { .fd = x->fd, .events = POLLIN };
		int rc;

		if (left <= 0)
			return 0;
		rc = poll(&p, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return err_set(e, "%s: waiting for DHCP replies: %s",
				       x->ifc->name, strerror(errno));
		if (rc == 0)
			return 0;
		if ((rc = frame_recv(x, r, e)) != 0)
			return rc;
	}
}

static void client_secs(struct dhcp_ex *x)
{
	int64_t s = ((int64_t)clock_ms() - x->start) / 1000;

	x->client.secs = (uint16_t)(s > 65535 ? 65535 : s);
}

/* SELECTING: DISCOVER until an OFFER (1) or the deadline (0). */
static int selecting(struct dhcp_ex *x, struct dhcp_reply *offer, struct err *e)
{
	unsigned char buf[DHCP_FRAME_MAX];
	int n, len, rc;

	for (n = 0; (int64_t)clock_ms() < x->deadline; n++) {
		int64_t until = until_capped(x, backoff_ms(x, n));

		client_secs(x);
		if ((len = dhcp_discover(buf, sizeof buf, &x->client, e)) < 0)
			return -1;
		log_info(x->log, "net", "%s: DHCP DISCOVER%s (xid 0x%08x)", x->ifc->name,
			 n ? " again" : "", x->client.xid);
		frame_send(x, buf, len, "DISCOVER");
		while ((rc = reply_wait(x, until, offer, e)) > 0)
			if (offer->type == DHCP_OFFER)
				return 1;
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* REQUESTING: 1 ACK from the chosen server, 2 NAK, 0 no answer. */
static int requesting(struct dhcp_ex *x, const struct dhcp_reply *offer,
		      struct dhcp_reply *ack, struct err *e)
{
	unsigned char buf[DHCP_FRAME_MAX];
	char a[IPV4_STRLEN];
	int n, len, rc;

	for (n = 0; n < REQUEST_TRIES && (int64_t)clock_ms() < x->deadline; n++) {
		int64_t until = until_capped(x, backoff_ms(x, n));

		client_secs(x);
		len = dhcp_request(buf, sizeof buf, &x->client, offer->yiaddr,
				   offer->server_id, e);
		if (len < 0)
			return -1;
		log_info(x->log, "net", "%s: DHCP REQUEST%s for %s", x->ifc->name,
			 n ? " again" : "", ipv4_format(offer->yiaddr, a));
		frame_send(x, buf, len, "REQUEST");
		while ((rc = reply_wait(x, until, ack, e)) > 0) {
			if (ack->type == DHCP_ACK && ack->server_id == offer->server_id)
				return 1;
			if (ack->type == DHCP_NAK &&
			    (ack->server_id == 0 || ack->server_id == offer->server_id))
				return 2;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int lease_timeout(struct dhcp_ex *x, int offered, struct err *e)
{
	const char *why = offered ? "offers came, but no ACK" : "no offer";

	if (x->bad.msg[0])
		return err_set(e, "%s: no DHCP lease within %d s (%s; last reply ignored: %s)",
			       x->ifc->name, NET_DHCP_MS / 1000, why, x->bad.msg);
	return err_set(e, "%s: no DHCP lease within %d s (%s)", x->ifc->name,
		       NET_DHCP_MS / 1000, why);
}

/* DISCOVER, OFFER, REQUEST, ACK; a NAK or an unanswered REQUEST starts
 * over with a new transaction after a backoff. Bounded by NET_DHCP_MS. */
static int dhcp_exchange(struct dhcp_ex *x, struct dhcp_reply *ack, struct err *e)
{
	struct dhcp_reply offer;
	char a[IPV4_STRLEN], s[IPV4_STRLEN];
	int round, rc = 0, offered = 0;

	for (round = 0; (int64_t)clock_ms() < x->deadline; round++) {
		if (round > 0)
			sleep_until(until_capped(x, backoff_ms(x, round - 1)));
		x->client.xid = rng_next(x);
		if ((rc = selecting(x, &offer, e)) <= 0)
			break;
		offered = 1;
		log_info(x->log, "net", "%s: DHCP OFFER of %s from %s", x->ifc->name,
			 ipv4_format(offer.yiaddr, a), ipv4_format(offer.server_id, s));
		if ((rc = requesting(x, &offer, ack, e)) < 0 || rc == 1)
			break;
		if (rc == 2)
			log_warn(x->log, "net", "%s: DHCP NAK from %s, starting over",
				 x->ifc->name, ipv4_format(offer.server_id, s));
		else
			log_warn(x->log, "net", "%s: no answer to DHCP REQUEST, starting over",
				 x->ifc->name);
		rc = 0;
	}
	if (rc < 0)
		return -1;
	return rc == 1 ? 0 : lease_timeout(x, offered, e);
}

static int dhcp_lease(struct log *log, const struct iface *ifc,
		      struct dhcp_reply *ack, struct err *e)
{
	struct dhcp_ex x = { .log = log, .ifc = ifc, .fd = -1 };
	char s[IPV4_STRLEN];
	int rc;

	memcpy(x.client.mac, ifc->mac, 6);
	rng_seed(&x);
	if (packet_open(&x, e) < 0)
		return -1;
	x.start = (int64_t)clock_ms();
	x.deadline = x.start + NET_DHCP_MS;
	rc = dhcp_exchange(&x, ack, e);
	close(x.fd);
	if (rc == 0)
		log_info(log, "net", "%s: DHCP ACK from %s, lease %lu s", ifc->name,
			 ipv4_format(ack->server_id, s), (unsigned long)ack->lease);
	return rc;
}

/* ---- applying a plan ---- */

/* Names from the network-config go into resolv.conf too: one with
 * blanks or comment characters could add lines of its own. */
static int search_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '#' || *s == ';')
			return 0;
	return 1;
}

static size_t append(char *buf, size_t cap, size_t n, const char *fmt, const char *arg)
{
	int k;

	if (n >= cap)
		return n;
	k = snprintf(buf + n, cap - n, fmt, arg);
	return k < 0 ? n : n + (size_t)k;
}

/* Written beside and renamed over, so a reader never sees half a file. */
static int resolv_write(const struct net_plan *p, const char *ifname, struct err *e)
{
	char buf[1024], a[IPV4_STRLEN];
	size_t n = 0;
	int i, k = 0;

	n = append(buf, sizeof buf, n, "# written by castellan for %s\n", ifname);
	for (i = 0; i < p->ndns; i++)
		n = append(buf, sizeof buf, n, "nameserver %s\n", ipv4_format(p->dns[i], a));
	for (i = 0; i < p->nsearch; i++)
		if (search_ok(p->search[i]))
			n = append(buf, sizeof buf, n, k++ ? " %s" : "search %s", p->search[i]);
	if (k)
		n = append(buf, sizeof buf, n, "%s", "\n");
	if (n >= sizeof buf)
		return err_set(e, NET_RESOLV_CONF ": contents do not fit %zu bytes", sizeof buf);
	if (io_write_file(NET_RESOLV_CONF ".tmp", buf, n, 0644) < 0)
		return err_set(e, NET_RESOLV_CONF ".tmp: writing: %s", strerror(errno));
	if (rename(NET_RESOLV_CONF ".tmp", NET_RESOLV_CONF) < 0)
		return err_set(e, NET_RESOLV_CONF ": replacing: %s", strerror(errno));
	return 0;
}

/* Flush first, so a second run (or a new lease) leaves one address. */
static int apply(struct rtnl *nl, const struct iface *ifc, const struct net_plan *p,
		 struct err *e)
{
	char a[IPV4_STRLEN];
	int rc;

	if ((rc = rtnl_addr_flush(nl, ifc->index)) < 0)
		return err_set(e, "%s: removing old IPv4 addresses: %s", ifc->name, strerror(-rc));
	if ((rc = rtnl_addr_add(nl, ifc->index, p->addr, p->prefix)) < 0)
		return err_set(e, "%s: adding address %s/%d: %s", ifc->name,
			       ipv4_format(p->addr, a), p->prefix, strerror(-rc));
	if (p->gateway) {
		int onlink = !ipv4_in_net(p->gateway, p->addr, p->prefix);
		if ((rc = rtnl_route_default(nl, ifc->index, p->gateway, onlink)) < 0)
			return err_set(e, "%s: adding the default route via %s: %s", ifc->name,
				       ipv4_format(p->gateway, a), strerror(-rc));
	}
	return resolv_write(p, ifc->name, e);
}

static int link_up(struct log *log, struct rtnl *nl, const struct iface *ifc,
		   int mtu, struct err *e)
{
	int rc = rtnl_link_up(nl, ifc->index, mtu);

	if (rc < 0 && mtu > 0)
		return err_set(e, "%s: bringing the link up with MTU %d: %s", ifc->name,
			       mtu, strerror(-rc));
	if (rc < 0)
		return err_set(e, "%s: bringing the link up: %s", ifc->name, strerror(-rc));
	if (mtu > 0)
		log_info(log, "net", "%s: link up, MTU %d", ifc->name, mtu);
	else
		log_info(log, "net", "%s: link up", ifc->name);
	return 0;
}

/* The lease, merged into the plan; a server's MTU is set once known. */
static int dhcp_plan(struct log *log, struct rtnl *nl, const struct iface *ifc,
		     struct net_plan *p, uint32_t *server, struct err *e)
{
	struct dhcp_reply ack;
	int mtu = p->mtu;

	if (dhcp_lease(log, ifc, &ack, e) < 0)
		return -1;
	if (dhcp_to_plan(&ack, p, e) < 0)
		return err_wrap(e, ifc->name);
	*server = ack.server_id;
	if (p->mtu != mtu)
		return link_up(log, nl, ifc, p->mtu, e);
	return 0;
}

static void dns_list(const struct net_plan *p, char *out, size_t cap)
{
	char a[IPV4_STRLEN];
	size_t n = 0;
	int i;

	snprintf(out, cap, "none");
	for (i = 0; i < p->ndns; i++)
		n = append(out, cap, n, i ? " %s" : "%s", ipv4_format(p->dns[i], a));
}

static void log_result(struct log *log, const struct iface *ifc,
		       const struct net_plan *p, uint32_t server)
{
	char a[IPV4_STRLEN], gw[IPV4_STRLEN], s[IPV4_STRLEN];
	char dns[NET_MAX_DNS * IPV4_STRLEN + 8];

	dns_list(p, dns, sizeof dns);
	if (p->gateway)
		ipv4_format(p->gateway, gw);
	else
		snprintf(gw, sizeof gw, "none");
	ipv4_format(p->addr, a);
	if (p->dhcp)
		log_info(log, "net", "DHCP lease %s/%d on %s from %s, router %s, dns %s",
			 a, p->prefix, ifc->name, ipv4_format(server, s), gw, dns);
	else
		log_info(log, "net", "static %s/%d on %s, router %s, dns %s",
			 a, p->prefix, ifc->name, gw, dns);
}

static int net_configure(struct log *log, struct rtnl *nl, const struct iface *ifc,
			 struct net_plan *p, struct err *e)
{
	uint32_t server = 0;

	if (link_up(log, nl, ifc, p->mtu, e) < 0)
		return -1;
	carrier_wait(log, ifc);
	if (p->dhcp && dhcp_plan(log, nl, ifc, p, &server, e) < 0)
		return -1;
	if (apply(nl, ifc, p, e) < 0)
		return -1;
	log_result(log, ifc, p, server);
	return 0;
}

int net_up(struct log *log, struct net_plan *plan, struct err *e)
{
	struct iface ifc;
	struct rtnl nl;
	char m[18];
	int rc;

	if (!plan->dhcp && (plan->addr == 0 || plan->prefix < 1 || plan->prefix > 32))
		return err_set(e, "static network plan has no address and prefix");
	if (iface_wait(plan, &ifc, e) < 0)
		return -1;
	log_info(log, "net", "%s: found (%s, index %d)", ifc.name,
		 mac_format(ifc.mac, m), ifc.index);
	if ((rc = rtnl_open(&nl)) < 0)
		return err_set(e, "rtnetlink: opening a socket: %s", strerror(-rc));
	rc = net_configure(log, &nl, &ifc, plan, e);
	rtnl_close(&nl);
	if (rc < 0)
		return -1;
	snprintf(plan->ifname, sizeof plan->ifname, "%s", ifc.name);
	memcpy(plan->mac, ifc.mac, 6);
	return 0;
}
