/* The Talos secrets bundle: a generated one round-trips through its YAML,
 * the handback credentials chain to the right CA, and every refusal names
 * the field without quoting a value. One RSA-4096 key is made (seconds
 * under the sanitizers). */
#include "check.h"
#include "arena.h"
#include "base64.h"
#include "talos_bundle.h"

#include <bearssl.h>

#define NOW 1767225600LL	/* 2026-01-01T00:00:00Z */
#define SECRETBOX "ERERERERERERERERERERERERERERERERERERERERERE="	/* 32 bytes of 0x11 */
#define YAML_CAP 65536

static br_hmac_drbg_context drbg;
static const br_prng_class **rng = &drbg.vtable;
static struct arena a;
static struct talos_bundle *gen, *b;
static char *yaml, *text;

/* An Ed25519 CA, O=talos, as talosctl gen secrets makes the os CA (made
 * with openssl for this test; the key under Talos's label). */
static const char ED_CRT[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBRjCB+aADAgECAhRE1HshM9yiHUhSy5Aah6EqBPgFTDAFBgMrZXAwEDEOMAwG\n"
	"A1UECgwFdGFsb3MwIBcNMjYxMjAzMTkxNjQ0WhgPMjEyNjExMDkxOTE2NDRaMBAx\n"
	"DjAMBgNVBAoMBXRhbG9zMCowBQYDK2VwAyEAOsp5D5+Uw0SnCTI568ne1m+LXkMs\n"
	"SNpskmyTSNgDMgujYzBhMB0GA1UdDgQWBBSX+WufglSr49PXDpus7EukAsS+DzAf\n"
	"BgNVHSMEGDAWgBSX+WufglSr49PXDpus7EukAsS+DzAPBgNVHRMBAf8EBTADAQH/\n"
	"MA4GA1UdDwEB/wQEAwIChDAFBgMrZXADQQBcBqUNQQhblOHltqoNfbeiH3+UAiwM\n"
	"R7fjpQFfk9kV3av7D2eFscydA5L5v2ARbH5XgHGYD224Bz2agY7HG6EN\n"
	"-----END CERTIFICATE-----\n";
static const char ED_KEY[] =
	"-----BEGIN ED25519 PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEINKeMJtsNogEFfluhrZPPaNaLXpeNkjErNIL3NjiBZzh\n"
	"-----END ED25519 PRIVATE KEY-----\n";

/* Replaces the first from in s with to; 0, or -1 when from is absent. */
static int replace(char *s, const char *from, const char *to)
{
	char *p = strstr(s, from);
	size_t fl = strlen(from), tl = strlen(to);

	if (!p)
		return -1;
	memmove(p + tl, p + fl, strlen(p + fl) + 1);
	memcpy(p, to, tl);
	return 0;
}

static int parse_text(const char *t, struct err *e)
{
	e->msg[0] = '\0';
	return talos_bundle_parse(b, t, strlen(t), e);
}

/* The YAML of gen after fix(copy) changed it. */
static const char *yaml_of(void (*fix)(struct talos_bundle *))
{
	struct talos_bundle *c = arena_alloc(&a, sizeof *c);
	struct err e;

	*c = *gen;
	fix(c);
	if (talos_bundle_yaml(c, text, YAML_CAP, &e) < 0)
		fprintf(stderr, "yaml_of: %s\n", e.msg);
	return text;
}

static int same(const struct talos_bundle *x, const struct talos_bundle *y)
{
	const struct talos_pair *px[] = { &x->etcd, &x->k8s, &x->k8s_aggregator, &x->os };
	const struct talos_pair *py[] = { &y->etcd, &y->k8s, &y->k8s_aggregator, &y->os };

	for (int i = 0; i < 4; i++)
		if (strcmp(px[i]->crt, py[i]->crt) || strcmp(px[i]->key, py[i]->key) ||
		    px[i]->key_type != py[i]->key_type)
			return 0;
	return !strcmp(x->cluster_id, y->cluster_id) && !strcmp(x->cluster_secret, y->cluster_secret) &&
	       !strcmp(x->bootstrap_token, y->bootstrap_token) && !strcmp(x->secretbox, y->secretbox) &&
	       !strcmp(x->trustd_token, y->trustd_token) && !strcmp(x->sa_key, y->sa_key) &&
	       x->sa_key_type == y->sa_key_type;
}

static int token_shape(const char *t)
{
	if (strlen(t) != 23 || t[6] != '.')
		return 0;
	for (int i = 0; i < 23; i++)
		if (i != 6 && !((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9')))
			return 0;
	return 1;
}

static void generated(void)
{
	unsigned char raw[64];
	struct err e;
	int before;
	long n;

	CHECK(talos_bundle_generate(gen, SECRETBOX, strlen(SECRETBOX), TALOS_ID_URLSAFE, NOW, rng, &e) == 0);
	CHECK(strlen(gen->cluster_id) == 44 && gen->cluster_id[43] == '=' &&
	      !strpbrk(gen->cluster_id, "+/"));
	CHECK(base64_decode(raw, sizeof raw, gen->cluster_secret, strlen(gen->cluster_secret), BASE64_PAD) == 32);
	CHECK(token_shape(gen->bootstrap_token) && token_shape(gen->trustd_token));
	CHECK(strcmp(gen->bootstrap_token, gen->trustd_token) != 0);
	CHECK_STR(gen->secretbox, SECRETBOX);
	CHECK(gen->os.key_type == X509_KEY_EC && gen->etcd.key_type == X509_KEY_EC);
	CHECK(gen->sa_key_type == X509_KEY_RSA && !strncmp(gen->sa_key, "-----BEGIN RSA PRIVATE KEY-----\n", 32));
	CHECK(!strncmp(gen->os.key, "-----BEGIN EC PRIVATE KEY-----\n", 31));
	CHECK(!strncmp(gen->k8s.crt, "-----BEGIN CERTIFICATE-----\n", 28));

	before = a.nsecrets;
	CHECK(talos_bundle_register(gen, &a) == 0 && a.nsecrets == before + 10);

	n = talos_bundle_yaml(gen, yaml, YAML_CAP, &e);
	CHECK(n > 0 && (size_t)n == strlen(yaml));
	CHECK(!strncmp(yaml, "cluster:\n    id: ", 17));
	CHECK(strstr(yaml, "\nsecrets:\n    bootstraptoken: ") && strstr(yaml, "\n    k8sserviceaccount:\n        key: LS0tLS1CRUdJTiBSU0Eg"));
	CHECK(strstr(yaml, "\ncerts:\n    etcd:\n        crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk"));
	CHECK(parse_text(yaml, &e) == 0 && same(b, gen));
	if (e.msg[0])
		fprintf(stderr, "  %s\n", e.msg);
	CHECK(talos_bundle_yaml(b, text, YAML_CAP, &e) == n && !strcmp(text, yaml));
	CHECK(talos_bundle_yaml(gen, text, 1000, &e) < 0);
	CHECK_STR(e.msg, "secrets bundle: the YAML does not fit in 1000 bytes");

	/* Talos 1.14's alphabet; and the secretbox key is never made here */
	CHECK(talos_bundle_generate(b, "short", 5, TALOS_ID_STD, NOW, rng, &e) < 0);
	CHECK_STR(e.msg, "secrets bundle: the secretbox key is not standard base64 of 32 bytes");
}

/* --- the handback credentials, checked by BearSSL's chain validator */

static unsigned char ta_dn[512];
static size_t ta_dn_len;

static void dn_append(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	if (ta_dn_len + len <= sizeof ta_dn) {
		memcpy(ta_dn + ta_dn_len, buf, len);
		ta_dn_len += len;
	}
}

/* The PEM text of "key: <base64>" in a config, decoded to DER. */
static long field_der(const char *config, const char *key, unsigned char *der, size_t cap)
{
	static char pem[8192];
	const char *p = strstr(config, key), *end;
	enum pem_status st;
	char label[40];
	long n;

	if (!p)
		return -1;
	p += strlen(key);
	end = strchr(p, '\n');
	n = base64_decode((unsigned char *)pem, sizeof pem - 1, p, (size_t)(end - p), BASE64_PAD);
	if (n < 0)
		return -1;
	pem[n] = '\0';
	return pem_decode(der, cap, label, sizeof label, pem, (size_t)n, &st);
}

static int chains(const unsigned char *leaf, size_t ln, const char *ca_pem)
{
	unsigned char ca[4096];
	char label[40];
	enum pem_status st;
	long cn = pem_decode(ca, sizeof ca, label, sizeof label, ca_pem, strlen(ca_pem), &st);
	br_x509_decoder_context dc;
	br_x509_minimal_context xc;
	br_x509_trust_anchor ta;

	ta_dn_len = 0;
	br_x509_decoder_init(&dc, dn_append, NULL);
	br_x509_decoder_push(&dc, ca, (size_t)cn);
	if (cn < 0 || br_x509_decoder_last_error(&dc))
		return 0;
	ta = (br_x509_trust_anchor){ { ta_dn, ta_dn_len }, BR_X509_TA_CA, *br_x509_decoder_get_pkey(&dc) };
	br_x509_minimal_init_full(&xc, &ta, 1);
	br_x509_minimal_set_time(&xc, (uint32_t)(NOW / 86400 + 719528), 60);
	xc.vtable->start_chain(&xc.vtable, NULL);
	xc.vtable->start_cert(&xc.vtable, (uint32_t)ln);
	xc.vtable->append(&xc.vtable, leaf, ln);
	xc.vtable->end_cert(&xc.vtable);
	return xc.vtable->end_chain(&xc.vtable) == 0;
}

static int has_bytes(const unsigned char *h, size_t hn, const char *s)
{
	for (size_t i = 0; i + strlen(s) <= hn; i++)
		if (!memcmp(h + i, s, strlen(s)))
			return 1;
	return 0;
}

static void handback(void)
{
	const char *eps[] = { "10.0.0.11", "10.0.0.12" };
	struct talos_handback h = { "castle", eps, 2, "https://10.0.0.10:6443", NOW, 0, rng };
	unsigned char der[2048];
	struct err e;
	long n;

	n = talos_bundle_talosconfig(gen, &h, text, YAML_CAP, &e);
	CHECK(n > 0);
	CHECK(!strncmp(text, "context: castle\ncontexts:\n    castle:\n        endpoints:\n"
		       "            - 10.0.0.11\n            - 10.0.0.12\n        ca: LS0t", 106));
	n = field_der(text, "        crt: ", der, sizeof der);
	CHECK(n > 0 && chains(der, (size_t)n, gen->os.crt) && !chains(der, (size_t)n, gen->k8s.crt));
	CHECK(has_bytes(der, (size_t)n, "os:admin") && !has_bytes(der, (size_t)n, "admin\x31"));
	CHECK(field_der(text, "        key: ", der, sizeof der) > 0);

	n = talos_bundle_kubeconfig(gen, &h, text, YAML_CAP, &e);
	CHECK(n > 0 && strstr(text, "clusters:\n- name: castle\n  cluster:\n    server: https://10.0.0.10:6443\n"));
	CHECK(strstr(text, "\ncurrent-context: admin@castle\n") && strstr(text, "\n- name: admin@castle\n"));
	n = field_der(text, "client-certificate-data: ", der, sizeof der);
	CHECK(n > 0 && chains(der, (size_t)n, gen->k8s.crt) && !chains(der, (size_t)n, gen->os.crt));
	CHECK(has_bytes(der, (size_t)n, "system:masters") && has_bytes(der, (size_t)n, "admin"));

	h.cluster = "two words";
	CHECK(talos_bundle_talosconfig(gen, &h, text, YAML_CAP, &e) < 0);
	CHECK_STR(e.msg, "secrets bundle: the cluster name cannot be written into a config");
	h.cluster = "castle";
	h.nendpoints = 0;
	CHECK(talos_bundle_talosconfig(gen, &h, text, YAML_CAP, &e) < 0);
	CHECK_STR(e.msg, "secrets bundle: a talosconfig needs at least one control-plane endpoint");
	h.server = "http://10.0.0.10:6443";
	CHECK(talos_bundle_kubeconfig(gen, &h, text, YAML_CAP, &e) < 0);
	CHECK_HAS(e.msg, "https:// URL");
	h.server = "https://10.0.0.10:6443";
	CHECK(talos_bundle_kubeconfig(gen, &h, text, 500, &e) < 0);
	CHECK_STR(e.msg, "secrets bundle: the config does not fit in 500 bytes");
}

/* --- what talosctl makes: an Ed25519 os CA */

static void ed_os(struct talos_bundle *c)
{
	strcpy(c->os.crt, ED_CRT);
	strcpy(c->os.key, ED_KEY);
}

static void ed_key_only(struct talos_bundle *c)
{
	strcpy(c->os.key, ED_KEY);
}

static void ed25519_os(void)
{
	const char *eps[] = { "10.0.0.11" };
	struct talos_handback h = { "castle", eps, 1, "https://10.0.0.10:6443", NOW, 0, rng };
	struct err e;

	CHECK(parse_text(yaml_of(ed_os), &e) == 0 && b->os.key_type == X509_KEY_ED25519);
	CHECK(talos_bundle_talosconfig(b, &h, text, YAML_CAP, &e) < 0);
	CHECK_STR(e.msg, "secrets bundle: certs.os is an Ed25519 CA (talosctl gen secrets' default for the "
		  "os CA); castellan cannot sign with Ed25519 (BearSSL has none), so it cannot issue the "
		  "talosconfig: give it a bundle whose certs.os CA is ECDSA P-256, or let it generate the bundle");
	CHECK(talos_bundle_kubeconfig(b, &h, text, YAML_CAP, &e) > 0);
	CHECK(parse_text(yaml_of(ed_key_only), &e) < 0);
	CHECK_STR(e.msg, "secrets bundle: certs.os.key is not the key of certs.os.crt");
}

/* --- refusals, each naming its field */

static void key_as_crt(struct talos_bundle *c) { strcpy(c->k8s.crt, c->k8s.key); }
static void swapped(struct talos_bundle *c) { strcpy(c->etcd.key, gen->k8s.key); }
static void bad_token(struct talos_bundle *c) { strcpy(c->bootstrap_token, "ABCDEF.0123456789abcdef"); }
static void bad_secret(struct talos_bundle *c) { strcpy(c->cluster_secret, "c2hvcnQ="); }
static void damaged_pem(struct talos_bundle *c) { c->os.crt[40] = '*'; }
static void sa_ed25519(struct talos_bundle *c) { strcpy(c->sa_key, ED_KEY); }

static void leaf_as_ca(struct talos_bundle *c)
{
	const char *eps[] = { "10.0.0.11" };
	struct talos_handback h = { "castle", eps, 1, "https://x:6443", NOW, 0, rng };
	static char tc[8192];
	unsigned char der[2048];
	struct err e;
	long n;

	if (talos_bundle_talosconfig(gen, &h, tc, sizeof tc, &e) < 0)
		return;
	n = field_der(tc, "        crt: ", der, sizeof der);
	pem_encode(c->etcd.crt, sizeof c->etcd.crt, "CERTIFICATE", der, (size_t)n);
}

static void refused(void (*fix)(struct talos_bundle *), const char *want)
{
	struct err e;

	CHECK(parse_text(yaml_of(fix), &e) < 0);
	CHECK_STR(e.msg, want);
}

static void refusals(void)
{
	refused(key_as_crt, "secrets bundle: certs.k8s.crt: a PEM block labelled \"EC PRIVATE KEY\", expected CERTIFICATE");
	refused(swapped, "secrets bundle: certs.etcd.key is not the key of certs.etcd.crt");
	refused(bad_token, "secrets bundle: secrets.bootstraptoken is not of the form [a-z0-9]{6}.[a-z0-9]{16}");
	refused(bad_secret, "secrets bundle: cluster.secret is not standard base64 of 32 bytes");
	refused(damaged_pem, "secrets bundle: certs.os.crt holds a PEM block whose base64 is damaged (or has headers)");
	refused(leaf_as_ca, "secrets bundle: certs.etcd.crt is not a CA certificate (BasicConstraints)");
	refused(sa_ed25519, "secrets bundle: certs.k8sserviceaccount.key: an Ed25519 key; castellan cannot "
		"sign with Ed25519 (BearSSL has no Ed25519)");
}

/* Text-level edits of the generated YAML. */
static void edit(const char *from, const char *to, const char *want)
{
	struct err e;

	strcpy(text, yaml);
	if (replace(text, from, to) < 0) {
		CHECK(!"edit: the text to replace is missing");
		return;
	}
	CHECK(parse_text(text, &e) < 0);
	CHECK_STR(e.msg, want);
	CHECK(!strstr(e.msg, gen->bootstrap_token) && !strstr(e.msg, gen->cluster_secret));
}

static void syntax(void)
{
	char line[TB_VALUE_MAX + 32], quoted[TB_VALUE_MAX + 48];
	struct err e;

	snprintf(line, sizeof line, "    bootstraptoken: %s\n", gen->bootstrap_token);
	edit("trustdinfo:\n    token: ", "trustdinfo:\n    tokn: ", "secrets bundle: trustdinfo.token is required");
	edit("k8sserviceaccount:", "k8sserviceaccounts:", "secrets bundle: certs.k8sserviceaccount.key is required");
	edit("certs:\n    etcd:\n        crt: ", "certs:\n    etcd:\n        crt: ???",
	     "secrets bundle: certs.etcd.crt is not standard base64 (of PEM text)");
	edit("secrets:\n", "secrets:\n    aescbcencryptionsecret: x\n",
	     "secrets bundle: secrets.aescbcencryptionsecret is for Talos 1.2 and older; castellan needs "
	     "secrets.secretboxencryptionsecret");
	edit("cluster:\n", "cluster:\n    secret: x\n", "secrets bundle: cluster.secret appears twice");
	edit("cluster:\n    id: ", "cluster:\n\tid: ", "secrets bundle: line 2: a tab in the indentation");
	edit("\n    secret: ", "\n  secret: ", "secrets bundle: line 3: secret is indented unlike the keys beside it");
	edit("trustdinfo:\n", "trustdinfo: {}\nx:\n", "secrets bundle: line 7: trustdinfo: block scalars, flow "
	     "collections, anchors and tags are not read here; write plain values as talosctl gen secrets does");
	edit("trustdinfo:\n", "trustdinfo: yes\nx:\n", "secrets bundle: trustdinfo: expected keys under it, found a value");
	edit(line, "    bootstraptoken:\n        nested: x\n",
	     "secrets bundle: secrets.bootstraptoken: expected a value, found keys under it");
	edit("trustdinfo:\n", "- trustdinfo\n", "secrets bundle: line 7: expected \"key: value\" (a mapping, as "
	     "talosctl gen secrets writes)");
	edit(line, "    bootstraptoken: \"abc\\\"\"\n", "secrets bundle: line 5: bootstraptoken: a quoted value "
	     "castellan cannot read (one line, no escapes)");

	/* what YAML allows besides talosctl's exact layout */
	strcpy(text, "---\n# a comment\nunknown: 1\n");
	strcat(text, yaml);
	replace(text, "\n    secret: ", "\n    secret:   ");
	snprintf(quoted, sizeof quoted, "    bootstraptoken: '%s'  # quoted\r\n", gen->bootstrap_token);
	replace(text, line, quoted);
	snprintf(line, sizeof line, "trustdinfo:\n    token: %s\n", gen->trustd_token);
	snprintf(quoted, sizeof quoted, "trustdinfo:\n  future: [1, 2]\n  token: \"%s\"\n", gen->trustd_token);
	replace(text, line, quoted);	/* a quoted value right after an ignored flow value */
	CHECK(parse_text(text, &e) == 0 && same(b, gen));
	if (e.msg[0])
		fprintf(stderr, "  %s\n", e.msg);
	CHECK(parse_text("", &e) < 0);
	CHECK_STR(e.msg, "secrets bundle: cluster.id is required");
}

int main(void)
{
	struct err e;

	if (arena_open(&a, 4 * 1024 * 1024, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	br_hmac_drbg_init(&drbg, &br_sha256_vtable, "castellan bundle test", 21);
	gen = arena_alloc(&a, sizeof *gen);
	b = arena_alloc(&a, sizeof *b);
	yaml = arena_alloc(&a, YAML_CAP);
	text = arena_alloc(&a, YAML_CAP);
	generated();
	handback();
	ed25519_os();
	refusals();
	syntax();
	arena_close(&a);
	return check_done("talos_bundle");
}
