#include "x509.h"
#include "wipe.h"

#include <stdio.h>
#include <string.h>

static const uint32_t OID_EC_PUBKEY[] = { 1, 2, 840, 10045, 2, 1 };
static const uint32_t OID_P256[] = { 1, 2, 840, 10045, 3, 1, 7 };
static const uint32_t OID_RSA[] = { 1, 2, 840, 113549, 1, 1, 1 };
static const uint32_t OID_ED25519[] = { 1, 3, 101, 112 };
static const uint32_t OID_ECDSA_SHA256[] = { 1, 2, 840, 10045, 4, 3, 2 };
static const uint32_t OID_RSA_SHA256[] = { 1, 2, 840, 113549, 1, 1, 11 };
static const uint32_t OID_O[] = { 2, 5, 4, 10 };
static const uint32_t OID_CN[] = { 2, 5, 4, 3 };
static const uint32_t OID_SKID[] = { 2, 5, 29, 14 };
static const uint32_t OID_KU[] = { 2, 5, 29, 15 };
static const uint32_t OID_BC[] = { 2, 5, 29, 19 };
static const uint32_t OID_AKID[] = { 2, 5, 29, 35 };
static const uint32_t OID_EKU[] = { 2, 5, 29, 37 };
static const uint32_t OID_SERVER_AUTH[] = { 1, 3, 6, 1, 5, 5, 7, 3, 1 };
static const uint32_t OID_CLIENT_AUTH[] = { 1, 3, 6, 1, 5, 5, 7, 3, 2 };
#define OID(a) a, sizeof a / sizeof a[0]

/* A PKCS#1 RSA-4096 key is about 2350 bytes of DER. */
#define KEY_DER_MAX 2600

void x509_key_wipe(struct x509_key *k)
{
	wipe(k, sizeof *k);
}

int x509_keygen_ec(struct x509_key *k, const br_prng_class **rng, struct err *e)
{
	const br_ec_impl *ec = br_ec_get_default();

	memset(k, 0, sizeof *k);
	if (br_ec_keygen(rng, ec, &k->ec, k->priv, BR_EC_secp256r1) == 0 ||
	    br_ec_compute_pub(ec, &k->ec_pub, k->pub, &k->ec) == 0)
		return err_set(e, "x509: BearSSL could not generate a P-256 key");
	k->type = X509_KEY_EC;
	return 0;
}

int x509_keygen_rsa(struct x509_key *k, unsigned bits, const br_prng_class **rng,
		    struct err *e)
{
	memset(k, 0, sizeof *k);
	if (bits < 1024 || bits > X509_RSA_MAX_BITS)
		return err_set(e, "x509: an RSA key of %u bits was asked for; castellan makes 1024 to %d",
			       bits, X509_RSA_MAX_BITS);
	if (!br_rsa_keygen_get_default()(rng, &k->rsa, k->priv, &k->rsa_pub, k->pub, bits, 65537))
		return err_set(e, "x509: BearSSL could not generate an RSA key");
	k->type = X509_KEY_RSA;
	return 0;
}

static uint32_t rsa_pubexp(const struct x509_key *k)
{
	uint32_t v = 0;

	if (k->rsa_pub.elen == 0 || k->rsa_pub.elen > 4)
		return 0;
	for (size_t i = 0; i < k->rsa_pub.elen; i++)
		v = v << 8 | k->rsa_pub.e[i];
	return v;
}

/* PKCS#1 RSAPrivateKey: needs the full private exponent, which BearSSL's
 * key does not keep. */
static size_t rsa_der(const struct x509_key *k, unsigned char *der)
{
	unsigned char d[X509_RSA_MAX_BITS / 8];
	uint32_t pubexp = rsa_pubexp(k);
	size_t dl = 0, n = 0;

	if (pubexp)
		dl = br_rsa_compute_privexp_get_default()(d, &k->rsa, pubexp);
	if (dl && br_encode_rsa_raw_der(NULL, &k->rsa, &k->rsa_pub, d, dl) <= KEY_DER_MAX)
		n = br_encode_rsa_raw_der(der, &k->rsa, &k->rsa_pub, d, dl);
	wipe(d, sizeof d);
	return n;
}

long x509_key_pem(const struct x509_key *k, char *out, size_t cap, struct err *e)
{
	unsigned char der[KEY_DER_MAX];
	const char *label = k->type == X509_KEY_EC ? "EC PRIVATE KEY" : "RSA PRIVATE KEY";
	size_t n = 0;
	long r;

	if (k->type == X509_KEY_EC && br_encode_ec_raw_der(NULL, &k->ec, &k->ec_pub) <= sizeof der)
		n = br_encode_ec_raw_der(der, &k->ec, &k->ec_pub);
	else if (k->type == X509_KEY_RSA)
		n = rsa_der(k, der);
	if (n == 0)
		return err_set(e, "x509: this key cannot be written as %s", label);
	r = pem_encode(out, cap, label, der, n);
	wipe(der, sizeof der);
	if (r < 0)
		return err_set(e, "x509: the %s PEM (%zu bytes) does not fit in %zu bytes", label,
			       pem_len(label, n), cap);
	return r;
}

/* A PKCS#8 Ed25519 key (RFC 8410): 1 when der is one, 0 when it is
 * PKCS#8 of something else (or not PKCS#8), -1 when it says Ed25519 but is
 * malformed. */
static int pkcs8_ed25519(const unsigned char *der, size_t len)
{
	struct der_in in = { der, len }, top, alg, oid, oct, key;

	if (der_take(&in, DER_SEQUENCE, &top) < 0 || der_take(&top, DER_INTEGER, &key) < 0 ||
	    der_take(&top, DER_SEQUENCE, &alg) < 0 || der_take(&alg, DER_OID, &oid) < 0 ||
	    !der_oid_is(&oid, OID(OID_ED25519)))
		return 0;
	if (alg.len || der_take(&top, DER_OCTET_STRING, &oct) < 0 ||
	    der_take(&oct, DER_OCTET_STRING, &key) < 0 || key.len != 32 || oct.len)
		return -1;
	return 1;
}

static int copy_ec(struct x509_key *k, const br_ec_private_key *sk, const char *what,
		   struct err *e)
{
	if (sk->xlen > sizeof k->priv)
		return err_set(e, "%s: an EC key larger than castellan reads", what);
	memcpy(k->priv, sk->x, sk->xlen);
	k->ec.curve = sk->curve;
	k->ec.x = k->priv;
	k->ec.xlen = sk->xlen;
	if (br_ec_compute_pub(br_ec_get_default(), &k->ec_pub, k->pub, &k->ec) == 0)
		return err_set(e, "%s: an EC key on a curve BearSSL does not support", what);
	k->type = X509_KEY_EC;
	return 0;
}

/* Copies BearSSL's decoded key into k and recovers the public half: n
 * always, e when p and q allow it (BearSSL's own keys always do). */
static int copy_rsa(struct x509_key *k, const br_rsa_private_key *sk, const char *what,
		    struct err *e)
{
	const unsigned char *src[5] = { sk->p, sk->q, sk->dp, sk->dq, sk->iq };
	size_t len[5] = { sk->plen, sk->qlen, sk->dplen, sk->dqlen, sk->iqlen }, o = 0;
	unsigned char *dst[5];
	uint32_t pubexp;

	if (sk->n_bitlen > X509_RSA_MAX_BITS)
		return err_set(e, "%s: an RSA key of %u bits; castellan reads up to %d", what,
			       (unsigned)sk->n_bitlen, X509_RSA_MAX_BITS);
	for (int i = 0; i < 5; i++) {
		if (len[i] > sizeof k->priv - o)
			return err_set(e, "%s: a malformed RSA key", what);
		dst[i] = memcpy(k->priv + o, src[i], len[i]);
		o += len[i];
	}
	k->rsa = (br_rsa_private_key){ sk->n_bitlen, dst[0], len[0], dst[1], len[1],
				       dst[2], len[2], dst[3], len[3], dst[4], len[4] };
	k->rsa_pub.n = k->pub;
	/* i15, not the default i31: BearSSL 0.6's i31 version has scratch
	 * room two words short for a 4096-bit modulus and returns 0. */
	k->rsa_pub.nlen = br_rsa_i15_compute_modulus(k->pub, &k->rsa);
	if (k->rsa_pub.nlen == 0)
		return err_set(e, "%s: a malformed RSA key", what);
	pubexp = br_rsa_compute_pubexp_get_default()(&k->rsa);
	k->rsa_pub.e = k->pub + k->rsa_pub.nlen;
	for (int s = 24; pubexp && s >= 0; s -= 8)
		if (pubexp >> s || k->rsa_pub.elen)
			k->pub[k->rsa_pub.nlen + k->rsa_pub.elen++] = (unsigned char)(pubexp >> s);
	k->type = X509_KEY_RSA;
	return 0;
}

static int label_known(const char *label)
{
	return !strcmp(label, "EC PRIVATE KEY") || !strcmp(label, "RSA PRIVATE KEY") ||
	       !strcmp(label, "PRIVATE KEY") || !strcmp(label, "ED25519 PRIVATE KEY");
}

static int key_from_der(struct x509_key *k, const unsigned char *der, size_t n,
			const char *label, const char *what, struct err *e)
{
	br_skey_decoder_context dc;
	int ed = pkcs8_ed25519(der, n), type, r;

	if (ed < 0 || (ed == 0 && !strcmp(label, "ED25519 PRIVATE KEY")))
		return err_set(e, "%s: the %s block is not a well-formed PKCS#8 Ed25519 key", what, label);
	if (ed > 0) {
		k->type = X509_KEY_ED25519;
		return err_set(e, "%s: an Ed25519 key; castellan cannot sign with Ed25519 "
			       "(BearSSL has no Ed25519)", what);
	}
	br_skey_decoder_init(&dc);
	br_skey_decoder_push(&dc, der, n);
	type = br_skey_decoder_key_type(&dc);
	if (br_skey_decoder_last_error(&dc) || (type == BR_KEYTYPE_EC && !strcmp(label, "RSA PRIVATE KEY")) ||
	    (type == BR_KEYTYPE_RSA && !strcmp(label, "EC PRIVATE KEY")))
		r = err_set(e, "%s: the %s block is not a readable key of that kind", what, label);
	else if (type == BR_KEYTYPE_EC)
		r = copy_ec(k, br_skey_decoder_get_ec(&dc), what, e);
	else
		r = copy_rsa(k, br_skey_decoder_get_rsa(&dc), what, e);
	wipe(&dc, sizeof dc);
	return r;
}

int x509_key_from_pem(struct x509_key *k, const char *text, size_t len, const char *what,
		      struct err *e)
{
	unsigned char der[KEY_DER_MAX];
	char label[40];
	enum pem_status st;
	long n;
	int r;

	memset(k, 0, sizeof *k);
	n = pem_decode(der, sizeof der, label, sizeof label, text, len, &st);
	if (n < 0)
		return err_set(e, "%s %s", what, pem_status_text(st));
	if (!label_known(label)) {
		for (char *c = label; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				*c = '?';
		r = err_set(e, "%s: a PEM block labelled \"%s\"; expected EC PRIVATE KEY, RSA PRIVATE KEY, "
			    "PRIVATE KEY or ED25519 PRIVATE KEY", what, label);
	} else {
		r = key_from_der(k, der, (size_t)n, label, what, e);
	}
	wipe(der, sizeof der);
	if (r < 0 && k->type != X509_KEY_ED25519)
		x509_key_wipe(k);
	return r;
}

/* --- reading certificates */

/* The public key inside a SubjectPublicKeyInfo body. */
static int spki_key(struct x509_cert *c, struct der_in spki)
{
	struct der_in alg, oid, bits, rsa, n;

	if (der_take(&spki, DER_SEQUENCE, &alg) < 0 || der_take(&alg, DER_OID, &oid) < 0 ||
	    der_take(&spki, DER_BIT_STRING, &bits) < 0 || spki.len || bits.len < 2 || bits.p[0])
		return -1;
	bits.p++;
	bits.len--;
	if (der_oid_is(&oid, OID(OID_EC_PUBKEY))) {
		c->key_type = X509_KEY_EC;
		c->pub = bits;
	} else if (der_oid_is(&oid, OID(OID_ED25519)) && bits.len == 32) {
		c->key_type = X509_KEY_ED25519;
		c->pub = bits;
	} else if (der_oid_is(&oid, OID(OID_RSA))) {
		if (der_take(&bits, DER_SEQUENCE, &rsa) < 0 || der_take(&rsa, DER_INTEGER, &n) < 0)
			return -1;
		while (n.len > 1 && n.p[0] == 0) {
			n.p++;
			n.len--;
		}
		c->key_type = X509_KEY_RSA;
		c->pub = n;
	} else {
		return -1;
	}
	return 0;
}

/* SubjectKeyIdentifier and BasicConstraints from the [3] extensions. */
static int extensions(struct x509_cert *c, struct der_in exts)
{
	struct der_in list, ext, oid, val, inner, b;

	if (der_take(&exts, DER_SEQUENCE, &list) < 0 || exts.len)
		return -1;
	while (list.len) {
		if (der_take(&list, DER_SEQUENCE, &ext) < 0 || der_take(&ext, DER_OID, &oid) < 0)
			return -1;
		if (der_peek(&ext) == DER_BOOLEAN && der_next(&ext, NULL, NULL, NULL) < 0)
			return -1;
		if (der_take(&ext, DER_OCTET_STRING, &val) < 0 || ext.len)
			return -1;
		if (der_oid_is(&oid, OID(OID_SKID)) && der_take(&val, DER_OCTET_STRING, &c->skid) < 0)
			return -1;
		if (der_oid_is(&oid, OID(OID_BC))) {
			if (der_take(&val, DER_SEQUENCE, &inner) < 0)
				return -1;
			c->is_ca = der_take(&inner, DER_BOOLEAN, &b) == 0 && b.len == 1 && b.p[0];
		}
	}
	return 0;
}

/* BearSSL's own decoder, for the key types it knows: a second opinion. */
static int bearssl_agrees(const unsigned char *der, size_t len)
{
	br_x509_decoder_context dc;

	br_x509_decoder_init(&dc, NULL, NULL);
	br_x509_decoder_push(&dc, der, len);
	return br_x509_decoder_last_error(&dc) == 0 && br_x509_decoder_get_pkey(&dc) != NULL;
}

int x509_cert_parse(struct x509_cert *c, const unsigned char *der, size_t len)
{
	struct der_in in = { der, len }, cert, tbs, f, spki;
	unsigned char tag;

	memset(c, 0, sizeof *c);
	if (der_take(&in, DER_SEQUENCE, &cert) < 0 || in.len || der_take(&cert, DER_SEQUENCE, &tbs) < 0)
		return -1;
	if (der_peek(&tbs) == DER_CTX(0) && der_next(&tbs, NULL, NULL, NULL) < 0)
		return -1;
	if (der_take(&tbs, DER_INTEGER, &f) < 0 || der_take(&tbs, DER_SEQUENCE, &f) < 0 ||
	    der_take(&tbs, DER_SEQUENCE, &f) < 0 || der_take(&tbs, DER_SEQUENCE, &f) < 0 ||
	    der_next(&tbs, &tag, &c->subject, NULL) < 0 || tag != DER_SEQUENCE ||
	    der_take(&tbs, DER_SEQUENCE, &spki) < 0 || spki_key(c, spki) < 0)
		return -1;
	while (tbs.len) {
		if (der_next(&tbs, &tag, NULL, &f) < 0)
			return -1;
		if (tag == DER_CTX(3) && extensions(c, f) < 0)
			return -1;
	}
	if (der_take(&cert, DER_SEQUENCE, &f) < 0 || der_take(&cert, DER_BIT_STRING, &f) < 0 || cert.len)
		return -1;
	if (c->key_type != X509_KEY_ED25519 && !bearssl_agrees(der, len))
		return -1;
	return 0;
}

static int same_uint(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	for (; an > 1 && a[0] == 0; an--)
		a++;
	for (; bn > 1 && b[0] == 0; bn--)
		b++;
	return an == bn && memcmp(a, b, an) == 0;
}

int x509_key_matches(const struct x509_key *k, const struct x509_cert *c)
{
	if (k->type == X509_KEY_EC && c->key_type == X509_KEY_EC)
		return k->ec_pub.qlen == c->pub.len && memcmp(k->ec_pub.q, c->pub.p, c->pub.len) == 0;
	if (k->type == X509_KEY_RSA && c->key_type == X509_KEY_RSA)
		return same_uint(k->rsa_pub.n, k->rsa_pub.nlen, c->pub.p, c->pub.len);
	return 0;
}

/* --- writing certificates */

static void rdn(struct der *d, const uint32_t *oid, size_t n, const char *v)
{
	size_t set = der_open(d, DER_SET), seq = der_open(d, DER_SEQUENCE);

	der_oid(d, oid, n);
	der_string(d, v);
	der_close(d, seq);
	der_close(d, set);
}

/* O before CN, as Go orders a pkix.Name. */
static void put_name(struct der *d, const char *o, const char *cn)
{
	size_t seq = der_open(d, DER_SEQUENCE);

	if (o && *o)
		rdn(d, OID(OID_O), o);
	if (cn && *cn)
		rdn(d, OID(OID_CN), cn);
	der_close(d, seq);
}

static int put_spki(struct der *d, const struct x509_key *k)
{
	size_t top = der_open(d, DER_SEQUENCE), alg = der_open(d, DER_SEQUENCE), bits, seq;

	if (k->type == X509_KEY_EC && k->ec_pub.curve == BR_EC_secp256r1) {
		der_oid(d, OID(OID_EC_PUBKEY));
		der_oid(d, OID(OID_P256));
		der_close(d, alg);
		der_bits(d, k->ec_pub.q, k->ec_pub.qlen, 0);
	} else if (k->type == X509_KEY_RSA && k->rsa_pub.elen) {
		der_oid(d, OID(OID_RSA));
		der_null(d);
		der_close(d, alg);
		bits = der_open(d, DER_BIT_STRING);
		der_raw(d, "", 1);	/* no unused bits */
		seq = der_open(d, DER_SEQUENCE);
		der_uint(d, k->rsa_pub.n, k->rsa_pub.nlen);
		der_uint(d, k->rsa_pub.e, k->rsa_pub.elen);
		der_close(d, seq);
		der_close(d, bits);
	} else {
		return -1;	/* P-256 and RSA only: what the bundle makes */
	}
	der_close(d, top);
	return 0;
}

static void put_sigalg(struct der *d, const struct x509_key *signer)
{
	size_t seq = der_open(d, DER_SEQUENCE);

	if (signer->type == X509_KEY_EC) {
		der_oid(d, OID(OID_ECDSA_SHA256));	/* parameters absent (RFC 5758) */
	} else {
		der_oid(d, OID(OID_RSA_SHA256));
		der_null(d);
	}
	der_close(d, seq);
}

struct ext {
	size_t seq, oct;
};

static struct ext ext_begin(struct der *d, const uint32_t *oid, size_t n, int critical)
{
	struct ext x;

	x.seq = der_open(d, DER_SEQUENCE);
	der_oid(d, oid, n);
	if (critical)
		der_bool(d, 1);
	x.oct = der_open(d, DER_OCTET_STRING);
	return x;
}

static void ext_end(struct der *d, struct ext x)
{
	der_close(d, x.oct);
	der_close(d, x.seq);
}

/* The parts of one certificate. */
struct tbs {
	const struct x509_spec *s;
	const struct der_in *issuer;		/* NULL: self-signed */
	const struct x509_key *subject_key, *signer;
	struct der_in skid, akid;		/* len 0: left out */
};

static void put_usages(struct der *d, const struct x509_spec *s)
{
	struct ext x;
	size_t seq;

	if (s->key_usage) {
		x = ext_begin(d, OID(OID_KU), 1);
		der_named_bits(d, s->key_usage);
		ext_end(d, x);
	}
	if (s->ext_key_usage) {
		x = ext_begin(d, OID(OID_EKU), 0);
		seq = der_open(d, DER_SEQUENCE);
		if (s->ext_key_usage & X509_EKU_SERVER)
			der_oid(d, OID(OID_SERVER_AUTH));
		if (s->ext_key_usage & X509_EKU_CLIENT)
			der_oid(d, OID(OID_CLIENT_AUTH));
		der_close(d, seq);
		ext_end(d, x);
	}
}

static void put_extensions(struct der *d, const struct tbs *t)
{
	size_t ctx = der_open(d, DER_CTX(3)), list = der_open(d, DER_SEQUENCE), seq;
	struct ext x;

	put_usages(d, t->s);
	x = ext_begin(d, OID(OID_BC), 1);
	seq = der_open(d, DER_SEQUENCE);
	if (t->s->ca)
		der_bool(d, 1);		/* cA FALSE is the default, so DER leaves it out */
	der_close(d, seq);
	ext_end(d, x);
	if (t->skid.len) {
		x = ext_begin(d, OID(OID_SKID), 0);
		der_octets(d, t->skid.p, t->skid.len);
		ext_end(d, x);
	}
	if (t->akid.len) {
		x = ext_begin(d, OID(OID_AKID), 0);
		seq = der_open(d, DER_SEQUENCE);
		der_prim(d, DER_CTX_PRIM(0), t->akid.p, t->akid.len);
		der_close(d, seq);
		ext_end(d, x);
	}
	der_close(d, list);
	der_close(d, ctx);
}

/* The tbsCertificate, up to and without the signature. */
static int put_tbs(struct der *d, const struct tbs *t, const struct der_in *name,
		   const br_prng_class **rng)
{
	unsigned char serial[16];
	size_t m;

	(*rng)->generate(rng, serial, sizeof serial);
	serial[sizeof serial - 1] |= 1;		/* never zero */
	m = der_open(d, DER_CTX(0));
	der_small(d, 2);			/* v3 */
	der_close(d, m);
	der_uint(d, serial, sizeof serial);
	put_sigalg(d, t->signer);
	der_raw(d, t->issuer ? t->issuer->p : name->p, t->issuer ? t->issuer->len : name->len);
	m = der_open(d, DER_SEQUENCE);
	der_time(d, t->s->not_before);
	der_time(d, t->s->not_after);
	der_close(d, m);
	der_raw(d, name->p, name->len);
	if (put_spki(d, t->subject_key) < 0)
		return -1;
	put_extensions(d, t);
	return 0;
}

static size_t sign(const struct x509_key *k, const unsigned char hash[32], unsigned char *sig,
		   size_t cap)
{
	size_t n;

	if (k->type == X509_KEY_EC)
		return br_ecdsa_sign_asn1_get_default()(br_ec_get_default(), &br_sha256_vtable, hash,
							&k->ec, sig);
	n = (k->rsa.n_bitlen + 7) / 8;
	if (k->type != X509_KEY_RSA || n > cap)
		return 0;
	return br_rsa_pkcs1_sign_get_default()(BR_HASH_OID_SHA256, hash, 32, &k->rsa, sig) ? n : 0;
}

static long build(unsigned char *out, size_t cap, const struct tbs *t,
		  const br_prng_class **rng, struct err *e)
{
	unsigned char namebuf[512], hash[32], sig[X509_RSA_MAX_BITS / 8];
	struct der d, nd;
	struct der_in name;
	size_t cert, tbs, siglen;
	br_sha256_context h;

	if (t->s->not_before >= t->s->not_after)
		return err_set(e, "x509: the validity ends before it begins");
	der_init(&nd, namebuf, sizeof namebuf);
	put_name(&nd, t->s->o, t->s->cn);
	if (nd.full || (!t->issuer && nd.len == 2))
		return err_set(e, "x509: the subject is empty or longer than castellan writes");
	name = (struct der_in){ namebuf, nd.len };
	der_init(&d, out, cap);
	cert = der_open(&d, DER_SEQUENCE);
	tbs = der_open(&d, DER_SEQUENCE);
	if (put_tbs(&d, t, &name, rng) < 0)
		return err_set(e, "x509: castellan writes certificates for P-256 and RSA keys only");
	der_close(&d, tbs);
	if (d.full)
		return err_set(e, "x509: the certificate does not fit in %zu bytes", cap);
	br_sha256_init(&h);
	br_sha256_update(&h, d.buf + tbs, d.len - tbs);
	br_sha256_out(&h, hash);
	siglen = sign(t->signer, hash, sig, sizeof sig);
	if (siglen == 0)
		return err_set(e, "x509: BearSSL could not sign the certificate");
	put_sigalg(&d, t->signer);
	der_bits(&d, sig, siglen, 0);
	der_close(&d, cert);
	if (d.full)
		return err_set(e, "x509: the certificate does not fit in %zu bytes", cap);
	return (long)d.len;
}

long x509_self_signed(unsigned char *out, size_t cap, const struct x509_spec *s,
		      const struct x509_key *key, const br_prng_class **rng, struct err *e)
{
	unsigned char skid[20];
	struct tbs t = { s, NULL, key, key, { skid, sizeof skid }, { skid, sizeof skid } };

	if (key->type != X509_KEY_EC && key->type != X509_KEY_RSA)
		return err_set(e, "x509: a CA needs an EC or RSA key");
	/* random, as Talos's generator does, rather than a hash of the key */
	(*rng)->generate(rng, skid, sizeof skid);
	return build(out, cap, &t, rng, e);
}

long x509_issue(unsigned char *out, size_t cap, const struct x509_spec *s,
		const struct x509_key *subject_key, const unsigned char *ca_der,
		size_t ca_len, const struct x509_key *ca_key, const br_prng_class **rng,
		struct err *e)
{
	struct x509_cert ca;
	struct tbs t;

	if (x509_cert_parse(&ca, ca_der, ca_len) < 0)
		return err_set(e, "x509: the CA certificate cannot be parsed");
	if (!ca.is_ca)
		return err_set(e, "x509: the issuing certificate is not a CA (BasicConstraints)");
	if (!x509_key_matches(ca_key, &ca))
		return err_set(e, "x509: the CA key does not belong to the CA certificate");
	t = (struct tbs){ s, &ca.subject, subject_key, ca_key, { NULL, 0 }, ca.skid };
	return build(out, cap, &t, rng, e);
}
