/* The cluster description: a good one parses with its defaults, and every
 * kind of mistake is refused with one sentence naming the path. */
#include "check.h"
#include "desc.h"
#include "ipv4.h"

#include <stdlib.h>

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	if (!f || !buf) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* base with the first occurrence of from replaced by to. */
static char *edit(const char *base, const char *from, const char *to)
{
	const char *at = strstr(base, from);
	char *out = calloc(1, strlen(base) + strlen(to) + 1);

	if (!at) {
		fprintf(stderr, "fixture lacks \"%s\"\n", from);
		exit(1);
	}
	memcpy(out, base, (size_t)(at - base));
	strcat(out, to);
	strcat(out, at + strlen(from));
	return out;
}

static struct desc d;

static void good(const char *base)
{
	struct err e = { "" };
	char s[512], ip[IPV4_STRLEN];

	CHECK(desc_parse(&d, base, strlen(base), &e) == 0);
	CHECK_STR(e.msg, "");
	CHECK_STR(d.cluster.name, "castle");
	CHECK(d.cluster.nnodes == 5);
	CHECK(desc_count(&d, ROLE_CONTROLPLANE) == 3);
	CHECK(desc_count(&d, ROLE_WORKER) == 2);
	CHECK_STR(d.infisical.host.host, "eu.infisical.com");
	CHECK(d.infisical.host.port == 443);
	CHECK_STR(d.infisical.secrets.talos_secretbox_key, "TALOS_SECRETBOX_KEY");
	CHECK_STR(d.proxmox.endpoint.host, "pve1.lan");
	CHECK(d.proxmox.endpoint.port == 8006);
	CHECK(d.proxmox.has_pin && d.proxmox.pin_sha256[0] == 0x5f && d.proxmox.pin_sha256[31] == 0x60);
	CHECK(d.proxmox.nnodes == 2);
	CHECK(d.talos.major == 1 && d.talos.minor == 13 && d.talos.patch == 9);
	CHECK(d.cluster.endpoint.host_is_ip && d.cluster.endpoint.port == 6443);
	CHECK_STR(ipv4_format(d.cluster.nodes[3].ip, ip), "10.0.0.21");
	CHECK(d.cluster.nodes[3].memory == 8192);
	/* w2 has no sizes: the defaults apply */
	CHECK(d.cluster.nodes[4].cores == 2 && d.cluster.nodes[4].memory == 4096 &&
	      d.cluster.nodes[4].disk == 20);
	CHECK_STR(d.cluster.nodes[2].host, "pve2");
	CHECK(d.cluster.ndns == 2);
	CHECK(d.cluster.npatches == 2);
	CHECK(d.cluster.patches[0].target == PATCH_ALL);
	CHECK(d.cluster.patches[1].target == PATCH_NODE && d.cluster.patches[1].node == 3);
	CHECK(d.cluster.patches[1].patch && d.cluster.patches[1].patch->type == YAML_MAPPING_NODE);
	CHECK(d.mode == MODE_RECONCILE && d.on_success == ACTION_POWEROFF && d.on_failure == ACTION_HALT);
	CHECK(d.verify_timeout == 1800);
	CHECK_STR(d.eso.project, "homelab");	/* the Infisical project is a slug */
	desc_summary(&d, s, sizeof s);
	CHECK_STR(s, "cluster castle: 3 control planes, 2 workers; proxmox https://pve1.lan:8006 "
		  "(pve1, pve2); talos v1.13.9, kubernetes v1.33.4; mode reconcile");
	desc_free(&d);
}

static void bad(const char *base, const char *from, const char *to, const char *want)
{
	char *text = edit(base, from, to);
	struct err e = { "" };

	if (desc_parse(&d, text, strlen(text), &e) == 0) {
		check_fail++;
		fprintf(stderr, "FAILED: accepted %s -> %s\n", from, to);
		desc_free(&d);
	} else {
		CHECK_STR(e.msg, want);
		CHECK(strchr(e.msg, '\n') == NULL);
	}
	free(text);
}

static void bad_values(const char *b)
{
	bad(b, "ip: 10.0.0.12", "ip: 10.0.0.300",
	    "castellan.cluster.nodes[1].ip: \"10.0.0.300\" is not an IPv4 address");
	bad(b, "ip: 10.0.0.12", "ip: 010.0.0.12",
	    "castellan.cluster.nodes[1].ip: \"010.0.0.12\" is not an IPv4 address");
	bad(b, "ip: 10.0.0.12", "ip: 10.0.1.12",
	    "castellan.cluster.nodes[1].ip: 10.0.1.12 is outside the cluster network 10.0.0.0/24");
	bad(b, "ip: 10.0.0.12", "ip: 10.0.0.255",
	    "castellan.cluster.nodes[1].ip: 10.0.0.255 is the network or broadcast address of 10.0.0.0/24");
	bad(b, "ip: 10.0.0.12", "ip: 10.0.0.1",
	    "castellan.cluster.nodes[1].ip: 10.0.0.1 is the gateway's address");
	bad(b, "ip: 10.0.0.12", "ip: 10.0.0.11",
	    "castellan.cluster.nodes[1].ip: 10.0.0.11 is already the address of nodes[0] (cp1)");
	bad(b, "vmid: 1102", "vmid: 1101",
	    "castellan.cluster.nodes[1].vmid: 1101 is already the VMID of nodes[0] (cp1)");
	bad(b, "name: cp2", "name: cp1",
	    "castellan.cluster.nodes[1].name: \"cp1\" is already the name of nodes[0]");
	bad(b, "name: cp2", "name: CP_2",
	    "castellan.cluster.nodes[1].name: \"CP_2\" is not a host name (lowercase letters, digits and '-', at most 63)");
	bad(b, "vmid: 1102", "vmid: 99",
	    "castellan.cluster.nodes[1].vmid: 99 is out of range (expected 100 to 999999999)");
	bad(b, "vmid: 1102", "vmid: 11x",
	    "castellan.cluster.nodes[1].vmid: \"11x\" is not a whole number");
	bad(b, "vmid: 1102", "vmid: [1]",
	    "castellan.cluster.nodes[1].vmid: expected a whole number, found a list");
	bad(b, "memory: 4096, disk: 20}", "memory: 1024, disk: 20}",
	    "castellan.cluster.nodes[0].memory: 1024 is out of range (expected 2048 to 16777216)");
	bad(b, "role: worker,       vmid: 1201", "role: etcd, vmid: 1201",
	    "castellan.cluster.nodes[3].role: \"etcd\" is not one of: controlplane, worker");
	bad(b, "host: pve2}", "host: pve9}",
	    "castellan.cluster.nodes[2].host: \"pve9\" is not one of castellan.proxmox.nodes");
	bad(b, "ip: 10.0.0.22}", "ipp: 10.0.0.22}",
	    "castellan.cluster.nodes[4]: unknown key \"ipp\" (expected one of: name, role, vmid, ip, cores, memory, disk, host)");
	bad(b, "ip: 10.0.0.22}", "ip: 10.0.0.22, name: w3}",
	    "castellan.cluster.nodes[4]: key \"name\" appears twice");
}

static void bad_sections(const char *b)
{
	bad(b, "cidr: 10.0.0.0/24", "cidr: 10.0.0.0/33",
	    "castellan.cluster.network.cidr: \"10.0.0.0/33\" is not an IPv4 network such as 10.0.0.0/24 (prefix 8 to 30)");
	bad(b, "gateway: 10.0.0.1,", "gateway: 10.9.0.1,",
	    "castellan.cluster.network.gateway: 10.9.0.1 is outside 10.0.0.0/24");
	bad(b, "dns: [10.0.0.1, 9.9.9.9]", "dns: [10.0.0.1, dns.lan]",
	    "castellan.cluster.network.dns[1]: \"dns.lan\" is not an IPv4 address");
	bad(b, "endpoint: https://10.0.0.10:6443", "endpoint: https://10.0.0.21:6443",
	    "castellan.cluster.endpoint: 10.0.0.21 is the address of worker w1; it must be a control plane or a shared VIP");
	bad(b, "endpoint: https://10.0.0.10:6443", "endpoint: http://10.0.0.10:6443",
	    "castellan.cluster.endpoint: \"http://10.0.0.10:6443\" must start with https:// (castellan only speaks verified TLS)");
	bad(b, "endpoint: https://pve1.lan:8006", "endpoint: https://pve1.lan:99999",
	    "castellan.proxmox.endpoint: \"https://pve1.lan:99999\" has a bad port; expected 1 to 65535");
	bad(b, "name: castle", "name: Castle",
	    "castellan.cluster.name: \"Castle\" must be lowercase letters, digits and '-', at most 40 characters");
	bad(b, "version: v1.13.9", "version: v1.8.0",
	    "castellan.talos.version: v1.8.0 is not supported; castellan renders Talos v1.11 to v1.14");
	bad(b, "version: v1.13.9", "version: 1.13",
	    "castellan.talos.version: \"1.13\" is not a Talos release such as v1.13.9");
	bad(b, "schematic: 376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba",
	    "schematic: 376567988AD370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba",
	    "castellan.talos.schematic: expected an Image Factory schematic id (64 lowercase hex digits)");
	bad(b, "    pin_sha256: 5f3c8e0a1b2d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60\n", "",
	    "castellan.proxmox: needs pin_sha256 or ca to verify the Proxmox API's TLS certificate (there is no insecure mode)");
	bad(b, "endpoint: https://pve1.lan:8006\n    pin_sha256: 5f3c8e0a1b2d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60\n",
	    "endpoint: https://10.0.0.2:8006\n    ca: |\n      -----BEGIN CERTIFICATE-----\n      x\n      -----END CERTIFICATE-----\n",
	    "castellan.proxmox.endpoint: https://10.0.0.2:8006 is an IP address; give pin_sha256 too "
	    "(certificates cannot be matched to IP addresses here)");
	bad(b, "pin_sha256: 5f3c", "pin_sha256: zz3c",
	    "castellan.proxmox.pin_sha256: expected the SHA-256 of the server's public key as 64 hex digits");
	bad(b, "nodes: [pve1, pve2]", "nodes: [pve1, pve1]",
	    "castellan.proxmox.nodes[1]: \"pve1\" is listed twice");
	bad(b, "nodes: [pve1, pve2]", "nodes: []",
	    "castellan.proxmox.nodes: is required: list the Proxmox nodes VMs may be placed on");
	bad(b, "project: homelab, ", "",
	    "castellan.infisical.project: is required");
	bad(b, "path: /castle", "path: castle",
	    "castellan.infisical.path: \"castle\" is not a folder path such as /castle");
	bad(b, "-----BEGIN AGE ENCRYPTED FILE-----", "-----BEGIN PGP MESSAGE-----",
	    "castellan.identity: expected an armored age file (-----BEGIN AGE ENCRYPTED FILE-----), as written by castellan seal or age -a");
	bad(b, "mode: reconcile", "mode: yolo",
	    "castellan.mode: \"yolo\" is not one of: reconcile, rebuild");
	bad(b, "patch: {machine: {time: {servers: [time.cloudflare.com]}}}", "patch: &p {machine: {x: *p}}",
	    "castellan.cluster.patches[0].patch: nested deeper than 32 levels, or larger than 20000 "
	    "nodes (an alias that points back into itself?)");
	bad(b, "patch: {machine: {time: {servers: [time.cloudflare.com]}}}",
	    "patch: {machine: {network: {interfaces: [{$patch: delete, interface: eth0}]}}}",
	    "castellan.cluster.patches[0].patch: \"$patch\" directives are not supported; castellan "
	    "merges patches itself (README: what a config holds)");
	bad(b, "on_failure: halt", "on_failure: halt\n  verify_timeout: 5",
	    "castellan.verify_timeout: 5 is out of range (expected 10 to 86400)");
	bad(b, "on_failure: halt", "on_failure: halt\n  eso: {version: 2.9}",
	    "castellan.eso.version: \"2.9\" is not an ESO release such as v2.9.0");
	bad(b, "on_failure: halt", "on_failure: explode",
	    "castellan.on_failure: \"explode\" is not one of: poweroff, halt, reboot");
	bad(b, "target: w1", "target: w9",
	    "castellan.cluster.patches[1].target: \"w9\" is not all, controlplane, worker or the name of a node");
	bad(b, "patch: {machine: {nodeLabels: {disk: fast}}}", "patch: [1]",
	    "castellan.cluster.patches[1].patch: expected a mapping, found a list");
	bad(b, "  mode: reconcile", "  moed: reconcile",
	    "castellan: unknown key \"moed\" (expected one of: identity, infisical, proxmox, talos, cluster, eso, mode, verify_timeout, on_success, on_failure)");
	bad(b, "castellan:\n", "castellanx:\n",
	    "user-data: has no castellan: key holding the cluster description");
	bad(b, "    name: castle", "    name: [castle",
	    "user-data: line 21, column 13: did not find expected ',' or ']'");
}

static void control_planes(const char *b)
{
	char *t1 = edit(b, "role: controlplane, vmid: 1101", "role: worker, vmid: 1101");
	char *t2 = edit(t1, "role: controlplane, vmid: 1102", "role: worker, vmid: 1102");
	char *t3 = edit(t2, "role: controlplane, vmid: 1103", "role: worker, vmid: 1103");
	struct err e;

	CHECK(desc_parse(&d, t3, strlen(t3), &e) < 0);
	CHECK_STR(e.msg, "castellan.cluster.nodes: has no node with role controlplane; a cluster needs at least one");
	free(t1);
	free(t2);
	free(t3);
}

/* Control characters in a value never break the error line. */
static void hostile(const char *b)
{
	bad(b, "ip: 10.0.0.12", "ip: \"10.0.0.\\n12\\e\"",
	    "castellan.cluster.nodes[1].ip: \"10.0.0.?12?\" is not an IPv4 address");
	bad(b, "project: homelab", "project: \"home\\tlab\"",
	    "castellan.infisical.project: \"home?lab\" is not an Infisical project slug or id");
}

int main(void)
{
	char *b = slurp("tests/fixtures/user-data.yaml");

	good(b);
	bad_values(b);
	bad_sections(b);
	control_planes(b);
	hostile(b);
	/* Nothing but a scalar, or nothing at all. */
	{
		struct err e;
		CHECK(desc_parse(&d, "", 0, &e) < 0);
		CHECK_HAS(e.msg, "user-data: expected a #cloud-config mapping");
		CHECK(desc_parse(&d, "just words", 10, &e) < 0);
	}
	free(b);
	return check_done("desc");
}
