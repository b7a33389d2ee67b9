/* x509: keys and certificates for the cluster's PKI, on BearSSL.
 *
 * Generates ECDSA P-256 and RSA keys from a PRNG the caller seeded, writes
 * them as SEC1 "EC PRIVATE KEY" / PKCS#1 "RSA PRIVATE KEY" PEM (what Go
 * and Talos write), reads EC and RSA keys back for signing (SEC1, PKCS#1,
 * PKCS#8), and makes X.509 v3 certificates: self-signed CAs as Talos's
 * generator makes them, and leaves signed by such a CA (ECDSA-SHA256 for
 * an EC CA key, sha256WithRSAEncryption for an RSA one). BearSSL has no
 * Ed25519: such keys are recognised and refused for signing in one
 * sentence. Time is a parameter (no clock reads); memory is the caller's
 * (a struct x509_key holds secret bytes: keep it in the arena or wipe it
 * with x509_key_wipe). Errors never quote key material.
 */
#ifndef CASTELLAN_X509_H
#define CASTELLAN_X509_H

#include <bearssl.h>
#include <stddef.h>

#include "der.h"
#include "err.h"

enum x509_keytype { X509_KEY_NONE, X509_KEY_EC, X509_KEY_RSA, X509_KEY_ED25519 };

#define X509_RSA_MAX_BITS 4096

/* A private key and its public half. It points into itself: never copy
 * one with memcpy or assignment. */
struct x509_key {
	enum x509_keytype type;
	br_ec_private_key ec;
	br_ec_public_key ec_pub;
	br_rsa_private_key rsa;
	br_rsa_public_key rsa_pub;	/* e is empty when it could not be recovered */
	unsigned char priv[BR_RSA_KBUF_PRIV_SIZE(X509_RSA_MAX_BITS)];
	unsigned char pub[BR_RSA_KBUF_PUB_SIZE(X509_RSA_MAX_BITS)];
};

int x509_keygen_ec(struct x509_key *k, const br_prng_class **rng, struct err *e);
/* bits from 1024 to 4096 (the bundle uses 4096; smaller is for tests);
 * public exponent 65537. Seconds for 4096 bits. */
int x509_keygen_rsa(struct x509_key *k, unsigned bits, const br_prng_class **rng,
		    struct err *e);
void x509_key_wipe(struct x509_key *k);

/* The key as PEM: "EC PRIVATE KEY" (SEC1, with the curve and the public
 * point) or "RSA PRIVATE KEY" (PKCS#1). Returns the length, or -1. DER
 * passes through a stack buffer that is wiped before returning. */
long x509_key_pem(const struct x509_key *k, char *out, size_t cap, struct err *e);

/* Reads the first PEM block of text as a private key: labels "EC PRIVATE
 * KEY", "RSA PRIVATE KEY", "PRIVATE KEY" (PKCS#8) and "ED25519 PRIVATE
 * KEY". what names the field in errors. 0 for an EC or RSA key. A
 * well-formed Ed25519 key sets k->type to X509_KEY_ED25519 and still
 * returns -1, with the sentence that castellan cannot sign with it. */
int x509_key_from_pem(struct x509_key *k, const char *text, size_t len, const char *what,
		      struct err *e);

/* What x509_cert_parse finds in a certificate; spans point into its DER. */
struct x509_cert {
	enum x509_keytype key_type;
	int is_ca;			/* BasicConstraints cA is true */
	struct der_in subject;		/* the whole subject Name */
	struct der_in skid;		/* SubjectKeyIdentifier; len 0 when absent */
	struct der_in pub;		/* EC point, RSA modulus, or Ed25519 key */
};

/* Parses a DER certificate: BearSSL's decoder for EC and RSA keys, and a
 * structural walk for all (Ed25519 included). 0, or -1. */
int x509_cert_parse(struct x509_cert *c, const unsigned char *der, size_t len);

/* Nonzero when k is the private key of the certificate's public key. */
int x509_key_matches(const struct x509_key *k, const struct x509_cert *c);

/* KeyUsage bits (RFC 5280 4.2.1.3) and ExtKeyUsage purposes. */
#define X509_KU_DIGITAL_SIGNATURE	(1u << 0)
#define X509_KU_KEY_ENCIPHERMENT	(1u << 2)
#define X509_KU_CERT_SIGN		(1u << 5)
#define X509_EKU_SERVER			(1u << 0)
#define X509_EKU_CLIENT			(1u << 1)

/* What a certificate says. NULL or "" leaves o or cn out of the subject. */
struct x509_spec {
	const char *o, *cn;
	long long not_before, not_after;	/* seconds since the epoch, UTC */
	unsigned key_usage;			/* X509_KU_*, critical */
	unsigned ext_key_usage;			/* X509_EKU_* */
	int ca;					/* BasicConstraints cA (critical) */
};

/* A self-signed CA certificate for key, DER into out: random 128-bit
 * serial, random 20-byte SubjectKeyIdentifier, the same as
 * AuthorityKeyIdentifier. Returns the length, or -1. */
long x509_self_signed(unsigned char *out, size_t cap, const struct x509_spec *s,
		      const struct x509_key *key, const br_prng_class **rng, struct err *e);

/* A certificate for subject_key's public key, signed by the CA whose DER
 * certificate and private key are given: issuer = the CA's subject, byte
 * for byte; AuthorityKeyIdentifier = the CA's SubjectKeyIdentifier (none
 * when the CA has none). Returns the length, or -1. */
long x509_issue(unsigned char *out, size_t cap, const struct x509_spec *s,
		const struct x509_key *subject_key, const unsigned char *ca_der,
		size_t ca_len, const struct x509_key *ca_key, const br_prng_class **rng,
		struct err *e);

#endif
