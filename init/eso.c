/* The ESO manifests, written from what the controller needs (its flags,
 * the API calls its reconcilers make), not copied from upstream's chart.
 *
 * Order. Talos gives every inline manifest the ID "99-<name>", sorts by ID,
 * flattens all objects and stable-sorts them: Namespaces, then CRDs, then
 * the rest in their original order. It creates each object once. A custom
 * resource whose CRD is not yet Established fails with a mapping error,
 * which Talos collects and retries on the next pass; only connection-type
 * errors (such as an admission webhook that is not up) abort a pass, and
 * nothing here has a webhook. Still, the names sort so that the custom
 * resources come after everything else ("castellan-eso-1-..." to "-4-"):
 * the controller and its RBAC, then the identity Secret the store points
 * at, then the store, then the canary, whose ExternalSecret precedes the
 * PushSecret that reads its target. */
#include "eso.h"

#include <stdio.h>
#include <string.h>

#include "textbuf.h"
#include "wipe.h"


static void put_q(struct textbuf *w, const char *s)
{
	textbuf_quoted(w, s, strlen(s));
}



static const char *or_default(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

void eso_crds_url(const char *version, char *out, size_t cap)
{
	snprintf(out, cap,
		 "https://raw.githubusercontent.com/external-secrets/external-secrets/%s/deploy/crds/bundle.yaml",
		 or_default(version, ESO_DEFAULT_VERSION));
}

void eso_image(const char *version, char *out, size_t cap)
{
	snprintf(out, cap, "%s:%s", ESO_IMAGE_REPO, or_default(version, ESO_DEFAULT_VERSION));
}

/* --- validation --- */

/* 1-4 decimal digits at *s, then the separator sep. */
static int number(const char **s, char sep, unsigned *out)
{
	int n = 0;

	for (*out = 0; **s >= '0' && **s <= '9' && n < 4; (*s)++, n++)
		*out = *out * 10 + (unsigned)(**s - '0');
	if (!n || **s != sep)
		return -1;
	if (sep)
		(*s)++;
	return 0;
}

static int version_ok(const char *v, struct err *e)
{
	unsigned maj, min, pat;
	const char *s = v + 1;

	if (v[0] != 'v' || number(&s, '.', &maj) < 0 || number(&s, '.', &min) < 0 ||
	    number(&s, '\0', &pat) < 0)
		return err_set(e, "eso: version \"%s\" is not a release tag such as %s", v, ESO_DEFAULT_VERSION);
	/* PushSecret to Infisical arrived in v2.7.0; the canary cannot work before. */
	if (maj < 2 || (maj == 2 && min < 7))
		return err_set(e, "eso: version \"%s\" is older than v2.7.0, the first whose Infisical "
			       "provider can write secrets (the canary echo needs it)", v);
	return 0;
}

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A DNS-1123 label of at most max characters. */
static int dns_label(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/* No whitespace or control characters: these values are single tokens. */
static int token(const char *s)
{
	if (!s || !*s)
		return 0;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c <= 0x20 || *c == 0x7f)
			return 0;
	return 1;
}

/* Infisical secret names: letters, digits, '_', '-', '.'. */
static int key_name(const char *s)
{
	if (!s || !*s || strlen(s) > 128)
		return 0;
	for (const char *c = s; *c; c++)
		if (!(*c >= 'A' && *c <= 'Z') && !(*c >= 'a' && *c <= 'z') &&
		    !(*c >= '0' && *c <= '9') && !strchr("_-.", *c))
			return 0;
	return 1;
}

static int scope_ok(const struct eso_params *p, struct err *e)
{
	if (!token(p->host_api) || strncmp(p->host_api, "https://", 8) != 0 ||
	    !p->host_api[8] || p->host_api[8] == '/')
		return err_set(e, "eso: hostAPI \"%s\" is not an https URL such as https://eu.infisical.com",
			       p->host_api ? p->host_api : "");
	if (!token(p->project_slug))
		return err_set(e, "eso: the Infisical project slug is empty or has spaces");
	if (!token(p->environment_slug))
		return err_set(e, "eso: the Infisical environment slug is empty or has spaces");
	if (!token(p->secrets_path) || p->secrets_path[0] != '/')
		return err_set(e, "eso: secretsPath \"%s\" is not a folder path starting with /",
			       p->secrets_path ? p->secrets_path : "");
	return 0;
}

static int canary_ok(const struct eso_params *p, struct err *e)
{
	if (!p->run_id || !dns_label(p->run_id, 40))
		return err_set(e, "eso: run id \"%s\" is not 1-40 lowercase letters, digits and "
			       "inner hyphens", p->run_id ? p->run_id : "");
	if (!key_name(p->canary_key))
		return err_set(e, "eso: canary key \"%s\" is not an Infisical secret name "
			       "(letters, digits, _ - .)", p->canary_key ? p->canary_key : "");
	if (!key_name(p->echo_key))
		return err_set(e, "eso: echo key \"%s\" is not an Infisical secret name "
			       "(letters, digits, _ - .)", p->echo_key ? p->echo_key : "");
	if (strcmp(p->canary_key, p->echo_key) == 0)
		return err_set(e, "eso: the echo key must differ from the canary key \"%s\"", p->canary_key);
	return 0;
}

static int params_ok(const struct eso_params *p, struct err *e)
{
	const char *ns = or_default(p->namespace, ESO_DEFAULT_NAMESPACE);

	if (version_ok(or_default(p->version, ESO_DEFAULT_VERSION), e) < 0)
		return -1;
	if (!dns_label(ns, 63))
		return err_set(e, "eso: namespace \"%s\" is not a DNS label (lowercase letters, "
			       "digits, inner hyphens, at most 63)", ns);
	if (scope_ok(p, e) < 0 || canary_ok(p, e) < 0)
		return -1;
	/* The values are secrets: name them, never show them. */
	if (!p->client_id || !p->client_id_len)
		return err_set(e, "eso: the ESO client id is empty");
	if (!p->client_secret || !p->client_secret_len)
		return err_set(e, "eso: the ESO client secret is empty");
	if (p->ca_pem && *p->ca_pem && !strstr(p->ca_pem, "-----BEGIN CERTIFICATE-----"))
		return err_set(e, "eso: the Infisical CA is not a PEM certificate");
	return 0;
}

/* --- objects --- */

#define LABELS "    app.kubernetes.io/managed-by: castellan\n"
#define APP_LABELS "    app.kubernetes.io/name: external-secrets\n" LABELS

static void meta(struct textbuf *w, const char *name, const char *ns, const char *labels)
{
	textbuf_put(w, "metadata:\n  name: ");
	put_q(w, name);
	textbuf_put(w, "\n");
	if (ns) {
		textbuf_put(w, "  namespace: ");
		put_q(w, ns);
		textbuf_put(w, "\n");
	}
	textbuf_put(w, "  labels:\n%s", labels);
}

static void obj(struct textbuf *w, const char *api, const char *kind, const char *name,
		const char *ns, const char *labels)
{
	if (w->len)
		textbuf_put(w, "---\n");
	textbuf_put(w, "apiVersion: %s\nkind: %s\n", api, kind);
	meta(w, name, ns, labels);
}

/* Pods in it must meet the restricted Pod Security profile, as ESO's do. */
static void namespace(struct textbuf *w, const char *ns)
{
	obj(w, "v1", "Namespace", ns, NULL,
	    APP_LABELS "    pod-security.kubernetes.io/enforce: restricted\n");
}

/* What the reconcilers call: they read every store and secret kind and
 * write their status and finalizers; ClusterExternalSecret and
 * ClusterPushSecret create their namespaced children and put finalizers on
 * namespaces; generators are read (GeneratorState is written); Secrets are
 * read and written (targets, and PushSecret sources); ConfigMaps and
 * ServiceAccounts are read and tokens requested for stores that
 * authenticate as a service account; events are recorded. */
static const char cluster_rules[] =
	"rules:\n"
	"  - apiGroups: [external-secrets.io]\n"
	"    resources: [secretstores, clustersecretstores, externalsecrets, clusterexternalsecrets,\n"
	"      pushsecrets, clusterpushsecrets]\n"
	"    verbs: [get, list, watch]\n"
	"  - apiGroups: [external-secrets.io]\n"
	"    resources: [secretstores/status, secretstores/finalizers, clustersecretstores/status,\n"
	"      clustersecretstores/finalizers, externalsecrets/status, externalsecrets/finalizers,\n"
	"      clusterexternalsecrets/status, clusterexternalsecrets/finalizers, pushsecrets/status,\n"
	"      pushsecrets/finalizers, clusterpushsecrets/status, clusterpushsecrets/finalizers]\n"
	"    verbs: [get, update, patch]\n"
	"  - apiGroups: [external-secrets.io]\n"
	"    resources: [secretstores, clustersecretstores, externalsecrets, clusterexternalsecrets,\n"
	"      pushsecrets, clusterpushsecrets]\n"
	"    verbs: [update, patch]\n"
	"  - apiGroups: [external-secrets.io]\n"
	"    resources: [externalsecrets, pushsecrets]\n"
	"    verbs: [create, delete]\n"
	"  - apiGroups: [generators.external-secrets.io]\n"
	"    resources: [\"*\"]\n"
	"    verbs: [get, list, watch]\n"
	"  - apiGroups: [generators.external-secrets.io]\n"
	"    resources: [generatorstates]\n"
	"    verbs: [create, update, patch, delete, deletecollection]\n"
	"  - apiGroups: [\"\"]\n"
	"    resources: [secrets]\n"
	"    verbs: [get, list, watch, create, update, patch, delete]\n"
	"  - apiGroups: [\"\"]\n"
	"    resources: [configmaps, serviceaccounts]\n"
	"    verbs: [get, list, watch]\n"
	"  - apiGroups: [\"\"]\n"
	"    resources: [namespaces]\n"
	"    verbs: [get, list, watch, update, patch]\n"
	"  - apiGroups: [\"\"]\n"
	"    resources: [serviceaccounts/token]\n"
	"    verbs: [create]\n"
	"  - apiGroups: [\"\", events.k8s.io]\n"
	"    resources: [events]\n"
	"    verbs: [create, patch]\n";

static void subject(struct textbuf *w, const char *ns)
{
	textbuf_put(w, "subjects:\n  - kind: ServiceAccount\n    name: external-secrets\n    namespace: ");
	put_q(w, ns);
	textbuf_put(w, "\n");
}

static void rbac(struct textbuf *w, const char *ns)
{
	obj(w, "v1", "ServiceAccount", "external-secrets", ns, APP_LABELS);
	obj(w, "rbac.authorization.k8s.io/v1", "ClusterRole", "external-secrets-controller", NULL, APP_LABELS);
	textbuf_put(w, "%s", cluster_rules);
	obj(w, "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "external-secrets-controller",
	    NULL, APP_LABELS);
	textbuf_put(w, "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n"
	    "  name: external-secrets-controller\n");
	subject(w, ns);
	/* Leader election keeps a rollout's old and new pods from both
	 * reconciling; it takes a Lease in ESO's own namespace. */
	obj(w, "rbac.authorization.k8s.io/v1", "Role", "external-secrets-leader-election", ns, APP_LABELS);
	textbuf_put(w, "rules:\n  - apiGroups: [coordination.k8s.io]\n    resources: [leases]\n"
	    "    verbs: [get, list, watch, create, update, patch]\n");
	obj(w, "rbac.authorization.k8s.io/v1", "RoleBinding", "external-secrets-leader-election",
	    ns, APP_LABELS);
	textbuf_put(w, "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n"
	    "  name: external-secrets-leader-election\n");
	subject(w, ns);
}

/* The flags are the controller's own defaults spelled out, plus leader
 * election; it serves no webhook, so it needs no certificate. The
 * toleration lets it run on a control plane: a cluster of control planes
 * only keeps their NoSchedule taint unless told otherwise. */
static const char pod_spec_head[] =
	"    spec:\n"
	"      serviceAccountName: external-secrets\n"
	"      automountServiceAccountToken: true\n"
	"      securityContext:\n"
	"        runAsNonRoot: true\n"
	"        runAsUser: 65534\n"
	"        runAsGroup: 65534\n"
	"        seccompProfile:\n"
	"          type: RuntimeDefault\n"
	"      tolerations:\n"
	"        - key: node-role.kubernetes.io/control-plane\n"
	"          operator: Exists\n"
	"          effect: NoSchedule\n"
	"      containers:\n"
	"        - name: external-secrets\n";

static const char container_spec[] =
	"          imagePullPolicy: IfNotPresent\n"
	"          args:\n"
	"            - --enable-leader-election=true\n"
	"            - --leader-election-id=external-secrets-controller\n"
	"            - --concurrent=1\n"
	"            - --metrics-addr=:8080\n"
	"            - --live-addr=:8082\n"
	"            - --loglevel=info\n"
	"            - --zap-time-encoding=iso8601\n"
	"          ports:\n"
	"            - {name: metrics, containerPort: 8080, protocol: TCP}\n"
	"            - {name: live, containerPort: 8082, protocol: TCP}\n"
	"          readinessProbe:\n"
	"            httpGet: {path: /readyz, port: live}\n"
	"            periodSeconds: 10\n"
	"          livenessProbe:\n"
	"            httpGet: {path: /healthz, port: live}\n"
	"            initialDelaySeconds: 10\n"
	"            periodSeconds: 10\n"
	"            failureThreshold: 5\n"
	"          resources:\n"
	"            requests: {cpu: 10m, memory: 64Mi}\n"
	"          securityContext:\n"
	"            allowPrivilegeEscalation: false\n"
	"            readOnlyRootFilesystem: true\n"
	"            capabilities:\n"
	"              drop: [ALL]\n";

static void deployment(struct textbuf *w, const char *ns, const char *version)
{
	char image[160];

	eso_image(version, image, sizeof image);
	obj(w, "apps/v1", "Deployment", "external-secrets", ns, APP_LABELS);
	textbuf_put(w, "spec:\n  replicas: 1\n  revisionHistoryLimit: 2\n"
	    "  selector:\n    matchLabels:\n      app.kubernetes.io/name: external-secrets\n"
	    "  template:\n    metadata:\n      labels:\n"
	    "        app.kubernetes.io/name: external-secrets\n%s", pod_spec_head);
	textbuf_put(w, "          image: ");
	put_q(w, image);
	textbuf_put(w, "\n%s", container_spec);
}

static void identity(struct textbuf *w, const struct eso_params *p, const char *ns)
{
	obj(w, "v1", "Secret", ESO_IDENTITY_SECRET, ns, LABELS);
	textbuf_put(w, "type: Opaque\ndata:\n  clientId: ");
	textbuf_base64(w, p->client_id, p->client_id_len);
	textbuf_put(w, "\n  clientSecret: ");
	textbuf_base64(w, p->client_secret, p->client_secret_len);
	textbuf_put(w, "\n");
}

static void credential(struct textbuf *w, const char *field, const char *ns)
{
	textbuf_put(w, "          %s:\n            name: " ESO_IDENTITY_SECRET "\n            namespace: ", field);
	put_q(w, ns);
	textbuf_put(w, "\n            key: %s\n", field);
}

static void scope_field(struct textbuf *w, const char *field, const char *value)
{
	textbuf_put(w, "        %s: ", field);
	put_q(w, value);
	textbuf_put(w, "\n");
}

static void store(struct textbuf *w, const struct eso_params *p, const char *ns)
{
	size_t host = strlen(p->host_api);

	/* The base URL as the description gives it: ESO's Infisical SDK
	 * appends /api itself unless the URL already ends in it. */
	while (host > 8 && p->host_api[host - 1] == '/')
		host--;
	obj(w, "external-secrets.io/v1", "ClusterSecretStore", ESO_STORE_NAME, NULL, LABELS);
	textbuf_put(w, "spec:\n  provider:\n    infisical:\n      hostAPI: ");
	textbuf_quoted(w, p->host_api, host);
	textbuf_put(w, "\n      auth:\n        universalAuthCredentials:\n");
	credential(w, "clientId", ns);
	credential(w, "clientSecret", ns);
	textbuf_put(w, "      secretsScope:\n");
	scope_field(w, "projectSlug", p->project_slug);
	scope_field(w, "environmentSlug", p->environment_slug);
	scope_field(w, "secretsPath", p->secrets_path);
	if (p->ca_pem && *p->ca_pem) {
		textbuf_put(w, "      caBundle: ");
		textbuf_base64(w, p->ca_pem, strlen(p->ca_pem));
		textbuf_put(w, "\n");
	}
}

/* Read once (CreatedOnce) and pushed once (refreshInterval 0s): after the
 * run deletes the echo, nothing writes it back, and the leftover objects
 * never call Infisical again. Their names carry the run id because Talos
 * never updates an object that already exists. */
static void canary(struct textbuf *w, const struct eso_params *p, const char *ns)
{
	char name[64];

	snprintf(name, sizeof name, "castellan-canary-%s", p->run_id);
	obj(w, "external-secrets.io/v1", "ExternalSecret", name, ns, LABELS);
	textbuf_put(w, "spec:\n  refreshPolicy: CreatedOnce\n"
	    "  secretStoreRef: {kind: ClusterSecretStore, name: " ESO_STORE_NAME "}\n"
	    "  target: {name: %s, creationPolicy: Owner}\n"
	    "  data:\n    - secretKey: canary\n      remoteRef:\n        key: ", name);
	put_q(w, p->canary_key);
	textbuf_put(w, "\n");

	snprintf(name, sizeof name, "castellan-echo-%s", p->run_id);
	obj(w, "external-secrets.io/v1alpha1", "PushSecret", name, ns, LABELS);
	textbuf_put(w, "spec:\n  refreshInterval: 0s\n  updatePolicy: Replace\n  deletionPolicy: None\n"
	    "  secretStoreRefs:\n    - {kind: ClusterSecretStore, name: " ESO_STORE_NAME "}\n"
	    "  selector:\n    secret: {name: castellan-canary-%s}\n"
	    "  data:\n    - match:\n        secretKey: canary\n        remoteRef:\n          remoteKey: ",
	    p->run_id);
	put_q(w, p->echo_key);
	textbuf_put(w, "\n");
}

/* --- the manifests --- */

static const char *const names[ESO_NPARTS] = {
	"castellan-eso-1-controller", "castellan-eso-2-identity",
	"castellan-eso-3-store", "castellan-eso-4-canary",
};

static void part(struct textbuf *w, int i, const struct eso_params *p, const char *ns)
{
	switch (i) {
	case ESO_CONTROLLER:
		namespace(w, ns);
		rbac(w, ns);
		deployment(w, ns, or_default(p->version, ESO_DEFAULT_VERSION));
		break;
	case ESO_IDENTITY:
		identity(w, p, ns);
		break;
	case ESO_STORE:
		store(w, p, ns);
		break;
	default:
		canary(w, p, ns);
	}
}

int eso_render(const struct eso_params *p, char *buf, size_t cap,
	       struct eso_manifest out[ESO_NPARTS], struct err *e)
{
	const char *ns = or_default(p->namespace, ESO_DEFAULT_NAMESPACE);
	size_t used = 0;

	if (params_ok(p, e) < 0)
		return -1;
	for (int i = 0; i < ESO_NPARTS; i++) {
		struct textbuf w;

		textbuf_init(&w, used < cap ? buf + used : NULL, used < cap ? cap - used : 0);
		part(&w, i, p, ns);
		out[i] = (struct eso_manifest){ names[i], w.p, w.len };
		used += w.len + 1;	/* each text ends in a NUL */
	}
	if (used > cap) {
		wipe(buf, cap);
		for (int i = 0; i < ESO_NPARTS; i++)
			out[i].contents = NULL;
		return err_set(e, "eso: the manifests need %zu bytes; the buffer holds %zu", used, cap);
	}
	return 0;
}
