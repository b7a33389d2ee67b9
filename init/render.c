#include "render.h"
#include "ipv4.h"
#include "patch.h"
#include "vmspec.h"
#include "yamlout.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define POD_SUBNET "10.244.0.0/16"
#define SERVICE_SUBNET "10.96.0.0/12"
#define INSTALL_DISK "/dev/sda"

/* cJSON calls fail only when memory runs out; one flag carries that to
 * the end of the build instead of a check after every call. */
struct build {
	int oom;
};

static cJSON *obj(struct build *b, cJSON *parent, const char *key)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || (parent && !cJSON_AddItemToObject(parent, key, o)))
		b->oom = 1;
	return o;
}

static cJSON *arr(struct build *b, cJSON *parent, const char *key)
{
	cJSON *a = cJSON_CreateArray();

	if (!a || !cJSON_AddItemToObject(parent, key, a))
		b->oom = 1;
	return a;
}

static void str(struct build *b, cJSON *o, const char *key, const char *v)
{
	if (!o || !cJSON_AddStringToObject(o, key, v))
		b->oom = 1;
}

static void boolean(struct build *b, cJSON *o, const char *key, int v)
{
	if (!o || !cJSON_AddBoolToObject(o, key, v))
		b->oom = 1;
}

static void num(struct build *b, cJSON *o, const char *key, double v)
{
	if (!o || !cJSON_AddNumberToObject(o, key, v))
		b->oom = 1;
}

static void push_str(struct build *b, cJSON *a, const char *v)
{
	cJSON *s = cJSON_CreateString(v);

	if (!a || !s || !cJSON_AddItemToArray(a, s))
		b->oom = 1;
}

static cJSON *push_obj(struct build *b, cJSON *a)
{
	cJSON *o = cJSON_CreateObject();

	if (!a || !o || !cJSON_AddItemToArray(a, o))
		b->oom = 1;
	return o;
}

static void keypair(struct build *b, cJSON *parent, const char *key, const char *crt,
		    const char *k)
{
	cJSON *o = obj(b, parent, key);

	str(b, o, "crt", crt);
	str(b, o, "key", k);
}

int render_init_node(const struct desc *d)
{
	for (int i = 0; i < d->cluster.nnodes; i++)
		if (d->cluster.nodes[i].role == ROLE_CONTROLPLANE)
			return i;
	return -1;
}

void render_installer(const struct desc *d, char *out, size_t cap)
{
	snprintf(out, cap, "factory.talos.dev/installer/%s:%s", d->talos.schematic, d->talos.version);
}

static void lower_mac(const struct desc *d, int i, char mac[18])
{
	vmspec_mac(d->cluster.name, d->cluster.nodes[i].vmid, mac);
	for (int k = 0; mac[k]; k++)
		mac[k] = (char)tolower((unsigned char)mac[k]);
}

/* The endpoint is a VIP the control planes share when it is an address
 * of the cluster network that no node holds. */
static int endpoint_vip(const struct desc *d, uint32_t *vip)
{
	const struct desc_url *u = &d->cluster.endpoint;

	if (!u->host_is_ip || !ipv4_in_net(u->ip, d->cluster.net, d->cluster.prefix))
		return 0;
	for (int i = 0; i < d->cluster.nnodes; i++)
		if (d->cluster.nodes[i].ip == u->ip)
			return 0;
	*vip = u->ip;
	return 1;
}

static void network(struct build *b, cJSON *machine, const struct desc *d, int i)
{
	const struct desc_node *n = &d->cluster.nodes[i];
	cJSON *net = obj(b, machine, "network"), *ifs, *ifc, *sel, *routes, *r;
	char ip[IPV4_STRLEN], cidr[IPV4_STRLEN + 4], mac[18];
	uint32_t vip;

	str(b, net, "hostname", n->name);
	ifs = arr(b, net, "interfaces");
	ifc = push_obj(b, ifs);
	sel = obj(b, ifc, "deviceSelector");
	lower_mac(d, i, mac);
	str(b, sel, "hardwareAddr", mac);
	boolean(b, ifc, "dhcp", 0);
	snprintf(cidr, sizeof cidr, "%s/%d", ipv4_format(n->ip, ip), d->cluster.prefix);
	push_str(b, arr(b, ifc, "addresses"), cidr);
	routes = arr(b, ifc, "routes");
	r = push_obj(b, routes);
	str(b, r, "network", "0.0.0.0/0");
	str(b, r, "gateway", ipv4_format(d->cluster.gateway, ip));
	if (n->role == ROLE_CONTROLPLANE && endpoint_vip(d, &vip))
		str(b, obj(b, ifc, "vip"), "ip", ipv4_format(vip, ip));
	if (d->cluster.ndns) {
		cJSON *ns = arr(b, net, "nameservers");
		for (int k = 0; k < d->cluster.ndns; k++)
			push_str(b, ns, ipv4_format(d->cluster.dns[k], ip));
	}
}

static void encryption(struct build *b, cJSON *machine)
{
	cJSON *sde = obj(b, machine, "systemDiskEncryption");
	static const char *const parts[] = { "state", "ephemeral" };

	for (int k = 0; k < 2; k++) {
		cJSON *p = obj(b, sde, parts[k]), *key = push_obj(b, arr(b, p, "keys"));
		str(b, p, "provider", "luks2");
		obj(b, key, "nodeID");
		num(b, key, "slot", 0);
	}
}

static void machine(struct build *b, cJSON *root, const struct render_input *in, int i,
		    const char *type)
{
	const struct desc *d = in->d;
	int cp = d->cluster.nodes[i].role == ROLE_CONTROLPLANE;
	cJSON *m = obj(b, root, "machine"), *install, *features;
	char image[200];

	str(b, m, "type", type);
	str(b, m, "token", in->pki->trustd_token);
	keypair(b, m, "ca", in->pki->os_crt, cp ? in->pki->os_key : "");
	if (d->talos.kubernetes[0]) {
		snprintf(image, sizeof image, "ghcr.io/siderolabs/kubelet:%s", d->talos.kubernetes);
		str(b, obj(b, m, "kubelet"), "image", image);
	}
	network(b, m, d, i);
	install = obj(b, m, "install");
	str(b, install, "disk", INSTALL_DISK);
	render_installer(d, image, sizeof image);
	str(b, install, "image", image);
	boolean(b, install, "wipe", 0);
	if (d->cluster.nntp) {
		cJSON *servers = arr(b, obj(b, m, "time"), "servers");
		for (int k = 0; k < d->cluster.nntp; k++)
			push_str(b, servers, d->cluster.ntp[k]);
	}
	encryption(b, m);
	features = obj(b, m, "features");
	boolean(b, features, "rbac", 1);
	boolean(b, features, "stableHostname", 1);
	boolean(b, features, "apidCheckExtKeyUsage", 1);
	boolean(b, features, "diskQuotaSupport", 1);
	boolean(b, obj(b, features, "kubePrism"), "enabled", 1);
	num(b, cJSON_GetObjectItemCaseSensitive(features, "kubePrism"), "port", 7445);
}

static void component_image(struct build *b, cJSON *cl, const struct desc *d, const char *key,
			    const char *name)
{
	char image[160];
	cJSON *o = cJSON_GetObjectItemCaseSensitive(cl, key);

	if (!d->talos.kubernetes[0])
		return;
	snprintf(image, sizeof image, "registry.k8s.io/%s:%s", name, d->talos.kubernetes);
	str(b, o ? o : obj(b, cl, key), "image", image);
}

/* Before v1.14 the manifests and the secretbox key sit in cluster:. */
static void legacy_extras(struct build *b, cJSON *cl, const struct render_input *in)
{
	str(b, cl, "secretboxEncryptionSecret", in->secretbox);
	if (in->extra_manifest_url)
		push_str(b, arr(b, cl, "extraManifests"), in->extra_manifest_url);
	if (in->nmanifests) {
		cJSON *a = arr(b, cl, "inlineManifests");
		for (int k = 0; k < in->nmanifests; k++) {
			cJSON *o = push_obj(b, a);
			str(b, o, "name", in->manifests[k].name);
			str(b, o, "contents", in->manifests[k].contents);
		}
	}
}

static void cluster(struct build *b, cJSON *root, const struct render_input *in, int i)
{
	const struct desc *d = in->d;
	const struct render_pki *k = in->pki;
	int cp = d->cluster.nodes[i].role == ROLE_CONTROLPLANE;
	cJSON *cl = obj(b, root, "cluster"), *net;

	str(b, cl, "id", k->cluster_id);
	str(b, cl, "secret", k->cluster_secret);
	str(b, obj(b, cl, "controlPlane"), "endpoint", d->cluster.endpoint.text);
	str(b, cl, "clusterName", d->cluster.name);
	net = obj(b, cl, "network");
	str(b, net, "dnsDomain", "cluster.local");
	push_str(b, arr(b, net, "podSubnets"), POD_SUBNET);
	push_str(b, arr(b, net, "serviceSubnets"), SERVICE_SUBNET);
	str(b, cl, "token", k->bootstrap_token);
	keypair(b, cl, "ca", k->k8s_crt, cp ? k->k8s_key : "");
	if (!cp) {
		component_image(b, cl, d, "proxy", "kube-proxy");
		return;
	}
	keypair(b, cl, "aggregatorCA", k->agg_crt, k->agg_key);
	str(b, obj(b, cl, "serviceAccount"), "key", k->sa_key);
	push_str(b, arr(b, obj(b, cl, "apiServer"), "certSANs"), d->cluster.endpoint.host);
	component_image(b, cl, d, "apiServer", "kube-apiserver");
	component_image(b, cl, d, "controllerManager", "kube-controller-manager");
	component_image(b, cl, d, "scheduler", "kube-scheduler");
	component_image(b, cl, d, "proxy", "kube-proxy");
	keypair(b, obj(b, cl, "etcd"), "ca", k->etcd_crt, k->etcd_key);
	/* A cluster without workers must run ESO on its control planes. */
	if (desc_count(d, ROLE_WORKER) == 0)
		boolean(b, cl, "allowSchedulingOnControlPlanes", 1);
	if (d->talos.minor < 14)
		legacy_extras(b, cl, in);
}

static cJSON *doc(struct build *b, const char *kind)
{
	cJSON *o = obj(b, NULL, NULL);

	str(b, o, "apiVersion", "v1alpha1");
	str(b, o, "kind", kind);
	return o;
}

static int emit_and_free(struct build *b, struct yamlout *y, cJSON *o, struct err *e)
{
	int rc = b->oom ? err_set(e, "out of memory rendering a machine config")
			: yamlout_doc(y, o, e);

	cJSON_Delete(o);
	return rc;
}

/* v1.14's documents: the secretbox key as an EncryptionConfiguration
 * (key2, as Talos names it), then one document per manifest. */
static int documents_114(struct build *b, struct yamlout *y, const struct render_input *in,
			 struct err *e)
{
	cJSON *o = doc(b, "KubeEtcdEncryptionConfig"), *res, *prov, *key;

	res = push_obj(b, arr(b, obj(b, o, "config"), "resources"));
	push_str(b, arr(b, res, "resources"), "secrets");
	prov = arr(b, res, "providers");
	key = push_obj(b, arr(b, obj(b, push_obj(b, prov), "secretbox"), "keys"));
	str(b, key, "name", "key2");
	str(b, key, "secret", in->secretbox);
	obj(b, push_obj(b, prov), "identity");
	if (emit_and_free(b, y, o, e) < 0)
		return -1;
	if (in->extra_manifest_url) {
		o = doc(b, "KubeExternalManifestConfig");
		str(b, o, "name", "external-secrets-crds");
		str(b, o, "url", in->extra_manifest_url);
		if (emit_and_free(b, y, o, e) < 0)
			return -1;
	}
	for (int k = 0; k < in->nmanifests; k++) {
		o = doc(b, "KubeInlineManifestConfig");
		str(b, o, "name", in->manifests[k].name);
		str(b, o, "manifest", in->manifests[k].contents);
		if (emit_and_free(b, y, o, e) < 0)
			return -1;
	}
	return 0;
}

static const char *node_type(const struct render_input *in, int i)
{
	if (in->d->cluster.nodes[i].role == ROLE_WORKER)
		return "worker";
	return in->new_cluster && i == render_init_node(in->d) ? "init" : "controlplane";
}

int render_config(const struct render_input *in, int node, char *out, size_t cap,
		  struct err *e)
{
	const struct desc *d = in->d;
	struct build b = { 0 };
	struct yamlout y;
	cJSON *root;
	int cp = d->cluster.nodes[node].role == ROLE_CONTROLPLANE;

	if (d->talos.major != 1 || d->talos.minor < RENDER_TALOS_MIN_MINOR ||
	    d->talos.minor > RENDER_TALOS_MAX_MINOR)
		return err_set(e, "castellan.talos.version: castellan renders configs for Talos "
			       "v1.%d to v1.%d, not %s", RENDER_TALOS_MIN_MINOR,
			       RENDER_TALOS_MAX_MINOR, d->talos.version);
	yamlout_init(&y, out, cap);
	root = obj(&b, NULL, NULL);
	str(&b, root, "version", "v1alpha1");
	boolean(&b, root, "debug", 0);
	boolean(&b, root, "persist", 1);
	machine(&b, root, in, node, node_type(in, node));
	cluster(&b, root, in, node);
	if (!b.oom && patch_apply_all(d, node, root, e) < 0) {
		cJSON_Delete(root);
		return err_wrap(e, d->cluster.nodes[node].name);
	}
	if (emit_and_free(&b, &y, root, e) < 0)
		return -1;
	if (cp && d->talos.minor >= 14 && documents_114(&b, &y, in, e) < 0)
		return -1;
	return 0;
}

int render_meta_data(const struct desc *d, int node, char *out, size_t cap, struct err *e)
{
	const struct desc_node *n = &d->cluster.nodes[node];
	int len = snprintf(out, cap, "instance-id: %s-%ld\nlocal-hostname: %s\n", d->cluster.name,
			   n->vmid, n->name);

	return len < 0 || (size_t)len >= cap ? err_set(e, "meta-data of %s does not fit", n->name) : 0;
}

int render_network_config(const struct desc *d, int node, char *out, size_t cap,
			  struct err *e)
{
	const struct desc_node *n = &d->cluster.nodes[node];
	char ip[IPV4_STRLEN], gw[IPV4_STRLEN], mac[18], dns[DESC_MAX_DNS * (IPV4_STRLEN + 2) + 1] = "";
	int len;

	lower_mac(d, node, mac);
	for (int k = 0; k < d->cluster.ndns; k++)
		snprintf(dns + strlen(dns), sizeof dns - strlen(dns), "%s%s", k ? ", " : "",
			 ipv4_format(d->cluster.dns[k], ip));
	len = snprintf(out, cap,
		       "version: 2\n"
		       "ethernets:\n"
		       "  eth0:\n"
		       "    match:\n"
		       "      macaddress: \"%s\"\n"
		       "    dhcp4: false\n"
		       "    addresses: [%s/%d]\n"
		       "    routes:\n"
		       "      - to: 0.0.0.0/0\n"
		       "        via: %s\n"
		       "%s%s%s",
		       mac, ipv4_format(n->ip, ip), d->cluster.prefix,
		       ipv4_format(d->cluster.gateway, gw),
		       dns[0] ? "    nameservers:\n      addresses: [" : "", dns, dns[0] ? "]\n" : "");
	return len < 0 || (size_t)len >= cap ? err_set(e, "network-config of %s does not fit", n->name)
		: 0;
}
