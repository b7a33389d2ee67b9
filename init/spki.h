/* spki: the public key pin of an X.509 certificate.
 *
 * The pin is the SHA-256 of the certificate's DER SubjectPublicKeyInfo,
 * the same value as `openssl x509 -pubkey -noout | openssl pkey -pubin
 * -outform der | sha256sum` and curl's --pinnedpubkey sha256. Pure: a
 * bounded DER walk and BearSSL's SHA-256, no allocation.
 */
#ifndef CASTELLAN_SPKI_H
#define CASTELLAN_SPKI_H

#include <stddef.h>

/* Finds the SubjectPublicKeyInfo element (its whole TLV) inside a DER
 * certificate. 0, or -1 when the DER is not a certificate. */
int spki_find(const unsigned char *der, size_t len, const unsigned char **spki,
	      size_t *spki_len);

/* SHA-256 of the certificate's SubjectPublicKeyInfo; 0, or -1. */
int spki_pin(const unsigned char *der, size_t len, unsigned char pin[32]);

/* Lower-case hex of a pin (65 bytes with the NUL). */
void spki_hex(const unsigned char pin[32], char out[65]);

#endif
