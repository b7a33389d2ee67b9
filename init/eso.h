/* eso: the External Secrets Operator objects castellan puts into the Talos
 * control-plane configs as inline manifests.
 *
 * Pure. Renders, as YAML text in the caller's buffer, four named manifests
 * that Talos creates once at cluster birth: ESO's controller (namespace,
 * service account, RBAC, Deployment; no validating webhook and no
 * cert-controller, so no admission call can stall Talos's apply pass), the
 * Secret holding the ESO identity, a ClusterSecretStore for Infisical, and
 * the canary pair of shared/DESIGN.md §3 (an ExternalSecret reading the
 * per-run canary key, a PushSecret writing it back under the echo key).
 * ESO's CRDs are not rendered: the nodes fetch them from eso_crds_url().
 * Every value from the description is validated, then emitted double-quoted.
 */
#ifndef CASTELLAN_ESO_H
#define CASTELLAN_ESO_H

#include <stddef.h>

#include "err.h"

/* v2.9.0 (2026-08-07), the newest release when this was written. Its
 * Infisical provider implements PushSecret, which the canary needs (it
 * arrived in v2.7.0, so older versions are refused), and it serves
 * external-secrets.io/v1 (v1beta1 is unserved since v0.17.0) and
 * PushSecret as external-secrets.io/v1alpha1. The image is
 * ghcr.io/external-secrets/external-secrets:<version>, the distroless build
 * with every provider compiled in. The description can override the version. */
#define ESO_DEFAULT_VERSION "v2.9.0"
#define ESO_IMAGE_REPO "ghcr.io/external-secrets/external-secrets"
#define ESO_DEFAULT_NAMESPACE "external-secrets"
/* What workloads name in their ExternalSecrets' secretStoreRef. */
#define ESO_STORE_NAME "infisical"
/* The Secret, in ESO's namespace, that the store's credentials point at. */
#define ESO_IDENTITY_SECRET "castellan-eso-identity"

struct eso_params {
	const char *version;		/* "vX.Y.Z" >= v2.7.0; NULL or "": the default */
	const char *namespace;		/* DNS label; NULL or "": the default */
	const char *host_api;		/* https base URL, e.g. https://eu.infisical.com */
	const char *project_slug;
	const char *environment_slug;
	const char *secrets_path;	/* "/" or "/castle" */
	const char *client_id;		/* ESO's own identity, never the appliance's */
	size_t client_id_len;
	const char *client_secret;
	size_t client_secret_len;
	const char *run_id;		/* [a-z0-9-], names the canary objects */
	const char *canary_key;		/* e.g. CASTELLAN_CANARY_<run>, read by ESO */
	const char *echo_key;		/* e.g. CASTELLAN_ECHO_<run>, written by ESO */
	const char *ca_pem;		/* self-hosted Infisical's CA; NULL or "": none */
};

/* In the order Talos applies them: see eso.c on why the names sort so. */
enum eso_part { ESO_CONTROLLER, ESO_IDENTITY, ESO_STORE, ESO_CANARY, ESO_NPARTS };

struct eso_manifest {
	const char *name;		/* the inline manifest's name, static */
	const char *contents;		/* NUL-terminated YAML inside the caller's buffer */
	size_t len;
};

/* The release's CRD bundle, fetched by the nodes (cluster.extraManifests,
 * or a KubeExternalManifestConfig on Talos 1.14): the file at the release
 * tag in the repository, fixed by the tag. version NULL or "": default. */
void eso_crds_url(const char *version, char *out, size_t cap);

/* The controller image for version (NULL or "": default). */
void eso_image(const char *version, char *out, size_t cap);

/* Renders the four manifests into buf, one NUL-terminated text after the
 * other, and points out[] into it. Returns 0, or -1 with one sentence
 * naming the bad field (never a secret value) or saying how many bytes buf
 * needs (about 8 KiB, plus 4/3 of the CA PEM); on that failure buf is
 * zeroed. buf receives the ESO client id and secret (base64, in
 * out[ESO_IDENTITY]): allocate it where secrets live and wipe it after. */
int eso_render(const struct eso_params *p, char *buf, size_t cap,
	       struct eso_manifest out[ESO_NPARTS], struct err *e);

#endif
