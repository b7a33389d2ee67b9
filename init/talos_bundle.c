#include "talos_bundle.h"
#include "textbuf.h"
#include "wipe.h"
#include "base64.h"
#include "der.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define WHAT "secrets bundle"
#define CA_LIFETIME (87600LL * 3600)	/* Talos's CAValidityTime: 10 years */
#define YEAR (365LL * 86400)
/* Certificates start a little in the past: the appliance's clock and the
 * nodes' may disagree by a few minutes. */
#define BACKDATE 300
#define DEPTH_MAX 8
#define PATH_MAX_LEN 96

/* --- the fields, by their YAML path */

enum kind { STR, CRT, KEY };

struct field {
	const char *path;
	enum kind kind;
	size_t off;
};

#define F(p, k, m) { p, k, offsetof(struct talos_bundle, m) }
static const struct field fields[] = {
	F("cluster.id", STR, cluster_id),
	F("cluster.secret", STR, cluster_secret),
	F("secrets.bootstraptoken", STR, bootstrap_token),
	F("secrets.secretboxencryptionsecret", STR, secretbox),
	F("trustdinfo.token", STR, trustd_token),
	F("certs.etcd.crt", CRT, etcd.crt),
	F("certs.etcd.key", KEY, etcd.key),
	F("certs.k8s.crt", CRT, k8s.crt),
	F("certs.k8s.key", KEY, k8s.key),
	F("certs.k8saggregator.crt", CRT, k8s_aggregator.crt),
	F("certs.k8saggregator.key", KEY, k8s_aggregator.key),
	F("certs.k8sserviceaccount.key", KEY, sa_key),
	F("certs.os.crt", CRT, os.crt),
	F("certs.os.key", KEY, os.key),
};
#define NFIELDS ((int)(sizeof fields / sizeof fields[0]))

static const char *const maps[] = {
	"cluster", "secrets", "trustdinfo", "certs", "certs.etcd", "certs.k8s",
	"certs.k8saggregator", "certs.k8sserviceaccount", "certs.os",
};

static char *field_at(struct talos_bundle *b, int i)
{
	return (char *)b + fields[i].off;
}

static int field_index(const char *path)
{
	for (int i = 0; i < NFIELDS; i++)
		if (!strcmp(fields[i].path, path))
			return i;
	return -1;
}

static int is_map(const char *path)
{
	for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
		if (!strcmp(maps[i], path))
			return 1;
	return 0;
}

/* --- reading the YAML: block mappings of plain or simply quoted scalars,
 * the shape talosctl writes. Values are spans of the input, never copied
 * except into the struct. */

struct yline {
	int no, indent;
	int odd;		/* a block scalar, flow collection, anchor or tag */
	const char *key, *val;
	size_t klen, vlen;
};

/* A key as an error shows it: cut short, in case a value was written
 * where a key belongs. */
#define KEY_SHOWN(l) (int)((l)->klen > 40 ? 40 : (l)->klen), (l)->key

static int key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

/* The value after "key:", in [p, end): plain (a " #" starts a comment) or
 * quoted without escapes. "", null and ~ are empty. */
static int scalar(struct yline *l, const char *p, const char *end, struct err *e)
{
	const char *q;

	while (p < end && *p == ' ')
		p++;
	l->val = p;
	l->vlen = 0;
	l->odd = 0;
	if (p < end && (*p == '"' || *p == '\'')) {
		q = memchr(p + 1, *p, (size_t)(end - p - 1));
		if (!q || memchr(p + 1, '\\', (size_t)(q - p - 1)))
			return err_set(e, WHAT ": line %d: %.*s: a quoted value castellan cannot read "
				       "(one line, no escapes)", l->no, KEY_SHOWN(l));
		l->val = p + 1;
		l->vlen = (size_t)(q - p - 1);
		for (p = q + 1; p < end && *p == ' '; p++)
			;
		return p == end || *p == '#' ? 0 : err_set(e, WHAT ": line %d: %.*s: text after the quoted value",
							   l->no, KEY_SHOWN(l));
	}
	l->odd = p < end && strchr("|>{[&*!%@`", *p);
	if (l->odd)
		return 0;	/* refused only where a value is read (take_line) */
	for (q = p; q < end && !(*q == '#' && q > p && q[-1] == ' '); q++)
		;
	while (q > p && q[-1] == ' ')
		q--;
	l->vlen = (size_t)(q - p);
	if ((l->vlen == 1 && *p == '~') || (l->vlen == 4 && !memcmp(p, "null", 4)))
		l->vlen = 0;
	return 0;
}

/* One line [p, end) into l: 1 for a key line, 0 for nothing to read. */
static int lex(struct yline *l, const char *p, const char *end, struct err *e)
{
	const char *s = p, *colon;

	for (const char *c = p; c < end; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t')
			return err_set(e, WHAT ": line %d: a control character", l->no);
	while (s < end && *s == ' ')
		s++;
	if (s < end && *s == '\t')
		return err_set(e, WHAT ": line %d: a tab in the indentation", l->no);
	if (s == end || *s == '#' || (s == p && end - s >= 3 && (!memcmp(s, "---", 3) || !memcmp(s, "...", 3)) &&
				      (end - s == 3 || s[3] == ' ')))
		return 0;
	l->indent = (int)(s - p);
	for (colon = s; colon < end && key_char(*colon); colon++)
		;
	if (colon == s || colon == end || *colon != ':' || (colon + 1 < end && colon[1] != ' '))
		return err_set(e, WHAT ": line %d: expected \"key: value\" (a mapping, as talosctl "
			       "gen secrets writes)", l->no);
	l->key = s;
	l->klen = (size_t)(colon - s);
	return scalar(l, colon + 1, end, e) < 0 ? -1 : 1;
}

struct level {
	int indent, child_indent;
	int field;		/* index into fields, or -1 */
	char path[PATH_MAX_LEN];
};

struct reader {
	struct talos_bundle *b;
	struct level st[DEPTH_MAX];
	int depth, top_indent;
	unsigned seen;
};

/* Finds the parent of l (by indentation) and checks the indentation is
 * consistent with its siblings'. */
static int place(struct reader *r, const struct yline *l, struct err *e)
{
	int *child;

	while (r->depth > 0 && r->st[r->depth - 1].indent >= l->indent)
		r->depth--;
	child = r->depth ? &r->st[r->depth - 1].child_indent : &r->top_indent;
	if (*child < 0)
		*child = l->indent;
	if (*child != l->indent)
		return err_set(e, WHAT ": line %d: %.*s is indented unlike the keys beside it",
			       l->no, KEY_SHOWN(l));
	if (r->depth && r->st[r->depth - 1].field >= 0)
		return err_set(e, WHAT ": %s: expected a value, found keys under it",
			       r->st[r->depth - 1].path);
	if (r->depth == DEPTH_MAX)
		return err_set(e, WHAT ": line %d: nested too deeply", l->no);
	return 0;
}

static int store(struct reader *r, int i, const struct yline *l, struct err *e)
{
	char *dst = field_at(r->b, i);
	long n;

	if (r->seen & (1u << i))
		return err_set(e, WHAT ": %s appears twice", fields[i].path);
	r->seen |= 1u << i;
	if (fields[i].kind == STR) {
		if (l->vlen >= TB_VALUE_MAX)
			return err_set(e, WHAT ": %s is longer than %d characters", fields[i].path,
				       TB_VALUE_MAX - 1);
		memcpy(dst, l->val, l->vlen);
		dst[l->vlen] = '\0';
		return 0;
	}
	if (l->vlen > base64_encoded_len(TB_PEM_MAX - 1, BASE64_PAD))
		return err_set(e, WHAT ": %s is larger than castellan accepts", fields[i].path);
	n = base64_decode((unsigned char *)dst, TB_PEM_MAX - 1, l->val, l->vlen, BASE64_PAD);
	if (n < 0)
		return err_set(e, WHAT ": %s is not standard base64 (of PEM text)", fields[i].path);
	dst[n] = '\0';
	if (strlen(dst) != (size_t)n)
		return err_set(e, WHAT ": %s does not decode to PEM text", fields[i].path);
	return 0;
}

static int take_line(struct reader *r, const struct yline *l, struct err *e)
{
	struct level *lv;
	const char *parent;
	int n;

	if (place(r, l, e) < 0)
		return -1;
	parent = r->depth ? r->st[r->depth - 1].path : "";
	lv = &r->st[r->depth];
	n = snprintf(lv->path, sizeof lv->path, "%s%s%.*s", parent, *parent ? "." : "",
		     KEY_SHOWN(l));
	if (n < 0 || n >= (int)sizeof lv->path)
		return err_set(e, WHAT ": line %d: a key path longer than castellan reads", l->no);
	lv->indent = l->indent;
	lv->child_indent = -1;
	lv->field = field_index(lv->path);
	r->depth++;
	if (l->odd && (lv->field >= 0 || is_map(lv->path)))
		return err_set(e, WHAT ": line %d: %s: block scalars, flow collections, anchors and tags "
			       "are not read here; write plain values as talosctl gen secrets does",
			       l->no, lv->path);
	if (lv->field >= 0)
		return store(r, lv->field, l, e);
	if (is_map(lv->path) && l->vlen)
		return err_set(e, WHAT ": %s: expected keys under it, found a value", lv->path);
	if (!strcmp(lv->path, "secrets.aescbcencryptionsecret") && l->vlen)
		return err_set(e, WHAT ": secrets.aescbcencryptionsecret is for Talos 1.2 and older; "
			       "castellan needs secrets.secretboxencryptionsecret");
	return 0;	/* other keys are ignored, as Talos ignores them */
}

static int read_yaml(struct talos_bundle *b, const char *text, size_t len, struct err *e)
{
	struct reader r = { .b = b, .top_indent = -1 };
	const char *p = text, *end = text + len;
	struct yline l = { 0 };
	int k;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *stop = eol ? eol : end;

		if (stop > p && stop[-1] == '\r')
			stop--;
		l.no++;
		k = lex(&l, p, stop, e);
		if (k < 0 || (k > 0 && take_line(&r, &l, e) < 0))
			return -1;
		p = eol ? eol + 1 : end;
	}
	return 0;
}

/* --- validating */

static int token_part(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static int token_ok(const char *s)
{
	return strlen(s) == 23 && token_part(s, 6) && s[6] == '.' && token_part(s + 7, 16);
}

static void printable(char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
}

/* The certificate of a pair: a readable CA certificate. */
static int check_crt(const char *pem, const char *name, unsigned char *der, size_t cap,
		     struct x509_cert *c, struct err *e)
{
	char label[40];
	enum pem_status st;
	long n = pem_decode(der, cap, label, sizeof label, pem, strlen(pem), &st);

	if (n < 0)
		return err_set(e, WHAT ": %s.crt %s", name, pem_status_text(st));
	printable(label);
	if (strcmp(label, "CERTIFICATE"))
		return err_set(e, WHAT ": %s.crt: a PEM block labelled \"%s\", expected CERTIFICATE", name, label);
	if (x509_cert_parse(c, der, (size_t)n) < 0)
		return err_set(e, WHAT ": %s.crt is not an X.509 certificate castellan can read", name);
	if (!c->is_ca)
		return err_set(e, WHAT ": %s.crt is not a CA certificate (BasicConstraints)", name);
	return 0;
}

static int check_pair(struct talos_pair *p, const char *name, struct err *e)
{
	unsigned char der[TB_PEM_MAX];
	char what[64];
	struct x509_cert c;
	struct x509_key k;
	int r, ok;

	if (check_crt(p->crt, name, der, sizeof der, &c, e) < 0)
		return -1;
	snprintf(what, sizeof what, WHAT ": %s.key", name);
	r = x509_key_from_pem(&k, p->key, strlen(p->key), what, e);
	if (r < 0 && k.type != X509_KEY_ED25519)
		return -1;
	p->key_type = k.type;
	/* An Ed25519 pair can only be matched by type: BearSSL has no Ed25519. */
	ok = k.type == X509_KEY_ED25519 ? c.key_type == X509_KEY_ED25519 : x509_key_matches(&k, &c);
	x509_key_wipe(&k);
	if (!ok)
		return err_set(e, WHAT ": %s.key is not the key of %s.crt", name, name);
	return 0;
}

static int check_values(const struct talos_bundle *b, struct err *e)
{
	for (int i = 0; i < NFIELDS; i++)
		if (!field_at((struct talos_bundle *)b, i)[0])
			return err_set(e, WHAT ": %s is required", fields[i].path);
	if (!base64_is_key32(b->cluster_secret, strlen(b->cluster_secret)))
		return err_set(e, WHAT ": cluster.secret is not standard base64 of 32 bytes");
	if (!token_ok(b->bootstrap_token))
		return err_set(e, WHAT ": secrets.bootstraptoken is not of the form [a-z0-9]{6}.[a-z0-9]{16}");
	if (!base64_is_key32(b->secretbox, strlen(b->secretbox)))
		return err_set(e, WHAT ": secrets.secretboxencryptionsecret is not standard base64 of 32 bytes");
	return 0;
}

static int validate(struct talos_bundle *b, struct err *e)
{
	struct x509_key k;
	int r;

	if (check_values(b, e) < 0 || check_pair(&b->etcd, "certs.etcd", e) < 0 ||
	    check_pair(&b->k8s, "certs.k8s", e) < 0 ||
	    check_pair(&b->k8s_aggregator, "certs.k8saggregator", e) < 0 ||
	    check_pair(&b->os, "certs.os", e) < 0)
		return -1;
	r = x509_key_from_pem(&k, b->sa_key, strlen(b->sa_key), WHAT ": certs.k8sserviceaccount.key", e);
	b->sa_key_type = k.type;
	x509_key_wipe(&k);
	return r;	/* kube-apiserver signs with it: EC or RSA, not Ed25519 */
}

int talos_bundle_parse(struct talos_bundle *b, const char *text, size_t len, struct err *e)
{
	memset(b, 0, sizeof *b);
	if (read_yaml(b, text, len, e) < 0 || validate(b, e) < 0) {
		wipe(b, sizeof *b);
		return -1;
	}
	return 0;
}

int talos_bundle_register(const struct talos_bundle *b, struct arena *a)
{
	const char *secret[] = { b->cluster_id, b->cluster_secret, b->bootstrap_token, b->secretbox,
				 b->trustd_token, b->etcd.key, b->k8s.key, b->k8s_aggregator.key,
				 b->os.key, b->sa_key };

	for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
		if (secret[i][0] && arena_register(a, secret[i], strlen(secret[i])) < 0)
			return -1;
	return 0;
}

/* --- generating */

static void random_b64(char *out, int urlsafe, const br_prng_class **rng)
{
	unsigned char r[32];

	(*rng)->generate(rng, r, sizeof r);
	base64_encode(out, r, sizeof r, BASE64_PAD);
	wipe(r, sizeof r);
	for (; urlsafe && *out; out++)
		*out = *out == '+' ? '-' : *out == '/' ? '_' : *out;
}

/* Characters from [0-9a-z], unbiased: bytes from 252 up are drawn again
 * (252 = 7 * 36), as Talos's genToken does. */
static void random_word(char *out, int n, const br_prng_class **rng)
{
	static const char abc[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	unsigned char x;

	for (int i = 0; i < n; i++) {
		do
			(*rng)->generate(rng, &x, 1);
		while (x >= 252);
		out[i] = abc[x % 36];
	}
	x = 0;
}

static void random_token(char *out, const br_prng_class **rng)
{
	random_word(out, 6, rng);
	out[6] = '.';
	random_word(out + 7, 16, rng);
	out[23] = '\0';
}

static int gen_ca(struct talos_pair *p, const char *o, const char *cn, long long now,
		  const br_prng_class **rng, struct err *e)
{
	struct x509_spec s = { o, cn, now - BACKDATE, now + CA_LIFETIME,
			       X509_KU_CERT_SIGN | X509_KU_DIGITAL_SIGNATURE,
			       X509_EKU_SERVER | X509_EKU_CLIENT, 1 };
	unsigned char der[1024];
	struct x509_key k;
	long n;
	int r = -1;

	if (x509_keygen_ec(&k, rng, e) < 0)
		return -1;
	n = x509_self_signed(der, sizeof der, &s, &k, rng, e);
	if (n >= 0 && pem_encode(p->crt, sizeof p->crt, "CERTIFICATE", der, (size_t)n) < 0)
		err_set(e, WHAT ": a CA certificate does not fit");
	else if (n >= 0 && x509_key_pem(&k, p->key, sizeof p->key, e) >= 0)
		r = 0;
	p->key_type = X509_KEY_EC;
	x509_key_wipe(&k);
	return r;
}

static int gen_sa(struct talos_bundle *b, const br_prng_class **rng, struct err *e)
{
	struct x509_key k;
	long n = -1;

	/* RSA for contract > 1.6 (UseRSAServiceAccountKey); 4096 bits as Talos. */
	if (x509_keygen_rsa(&k, 4096, rng, e) == 0)
		n = x509_key_pem(&k, b->sa_key, sizeof b->sa_key, e);
	b->sa_key_type = X509_KEY_RSA;
	x509_key_wipe(&k);
	return n < 0 ? -1 : 0;
}

int talos_bundle_generate(struct talos_bundle *b, const char *secretbox, size_t len,
			  enum talos_id_alphabet alphabet, long long now,
			  const br_prng_class **rng, struct err *e)
{
	memset(b, 0, sizeof *b);
	if (len >= TB_VALUE_MAX || !base64_is_key32(secretbox, len))
		return err_set(e, WHAT ": the secretbox key is not standard base64 of 32 bytes");
	memcpy(b->secretbox, secretbox, len);
	random_b64(b->cluster_id, alphabet == TALOS_ID_URLSAFE, rng);
	random_b64(b->cluster_secret, 0, rng);
	random_token(b->bootstrap_token, rng);
	random_token(b->trustd_token, rng);
	/* Subjects as Talos's generator asks for them (secrets/ca.go); the os
	 * CA is ECDSA rather than Ed25519 so that castellan can sign with it. */
	if (gen_ca(&b->etcd, "etcd", NULL, now, rng, e) < 0 ||
	    gen_ca(&b->k8s, "kubernetes", NULL, now, rng, e) < 0 ||
	    gen_ca(&b->k8s_aggregator, NULL, "front-proxy", now, rng, e) < 0 ||
	    gen_ca(&b->os, "talos", NULL, now, rng, e) < 0 || gen_sa(b, rng, e) < 0) {
		wipe(b, sizeof *b);
		return -1;
	}
	return 0;
}

/* --- writing YAML */


/* Standard base64 of a PEM text, as the bundle and configs carry it. */
static void put_b64(struct textbuf *o, const char *text)
{
	textbuf_base64(o, text, strlen(text));
}

/* Values written plain must need no quoting: base64, tokens, addresses. */
static int plain(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!key_char(*s) && !strchr("+/=:[]", *s))
			return 0;
	return 1;
}

static void put_pair(struct textbuf *o, const char *name, const struct talos_pair *p)
{
	textbuf_put(o, "    %s:\n        crt: ", name);
	put_b64(o, p->crt);
	textbuf_put(o, "\n        key: ");
	put_b64(o, p->key);
	textbuf_put(o, "\n");
}

long talos_bundle_yaml(const struct talos_bundle *b, char *out, size_t cap, struct err *e)
{
	struct textbuf o = { out, cap, 0 };

	for (int i = 0; i < NFIELDS; i++)
		if (fields[i].kind == STR && !plain(field_at((struct talos_bundle *)b, i)))
			return err_set(e, WHAT ": %s is empty or cannot be written as a plain YAML value",
				       fields[i].path);
	textbuf_put(&o, "cluster:\n    id: %s\n    secret: %s\n", b->cluster_id, b->cluster_secret);
	textbuf_put(&o, "secrets:\n    bootstraptoken: %s\n    secretboxencryptionsecret: %s\n",
	    b->bootstrap_token, b->secretbox);
	textbuf_put(&o, "trustdinfo:\n    token: %s\ncerts:\n", b->trustd_token);
	put_pair(&o, "etcd", &b->etcd);
	put_pair(&o, "k8s", &b->k8s);
	put_pair(&o, "k8saggregator", &b->k8s_aggregator);
	textbuf_put(&o, "    k8sserviceaccount:\n        key: ");
	put_b64(&o, b->sa_key);
	textbuf_put(&o, "\n");
	put_pair(&o, "os", &b->os);
	if (textbuf_full(&o)) {
		wipe(out, cap);
		return err_set(e, WHAT ": the YAML does not fit in %zu bytes", cap);
	}
	return (long)o.len;
}

/* --- the handback credentials */

static int ed25519_refusal(const char *name, const char *purpose, struct err *e)
{
	return err_set(e, WHAT ": %s is an Ed25519 CA (talosctl gen secrets' default for the os CA); "
		       "castellan cannot sign with Ed25519 (BearSSL has none), so it cannot issue the %s: "
		       "give it a bundle whose %s CA is ECDSA P-256, or let it generate the bundle",
		       name, purpose, name);
}

/* A client certificate and its new P-256 key, signed by the pair's CA. */
static int issue(const struct talos_pair *ca, const char *name, const char *purpose,
		 const struct x509_spec *s, const br_prng_class **rng, char *crt, size_t crt_cap,
		 char *key, size_t key_cap, struct err *e)
{
	unsigned char ca_der[TB_PEM_MAX], der[2048];
	struct x509_key ca_key, leaf;
	enum pem_status st;
	char label[40], what[64];
	long n, m = -1;

	snprintf(what, sizeof what, WHAT ": %s.key", name);
	n = pem_decode(ca_der, sizeof ca_der, label, sizeof label, ca->crt, strlen(ca->crt), &st);
	if (n < 0)
		return err_set(e, WHAT ": %s.crt %s", name, pem_status_text(st));
	if (x509_key_from_pem(&ca_key, ca->key, strlen(ca->key), what, e) < 0)
		return ca_key.type == X509_KEY_ED25519 ? ed25519_refusal(name, purpose, e) : -1;
	if (x509_keygen_ec(&leaf, rng, e) == 0)
		m = x509_issue(der, sizeof der, s, &leaf, ca_der, (size_t)n, &ca_key, rng, e);
	x509_key_wipe(&ca_key);
	if (m >= 0 && pem_encode(crt, crt_cap, "CERTIFICATE", der, (size_t)m) < 0)
		m = err_set(e, WHAT ": the client certificate does not fit");
	if (m >= 0)
		m = x509_key_pem(&leaf, key, key_cap, e);
	x509_key_wipe(&leaf);
	return m < 0 ? -1 : 0;
}

static struct x509_spec client_spec(const struct talos_handback *h, const char *o,
				    const char *cn, unsigned key_usage)
{
	struct x509_spec s = { o, cn, h->now - BACKDATE, h->now + (h->lifetime ? h->lifetime : YEAR),
			       key_usage, X509_EKU_CLIENT, 0 };
	return s;
}

static int names_ok(const struct talos_handback *h, int want_endpoints, struct err *e)
{
	if (!h->cluster || !plain(h->cluster) || strlen(h->cluster) > 63)
		return err_set(e, WHAT ": the cluster name cannot be written into a config");
	for (int i = 0; want_endpoints && i < h->nendpoints; i++)
		if (!h->endpoints[i] || !plain(h->endpoints[i]))
			return err_set(e, WHAT ": control-plane endpoint %d cannot be written into a talosconfig", i + 1);
	if (want_endpoints && h->nendpoints < 1)
		return err_set(e, WHAT ": a talosconfig needs at least one control-plane endpoint");
	if (!want_endpoints && (!h->server || strncmp(h->server, "https://", 8) || !plain(h->server + 8)))
		return err_set(e, WHAT ": the cluster endpoint must be an https:// URL of plain characters");
	return 0;
}

static long finish(struct textbuf *o, char *key, size_t key_cap, struct err *e)
{
	wipe(key, key_cap);
	if (textbuf_full(o)) {
		wipe(o->p, o->cap);
		return err_set(e, WHAT ": the config does not fit in %zu bytes", o->cap);
	}
	return (long)o->len;
}

long talos_bundle_talosconfig(const struct talos_bundle *b, const struct talos_handback *h,
			      char *out, size_t cap, struct err *e)
{
	/* talosctl's own: O = the role, no CN, for a year */
	struct x509_spec s = client_spec(h, "os:admin", NULL, X509_KU_DIGITAL_SIGNATURE);
	struct textbuf o = { out, cap, 0 };
	char crt[4096], key[1024];

	if (names_ok(h, 1, e) < 0)
		return -1;
	if (b->os.key_type == X509_KEY_ED25519)
		return ed25519_refusal("certs.os", "talosconfig", e);
	if (issue(&b->os, "certs.os", "talosconfig", &s, h->rng, crt, sizeof crt, key, sizeof key, e) < 0)
		return -1;
	textbuf_put(&o, "context: %s\ncontexts:\n    %s:\n        endpoints:\n", h->cluster, h->cluster);
	for (int i = 0; i < h->nendpoints; i++)
		textbuf_put(&o, "            - %s\n", h->endpoints[i]);
	textbuf_put(&o, "        ca: ");
	put_b64(&o, b->os.crt);
	textbuf_put(&o, "\n        crt: ");
	put_b64(&o, crt);
	textbuf_put(&o, "\n        key: ");
	put_b64(&o, key);
	textbuf_put(&o, "\n");
	return finish(&o, key, sizeof key, e);
}

long talos_bundle_kubeconfig(const struct talos_bundle *b, const struct talos_handback *h,
			     char *out, size_t cap, struct err *e)
{
	/* Talos's admin kubeconfig (pkg/kubeconfig): CN=admin, O=system:masters */
	struct x509_spec s = client_spec(h, "system:masters", "admin",
					 X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_ENCIPHERMENT);
	struct textbuf o = { out, cap, 0 };
	char crt[4096], key[1024];
	const char *c = h->cluster;

	if (names_ok(h, 0, e) < 0)
		return -1;
	if (b->k8s.key_type == X509_KEY_ED25519)
		return ed25519_refusal("certs.k8s", "kubeconfig", e);
	if (issue(&b->k8s, "certs.k8s", "kubeconfig", &s, h->rng, crt, sizeof crt, key, sizeof key, e) < 0)
		return -1;
	textbuf_put(&o, "apiVersion: v1\nkind: Config\nclusters:\n- name: %s\n  cluster:\n    server: %s\n"
	    "    certificate-authority-data: ", c, h->server);
	put_b64(&o, b->k8s.crt);
	textbuf_put(&o, "\nusers:\n- name: admin@%s\n  user:\n    client-certificate-data: ", c);
	put_b64(&o, crt);
	textbuf_put(&o, "\n    client-key-data: ");
	put_b64(&o, key);
	textbuf_put(&o, "\ncontexts:\n- context:\n    cluster: %s\n    namespace: default\n    user: admin@%s\n"
	    "  name: admin@%s\ncurrent-context: admin@%s\n", c, c, c, c);
	return finish(&o, key, sizeof key, e);
}
