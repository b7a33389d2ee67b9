#include "desc.h"
#include "ipv4.h"
#include "syntax.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const desc_action_names[] = { "poweroff", "halt", "reboot", NULL };
const char *const desc_mode_names[] = { "reconcile", "rebuild", NULL };
static const char *const role_names[] = { "controlplane", "worker", NULL };

/* Talos lines whose machine config castellan knows how to render. */
#define TALOS_MIN_MINOR 11
#define TALOS_MAX_MINOR 14

#define DEFAULT_SCHEMATIC "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"

/* ---- value checks: each returns nonzero when s is acceptable ---- */

static int is_dns_label(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/* Proxmox node, storage and bridge ids, Infisical secret names. */
static int is_word(const char *s, const char *extra)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return 0;
	return 1;
}

static int is_hostname(const char *s)
{
	return is_word(s, "-.") && s[0] != '-' && s[0] != '.';
}

/* 64 hex digits, optionally as colon-separated pairs. */
static int parse_sha256_hex(const char *s, unsigned char out[32])
{
	int i;

	for (i = 0; i < 32; i++) {
		int hi, lo;
		if (i > 0 && *s == ':')
			s++;
		hi = syntax_hexval(s[0]);
		lo = hi < 0 ? -1 : syntax_hexval(s[1]);
		if (lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
		s += 2;
	}
	return *s == '\0' ? 0 : -1;
}

/* Reads up to 3 digits; returns the number or -1. */
static int digits(const char **s)
{
	int v = 0, n = 0;

	while (**s >= '0' && **s <= '9' && n < 4) {
		v = v * 10 + (*(*s)++ - '0');
		n++;
	}
	return n == 0 || n > 3 ? -1 : v;
}

/* "v1.13.9", nothing more. */
static int parse_semver(const char *s, int *maj, int *min, int *pat)
{
	if (*s++ != 'v' || (*maj = digits(&s)) < 0 || *s++ != '.' ||
	    (*min = digits(&s)) < 0 || *s++ != '.' || (*pat = digits(&s)) < 0)
		return -1;
	return *s == '\0' ? 0 : -1;
}

static int is_pem_cert(const char *s)
{
	return strstr(s, "-----BEGIN CERTIFICATE-----") && strstr(s, "-----END CERTIFICATE-----");
}

/* ---- field readers ---- */

/* An https URL: https://host[:port][/], host a DNS name or IPv4. */
static int get_url(struct ydoc *y, yaml_node_t *map, const char *path,
		   const char *key, int required, unsigned default_port,
		   struct desc_url *u, struct err *e)
{
	char p[YPATH_MAX], *hp, *colon, *slash;
	int rc = yget_str(y, map, path, key, required, u->text, sizeof u->text, e);
	unsigned long port = default_port;

	if (rc <= 0)
		return rc;
	ypath_key(p, path, key);
	yprintable(u->text);
	if (strncmp(u->text, "https://", 8) != 0)
		return err_set(e, "%s: \"%.64s\" must start with https:// (castellan only speaks verified TLS)",
			       p, u->text);
	hp = u->text + 8;
	slash = strchr(hp, '/');
	if (slash && slash[1] != '\0')
		return err_set(e, "%s: \"%.64s\" must not have a path; expected https://host[:port]", p, u->text);
	if (slash)
		*slash = '\0';	/* drop the trailing slash */
	snprintf(u->host, sizeof u->host, "%s", hp);
	colon = strchr(u->host, ':');
	if (colon) {
		char *end;
		*colon = '\0';
		port = strtoul(colon + 1, &end, 10);
		if (colon[1] == '\0' || *end != '\0' || port == 0 || port > 65535)
			return err_set(e, "%s: \"%.64s\" has a bad port; expected 1 to 65535", p, u->text);
	}
	u->port = (unsigned)port;
	u->host_is_ip = ipv4_parse(u->host, &u->ip) == 0;
	if (!u->host_is_ip && !is_hostname(u->host))
		return err_set(e, "%s: \"%.64s\" does not name a valid host", p, u->text);
	return 1;
}

static int get_word(struct ydoc *y, yaml_node_t *map, const char *path,
		    const char *key, int required, const char *extra,
		    const char *what, char *out, size_t cap, struct err *e)
{
	char p[YPATH_MAX];
	int rc = yget_str(y, map, path, key, required, out, cap, e);

	if (rc > 0 && !is_word(out, extra))
		return err_set(e, "%s: \"%.64s\" is not %s", ypath_key(p, path, key),
			       yprintable(out), what);
	return rc;
}

static int get_ipv4(struct ydoc *y, yaml_node_t *map, const char *path,
		    const char *key, int required, uint32_t *out, struct err *e)
{
	char p[YPATH_MAX], s[64];
	int rc = yget_str(y, map, path, key, required, s, sizeof s, e);

	if (rc > 0 && ipv4_parse(s, out) < 0)
		return err_set(e, "%s: \"%s\" is not an IPv4 address", ypath_key(p, path, key),
			       yprintable(s));
	return rc;
}

static int get_pem(struct ydoc *y, yaml_node_t *map, const char *path,
		   char *out, size_t cap, struct err *e)
{
	char p[YPATH_MAX];
	int rc = yget_str(y, map, path, "ca", 0, out, cap, e);

	if (rc > 0 && !is_pem_cert(out))
		return err_set(e, "%s: expected a PEM certificate (-----BEGIN CERTIFICATE-----)",
			       ypath_key(p, path, "ca"));
	return rc;
}

/* A list of IPv4 addresses. */
static int get_ipv4_list(struct ydoc *y, yaml_node_t *map, const char *path,
			 const char *key, uint32_t *out, int max, int *n,
			 struct err *e)
{
	char p[YPATH_MAX], ip[YPATH_MAX], s[64];
	int bad, i;
	yaml_node_t *seq = yget_seq(y, map, path, key, &bad, e);

	if (bad)
		return -1;
	if (!seq)
		return 0;
	ypath_key(p, path, key);
	if (yseq_len(seq) > max)
		return err_set(e, "%s: has %d entries; at most %d are allowed", p, yseq_len(seq), max);
	for (i = 0; i < yseq_len(seq); i++) {
		ypath_index(ip, p, i);
		if (yscalar_str(yseq_item(y, seq, i), ip, s, sizeof s, e) < 0)
			return -1;
		if (ipv4_parse(s, &out[i]) < 0)
			return err_set(e, "%s: \"%s\" is not an IPv4 address", ip, yprintable(s));
	}
	*n = i;
	return 1;
}

/* A required mapping under parent that holds only the allowed keys; NULL
 * with e set otherwise. */
static yaml_node_t *section(struct ydoc *y, yaml_node_t *parent, const char *parent_path,
			    const char *key, const char *const *keys, struct err *e)
{
	char p[YPATH_MAX];
	int bad;
	yaml_node_t *m = yget_map(y, parent, parent_path, key, &bad, e);

	ypath_key(p, parent_path, key);
	if (bad)
		return NULL;
	if (!m) {
		err_set(e, "%s: is required", p);
		return NULL;
	}
	return ymap_check(y, m, p, keys, e) < 0 ? NULL : m;
}

/* ---- sections ---- */

static int parse_identity(struct desc *d, yaml_node_t *c, struct err *e)
{
	const char *s;
	int rc = yget_str(&d->yaml, c, "castellan", "identity", 1, d->identity,
			  sizeof d->identity, e);

	if (rc < 0)
		return -1;
	for (s = d->identity; *s == ' ' || *s == '\n' || *s == '\r' || *s == '\t'; s++)
		;
	if (strncmp(s, "-----BEGIN AGE ENCRYPTED FILE-----", 34) != 0 ||
	    !strstr(s, "-----END AGE ENCRYPTED FILE-----"))
		return err_set(e, "castellan.identity: expected an armored age file "
			       "(-----BEGIN AGE ENCRYPTED FILE-----), as written by castellan seal or age -a");
	return 0;
}

static int parse_secret_names(struct ydoc *y, yaml_node_t *inf, const char *path,
			      struct desc_secret_names *n, struct err *e)
{
	static const char *const keys[] = { "proxmox_token_id", "proxmox_token_secret",
		"talos_secretbox_key", "eso_client_id", "eso_client_secret", "talos_secrets",
		"talosconfig", "kubeconfig", NULL };
	char *const slots[] = { n->proxmox_token_id, n->proxmox_token_secret,
		n->talos_secretbox_key, n->eso_client_id, n->eso_client_secret, n->talos_secrets,
		n->talosconfig, n->kubeconfig };
	static const char *const defaults[] = { "PROXMOX_TOKEN_ID", "PROXMOX_TOKEN_SECRET",
		"TALOS_SECRETBOX_KEY", "ESO_CLIENT_ID", "ESO_CLIENT_SECRET", "TALOS_SECRETS",
		"TALOSCONFIG", "KUBECONFIG" };
	char p[YPATH_MAX];
	int bad, i;
	yaml_node_t *m;

	for (i = 0; keys[i]; i++)
		snprintf(slots[i], DESC_NAME, "%s", defaults[i]);
	m = yget_map(y, inf, path, "secrets", &bad, e);
	if (bad)
		return -1;
	if (!m)
		return 0;
	ypath_key(p, path, "secrets");
	if (ymap_check(y, m, p, keys, e) < 0)
		return -1;
	for (i = 0; keys[i]; i++)
		if (get_word(y, m, p, keys[i], 0, "_-.", "a secret name (letters, digits, _ - .)",
			     slots[i], DESC_NAME, e) < 0)
			return -1;
	return 0;
}

static int parse_infisical(struct desc *d, yaml_node_t *c, struct err *e)
{
	static const char *const keys[] = { "host", "address", "project", "environment", "path",
		"ca", "secrets", NULL };
	static const char *const path = "castellan.infisical";
	struct desc_infisical *inf = &d->infisical;
	struct ydoc *y = &d->yaml;
	yaml_node_t *m = section(y, c, "castellan", "infisical", keys, e);

	if (!m)
		return -1;
	snprintf(inf->host.text, sizeof inf->host.text, "https://app.infisical.com");
	snprintf(inf->host.host, sizeof inf->host.host, "app.infisical.com");
	inf->host.port = 443;
	snprintf(inf->path, sizeof inf->path, "/");
	if (get_url(y, m, path, "host", 0, 443, &inf->host, e) < 0 ||
	    get_ipv4(y, m, path, "address", 0, &inf->address, e) < 0 ||
	    get_word(y, m, path, "project", 1, "_-", "an Infisical project slug or id",
		     inf->project, sizeof inf->project, e) < 0 ||
	    get_word(y, m, path, "environment", 1, "_-", "an Infisical environment slug",
		     inf->environment, sizeof inf->environment, e) < 0 ||
	    yget_str(y, m, path, "path", 0, inf->path, sizeof inf->path, e) < 0 ||
	    get_pem(y, m, path, inf->ca, sizeof inf->ca, e) < 0 ||
	    parse_secret_names(y, m, path, &inf->secrets, e) < 0)
		return -1;
	if (inf->path[0] != '/' || strstr(inf->path, "//") || strstr(inf->path, ".."))
		return err_set(e, "%s.path: \"%.64s\" is not a folder path such as /castle", path, inf->path);
	return 0;
}

static int parse_pve_nodes(struct ydoc *y, yaml_node_t *m, const char *path,
			   struct desc_proxmox *px, struct err *e)
{
	char p[YPATH_MAX], ip[YPATH_MAX];
	int bad, i, j;
	yaml_node_t *seq = yget_seq(y, m, path, "nodes", &bad, e);

	ypath_key(p, path, "nodes");
	if (bad)
		return -1;
	if (yseq_len(seq) == 0)
		return err_set(e, "%s: is required: list the Proxmox nodes VMs may be placed on", p);
	if (yseq_len(seq) > DESC_MAX_PVE)
		return err_set(e, "%s: has %d entries; at most %d are allowed", p, yseq_len(seq), DESC_MAX_PVE);
	for (i = 0; i < yseq_len(seq); i++) {
		ypath_index(ip, p, i);
		if (yscalar_str(yseq_item(y, seq, i), ip, px->nodes[i], DESC_NAME, e) < 0)
			return -1;
		if (!is_hostname(px->nodes[i]))
			return err_set(e, "%s: \"%s\" is not a Proxmox node name", ip,
				       yprintable(px->nodes[i]));
		for (j = 0; j < i; j++)
			if (strcmp(px->nodes[i], px->nodes[j]) == 0)
				return err_set(e, "%s: \"%s\" is listed twice", ip, px->nodes[i]);
	}
	px->nnodes = i;
	return 0;
}

static int parse_proxmox(struct desc *d, yaml_node_t *c, struct err *e)
{
	static const char *const keys[] = { "endpoint", "pin_sha256", "ca", "nodes", "storage",
		"iso_storage", "bridge", "vlan", "template", NULL };
	static const char *const path = "castellan.proxmox";
	struct desc_proxmox *px = &d->proxmox;
	struct ydoc *y = &d->yaml;
	char pin[160];
	long vlan = 0;
	int rc;
	yaml_node_t *m = section(y, c, "castellan", "proxmox", keys, e);

	if (!m)
		return -1;
	snprintf(px->storage, sizeof px->storage, "local-lvm");
	snprintf(px->iso_storage, sizeof px->iso_storage, "local");
	snprintf(px->bridge, sizeof px->bridge, "vmbr0");
	if (get_url(y, m, path, "endpoint", 1, 8006, &px->endpoint, e) < 0)
		return -1;
	rc = yget_str(y, m, path, "pin_sha256", 0, pin, sizeof pin, e);
	if (rc < 0)
		return -1;
	if (rc > 0 && parse_sha256_hex(pin, px->pin_sha256) < 0)
		return err_set(e, "%s.pin_sha256: expected the SHA-256 of the server's public key "
			       "as 64 hex digits", path);
	px->has_pin = rc > 0;
	if (get_pem(y, m, path, px->ca, sizeof px->ca, e) < 0)
		return -1;
	if (!px->has_pin && !px->ca[0])
		return err_set(e, "%s: needs pin_sha256 or ca to verify the Proxmox API's TLS "
			       "certificate (there is no insecure mode)", path);
	if (!px->has_pin && px->endpoint.host_is_ip)
		return err_set(e, "%s.endpoint: %s is an IP address; give pin_sha256 too "
			       "(certificates cannot be matched to IP addresses here)", path,
			       px->endpoint.text);
	if (parse_pve_nodes(y, m, path, px, e) < 0 ||
	    get_word(y, m, path, "storage", 0, "-_.", "a Proxmox storage id", px->storage,
		     sizeof px->storage, e) < 0 ||
	    get_word(y, m, path, "iso_storage", 0, "-_.", "a Proxmox storage id",
		     px->iso_storage, sizeof px->iso_storage, e) < 0 ||
	    get_word(y, m, path, "bridge", 0, "-_.", "a Linux bridge name", px->bridge, 16, e) < 0 ||
	    yget_long(y, m, path, "vlan", 0, 1, 4094, &vlan, e) < 0 ||
	    get_word(y, m, path, "template", 0, "-.", "a VM template's name or VMID",
		     px->template, sizeof px->template, e) < 0)
		return -1;
	px->vlan = (int)vlan;
	return 0;
}

static int parse_talos(struct desc *d, yaml_node_t *c, struct err *e)
{
	static const char *const keys[] = { "version", "schematic", "kubernetes", NULL };
	static const char *const path = "castellan.talos";
	struct desc_talos *t = &d->talos;
	struct ydoc *y = &d->yaml;
	int km, kn, kp;
	size_t i;
	yaml_node_t *m = section(y, c, "castellan", "talos", keys, e);

	if (!m)
		return -1;
	snprintf(t->schematic, sizeof t->schematic, "%s", DEFAULT_SCHEMATIC);
	if (yget_str(y, m, path, "version", 1, t->version, sizeof t->version, e) < 0 ||
	    yget_str(y, m, path, "schematic", 0, t->schematic, sizeof t->schematic, e) < 0 ||
	    yget_str(y, m, path, "kubernetes", 0, t->kubernetes, sizeof t->kubernetes, e) < 0)
		return -1;
	if (parse_semver(t->version, &t->major, &t->minor, &t->patch) < 0)
		return err_set(e, "%s.version: \"%s\" is not a Talos release such as v1.13.9",
			       path, yprintable(t->version));
	if (t->major != 1 || t->minor < TALOS_MIN_MINOR || t->minor > TALOS_MAX_MINOR)
		return err_set(e, "%s.version: %s is not supported; castellan renders Talos v1.%d to v1.%d",
			       path, t->version, TALOS_MIN_MINOR, TALOS_MAX_MINOR);
	for (i = 0; t->schematic[i] && syntax_hexval(t->schematic[i]) >= 0 &&
		    !(t->schematic[i] >= 'A' && t->schematic[i] <= 'F'); i++)
		;
	if (i != 64 || t->schematic[i])
		return err_set(e, "%s.schematic: expected an Image Factory schematic id "
			       "(64 lowercase hex digits)", path);
	if (t->kubernetes[0] && parse_semver(t->kubernetes, &km, &kn, &kp) < 0)
		return err_set(e, "%s.kubernetes: \"%s\" is not a Kubernetes release such as v1.33.4",
			       path, yprintable(t->kubernetes));
	return 0;
}

static int parse_network(struct desc *d, yaml_node_t *cl, const char *cpath, struct err *e)
{
	static const char *const keys[] = { "cidr", "gateway", "dns", "ntp", NULL };
	struct desc_cluster *c = &d->cluster;
	struct ydoc *y = &d->yaml;
	char path[YPATH_MAX], cidr[64], ip[YPATH_MAX], gw[IPV4_STRLEN];
	int bad, i;
	yaml_node_t *m = section(y, cl, cpath, "network", keys, e), *ntp;

	ypath_key(path, cpath, "network");
	if (!m)
		return -1;
	if (yget_str(y, m, path, "cidr", 1, cidr, sizeof cidr, e) < 0)
		return -1;
	if (ipv4_parse_cidr(cidr, &c->net, &c->prefix) < 0 || c->prefix < 8 || c->prefix > 30)
		return err_set(e, "%s.cidr: \"%s\" is not an IPv4 network such as 10.0.0.0/24 "
			       "(prefix 8 to 30)", path, yprintable(cidr));
	c->net &= ipv4_prefix_mask(c->prefix);
	if (get_ipv4(y, m, path, "gateway", 1, &c->gateway, e) < 0)
		return -1;
	if (!ipv4_in_net(c->gateway, c->net, c->prefix))
		return err_set(e, "%s.gateway: %s is outside %s", path, ipv4_format(c->gateway, gw), cidr);
	c->dns[0] = c->gateway;
	c->ndns = 1;
	if (get_ipv4_list(y, m, path, "dns", c->dns, DESC_MAX_DNS, &c->ndns, e) < 0)
		return -1;
	ntp = yget_seq(y, m, path, "ntp", &bad, e);
	if (bad)
		return -1;
	if (yseq_len(ntp) > DESC_MAX_NTP)
		return err_set(e, "%s.ntp: at most %d time servers are allowed", path, DESC_MAX_NTP);
	for (i = 0; i < yseq_len(ntp); i++) {
		char np[YPATH_MAX];
		ypath_index(ip, ypath_key(np, path, "ntp"), i);
		if (yscalar_str(yseq_item(y, ntp, i), ip, c->ntp[i], sizeof c->ntp[i], e) < 0)
			return -1;
		if (!is_hostname(c->ntp[i]))
			return err_set(e, "%s: \"%s\" is not a host name or address", ip,
				       yprintable(c->ntp[i]));
	}
	c->nntp = i;
	return 0;
}

static int parse_node(struct desc *d, yaml_node_t *m, const char *path,
		      struct desc_node *n, struct err *e)
{
	static const char *const keys[] = { "name", "role", "vmid", "ip", "cores", "memory",
		"disk", "host", NULL };
	struct ydoc *y = &d->yaml;
	int role = -1;
	long min_mem;
	char p[YPATH_MAX];

	if (ymap_check(y, m, path, keys, e) < 0)
		return -1;
	if (yget_str(y, m, path, "name", 1, n->name, sizeof n->name, e) < 0)
		return -1;
	if (!is_dns_label(n->name))
		return err_set(e, "%s.name: \"%s\" is not a host name (lowercase letters, digits "
			       "and '-', at most 63)", path, yprintable(n->name));
	if (yget_enum(y, m, path, "role", 1, role_names, &role, e) < 0)
		return -1;
	n->role = (enum desc_role)role;
	n->cores = 2;
	n->memory = 4096;
	n->disk = 20;
	/* Talos refuses to run below these (pkg/minimal/limits.go). */
	min_mem = n->role == ROLE_CONTROLPLANE ? 2048 : 1024;
	if (yget_long(y, m, path, "vmid", 1, 100, 999999999, &n->vmid, e) < 0 ||
	    get_ipv4(y, m, path, "ip", 1, &n->ip, e) < 0 ||
	    yget_long(y, m, path, "cores", 0, 1, 512, &n->cores, e) < 0 ||
	    yget_long(y, m, path, "memory", 0, min_mem, 16 * 1024 * 1024, &n->memory, e) < 0 ||
	    yget_long(y, m, path, "disk", 0, 10, 65536, &n->disk, e) < 0 ||
	    yget_str(y, m, path, "host", 0, n->host, sizeof n->host, e) < 0)
		return -1;
	if (n->host[0]) {
		int i;
		for (i = 0; i < d->proxmox.nnodes; i++)
			if (strcmp(n->host, d->proxmox.nodes[i]) == 0)
				break;
		if (i == d->proxmox.nnodes)
			return err_set(e, "%s: \"%s\" is not one of castellan.proxmox.nodes",
				       ypath_key(p, path, "host"), yprintable(n->host));
	}
	return 0;
}

/* Rules between nodes and the network, checked once every node parsed. */
static int check_node(const struct desc *d, int i, const char *path, struct err *e)
{
	const struct desc_cluster *c = &d->cluster;
	const struct desc_node *n = &c->nodes[i];
	uint32_t mask = ipv4_prefix_mask(c->prefix);
	char ip[IPV4_STRLEN], net[IPV4_STRLEN];
	int j;

	ipv4_format(n->ip, ip);
	if (!ipv4_in_net(n->ip, c->net, c->prefix))
		return err_set(e, "%s.ip: %s is outside the cluster network %s/%d", path, ip,
			       ipv4_format(c->net, net), c->prefix);
	if ((n->ip & ~mask) == 0 || (n->ip & ~mask) == ~mask)
		return err_set(e, "%s.ip: %s is the network or broadcast address of %s/%d", path,
			       ip, ipv4_format(c->net, net), c->prefix);
	if (n->ip == c->gateway)
		return err_set(e, "%s.ip: %s is the gateway's address", path, ip);
	for (j = 0; j < i; j++) {
		const struct desc_node *o = &c->nodes[j];
		if (strcmp(o->name, n->name) == 0)
			return err_set(e, "%s.name: \"%s\" is already the name of nodes[%d]", path, n->name, j);
		if (o->vmid == n->vmid)
			return err_set(e, "%s.vmid: %ld is already the VMID of nodes[%d] (%s)", path,
				       n->vmid, j, o->name);
		if (o->ip == n->ip)
			return err_set(e, "%s.ip: %s is already the address of nodes[%d] (%s)", path,
				       ip, j, o->name);
	}
	return 0;
}

static int parse_nodes(struct desc *d, yaml_node_t *cl, const char *cpath, struct err *e)
{
	struct desc_cluster *c = &d->cluster;
	char path[YPATH_MAX], np[YPATH_MAX];
	int bad, i;
	yaml_node_t *seq = yget_seq(&d->yaml, cl, cpath, "nodes", &bad, e);

	ypath_key(path, cpath, "nodes");
	if (bad)
		return -1;
	if (yseq_len(seq) == 0)
		return err_set(e, "%s: is required: list the cluster's nodes", path);
	if (yseq_len(seq) > DESC_MAX_NODES)
		return err_set(e, "%s: has %d nodes; at most %d are supported", path,
			       yseq_len(seq), DESC_MAX_NODES);
	c->nnodes = yseq_len(seq);
	for (i = 0; i < c->nnodes; i++) {
		ypath_index(np, path, i);
		if (parse_node(d, yseq_item(&d->yaml, seq, i), np, &c->nodes[i], e) < 0 ||
		    check_node(d, i, np, e) < 0)
			return -1;
	}
	if (desc_count(d, ROLE_CONTROLPLANE) == 0)
		return err_set(e, "%s: has no node with role controlplane; a cluster needs at least one", path);
	return 0;
}

/* A patch is a tree: an alias that points back into itself, very deep
 * nesting or a "billion laughs" must not reach the renderer (which would
 * recurse forever in PID 1); Talos's "$patch" directives are not ours. */
#define PATCH_MAX_DEPTH 32
#define PATCH_MAX_NODES 20000

static int patch_tree(struct ydoc *y, yaml_node_t *n, int depth, int *budget, const char *pp,
		      struct err *e)
{
	if (!n || depth > PATCH_MAX_DEPTH || --*budget < 0)
		return err_set(e, "%s.patch: nested deeper than %d levels, or larger than %d nodes "
			       "(an alias that points back into itself?)", pp, PATCH_MAX_DEPTH,
			       PATCH_MAX_NODES);
	if (n->type == YAML_SEQUENCE_NODE)
		for (int i = 0; i < yseq_len(n); i++)
			if (patch_tree(y, yseq_item(y, n, i), depth + 1, budget, pp, e) < 0)
				return -1;
	if (n->type != YAML_MAPPING_NODE)
		return 0;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ydoc_node(y, p->key);
		if (!k || k->type != YAML_SCALAR_NODE)
			return err_set(e, "%s.patch: a key is not a plain string", pp);
		if (strcmp((const char *)k->data.scalar.value, "$patch") == 0)
			return err_set(e, "%s.patch: \"$patch\" directives are not supported; castellan "
				       "merges patches itself (README: what a config holds)", pp);
		if (patch_tree(y, ydoc_node(y, p->value), depth + 1, budget, pp, e) < 0)
			return -1;
	}
	return 0;
}

/* cluster.patches: [{target: all|controlplane|worker|<node name>, patch: {...}}] */
static int parse_patches(struct desc *d, yaml_node_t *cl, const char *cpath, struct err *e)
{
	static const char *const keys[] = { "target", "patch", NULL };
	struct desc_cluster *c = &d->cluster;
	struct ydoc *y = &d->yaml;
	char path[YPATH_MAX], pp[YPATH_MAX], target[DESC_NAME];
	int bad, i, j, budget;
	yaml_node_t *seq = yget_seq(y, cl, cpath, "patches", &bad, e);

	ypath_key(path, cpath, "patches");
	if (bad)
		return -1;
	if (yseq_len(seq) > DESC_MAX_PATCHES)
		return err_set(e, "%s: at most %d patches are allowed", path, DESC_MAX_PATCHES);
	for (i = 0; i < yseq_len(seq); i++) {
		struct desc_patch *p = &c->patches[i];
		yaml_node_t *m = yseq_item(y, seq, i);
		ypath_index(pp, path, i);
		if (ymap_check(y, m, pp, keys, e) < 0 ||
		    yget_str(y, m, pp, "target", 1, target, sizeof target, e) < 0)
			return -1;
		p->node = -1;
		if (strcmp(target, "all") == 0)
			p->target = PATCH_ALL;
		else if (strcmp(target, "controlplane") == 0)
			p->target = PATCH_CONTROLPLANE;
		else if (strcmp(target, "worker") == 0)
			p->target = PATCH_WORKER;
		else {
			p->target = PATCH_NODE;
			for (j = 0; j < c->nnodes; j++)
				if (strcmp(c->nodes[j].name, target) == 0)
					p->node = j;
			if (p->node < 0)
				return err_set(e, "%s.target: \"%s\" is not all, controlplane, worker "
					       "or the name of a node", pp, yprintable(target));
		}
		p->patch = yget_map(y, m, pp, "patch", &bad, e);
		if (bad)
			return -1;
		if (!p->patch)
			return err_set(e, "%s.patch: is required: a Talos machine config fragment", pp);
		budget = PATCH_MAX_NODES;
		if (patch_tree(y, p->patch, 0, &budget, pp, e) < 0)
			return -1;
	}
	c->npatches = i;
	return 0;
}

static int parse_cluster(struct desc *d, yaml_node_t *root, struct err *e)
{
	static const char *const keys[] = { "name", "endpoint", "network", "nodes", "patches", NULL };
	static const char *const path = "castellan.cluster";
	struct desc_cluster *c = &d->cluster;
	struct ydoc *y = &d->yaml;
	char ip[IPV4_STRLEN];
	int i;
	yaml_node_t *m = section(y, root, "castellan", "cluster", keys, e);

	if (!m || yget_str(y, m, path, "name", 1, c->name, sizeof c->name, e) < 0)
		return -1;
	/* The name becomes the Proxmox tag castellan-<name>, which marks ownership. */
	if (!is_dns_label(c->name) || strlen(c->name) > 40)
		return err_set(e, "%s.name: \"%s\" must be lowercase letters, digits and '-', "
			       "at most 40 characters", path, yprintable(c->name));
	if (get_url(y, m, path, "endpoint", 1, 6443, &c->endpoint, e) < 0 ||
	    parse_network(d, m, path, e) < 0 || parse_nodes(d, m, path, e) < 0 ||
	    parse_patches(d, m, path, e) < 0)
		return -1;
	/* A VIP or the first control plane may serve the endpoint, never a worker. */
	for (i = 0; c->endpoint.host_is_ip && i < c->nnodes; i++)
		if (c->nodes[i].ip == c->endpoint.ip && c->nodes[i].role == ROLE_WORKER)
			return err_set(e, "%s.endpoint: %s is the address of worker %s; it must be a "
				       "control plane or a shared VIP", path,
				       ipv4_format(c->endpoint.ip, ip), c->nodes[i].name);
	return 0;
}

/* castellan.eso (optional): the ESO release, and the project slug ESO's
 * Infisical provider needs when castellan.infisical.project is an id. */
static int parse_eso(struct desc *d, yaml_node_t *c, struct err *e)
{
	static const char *const keys[] = { "version", "project", NULL };
	static const char *const path = "castellan.eso";
	struct ydoc *y = &d->yaml;
	int bad, a, b, k;
	yaml_node_t *m = yget_map(y, c, "castellan", "eso", &bad, e);

	if (bad || (m && ymap_check(y, m, path, keys, e) < 0) ||
	    (m && (yget_str(y, m, path, "version", 0, d->eso.version, sizeof d->eso.version, e) < 0 ||
		   get_word(y, m, path, "project", 0, "_-", "an Infisical project slug",
			    d->eso.project, sizeof d->eso.project, e) < 0)))
		return -1;
	if (d->eso.version[0] && parse_semver(d->eso.version, &a, &b, &k) < 0)
		return err_set(e, "%s.version: \"%s\" is not an ESO release such as v2.9.0", path,
			       yprintable(d->eso.version));
	/* Left empty for a project id: rendering says the slug is needed. */
	if (!d->eso.project[0] && syntax_uuid(d->infisical.project, NULL) != 0)
		snprintf(d->eso.project, sizeof d->eso.project, "%s", d->infisical.project);
	return 0;
}

static int parse_castellan(struct desc *d, yaml_node_t *c, struct err *e)
{
	static const char *const keys[] = { "identity", "infisical", "proxmox", "talos", "cluster",
		"eso", "mode", "verify_timeout", "on_success", "on_failure", NULL };
	int mode = MODE_RECONCILE, ok = ACTION_POWEROFF, fail = ACTION_POWEROFF;

	if (ymap_check(&d->yaml, c, "castellan", keys, e) < 0 ||
	    parse_identity(d, c, e) < 0 || parse_infisical(d, c, e) < 0 ||
	    parse_proxmox(d, c, e) < 0 || parse_talos(d, c, e) < 0 ||
	    parse_cluster(d, c, e) < 0 || parse_eso(d, c, e) < 0 ||
	    yget_enum(&d->yaml, c, "castellan", "mode", 0, desc_mode_names, &mode, e) < 0 ||
	    yget_long(&d->yaml, c, "castellan", "verify_timeout", 0, 10, 86400, &d->verify_timeout,
		      e) < 0 ||
	    yget_enum(&d->yaml, c, "castellan", "on_success", 0, desc_action_names, &ok, e) < 0 ||
	    yget_enum(&d->yaml, c, "castellan", "on_failure", 0, desc_action_names, &fail, e) < 0)
		return -1;
	d->mode = (enum desc_mode)mode;
	d->on_success = (enum desc_action)ok;
	d->on_failure = (enum desc_action)fail;
	return 0;
}

int desc_parse(struct desc *d, const char *user_data, size_t len, struct err *e)
{
	yaml_node_t *root, *c;

	memset(d, 0, sizeof *d);
	d->verify_timeout = DESC_VERIFY_TIMEOUT;
	if (ydoc_load(&d->yaml, user_data, len, "user-data", e) < 0)
		return -1;
	root = ydoc_root(&d->yaml);
	if (!root || root->type != YAML_MAPPING_NODE) {
		desc_free(d);
		return err_set(e, "user-data: expected a #cloud-config mapping with a castellan: key");
	}
	c = ymap_get(&d->yaml, root, "castellan");
	if (!c) {
		desc_free(d);
		return err_set(e, "user-data: has no castellan: key holding the cluster description");
	}
	if (parse_castellan(d, c, e) < 0) {
		desc_free(d);
		return -1;
	}
	return 0;
}

void desc_free(struct desc *d)
{
	ydoc_free(&d->yaml);
}

int desc_count(const struct desc *d, enum desc_role role)
{
	int i, n = 0;

	for (i = 0; i < d->cluster.nnodes; i++)
		n += d->cluster.nodes[i].role == role;
	return n;
}

void desc_summary(const struct desc *d, char *out, size_t cap)
{
	int cp = desc_count(d, ROLE_CONTROLPLANE), w = desc_count(d, ROLE_WORKER), i;
	size_t n;

	n = (size_t)snprintf(out, cap, "cluster %s: %d control plane%s, %d worker%s; proxmox %s (",
			     d->cluster.name, cp, cp == 1 ? "" : "s", w, w == 1 ? "" : "s",
			     d->proxmox.endpoint.text);
	for (i = 0; i < d->proxmox.nnodes && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "", d->proxmox.nodes[i]);
	if (n < cap)
		snprintf(out + n, cap - n, "); talos %s, kubernetes %s; mode %s",
			 d->talos.version, d->talos.kubernetes[0] ? d->talos.kubernetes : "default",
			 desc_mode_names[d->mode]);
}
