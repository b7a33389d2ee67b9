#include "netcfg.h"
#include "ipv4.h"
#include "syntax.h"
#include "yamldoc.h"

#include <stdio.h>
#include <string.h>

/* cloud-init's network-config carries many keys castellan has no use for;
 * unknown keys are ignored, but every value castellan reads is checked. */

void netcfg_default(struct net_plan *plan)
{
	memset(plan, 0, sizeof *plan);
	plan->dhcp = 1;
}

static int get_mac(struct ydoc *y, yaml_node_t *m, const char *path, const char *key,
		   struct net_plan *plan, struct err *e)
{
	char s[32], p[YPATH_MAX];
	int rc = yget_str(y, m, path, key, 0, s, sizeof s, e);

	if (rc <= 0)
		return rc;
	if (syntax_mac(s, plan->mac) < 0)
		return err_set(e, "%s: \"%s\" is not a MAC address such as bc:24:11:00:00:01",
			       ypath_key(p, path, key), yprintable(s));
	plan->has_mac = 1;
	return 1;
}

static int get_ifname(struct ydoc *y, yaml_node_t *m, const char *path, const char *key,
		      struct net_plan *plan, struct err *e)
{
	char p[YPATH_MAX];
	int rc = yget_str(y, m, path, key, 0, plan->ifname, sizeof plan->ifname, e);

	if (rc > 0 && (strchr(plan->ifname, '/') || strchr(plan->ifname, '.') == plan->ifname))
		return err_set(e, "%s: \"%s\" is not an interface name", ypath_key(p, path, key),
			       yprintable(plan->ifname));
	return rc;
}

/* "a.b.c.d/n", or "a.b.c.d" with the prefix from a separate netmask. */
static int get_address(struct ydoc *y, yaml_node_t *m, const char *path,
		       struct net_plan *plan, struct err *e)
{
	char s[64], mask[64] = "", p[YPATH_MAX];
	uint32_t mk;

	if (yget_str(y, m, path, "address", 1, s, sizeof s, e) < 0)
		return -1;
	if (ipv4_parse_cidr(s, &plan->addr, &plan->prefix) == 0)
		return 0;
	if (ipv4_parse(s, &plan->addr) < 0)
		return err_set(e, "%s: \"%s\" is not an IPv4 address", ypath_key(p, path, "address"), yprintable(s));
	if (yget_str(y, m, path, "netmask", 0, mask, sizeof mask, e) < 0)
		return -1;
	if (!mask[0]) {
		plan->prefix = 24;	/* cloud-init's default when no mask is given */
		return 0;
	}
	if (ipv4_parse(mask, &mk) < 0 || ipv4_mask_to_prefix(mk, &plan->prefix) < 0)
		return err_set(e, "%s: \"%s\" is not a netmask such as 255.255.255.0",
			       ypath_key(p, path, "netmask"), yprintable(mask));
	return 0;
}

static int get_gateway(struct ydoc *y, yaml_node_t *m, const char *path, const char *key,
		       uint32_t *gw, struct err *e)
{
	char s[64], p[YPATH_MAX];
	int rc = yget_str(y, m, path, key, 0, s, sizeof s, e);

	if (rc > 0 && ipv4_parse(s, gw) < 0)
		return err_set(e, "%s: \"%s\" is not an IPv4 address", ypath_key(p, path, key), yprintable(s));
	return rc;
}

/* Appends the IPv4 entries of a list of addresses; IPv6 ones are skipped. */
static int add_dns(struct ydoc *y, yaml_node_t *m, const char *path, const char *key,
		   struct net_plan *plan, struct err *e)
{
	char p[YPATH_MAX], ip[YPATH_MAX], s[64];
	uint32_t a;
	int bad, i;
	yaml_node_t *seq = yget_seq(y, m, path, key, &bad, e);

	if (bad)
		return -1;
	ypath_key(p, path, key);
	for (i = 0; i < yseq_len(seq); i++) {
		ypath_index(ip, p, i);
		if (yscalar_str(yseq_item(y, seq, i), ip, s, sizeof s, e) < 0)
			return -1;
		if (strchr(s, ':'))
			continue;
		if (ipv4_parse(s, &a) < 0)
			return err_set(e, "%s: \"%s\" is not an IP address", ip, yprintable(s));
		if (plan->ndns < NET_MAX_DNS)
			plan->dns[plan->ndns++] = a;
	}
	return 0;
}

static int add_search(struct ydoc *y, yaml_node_t *m, const char *path, const char *key,
		      struct net_plan *plan, struct err *e)
{
	char p[YPATH_MAX], ip[YPATH_MAX];
	int bad, i;
	yaml_node_t *seq = yget_seq(y, m, path, key, &bad, e);

	if (bad)
		return -1;
	ypath_key(p, path, key);
	for (i = 0; i < yseq_len(seq) && plan->nsearch < NET_MAX_SEARCH; i++) {
		char *s = plan->search[plan->nsearch];
		const char *c;
		ypath_index(ip, p, i);
		if (yscalar_str(yseq_item(y, seq, i), ip, s, NET_NAME_MAX, e) < 0)
			return -1;
		for (c = s; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'))
				return err_set(e, "%s: \"%s\" is not a domain name", ip, yprintable(s));
		plan->nsearch++;
	}
	return 0;
}

/* ---- version 1 ---- */

static int v1_subnet(struct ydoc *y, yaml_node_t *sn, const char *path,
		     struct net_plan *plan, int *found, struct err *e)
{
	char type[32];

	if (!ynode_map(sn, path, e))
		return -1;
	if (yget_str(y, sn, path, "type", 1, type, sizeof type, e) < 0)
		return -1;
	if (strcmp(type, "dhcp") == 0 || strcmp(type, "dhcp4") == 0) {
		plan->dhcp = 1;
		*found = 1;
	} else if (strcmp(type, "static") == 0) {
		char addr[64];
		/* "static" also carries IPv6 addresses in some generators. */
		if (yget_str(y, sn, path, "address", 1, addr, sizeof addr, e) < 0)
			return -1;
		if (strchr(addr, ':'))
			return 0;
		if (get_address(y, sn, path, plan, e) < 0 ||
		    get_gateway(y, sn, path, "gateway", &plan->gateway, e) < 0)
			return -1;
		plan->dhcp = 0;
		*found = 1;
	} else {
		return 0;	/* static6, dhcp6, ipv6_slaac, ...: IPv6 is not used */
	}
	if (add_dns(y, sn, path, "dns_nameservers", plan, e) < 0 ||
	    add_search(y, sn, path, "dns_search", plan, e) < 0)
		return -1;
	return 0;
}

static int v1_physical(struct ydoc *y, yaml_node_t *m, const char *path,
		       struct net_plan *plan, int *found, struct err *e)
{
	char p[YPATH_MAX], sp[YPATH_MAX];
	long mtu = 0;
	int bad, i;
	yaml_node_t *subnets;

	if (get_ifname(y, m, path, "name", plan, e) < 0 ||
	    get_mac(y, m, path, "mac_address", plan, e) < 0 ||
	    yget_long(y, m, path, "mtu", 0, 576, 65535, &mtu, e) < 0)
		return -1;
	plan->mtu = (int)mtu;
	subnets = yget_seq(y, m, path, "subnets", &bad, e);
	if (bad)
		return -1;
	ypath_key(p, path, "subnets");
	for (i = 0; i < yseq_len(subnets) && !*found; i++)
		if (v1_subnet(y, yseq_item(y, subnets, i), ypath_index(sp, p, i), plan, found, e) < 0)
			return -1;
	return 0;
}

static int is_default_route(const char *to)
{
	return strcmp(to, "default") == 0 || strcmp(to, "0.0.0.0/0") == 0 ||
	       strcmp(to, "0.0.0.0") == 0;
}

static int parse_v1(struct ydoc *y, yaml_node_t *root, const char *base,
		    struct net_plan *plan, struct err *e)
{
	char p[YPATH_MAX], ip[YPATH_MAX], type[32], to[64];
	struct net_plan shared;	/* nameserver and route entries apply to the chosen one */
	int bad, i, found = 0;
	yaml_node_t *cfg = yget_seq(y, root, base, "config", &bad, e);

	if (bad)
		return -1;
	netcfg_default(&shared);
	ypath_key(p, base, "config");
	for (i = 0; i < yseq_len(cfg); i++) {
		yaml_node_t *m = yseq_item(y, cfg, i);
		ypath_index(ip, p, i);
		if (!ynode_map(m, ip, e))
			return -1;
		if (yget_str(y, m, ip, "type", 1, type, sizeof type, e) < 0)
			return -1;
		if (strcmp(type, "physical") == 0) {
			if (found)
				continue;	/* the first interface with IPv4 wins */
			netcfg_default(plan);
			if (v1_physical(y, m, ip, plan, &found, e) < 0)
				return -1;
		} else if (strcmp(type, "nameserver") == 0) {
			if (add_dns(y, m, ip, "address", &shared, e) < 0 ||
			    add_search(y, m, ip, "search", &shared, e) < 0)
				return -1;
		} else if (strcmp(type, "route") == 0) {
			to[0] = '\0';
			if (yget_str(y, m, ip, "destination", 0, to, sizeof to, e) < 0)
				return -1;
			if (is_default_route(to) &&
			    get_gateway(y, m, ip, "gateway", &shared.gateway, e) < 0)
				return -1;
		} else {
			return err_set(e, "%s.type: \"%s\" is not supported; castellan configures one "
				       "physical interface", ip, yprintable(type));
		}
	}
	if (!found)
		return err_set(e, "%s: no physical interface has IPv4 settings (dhcp4 or static)", p);
	for (i = 0; i < shared.ndns && plan->ndns < NET_MAX_DNS; i++)
		plan->dns[plan->ndns++] = shared.dns[i];
	for (i = 0; i < shared.nsearch && plan->nsearch < NET_MAX_SEARCH; i++)
		memcpy(plan->search[plan->nsearch++], shared.search[i], NET_NAME_MAX);
	if (!plan->dhcp && !plan->gateway)
		plan->gateway = shared.gateway;
	return 0;
}

/* ---- version 2 ---- */

static int v2_routes(struct ydoc *y, yaml_node_t *m, const char *path,
		     struct net_plan *plan, struct err *e)
{
	char p[YPATH_MAX], ip[YPATH_MAX], to[64];
	int bad, i;
	yaml_node_t *routes = yget_seq(y, m, path, "routes", &bad, e);

	if (bad)
		return -1;
	ypath_key(p, path, "routes");
	for (i = 0; i < yseq_len(routes); i++) {
		yaml_node_t *r = yseq_item(y, routes, i);
		ypath_index(ip, p, i);
		if (!ynode_map(r, ip, e))
			return -1;
		if (yget_str(y, r, ip, "to", 1, to, sizeof to, e) < 0)
			return -1;
		if (is_default_route(to) && get_gateway(y, r, ip, "via", &plan->gateway, e) < 0)
			return -1;
	}
	return 0;
}

static int v2_addresses(struct ydoc *y, yaml_node_t *m, const char *path,
			struct net_plan *plan, int *found, struct err *e)
{
	char p[YPATH_MAX], ip[YPATH_MAX], s[64];
	int bad, i;
	yaml_node_t *seq = yget_seq(y, m, path, "addresses", &bad, e);

	if (bad)
		return -1;
	ypath_key(p, path, "addresses");
	for (i = 0; i < yseq_len(seq) && !*found; i++) {
		ypath_index(ip, p, i);
		if (yscalar_str(yseq_item(y, seq, i), ip, s, sizeof s, e) < 0)
			return -1;
		if (strchr(s, ':'))
			continue;
		if (ipv4_parse_cidr(s, &plan->addr, &plan->prefix) < 0)
			return err_set(e, "%s: \"%s\" is not an address with a prefix such as 10.0.0.5/24",
				       ip, yprintable(s));
		*found = 1;
	}
	return 0;
}

static int v2_ethernet(struct ydoc *y, yaml_node_t *id, yaml_node_t *m, const char *path,
		       struct net_plan *plan, int *found, struct err *e)
{
	char dhcp[16] = "", mp[YPATH_MAX];
	long mtu = 0;
	int bad;
	yaml_node_t *match, *ns;

	netcfg_default(plan);
	plan->dhcp = 0;
	if (!ynode_map(m, path, e))
		return -1;
	match = yget_map(y, m, path, "match", &bad, e);
	if (bad)
		return -1;
	ypath_key(mp, path, "match");
	if (match && (get_mac(y, match, mp, "macaddress", plan, e) < 0 ||
		      get_ifname(y, match, mp, "name", plan, e) < 0))
		return -1;
	if (!match && id->type == YAML_SCALAR_NODE)
		snprintf(plan->ifname, sizeof plan->ifname, "%.15s", id->data.scalar.value);
	if (get_ifname(y, m, path, "set-name", plan, e) < 0 ||
	    yget_long(y, m, path, "mtu", 0, 576, 65535, &mtu, e) < 0 ||
	    yget_str(y, m, path, "dhcp4", 0, dhcp, sizeof dhcp, e) < 0)
		return -1;
	plan->mtu = (int)mtu;
	if (strcmp(dhcp, "true") == 0 || strcmp(dhcp, "yes") == 0) {
		plan->dhcp = 1;
		*found = 1;
	} else if (v2_addresses(y, m, path, plan, found, e) < 0 ||
		   get_gateway(y, m, path, "gateway4", &plan->gateway, e) < 0 ||
		   v2_routes(y, m, path, plan, e) < 0) {
		return -1;
	}
	ns = yget_map(y, m, path, "nameservers", &bad, e);
	if (bad)
		return -1;
	ypath_key(mp, path, "nameservers");
	if (ns && (add_dns(y, ns, mp, "addresses", plan, e) < 0 ||
		   add_search(y, ns, mp, "search", plan, e) < 0))
		return -1;
	return 0;
}

static int parse_v2(struct ydoc *y, yaml_node_t *root, const char *base,
		    struct net_plan *plan, struct err *e)
{
	char p[YPATH_MAX], ip[YPATH_MAX];
	yaml_node_pair_t *pair;
	int bad, found = 0;
	yaml_node_t *eth = yget_map(y, root, base, "ethernets", &bad, e);

	if (bad)
		return -1;
	ypath_key(p, base, "ethernets");
	if (!eth)
		return err_set(e, "%s: is required: castellan configures one Ethernet interface", p);
	for (pair = eth->data.mapping.pairs.start; pair < eth->data.mapping.pairs.top && !found;
	     pair++) {
		yaml_node_t *k = ydoc_node(y, pair->key), *v = ydoc_node(y, pair->value);
		char q[80];
		ypath_key(ip, p, yquote(k, q, sizeof q));
		if (v2_ethernet(y, k, v, ip, plan, &found, e) < 0)
			return -1;
	}
	if (!found)
		return err_set(e, "%s: no interface has IPv4 settings (dhcp4 or addresses)", p);
	return 0;
}

int netcfg_parse(const char *text, size_t len, struct net_plan *plan, struct err *e)
{
	struct ydoc y;
	yaml_node_t *root, *inner;
	const char *base = "network-config";
	char gw[IPV4_STRLEN], addr[IPV4_STRLEN];
	long version = 0;
	int rc;

	netcfg_default(plan);
	if (ydoc_load(&y, text, len, "network-config", e) < 0)
		return -1;
	root = ydoc_root(&y);
	if (!root || ynode_is_null(root)) {
		ydoc_free(&y);
		return 0;	/* an empty file: the defaults */
	}
	/* Older cloud-init documents nest everything under "network:". */
	inner = ymap_get(&y, root, "network");
	if (inner) {
		root = inner;
		base = "network-config.network";
	}
	if (!ynode_map(root, base, e)) {
		ydoc_free(&y);
		return -1;
	}
	rc = yget_long(&y, root, base, "version", 1, 1, 2, &version, e);
	if (rc > 0)
		rc = version == 1 ? parse_v1(&y, root, base, plan, e)
				  : parse_v2(&y, root, base, plan, e);
	if (rc == 0 && !plan->dhcp && plan->gateway &&
	    !ipv4_in_net(plan->gateway, plan->addr, plan->prefix))
		rc = err_set(e, "%s: the default gateway %s is outside %s/%d", base,
			     ipv4_format(plan->gateway, gw), ipv4_format(plan->addr, addr), plan->prefix);
	ydoc_free(&y);
	if (rc < 0)
		netcfg_default(plan);
	return rc < 0 ? -1 : 0;
}
