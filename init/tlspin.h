/* tlspin: certificate checks libcurl's BearSSL backend cannot do itself.
 *
 * curl 7.88's BearSSL backend ignores CURLOPT_PINNEDPUBLICKEY. A tlspin
 * is installed through CURLOPT_SSL_CTX_FUNCTION and wraps the X.509 engine
 * curl set up: with a CA, curl's own chain and name checks run and the pin
 * (when given) must match too; with only a pin, the server's public key
 * must have that SHA-256 (the usual way to trust a Proxmox node's
 * self-signed certificate). The caller owns the struct; it must outlive
 * the connection. After a refused handshake, tlspin_explain says why,
 * naming both fingerprints.
 */
#ifndef CASTELLAN_TLSPIN_H
#define CASTELLAN_TLSPIN_H

#include <bearssl.h>
#include <stddef.h>

#define TLSPIN_CERT_MAX 16384

struct tlspin {
	const br_x509_class *vtable;	/* must be first: BearSSL's object */
	const br_x509_class **inner;	/* curl's engine, for the CA mode */
	int use_ca;			/* 1: chain to the configured CA too */
	int has_pin;
	unsigned char pin[32];
	/* per handshake */
	unsigned char cert[TLSPIN_CERT_MAX];
	size_t cert_len;
	int index, too_long, mismatch, have_seen;
	unsigned char seen[32];
	br_x509_decoder_context dec;
};

/* use_ca: a CA was given; pin may be NULL. */
void tlspin_init(struct tlspin *t, int use_ca, const unsigned char *pin);

/* Wraps the X.509 engine curl installed in ssl_ctx (a br_ssl_client_context);
 * called from CURLOPT_SSL_CTX_FUNCTION with the tlspin as its data. 0. */
int tlspin_install(void *curl, void *ssl_ctx, void *tlspin);

/* One sentence for a refused handshake, or 0 if the pin was not the cause. */
int tlspin_explain(const struct tlspin *t, const char *endpoint, char *out, size_t cap);

#endif
