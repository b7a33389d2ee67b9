/* forge: everything the nodes receive, made from the description and the
 * run's secrets (shared/DESIGN.md §1 "pki" and "render").
 *
 * Pure apart from the PRNG the caller seeds. forge_open takes the Talos
 * secrets bundle from TALOS_SECRETS when Infisical has one (a rebuilt
 * cluster keeps its identity), or generates one (the caller must store it
 * back before any VM is created: forge_bundle_yaml); renders ESO's
 * manifests once; and keeps every secret in the arena, registered for
 * redaction. forge_node then renders one node's machine config and wraps
 * it with meta-data and network-config into its cidata ISO.
 */
#ifndef CASTELLAN_FORGE_H
#define CASTELLAN_FORGE_H

#include <bearssl.h>
#include <stddef.h>

#include "arena.h"
#include "desc.h"
#include "err.h"
#include "eso.h"
#include "render.h"
#include "talos_bundle.h"

/* A config is tens of KiB (ESO's CRDs are fetched, not inlined); Talos
 * itself takes at most 4 MiB through its API. */
#define FORGE_CONFIG_MAX (1024 * 1024)
#define FORGE_ISO_MAX (FORGE_CONFIG_MAX + 256 * 1024)
/* What forge_open takes from the arena, with room to spare: the config
 * and ISO buffers, ESO's manifests, the bundle and its base64 forms. */
#define FORGE_ARENA_NEED (FORGE_CONFIG_MAX + FORGE_ISO_MAX + 1024 * 1024)

/* The run's secrets, as Infisical gave them (values in the arena). */
struct forge_secrets {
	const char *secretbox;		/* TALOS_SECRETBOX_KEY, validated */
	size_t secretbox_len;		/* without a trailing newline */
	const char *talos_secrets;	/* TALOS_SECRETS, or NULL: generate */
	size_t talos_secrets_len;
	const char *eso_client_id, *eso_client_secret;
	const char *run_id;		/* [a-z0-9], names the canary keys */
};

struct forge {
	const struct desc *d;
	struct arena *a;
	struct talos_bundle *bundle;	/* in the arena */
	int generated;			/* the bundle is new: store it back */
	int new_cluster;		/* the first control plane bootstraps etcd */
	struct render_pki pki;		/* base64 of the bundle's PEMs, in the arena */
	char *secretbox;		/* TALOS_SECRETBOX_KEY, in the arena */
	char canary_key[96], echo_key[96];
	char crds_url[256];
	struct eso_manifest eso[ESO_NPARTS];
	struct render_manifest manifests[ESO_NPARTS];
	char *config;			/* the last node's machine config */
	size_t config_len;
	unsigned char *iso;		/* the last node's cidata ISO */
	size_t iso_len;
	long long now;
};

int forge_open(struct forge *f, const struct desc *d, struct arena *a,
	       const struct forge_secrets *s, long long now, const br_prng_class **rng,
	       struct err *e);

/* Renders node i into f->config and f->iso. */
int forge_node(struct forge *f, int i, struct err *e);

/* Renders every node once and keeps nothing: a config that cannot be
 * made must stop the run before Proxmox is touched. */
int forge_check(struct forge *f, struct err *e);

/* deliver.h's cidata callback over forge_node (ctx is the struct forge). */
int forge_cidata(void *ctx, int node, const unsigned char **iso, size_t *len, struct err *e);

/* The bundle as talosctl writes it, into the arena (for storing back). */
const char *forge_bundle_yaml(struct forge *f, size_t *len, struct err *e);

#endif
