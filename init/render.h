/* render: one Talos machine config per node, and its NoCloud files.
 *
 * Pure. castellan never talks to the Talos API (shared/DESIGN.md §2), so
 * everything a node becomes is in what this writes:
 *   - the type: the first control plane of a brand-new cluster is "init"
 *     (it bootstraps etcd without an RPC), other control planes are
 *     "controlplane", workers "worker"; a node replacing a lost one is
 *     never init;
 *   - static addressing, hostname, DNS and time servers in the config
 *     itself (the cidata drive is gone after the run), a shared VIP on the
 *     control planes when the endpoint is an unused address of the
 *     cluster network, install disk and Image Factory installer;
 *   - secretbox encryption with the key from Infisical, STATE and
 *     EPHEMERAL encrypted (LUKS2, key bound to the node);
 *   - ESO on the control planes: CRDs fetched by the nodes, the rest as
 *     inline manifests;
 *   - the description's patches, merged last (patch.h).
 * Talos v1.11 to v1.13 get the v1alpha1 layout; from v1.14 the etcd
 * encryption and the manifests go into their own documents
 * (KubeEtcdEncryptionConfig, KubeInlineManifestConfig,
 * KubeExternalManifestConfig). Workers never carry CA keys, etcd,
 * aggregator, service-account or secretbox material.
 */
#ifndef CASTELLAN_RENDER_H
#define CASTELLAN_RENDER_H

#include <stddef.h>

#include "desc.h"
#include "err.h"

#define RENDER_TALOS_MIN_MINOR 11
#define RENDER_TALOS_MAX_MINOR 14

/* The Talos secrets bundle, each value as the bundle YAML holds it
 * (certificates and keys: standard base64 of the PEM text). */
struct render_pki {
	const char *os_crt, *os_key;
	const char *k8s_crt, *k8s_key;
	const char *agg_crt, *agg_key;
	const char *etcd_crt, *etcd_key;
	const char *sa_key;
	const char *cluster_id, *cluster_secret;
	const char *bootstrap_token, *trustd_token;
};

struct render_manifest {
	const char *name;
	const char *contents;		/* multi-document YAML */
};

struct render_input {
	const struct desc *d;
	const struct render_pki *pki;
	const char *secretbox;		/* base64 of 32 bytes, no trailing newline */
	int new_cluster;		/* no etcd to join: the first control plane is init */
	const struct render_manifest *manifests;	/* control planes only */
	int nmanifests;
	const char *extra_manifest_url;	/* fetched by the nodes (ESO's CRDs), or NULL */
};

/* The node's machine config (YAML, one or more documents) into out. */
int render_config(const struct render_input *in, int node, char *out, size_t cap,
		  struct err *e);

/* Which described node is init when the cluster is new: the first
 * control plane. */
int render_init_node(const struct desc *d);

/* NoCloud meta-data (instance-id, local-hostname) and network-config
 * (version 2, matched by the VM's MAC). */
int render_meta_data(const struct desc *d, int node, char *out, size_t cap, struct err *e);
int render_network_config(const struct desc *d, int node, char *out, size_t cap,
			  struct err *e);

/* The installer image for the described version and schematic. */
void render_installer(const struct desc *d, char *out, size_t cap);

#endif
