/* The DER writer and reader against known bytes, PEM armor both ways, key
 * PEM round trips, and certificates checked by BearSSL's own X.509 chain
 * validator. */
#include "check.h"
#include "der.h"
#include "x509.h"

#include <bearssl.h>

static br_hmac_drbg_context drbg;
static const br_prng_class **rng = &drbg.vtable;

#define NOW 1767225600LL	/* 2026-01-01T00:00:00Z */

static int bytes_are(const struct der *d, const char *hex)
{
	unsigned char want[512];
	size_t n = 0;

	for (; hex[0] && hex[1]; hex += 2) {
		if (*hex == ' ')
			hex--;
		else
			sscanf(hex, "%2hhx", &want[n++]);
	}
	if (d->full || d->len != n || memcmp(d->buf, want, n) != 0) {
		fprintf(stderr, "  got:");
		for (size_t i = 0; i < d->len; i++)
			fprintf(stderr, " %02x", d->buf[i]);
		fprintf(stderr, "\n");
		return 0;
	}
	return 1;
}

static int contains(const unsigned char *h, size_t hn, const char *hex)
{
	unsigned char want[128];
	size_t n = 0;

	for (; hex[0] && hex[1]; hex += 2) {
		if (*hex == ' ')
			hex--;
		else
			sscanf(hex, "%2hhx", &want[n++]);
	}
	for (size_t i = 0; i + n <= hn; i++)
		if (memcmp(h + i, want, n) == 0)
			return 1;
	return 0;
}

#define ENC(stmt, hex) do { \
	der_init(&d, buf, sizeof buf); \
	stmt; \
	CHECK(bytes_are(&d, hex)); \
} while (0)

static void der_writer(void)
{
	static const uint32_t ecpub[] = { 1, 2, 840, 10045, 2, 1 }, ku[] = { 2, 5, 29, 15 },
			      rsasha[] = { 1, 2, 840, 113549, 1, 1, 11 };
	unsigned char buf[512], big[300] = { 0 };
	struct der d;
	size_t m, m2;

	ENC(der_small(&d, 0), "020100");
	ENC(der_small(&d, 127), "02017f");
	ENC(der_small(&d, 128), "02020080");
	ENC(der_small(&d, 65537), "0203010001");
	ENC(der_uint(&d, (const unsigned char *)"\0\0\x01", 3), "020101");
	ENC(der_uint(&d, (const unsigned char *)"\x80\x01", 2), "0203008001");
	ENC(der_oid(&d, ecpub, 6), "06072a8648ce3d0201");
	ENC(der_oid(&d, ku, 4), "0603551d0f");
	ENC(der_oid(&d, rsasha, 7), "06092a864886f70d01010b");
	ENC(der_bool(&d, 1), "0101ff");
	ENC(der_null(&d), "0500");
	/* KeyUsage: CertSign|DigitalSignature, DigitalSignature, +KeyEncipherment */
	ENC(der_named_bits(&d, X509_KU_CERT_SIGN | X509_KU_DIGITAL_SIGNATURE), "03020284");
	ENC(der_named_bits(&d, X509_KU_DIGITAL_SIGNATURE), "03020780");
	ENC(der_named_bits(&d, X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_ENCIPHERMENT), "030205a0");
	ENC(der_named_bits(&d, 1u << 8), "0303070080");
	ENC(der_string(&d, "etcd"), "130465746364");
	ENC(der_string(&d, "system:masters"), "130e73797374656d3a6d617374657273");
	ENC(der_string(&d, "a*b"), "0c03612a62");
	ENC(der_time(&d, 1801353600), "170d3237303133313030303030305a");		/* 2027-01-31 */
	ENC(der_time(&d, 2524607999), "170d3439313233313233353935395a");		/* 2049-12-31 23:59:59 */
	ENC(der_time(&d, 2524608000), "180f32303530303130313030303030305a");	/* 2050-01-01 */
	ENC(der_time(&d, 0), "170d3730303130313030303030305a");
	ENC((m = der_open(&d, DER_SEQUENCE), der_bool(&d, 1), der_close(&d, m)), "30030101ff");
	ENC((m = der_open(&d, DER_SEQUENCE), der_close(&d, m)), "3000");
	ENC((m = der_open(&d, DER_CTX(3)), m2 = der_open(&d, DER_SET), der_null(&d), der_close(&d, m2),
	     der_close(&d, m)), "a30431020500");
	ENC(der_prim(&d, DER_CTX_PRIM(0), "\x01\x02", 2), "80020102");

	/* long forms */
	der_init(&d, buf, sizeof buf);
	m = der_open(&d, DER_SEQUENCE);
	der_octets(&d, big, 200);
	der_close(&d, m);
	CHECK(!d.full && d.len == 3 + 3 + 200 && !memcmp(buf, "\x30\x81\xcb\x04\x81\xc8", 6));
	der_init(&d, buf, sizeof buf);
	m = der_open(&d, DER_SEQUENCE);
	der_octets(&d, big, 300);
	der_close(&d, m);
	CHECK(!d.full && d.len == 4 + 4 + 300 && !memcmp(buf, "\x30\x82\x01\x30\x04\x82\x01\x2c", 8));

	/* a write that does not fit voids the output, and later writes too */
	der_init(&d, buf, 4);
	der_small(&d, 1);
	CHECK(!d.full && d.len == 3);
	der_small(&d, 1);
	CHECK(d.full);
	der_init(&d, buf, 5);
	m = der_open(&d, DER_SEQUENCE);
	der_close(&d, m);
	CHECK(d.full);
}

static void der_reader(void)
{
	static const uint32_t ku[] = { 2, 5, 29, 15 }, eku[] = { 2, 5, 29, 37 };
	struct der_in in = { (const unsigned char *)"\x30\x03\x01\x01\xff\x05\x00", 7 }, body, whole;
	unsigned char tag, two[4] = { 0x04, 0x82, 0x00, 0x05 };

	CHECK(der_peek(&in) == 0x30);
	CHECK(der_next(&in, &tag, &whole, &body) == 0 && tag == 0x30 && whole.len == 5 && body.len == 3);
	CHECK(der_take(&body, DER_BOOLEAN, &whole) == 0 && whole.len == 1 && whole.p[0] == 0xff);
	CHECK(der_take(&in, DER_SEQUENCE, &body) < 0 && in.len == 2);	/* wrong tag: not consumed */
	CHECK(der_take(&in, DER_NULL, &body) == 0 && body.len == 0 && in.len == 0);
	CHECK(der_peek(&in) == -1);
	in = (struct der_in){ (const unsigned char *)"\x04\x81\x03\x01\x02\x03", 6 };
	CHECK(der_next(&in, NULL, NULL, NULL) < 0);	/* long form for a short length */
	in = (struct der_in){ two, 4 };
	CHECK(der_next(&in, NULL, NULL, NULL) < 0);
	in = (struct der_in){ (const unsigned char *)"\x04\x05\x01", 3 };
	CHECK(der_next(&in, NULL, NULL, NULL) < 0);	/* runs past its container */
	body = (struct der_in){ (const unsigned char *)"\x55\x1d\x0f", 3 };
	CHECK(der_oid_is(&body, ku, 4));
	CHECK(!der_oid_is(&body, eku, 4));
}

static void pem(void)
{
	unsigned char der[100], back[200];
	char text[400], label[32], crlf[500];
	enum pem_status st;
	long n;
	size_t o = 0;

	for (int i = 0; i < 100; i++)
		der[i] = (unsigned char)(i * 7);
	n = pem_encode(text, sizeof text, "TEST THING", der, sizeof der);
	CHECK(n == (long)pem_len("TEST THING", sizeof der) && n == (long)strlen(text));
	CHECK(!strncmp(text, "-----BEGIN TEST THING-----\n", 27));
	CHECK(strchr(text + 27, '\n') - (text + 27) == 64);		/* 64 columns */
	CHECK(!strcmp(text + n - 25, "-----END TEST THING-----\n"));
	CHECK(pem_encode(text, (size_t)n, "TEST THING", der, sizeof der) < 0);	/* room for the NUL */
	n = pem_encode(text, sizeof text, "TEST THING", der, sizeof der);

	CHECK(pem_decode(back, sizeof back, label, sizeof label, text, strlen(text), &st) == 100);
	CHECK(st == PEM_OK && !memcmp(back, der, 100));
	CHECK_STR(label, "TEST THING");
	/* CRLF, text around the block (as Go's pem.Decode skips it) */
	o += (size_t)sprintf(crlf, "junk before\r\n");
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			crlf[o++] = '\r';
		crlf[o++] = *p;
	}
	o += (size_t)sprintf(crlf + o, "trailing");
	CHECK(pem_decode(back, sizeof back, label, sizeof label, crlf, o, &st) == 100 &&
	      !memcmp(back, der, 100));

	CHECK(pem_decode(back, 99, label, sizeof label, text, strlen(text), &st) < 0 && st == PEM_TOO_BIG);
	CHECK(pem_decode(back, sizeof back, label, sizeof label, "nothing", 7, &st) < 0 && st == PEM_NONE);
	memcpy(strstr(text, "-----END ") + 9, "TEST THINK", 10);
	CHECK(pem_decode(back, sizeof back, label, sizeof label, text, strlen(text), &st) < 0 &&
	      st == PEM_BAD_LABEL);
	n = pem_encode(text, sizeof text, "X", der, 2);		/* "AAc=" */
	text[20] = 'd';						/* "AAd=": non-zero unused bits */
	CHECK(pem_decode(back, sizeof back, label, sizeof label, text, (size_t)n, &st) < 0 &&
	      st == PEM_BAD_BASE64);
	CHECK_HAS(pem_status_text(PEM_BAD_BASE64), "base64");
}

static void ec_keys(void)
{
	struct x509_key k, back;
	struct err e;
	char text[600];
	long n;

	CHECK(x509_keygen_ec(&k, rng, &e) == 0 && k.type == X509_KEY_EC && k.ec_pub.qlen == 65);
	n = x509_key_pem(&k, text, sizeof text, &e);
	CHECK(n > 0 && !strncmp(text, "-----BEGIN EC PRIVATE KEY-----\n", 31));
	CHECK(x509_key_from_pem(&back, text, (size_t)n, "k", &e) == 0 && back.type == X509_KEY_EC);
	CHECK(back.ec.xlen == k.ec.xlen && !memcmp(back.ec.x, k.ec.x, k.ec.xlen));
	CHECK(back.ec_pub.qlen == 65 && !memcmp(back.ec_pub.q, k.ec_pub.q, 65));
	CHECK(x509_key_pem(&k, text, 100, &e) < 0);
	CHECK_HAS(e.msg, "does not fit in 100 bytes");

	/* a label the decoder does not take, and a label that lies */
	n = x509_key_pem(&k, text, sizeof text, &e);
	memcpy(text + 11, "XX", 2);
	memcpy(strstr(text, "-----END ") + 9, "XX", 2);
	CHECK(x509_key_from_pem(&back, text, (size_t)n, "certs.k8s.key", &e) < 0);
	CHECK_STR(e.msg, "certs.k8s.key: a PEM block labelled \"XX PRIVATE KEY\"; expected EC PRIVATE KEY, "
		  "RSA PRIVATE KEY, PRIVATE KEY or ED25519 PRIVATE KEY");
	CHECK(x509_key_from_pem(&back, "", 0, "certs.k8s.key", &e) < 0);
	CHECK_STR(e.msg, "certs.k8s.key holds no PEM block");
	x509_key_wipe(&k);
	CHECK(k.type == X509_KEY_NONE && k.priv[0] == 0);
}

static void rsa_keys(struct x509_key *k)
{
	struct x509_key back;
	struct err e;
	char text[2000], lie[2000];
	long n;

	CHECK(x509_keygen_rsa(k, 1024, rng, &e) == 0 && k->type == X509_KEY_RSA);
	CHECK(x509_keygen_rsa(&back, 512, rng, &e) < 0);
	CHECK_HAS(e.msg, "512 bits");
	n = x509_key_pem(k, text, sizeof text, &e);
	CHECK(n > 0 && !strncmp(text, "-----BEGIN RSA PRIVATE KEY-----\n", 32));
	CHECK(x509_key_from_pem(&back, text, (size_t)n, "k", &e) == 0 && back.type == X509_KEY_RSA);
	CHECK(back.rsa_pub.nlen == k->rsa_pub.nlen && !memcmp(back.rsa_pub.n, k->rsa_pub.n, k->rsa_pub.nlen));
	CHECK(back.rsa_pub.elen == 3 && !memcmp(back.rsa_pub.e, "\x01\x00\x01", 3));
	/* the round trip is exact: d, n and e recomputed give the same text */
	CHECK(x509_key_pem(&back, lie, sizeof lie, &e) == n && !memcmp(lie, text, (size_t)n));
	/* an RSA body under the EC label */
	snprintf(lie, sizeof lie, "-----BEGIN EC PRIVATE KEY-----\n%.*s-----END EC PRIVATE KEY-----\n",
		 (int)(strstr(text, "-----END") - text - 32), text + 32);
	CHECK(x509_key_from_pem(&back, lie, strlen(lie), "sa", &e) < 0);
	CHECK_STR(e.msg, "sa: the EC PRIVATE KEY block is not a readable key of that kind");
}

static void ed25519_keys(void)
{
	/* RFC 8410 PKCS#8 of an Ed25519 seed; BearSSL has no Ed25519 */
	unsigned char der[48] = { 0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
				  0x04, 0x22, 0x04, 0x20 };
	char text[300];
	struct x509_key k;
	struct err e;

	memset(der + 16, 0x42, 32);
	pem_encode(text, sizeof text, "ED25519 PRIVATE KEY", der, sizeof der);
	CHECK(x509_key_from_pem(&k, text, strlen(text), "certs.os.key", &e) < 0 && k.type == X509_KEY_ED25519);
	CHECK_STR(e.msg, "certs.os.key: an Ed25519 key; castellan cannot sign with Ed25519 (BearSSL has no Ed25519)");
	pem_encode(text, sizeof text, "PRIVATE KEY", der, sizeof der);
	CHECK(x509_key_from_pem(&k, text, strlen(text), "certs.os.key", &e) < 0 && k.type == X509_KEY_ED25519);
	pem_encode(text, sizeof text, "ED25519 PRIVATE KEY", der, 40);	/* truncated */
	CHECK(x509_key_from_pem(&k, text, strlen(text), "certs.os.key", &e) < 0 && k.type == X509_KEY_NONE);
}

/* --- certificates, validated by BearSSL's minimal X.509 engine */

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

/* 0 when leaf chains to ca at time t. */
static int verify(const unsigned char *leaf, size_t ln, const unsigned char *ca, size_t cn, long long t)
{
	br_x509_decoder_context dc;
	br_x509_minimal_context xc;
	br_x509_trust_anchor ta;

	ta_dn_len = 0;
	br_x509_decoder_init(&dc, dn_append, NULL);
	br_x509_decoder_push(&dc, ca, cn);
	if (br_x509_decoder_last_error(&dc) || !br_x509_decoder_isCA(&dc))
		return -1;
	ta = (br_x509_trust_anchor){ { ta_dn, ta_dn_len }, BR_X509_TA_CA, *br_x509_decoder_get_pkey(&dc) };
	br_x509_minimal_init_full(&xc, &ta, 1);
	br_x509_minimal_set_time(&xc, (uint32_t)(t / 86400 + 719528), (uint32_t)(t % 86400));
	xc.vtable->start_chain(&xc.vtable, NULL);
	xc.vtable->start_cert(&xc.vtable, (uint32_t)ln);
	xc.vtable->append(&xc.vtable, leaf, ln);
	xc.vtable->end_cert(&xc.vtable);
	return (int)xc.vtable->end_chain(&xc.vtable);
}

static const char KU_CA[] = "300e0603551d0f0101ff040403020284";
static const char EKU_BOTH[] = "301d0603551d250416301406082b0601050507030106082b06010505070302";
static const char BC_CA[] = "300f0603551d130101ff040530030101ff";
static const char EKU_CLIENT[] = "30130603551d25040c300a06082b06010505070302";
static const char BC_LEAF[] = "300c0603551d130101ff04023000";
static const char ECDSA_SHA256[] = "300a06082a8648ce3d040302";
static const char RSA_SHA256[] = "300d06092a864886f70d01010b0500";

static void ec_ca(void)
{
	struct x509_spec ca_spec = { "kubernetes", NULL, NOW - 300, NOW + 87600LL * 3600,
				     X509_KU_CERT_SIGN | X509_KU_DIGITAL_SIGNATURE,
				     X509_EKU_SERVER | X509_EKU_CLIENT, 1 };
	struct x509_spec leaf_spec = { "system:masters", "admin", NOW - 300, NOW + 365 * 86400LL,
				       X509_KU_DIGITAL_SIGNATURE, X509_EKU_CLIENT, 0 };
	unsigned char ca[1024], leaf[1024];
	struct x509_key cak, lk, other;
	struct x509_cert c, l;
	struct err e;
	long cn, ln;

	CHECK(x509_keygen_ec(&cak, rng, &e) == 0 && x509_keygen_ec(&lk, rng, &e) == 0 &&
	      x509_keygen_ec(&other, rng, &e) == 0);
	cn = x509_self_signed(ca, sizeof ca, &ca_spec, &cak, rng, &e);
	CHECK(cn > 0);
	CHECK(x509_cert_parse(&c, ca, (size_t)cn) == 0 && c.is_ca && c.key_type == X509_KEY_EC);
	CHECK(c.skid.len == 20 && x509_key_matches(&cak, &c) && !x509_key_matches(&other, &c));
	CHECK(contains(ca, (size_t)cn, KU_CA) && contains(ca, (size_t)cn, EKU_BOTH) &&
	      contains(ca, (size_t)cn, BC_CA) && contains(ca, (size_t)cn, ECDSA_SHA256));
	/* subject O=kubernetes, twice: issuer and subject */
	CHECK(contains(ca, (size_t)cn, "301531133011060355040a130a6b756265726e65746573"));
	CHECK(c.subject.len == 0x17 && !memcmp(c.subject.p, "\x30\x15\x31\x13", 4));
	CHECK(verify(ca, (size_t)cn, ca, (size_t)cn, NOW) == 0);

	ln = x509_issue(leaf, sizeof leaf, &leaf_spec, &lk, ca, (size_t)cn, &cak, rng, &e);
	CHECK(ln > 0);
	CHECK(x509_cert_parse(&l, leaf, (size_t)ln) == 0 && !l.is_ca && x509_key_matches(&lk, &l));
	CHECK(contains(leaf, (size_t)ln, EKU_CLIENT) && !contains(leaf, (size_t)ln, EKU_BOTH) &&
	      contains(leaf, (size_t)ln, BC_LEAF) && contains(leaf, (size_t)ln, "03020780"));
	CHECK(contains(leaf, (size_t)ln, "060355040a130e73797374656d3a6d617374657273"));	/* O */
	CHECK(contains(leaf, (size_t)ln, "0603550403130561646d696e"));			/* CN */
	CHECK(l.skid.len == 0 && contains(leaf, (size_t)ln, "0603551d23"));		/* AKID */
	CHECK(verify(leaf, (size_t)ln, ca, (size_t)cn, NOW) == 0);
	CHECK(verify(leaf, (size_t)ln, ca, (size_t)cn, NOW + 2 * 365 * 86400LL) != 0);	/* expired */

	/* the CA key must be the CA certificate's; a leaf is no CA */
	CHECK(x509_issue(leaf, sizeof leaf, &leaf_spec, &lk, ca, (size_t)cn, &other, rng, &e) < 0);
	CHECK_STR(e.msg, "x509: the CA key does not belong to the CA certificate");
	CHECK(x509_issue(ca, sizeof ca, &leaf_spec, &other, leaf, (size_t)ln, &lk, rng, &e) < 0);
	CHECK_STR(e.msg, "x509: the issuing certificate is not a CA (BasicConstraints)");
	CHECK(x509_self_signed(ca, 200, &ca_spec, &cak, rng, &e) < 0);
	CHECK_STR(e.msg, "x509: the certificate does not fit in 200 bytes");
	ca_spec.not_after = ca_spec.not_before;
	CHECK(x509_self_signed(ca, sizeof ca, &ca_spec, &cak, rng, &e) < 0);
	x509_key_wipe(&cak);
	x509_key_wipe(&lk);
	x509_key_wipe(&other);
}

static void rsa_ca(struct x509_key *rk)
{
	struct x509_spec ca_spec = { NULL, "front-proxy", NOW, NOW + 86400, X509_KU_CERT_SIGN, 0, 1 };
	struct x509_spec leaf_spec = { "os:admin", NULL, NOW, NOW + 3600, X509_KU_DIGITAL_SIGNATURE,
				       X509_EKU_CLIENT, 0 };
	unsigned char ca[1024], leaf[1024];
	struct x509_key lk;
	struct x509_cert c;
	struct err e;
	long cn, ln;

	cn = x509_self_signed(ca, sizeof ca, &ca_spec, rk, rng, &e);
	CHECK(cn > 0 && contains(ca, (size_t)cn, RSA_SHA256));
	CHECK(x509_cert_parse(&c, ca, (size_t)cn) == 0 && c.key_type == X509_KEY_RSA && x509_key_matches(rk, &c));
	CHECK(contains(ca, (size_t)cn, "0603550403130b66726f6e742d70726f7879"));	/* CN only */
	CHECK(x509_keygen_ec(&lk, rng, &e) == 0);
	ln = x509_issue(leaf, sizeof leaf, &leaf_spec, &lk, ca, (size_t)cn, rk, rng, &e);
	CHECK(ln > 0 && contains(leaf, (size_t)ln, RSA_SHA256));
	CHECK(verify(leaf, (size_t)ln, ca, (size_t)cn, NOW + 60) == 0);
	leaf[ln - 1] ^= 1;	/* a damaged signature */
	CHECK(verify(leaf, (size_t)ln, ca, (size_t)cn, NOW + 60) != 0);
	x509_key_wipe(&lk);
}

int main(void)
{
	struct x509_key rk;

	br_hmac_drbg_init(&drbg, &br_sha256_vtable, "castellan x509 test", 19);
	der_writer();
	der_reader();
	pem();
	ec_keys();
	rsa_keys(&rk);
	ed25519_keys();
	ec_ca();
	rsa_ca(&rk);
	x509_key_wipe(&rk);
	return check_done("x509");
}
