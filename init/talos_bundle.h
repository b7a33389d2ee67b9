/* talos_bundle: the Talos secrets bundle, and the credentials it issues.
 *
 * The bundle is what `talosctl gen secrets` writes (YAML: cluster.id,
 * cluster.secret, secrets.bootstraptoken, secrets.secretboxencryptionsecret,
 * trustdinfo.token, certs.{etcd,k8s,k8saggregator,os}.{crt,key},
 * certs.k8sserviceaccount.key; every crt and key is standard base64 of PEM
 * text). This module generates one (ECDSA P-256 CAs, including the os CA,
 * so BearSSL can sign with it; an RSA-4096 service-account key), reads one
 * back checking what Talos's Bundle.Validate checks and a little more,
 * writes it out, and issues the handback credentials: a talosconfig signed
 * by the os CA and an admin kubeconfig signed by the Kubernetes CA.
 *
 * The struct is large and full of secrets: the caller allocates it in the
 * arena and calls talos_bundle_register. The YAML read is parsed by hand,
 * in place, so no value passes through a general parser's heap (libyaml's
 * is not wiped); values are decoded straight into the struct. Output
 * buffers are the caller's; the texts they receive hold private keys, so
 * they belong in the arena too. Errors are one sentence naming the field,
 * never quoting a value. Pure: time and randomness are parameters.
 */
#ifndef CASTELLAN_TALOS_BUNDLE_H
#define CASTELLAN_TALOS_BUNDLE_H

#include <bearssl.h>
#include <stddef.h>

#include "arena.h"
#include "err.h"
#include "x509.h"

#define TB_PEM_MAX 8192		/* one certificate or key, as PEM text */
#define TB_VALUE_MAX 128	/* ids, tokens, the secretbox key */

struct talos_pair {
	char crt[TB_PEM_MAX];	/* PEM text; the YAML holds its base64 */
	char key[TB_PEM_MAX];
	enum x509_keytype key_type;
};

struct talos_bundle {
	char cluster_id[TB_VALUE_MAX];
	char cluster_secret[TB_VALUE_MAX];
	char bootstrap_token[TB_VALUE_MAX];	/* [a-z0-9]{6}.[a-z0-9]{16} */
	char secretbox[TB_VALUE_MAX];		/* base64 of 32 bytes */
	char trustd_token[TB_VALUE_MAX];
	struct talos_pair etcd, k8s, k8s_aggregator, os;
	char sa_key[TB_PEM_MAX];
	enum x509_keytype sa_key_type;
};

/* cluster.id's alphabet: Talos up to 1.13 writes URL-safe base64, 1.14 on
 * standard base64 (both padded). */
enum talos_id_alphabet { TALOS_ID_URLSAFE, TALOS_ID_STD };

/* A new bundle. secretbox (len bytes, standard base64 of 32 bytes) comes
 * from TALOS_SECRETBOX_KEY: it is never generated here. now is seconds
 * since the epoch; the CAs are valid from a few minutes before it for
 * 87600 hours. One RSA-4096 key: seconds of work. */
int talos_bundle_generate(struct talos_bundle *b, const char *secretbox, size_t len,
			  enum talos_id_alphabet alphabet, long long now,
			  const br_prng_class **rng, struct err *e);

/* Reads a bundle from its YAML (e.g. the TALOS_SECRETS value) and
 * validates it: every field present, tokens and keys of the right shape,
 * each certificate a CA whose key is the one beside it. An Ed25519 os CA
 * (talosctl's default) is accepted here; only issuing the talosconfig
 * needs an os CA castellan can sign with. */
int talos_bundle_parse(struct talos_bundle *b, const char *text, size_t len, struct err *e);

/* The bundle as talosctl writes it. Returns the length, or -1 when cap is
 * too small (a generated bundle is about 10 KB; 128 KB holds any bundle
 * the struct can). */
long talos_bundle_yaml(const struct talos_bundle *b, char *out, size_t cap, struct err *e);

/* Registers every secret field of b with the arena, for log redaction.
 * 0, or -1 when the arena's table is full. */
int talos_bundle_register(const struct talos_bundle *b, struct arena *a);

/* Inputs for the credentials handed back to the operator. */
struct talos_handback {
	const char *cluster;		/* context and cluster name */
	const char *const *endpoints;	/* talosconfig: control-plane addresses */
	int nendpoints;
	const char *server;		/* kubeconfig: e.g. https://10.0.0.10:6443 */
	long long now;
	long long lifetime;		/* seconds the client certificate lives; 0: a year */
	const br_prng_class **rng;
};

/* A talosconfig for h->cluster: the os CA, and a client certificate
 * O=os:admin (as talosctl gen config makes it: no CN, KeyUsage
 * DigitalSignature, ExtKeyUsage clientAuth) on a new P-256 key. An Ed25519
 * os CA is refused in one sentence. Returns the length, or -1. About 2 KB
 * with ECDSA CAs; 16 KB is room for any. */
long talos_bundle_talosconfig(const struct talos_bundle *b, const struct talos_handback *h,
			      char *out, size_t cap, struct err *e);

/* An admin kubeconfig (Talos's layout): the Kubernetes CA, and a client
 * certificate CN=admin, O=system:masters (KeyUsage DigitalSignature and
 * KeyEncipherment, ExtKeyUsage clientAuth) on a new P-256 key. */
long talos_bundle_kubeconfig(const struct talos_bundle *b, const struct talos_handback *h,
			     char *out, size_t cap, struct err *e);

#endif
