#include "rtnl.h"
#include "ipv4.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define RTNL_TIMEOUT_S 5	/* the kernel answers at once, or never */
#define REQ_MAX 256		/* our largest request is under 100 bytes */
#define RECV_MAX 16384		/* a dump never sends more than we offer */
#define FLUSH_BATCH 32		/* addresses removed per dump */
#define FLUSH_ROUNDS 8

/* A request under construction: header, family header, attributes. */
union req {
	struct nlmsghdr nh;
	unsigned char b[REQ_MAX];
};

/* Called for each message of a reply that is not its ACK, error or end. */
typedef int (*rtnl_each)(const struct nlmsghdr *nh, void *ctx);

int rtnl_open(struct rtnl *r)
{
	struct timeval tv = { .tv_sec = RTNL_TIMEOUT_S };

	r->seq = 0;
	r->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (r->fd < 0)
		return -errno;
	if (setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) {
		int saved = errno;
		close(r->fd);
		r->fd = -1;
		return -saved;
	}
	return 0;
}

void rtnl_close(struct rtnl *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

static void *req_init(union req *q, int type, int flags, size_t family_len)
{
	memset(q, 0, sizeof *q);
	q->nh.nlmsg_len = NLMSG_LENGTH(family_len);
	q->nh.nlmsg_type = (uint16_t)type;
	q->nh.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	return NLMSG_DATA(&q->nh);
}

/* Appends one attribute; requests are small and fixed, REQ_MAX fits all. */
static void req_attr(union req *q, int type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)(q->b + NLMSG_ALIGN(q->nh.nlmsg_len));

	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	q->nh.nlmsg_len = NLMSG_ALIGN(q->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static void req_u32(union req *q, int type, uint32_t v)
{
	req_attr(q, type, &v, sizeof v);
}

static int req_send(struct rtnl *r, union req *q)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;

	q->nh.nlmsg_seq = ++r->seq;
	do
		n = sendto(r->fd, q, q->nh.nlmsg_len, 0,
			   (struct sockaddr *)&kernel, sizeof kernel);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == q->nh.nlmsg_len ? 0 : -EIO;
}

/* Reads one datagram's messages. Returns 1 when the request is answered
 * (ACK or end of dump), 0 to keep reading, or -errno. Messages with
 * another sequence number are leftovers of an earlier request. */
static int reply_parse(const struct nlmsghdr *nh, int left, uint32_t seq,
		       rtnl_each each, void *ctx)
{
	for (; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
		const int *code = NLMSG_DATA(nh);
		int rc;

		if (nh->nlmsg_seq != seq)
			continue;
		if (nh->nlmsg_type == NLMSG_ERROR || nh->nlmsg_type == NLMSG_DONE) {
			/* nlmsgerr and the end of a dump both start with an errno. */
			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
				return nh->nlmsg_type == NLMSG_DONE ? 1 : -EPROTO;
			return *code < 0 ? *code : 1;
		}
		if (each && (rc = each(nh, ctx)) < 0)
			return rc;
	}
	return 0;
}

/* Waits for the answer to the last request, bounded by SO_RCVTIMEO. */
static int reply_wait(struct rtnl *r, rtnl_each each, void *ctx)
{
	union {
		struct nlmsghdr nh;
		unsigned char b[RECV_MAX];
	} buf;

	for (;;) {
		struct sockaddr_nl from;
		socklen_t flen = sizeof from;
		ssize_t n = recvfrom(r->fd, &buf, sizeof buf, MSG_TRUNC,
				     (struct sockaddr *)&from, &flen);
		int rc;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		}
		if ((size_t)n > sizeof buf)
			return -EMSGSIZE;
		if (flen != sizeof from || from.nl_pid != 0)
			continue;	/* not the kernel speaking */
		rc = reply_parse(&buf.nh, (int)n, r->seq, each, ctx);
		if (rc != 0)
			return rc < 0 ? rc : 0;
	}
}

static int transact(struct rtnl *r, union req *q, rtnl_each each, void *ctx)
{
	int rc = req_send(r, q);

	return rc < 0 ? rc : reply_wait(r, each, ctx);
}

int rtnl_link_up(struct rtnl *r, int ifindex, int mtu)
{
	union req q;
	struct ifinfomsg *ifi = req_init(&q, RTM_NEWLINK, NLM_F_ACK, sizeof *ifi);

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (mtu > 0)
		req_u32(&q, IFLA_MTU, (uint32_t)mtu);
	return transact(r, &q, NULL, NULL);
}

int rtnl_addr_add(struct rtnl *r, int ifindex, uint32_t addr, int prefix)
{
	union req q;
	struct ifaddrmsg *ifa = req_init(&q, RTM_NEWADDR,
					 NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
					 sizeof *ifa);

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	req_u32(&q, IFA_LOCAL, htonl(addr));
	req_u32(&q, IFA_ADDRESS, htonl(addr));
	if (prefix <= 30)	/* /31 and /32 have no broadcast (RFC 3021) */
		req_u32(&q, IFA_BROADCAST, htonl(addr | ~ipv4_prefix_mask(prefix)));
	return transact(r, &q, NULL, NULL);
}

int rtnl_route_default(struct rtnl *r, int ifindex, uint32_t gw, int onlink)
{
	union req q;
	struct rtmsg *rt = req_init(&q, RTM_NEWROUTE,
				    NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
				    sizeof *rt);

	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	rt->rtm_flags = onlink ? RTNH_F_ONLINK : 0;
	req_u32(&q, RTA_GATEWAY, htonl(gw));
	req_u32(&q, RTA_OIF, (uint32_t)ifindex);
	return transact(r, &q, NULL, NULL);
}

/* ---- flush: dump the link's IPv4 addresses, then delete them ---- */

struct flush {
	int ifindex;
	int n;
	uint32_t addr[FLUSH_BATCH];	/* network order, as the kernel gave */
	unsigned char prefix[FLUSH_BATCH];
};

static int flush_collect(const struct nlmsghdr *nh, void *ctx)
{
	struct flush *f = ctx;
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	const struct rtattr *a;
	int left;

	if (nh->nlmsg_type != RTM_NEWADDR || nh->nlmsg_len < NLMSG_LENGTH(sizeof *ifa))
		return 0;
	/* Older kernels ignore the dump filter: check the link ourselves. */
	if (ifa->ifa_family != AF_INET || (int)ifa->ifa_index != f->ifindex)
		return 0;
	left = (int)IFA_PAYLOAD(nh);
	for (a = IFA_RTA(ifa); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		if (a->rta_type != IFA_LOCAL || RTA_PAYLOAD(a) != 4 || f->n == FLUSH_BATCH)
			continue;
		memcpy(&f->addr[f->n], RTA_DATA(a), 4);
		f->prefix[f->n++] = ifa->ifa_prefixlen;
	}
	return 0;
}

static int addr_dump(struct rtnl *r, struct flush *f)
{
	union req q;
	struct ifaddrmsg *ifa = req_init(&q, RTM_GETADDR, NLM_F_DUMP, sizeof *ifa);

	ifa->ifa_family = AF_INET;
	ifa->ifa_index = (unsigned)f->ifindex;
	f->n = 0;
	return transact(r, &q, flush_collect, f);
}

static int addr_del(struct rtnl *r, int ifindex, uint32_t addr_be, int prefix)
{
	union req q;
	struct ifaddrmsg *ifa = req_init(&q, RTM_DELADDR, NLM_F_ACK, sizeof *ifa);
	int rc;

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_index = (unsigned)ifindex;
	req_u32(&q, IFA_LOCAL, addr_be);
	rc = transact(r, &q, NULL, NULL);
	/* A secondary address leaves with its primary: already gone is fine. */
	return rc == -EADDRNOTAVAIL || rc == -ENOENT ? 0 : rc;
}

int rtnl_addr_flush(struct rtnl *r, int ifindex)
{
	struct flush f = { .ifindex = ifindex };
	int round, i, rc;

	for (round = 0; round < FLUSH_ROUNDS; round++) {
		if ((rc = addr_dump(r, &f)) < 0)
			return rc;
		if (f.n == 0)
			return 0;
		for (i = 0; i < f.n; i++)
			if ((rc = addr_del(r, ifindex, f.addr[i], f.prefix[i])) < 0)
				return rc;
	}
	return -EBUSY;	/* addresses keep coming back: someone else adds them */
}
