/* The ESO manifests: every object there, in the order Talos applies them,
 * pointing at the right namespace and store; values quoted; the client
 * secret only in the identity Secret; one sentence per bad field. */
#include "check.h"
#include "base64.h"
#include "eso.h"

#define ID "3f0c9a1e-5b2d-4c7e-9f10-aa55bb66cc77"
#define SECRET "s3cr3t-0123456789abcdef-never-shown"
#define PEM "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"

static char buf[65536];
static struct eso_manifest m[ESO_NPARTS];
static struct err e;

static struct eso_params sample(void)
{
	return (struct eso_params){
		.host_api = "https://eu.infisical.com/", .project_slug = "homelab",
		.environment_slug = "prod", .secrets_path = "/castle",
		.client_id = ID, .client_id_len = strlen(ID),
		.client_secret = SECRET, .client_secret_len = strlen(SECRET),
		.run_id = "r20260901-7f3a", .canary_key = "CASTELLAN_CANARY_R7F3A",
		.echo_key = "CASTELLAN_ECHO_R7F3A",
	};
}

static int render(const struct eso_params *p)
{
	e.msg[0] = '\0';
	return eso_render(p, buf, sizeof buf, m, &e);
}

/* How many times frag occurs in s. */
static int count(const char *s, const char *frag)
{
	int n = 0;

	for (const char *q = strstr(s, frag); q; q = strstr(q + 1, frag))
		n++;
	return n;
}

static void objects(void)
{
	struct eso_params p = sample();

	CHECK(render(&p) == 0);
	CHECK_STR(m[ESO_CONTROLLER].name, "castellan-eso-1-controller");
	CHECK_STR(m[ESO_IDENTITY].name, "castellan-eso-2-identity");
	CHECK_STR(m[ESO_STORE].name, "castellan-eso-3-store");
	CHECK_STR(m[ESO_CANARY].name, "castellan-eso-4-canary");
	for (int i = 0; i < ESO_NPARTS; i++) {
		CHECK(strlen(m[i].contents) == m[i].len);
		CHECK(m[i].contents[m[i].len - 1] == '\n');
		/* Talos applies inline manifests in name order */
		if (i)
			CHECK(strcmp(m[i - 1].name, m[i].name) < 0);
	}

	const char *c = m[ESO_CONTROLLER].contents;
	CHECK(strncmp(c, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: \"external-secrets\"\n", 68) == 0);
	CHECK_HAS(c, "pod-security.kubernetes.io/enforce: restricted");
	CHECK_HAS(c, "kind: ServiceAccount\nmetadata:\n  name: \"external-secrets\"\n  namespace: \"external-secrets\"");
	CHECK_HAS(c, "kind: ClusterRole\n");
	CHECK_HAS(c, "kind: ClusterRoleBinding\n");
	CHECK_HAS(c, "kind: Role\n");
	CHECK_HAS(c, "kind: RoleBinding\n");
	CHECK_HAS(c, "kind: Deployment\n");
	CHECK_HAS(c, "resources: [leases]");
	CHECK_HAS(c, "resources: [serviceaccounts/token]");
	CHECK_HAS(c, "image: \"ghcr.io/external-secrets/external-secrets:" ESO_DEFAULT_VERSION "\"");
	CHECK_HAS(c, "- --enable-leader-election=true\n");
	CHECK_HAS(c, "key: node-role.kubernetes.io/control-plane\n          operator: Exists\n"
		  "          effect: NoSchedule");
	CHECK_HAS(c, "readOnlyRootFilesystem: true");
	CHECK_HAS(c, "drop: [ALL]");
	CHECK(count(c, "---\n") == 6);
	/* no webhook, no cert-controller */
	CHECK(strstr(c, "webhook") == NULL && strstr(c, "cert-controller") == NULL);

	const char *s = m[ESO_STORE].contents;
	CHECK_HAS(s, "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata:\n"
		  "  name: \"" ESO_STORE_NAME "\"\n");
	CHECK_HAS(s, "hostAPI: \"https://eu.infisical.com\"\n");
	CHECK_HAS(s, "projectSlug: \"homelab\"\n        environmentSlug: \"prod\"\n"
		  "        secretsPath: \"/castle\"\n");
	CHECK(count(s, "name: " ESO_IDENTITY_SECRET "\n            namespace: \"external-secrets\"\n") == 2);
	CHECK_HAS(s, "key: clientId\n");
	CHECK_HAS(s, "key: clientSecret\n");
	CHECK(strstr(s, "caBundle") == NULL);

	const char *k = m[ESO_CANARY].contents;
	CHECK_HAS(k, "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n"
		  "  name: \"castellan-canary-r20260901-7f3a\"\n  namespace: \"external-secrets\"\n");
	CHECK_HAS(k, "secretStoreRef: {kind: ClusterSecretStore, name: " ESO_STORE_NAME "}");
	CHECK_HAS(k, "target: {name: castellan-canary-r20260901-7f3a, creationPolicy: Owner}");
	CHECK_HAS(k, "key: \"CASTELLAN_CANARY_R7F3A\"\n");
	CHECK_HAS(k, "---\napiVersion: external-secrets.io/v1alpha1\nkind: PushSecret\nmetadata:\n"
		  "  name: \"castellan-echo-r20260901-7f3a\"\n");
	CHECK_HAS(k, "secret: {name: castellan-canary-r20260901-7f3a}");
	CHECK_HAS(k, "secretKey: canary\n        remoteRef:\n          remoteKey: \"CASTELLAN_ECHO_R7F3A\"\n");
	CHECK_HAS(k, "deletionPolicy: None");
	/* the ExternalSecret comes before the PushSecret that reads its target */
	CHECK(strstr(k, "kind: ExternalSecret") < strstr(k, "kind: PushSecret"));
}

static void secret_only_in_identity(void)
{
	struct eso_params p = sample();
	char id64[128], secret64[128];

	p.ca_pem = PEM;
	CHECK(render(&p) == 0);
	base64_encode(id64, (const unsigned char *)ID, strlen(ID), BASE64_PAD);
	base64_encode(secret64, (const unsigned char *)SECRET, strlen(SECRET), BASE64_PAD);
	CHECK_HAS(m[ESO_IDENTITY].contents, "kind: Secret\n");
	CHECK_HAS(m[ESO_IDENTITY].contents, "name: \"" ESO_IDENTITY_SECRET "\"\n  namespace: \"external-secrets\"\n");
	CHECK(count(m[ESO_IDENTITY].contents, secret64) == 1);
	CHECK(count(m[ESO_IDENTITY].contents, id64) == 1);
	for (int i = 0; i < ESO_NPARTS; i++) {
		CHECK(strstr(m[i].contents, SECRET) == NULL);
		CHECK(strstr(m[i].contents, ID) == NULL);
		if (i != ESO_IDENTITY)
			CHECK(strstr(m[i].contents, secret64) == NULL);
	}
	/* the CA goes in as base64 PEM */
	char ca64[200];
	base64_encode(ca64, (const unsigned char *)PEM, strlen(PEM), BASE64_PAD);
	CHECK(count(m[ESO_STORE].contents, ca64) == 1);
	CHECK(strstr(m[ESO_STORE].contents, "caBundle: ") != NULL);
}

static void overrides(void)
{
	struct eso_params p = sample();
	char url[200];

	p.version = "v2.8.0";
	p.namespace = "infra-secrets";
	p.project_slug = "odd\"slug\\x";
	p.secrets_path = "/";
	CHECK(render(&p) == 0);
	CHECK_HAS(m[ESO_CONTROLLER].contents, "external-secrets:v2.8.0\"");
	CHECK_HAS(m[ESO_STORE].contents, "projectSlug: \"odd\\\"slug\\\\x\"\n");
	CHECK_HAS(m[ESO_STORE].contents, "secretsPath: \"/\"\n");
	/* every namespace reference follows */
	for (int i = 0; i < ESO_NPARTS; i++) {
		CHECK(strstr(m[i].contents, "namespace: \"external-secrets\"") == NULL);
		CHECK(count(m[i].contents, "namespace: ") == count(m[i].contents, "namespace: \"infra-secrets\"\n"));
	}
	CHECK(count(m[ESO_CONTROLLER].contents, "namespace: \"infra-secrets\"") == 6);
	CHECK_HAS(m[ESO_CONTROLLER].contents, "kind: Namespace\nmetadata:\n  name: \"infra-secrets\"\n");

	eso_crds_url(NULL, url, sizeof url);
	CHECK_STR(url, "https://raw.githubusercontent.com/external-secrets/external-secrets/"
		  ESO_DEFAULT_VERSION "/deploy/crds/bundle.yaml");
	eso_crds_url("v2.8.0", url, sizeof url);
	CHECK_STR(url, "https://raw.githubusercontent.com/external-secrets/external-secrets/v2.8.0/deploy/crds/bundle.yaml");
	eso_image("", url, sizeof url);
	CHECK_STR(url, "ghcr.io/external-secrets/external-secrets:" ESO_DEFAULT_VERSION);
}

/* Renders with one field changed and returns the sentence. */
#define BAD(field, value) do { \
	struct eso_params p_ = sample(); \
	p_.field = value; \
	CHECK(render(&p_) < 0); \
} while (0)

static void errors(void)
{
	BAD(version, "v2.6.3");
	CHECK_STR(e.msg, "eso: version \"v2.6.3\" is older than v2.7.0, the first whose Infisical "
		  "provider can write secrets (the canary echo needs it)");
	BAD(version, "v1.3.2");
	CHECK_HAS(e.msg, "older than v2.7.0");
	BAD(version, "2.9.0");
	CHECK_STR(e.msg, "eso: version \"2.9.0\" is not a release tag such as " ESO_DEFAULT_VERSION);
	BAD(version, "v2.9");
	CHECK_HAS(e.msg, "is not a release tag");
	BAD(version, "v2.9.0-rc.1");
	CHECK_HAS(e.msg, "is not a release tag");
	BAD(version, "v2.-9.0");
	CHECK_HAS(e.msg, "is not a release tag");
	BAD(namespace, "External");
	CHECK_STR(e.msg, "eso: namespace \"External\" is not a DNS label (lowercase letters, digits, "
		  "inner hyphens, at most 63)");
	BAD(host_api, "http://eu.infisical.com");
	CHECK_STR(e.msg, "eso: hostAPI \"http://eu.infisical.com\" is not an https URL such as "
		  "https://eu.infisical.com");
	BAD(host_api, "https://");
	CHECK_HAS(e.msg, "is not an https URL");
	BAD(host_api, NULL);
	CHECK_STR(e.msg, "eso: hostAPI \"\" is not an https URL such as https://eu.infisical.com");
	BAD(project_slug, "");
	CHECK_STR(e.msg, "eso: the Infisical project slug is empty or has spaces");
	BAD(environment_slug, "pr od");
	CHECK_STR(e.msg, "eso: the Infisical environment slug is empty or has spaces");
	BAD(secrets_path, "castle");
	CHECK_STR(e.msg, "eso: secretsPath \"castle\" is not a folder path starting with /");
	BAD(run_id, "Run_1");
	CHECK_STR(e.msg, "eso: run id \"Run_1\" is not 1-40 lowercase letters, digits and inner hyphens");
	BAD(run_id, "-r1");
	CHECK_HAS(e.msg, "run id");
	BAD(canary_key, "CANARY KEY");
	CHECK_STR(e.msg, "eso: canary key \"CANARY KEY\" is not an Infisical secret name (letters, digits, _ - .)");
	BAD(echo_key, NULL);
	CHECK_HAS(e.msg, "eso: echo key \"\" is not an Infisical secret name");
	BAD(echo_key, "CASTELLAN_CANARY_R7F3A");
	CHECK_STR(e.msg, "eso: the echo key must differ from the canary key \"CASTELLAN_CANARY_R7F3A\"");
	BAD(client_id_len, 0);
	CHECK_STR(e.msg, "eso: the ESO client id is empty");
	BAD(client_secret, NULL);
	CHECK_STR(e.msg, "eso: the ESO client secret is empty");
	BAD(ca_pem, SECRET);
	CHECK_STR(e.msg, "eso: the Infisical CA is not a PEM certificate");
}

static void too_small(void)
{
	struct eso_params p = sample();
	size_t need = 0;
	char want[200];

	p.ca_pem = PEM;
	CHECK(render(&p) == 0);
	for (int i = 0; i < ESO_NPARTS; i++)
		need += m[i].len + 1;
	CHECK(m[ESO_CANARY].contents + m[ESO_CANARY].len + 1 == buf + need);

	CHECK(eso_render(&p, buf, need, m, &e) == 0);
	CHECK(eso_render(&p, buf, need - 1, m, &e) < 0);
	snprintf(want, sizeof want, "eso: the manifests need %zu bytes; the buffer holds %zu", need, need - 1);
	CHECK_STR(e.msg, want);
	/* nothing of the secret is left behind */
	int zero = 1;
	for (size_t i = 0; i < need - 1; i++)
		zero &= buf[i] == 0;
	CHECK(zero);
	CHECK(eso_render(&p, buf, 100, m, &e) < 0);
	CHECK_HAS(e.msg, "the buffer holds 100");
	CHECK(eso_render(&p, buf, 0, m, &e) < 0);
	CHECK_HAS(e.msg, "the buffer holds 0");
}

int main(void)
{
	objects();
	secret_only_in_identity();
	overrides();
	errors();
	too_small();
	return check_done("eso");
}
