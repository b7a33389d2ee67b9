/* desc: the cluster description, parsed and checked.
 *
 * The description is the non-secret "castellan:" key of the appliance's
 * cloud-init user-data (shared/DESIGN.md §5). desc_parse turns it into
 * typed structures, applies defaults, and checks every field and every
 * cross-field rule; the first problem comes back as one sentence naming
 * the path, e.g. `castellan.cluster.nodes[2].ip: "10.0.0.300" is not an
 * IPv4 address`. Pure: no syscalls.
 *
 * The caller owns struct desc (it is large: allocate it, don't put many on
 * a small stack). desc keeps the parsed YAML document alive, because the
 * Talos patches are YAML trees; desc_free releases it.
 */
#ifndef CASTELLAN_DESC_H
#define CASTELLAN_DESC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "yamldoc.h"

#define DESC_MAX_NODES 64
#define DESC_MAX_PVE 16
#define DESC_MAX_DNS 4
#define DESC_MAX_NTP 4
#define DESC_MAX_PATCHES 32
#define DESC_NAME 64
#define DESC_URL 256
#define DESC_PEM 16384
#define DESC_IDENTITY 16384
/* An install from the Talos ISO, a reboot and etcd's bootstrap take
 * minutes; under nested virtualisation many. */
#define DESC_VERIFY_TIMEOUT 1800

enum desc_role { ROLE_CONTROLPLANE, ROLE_WORKER };
enum desc_mode { MODE_RECONCILE, MODE_REBUILD };
enum desc_action { ACTION_POWEROFF, ACTION_HALT, ACTION_REBOOT };

/* An https URL split the way libcurl and BearSSL need it. */
struct desc_url {
	char text[DESC_URL];	/* as written, without a trailing slash */
	char host[DESC_URL];
	unsigned port;
	int host_is_ip;
	uint32_t ip;		/* when host_is_ip */
};

/* Infisical secret names; each has a default (shared/DESIGN.md §5). */
struct desc_secret_names {
	char proxmox_token_id[DESC_NAME];
	char proxmox_token_secret[DESC_NAME];
	char talos_secretbox_key[DESC_NAME];
	char eso_client_id[DESC_NAME];
	char eso_client_secret[DESC_NAME];
	char talos_secrets[DESC_NAME];
	char talosconfig[DESC_NAME];	/* written back: the handback */
	char kubeconfig[DESC_NAME];
};

struct desc_infisical {
	struct desc_url host;
	uint32_t address;	/* connect here instead of resolving host; 0: resolve */
	char project[DESC_NAME * 2];
	char environment[DESC_NAME];
	char path[DESC_URL];
	char ca[DESC_PEM];	/* PEM, or "" for the image's CA bundle */
	struct desc_secret_names secrets;
};

struct desc_proxmox {
	struct desc_url endpoint;
	int has_pin;
	unsigned char pin_sha256[32];	/* SHA-256 of the server's SPKI */
	char ca[DESC_PEM];		/* PEM of the cluster's CA, or "" */
	char nodes[DESC_MAX_PVE][DESC_NAME];
	int nnodes;
	char storage[DESC_NAME];
	char iso_storage[DESC_NAME];
	char bridge[DESC_NAME];
	int vlan;			/* 0: untagged */
	char template[DESC_NAME];	/* a Talos template's name or VMID, or "" */
};

struct desc_talos {
	char version[32];		/* "v1.13.9" */
	int major, minor, patch;
	char schematic[65];		/* Image Factory schematic id */
	char kubernetes[32];		/* "" = the Talos release's default */
};

struct desc_node {
	char name[DESC_NAME];
	enum desc_role role;
	long vmid;
	uint32_t ip;
	long cores;
	long memory;			/* MiB */
	long disk;			/* GiB */
	char host[DESC_NAME];		/* Proxmox node, or "" to spread */
};

/* A Talos config patch: a YAML mapping applied to some nodes. */
enum desc_patch_target { PATCH_ALL, PATCH_CONTROLPLANE, PATCH_WORKER, PATCH_NODE };
struct desc_patch {
	enum desc_patch_target target;
	int node;			/* index into nodes, for PATCH_NODE */
	yaml_node_t *patch;		/* a mapping inside the kept document */
};

struct desc_cluster {
	char name[DESC_NAME];
	struct desc_url endpoint;
	uint32_t net;			/* network address, host order */
	int prefix;
	uint32_t gateway;
	uint32_t dns[DESC_MAX_DNS];
	int ndns;
	char ntp[DESC_MAX_NTP][DESC_NAME * 2];
	int nntp;
	struct desc_node nodes[DESC_MAX_NODES];
	int nnodes;
	struct desc_patch patches[DESC_MAX_PATCHES];
	int npatches;
};

struct desc_eso {
	char version[32];		/* "" = ESO_DEFAULT_VERSION */
	char project[DESC_NAME * 2];	/* the project slug ESO uses */
};

struct desc {
	struct ydoc yaml;		/* kept for the patches */
	char identity[DESC_IDENTITY];	/* armored age file, sealed */
	struct desc_infisical infisical;
	struct desc_proxmox proxmox;
	struct desc_talos talos;
	struct desc_cluster cluster;
	struct desc_eso eso;
	enum desc_mode mode;
	long verify_timeout;		/* seconds the nodes have to answer */
	enum desc_action on_success;
	enum desc_action on_failure;
};

/* Parses cloud-init user-data text (a #cloud-config YAML document; keys
 * other than "castellan" are ignored). d need not be initialised. On
 * failure d holds nothing that needs freeing. */
int desc_parse(struct desc *d, const char *user_data, size_t len, struct err *e);
void desc_free(struct desc *d);

/* Counts nodes of a role. */
int desc_count(const struct desc *d, enum desc_role role);

/* One line: "cluster castle: 3 control planes, 2 workers; proxmox ...". */
void desc_summary(const struct desc *d, char *out, size_t cap);

extern const char *const desc_action_names[];	/* "poweroff", "halt", "reboot" */
extern const char *const desc_mode_names[];	/* "reconcile", "rebuild" */

#endif
