/* age: the age-encryption.org/v1 file format with X25519 recipients.
 *
 * Written from the C2SP age specification on BearSSL's primitives
 * (X25519, HKDF-SHA-256, HMAC-SHA-256, ChaCha20-Poly1305). Decryption is
 * strict: canonical unpadded base64 in the header, a cap on stanzas (so an
 * attacker cannot buy unbounded work before anything is authenticated),
 * the header MAC before any payload, STREAM chunks with the last-chunk flag.
 * Unknown stanza types are skipped. Every failure is one sentence without
 * any secret in it.
 *
 * The caller owns every buffer; nothing here allocates. Key material that
 * passes through the stack is wiped before return. Randomness comes from
 * the caller (struct age_rng), so the format code stays pure.
 */
#ifndef CASTELLAN_AGE_H
#define CASTELLAN_AGE_H

#include <stddef.h>

#include "err.h"

#define AGE_MAX_STANZAS 16		/* recipients in one file, at most */
#define AGE_MAX_INPUT (4u << 20)	/* an identity is small; refuse more */
#define AGE_CHUNK 65536
#define AGE_RECIPIENT_LEN 63		/* "age1" + 58 characters, + NUL */
#define AGE_IDENTITY_LEN 75		/* "AGE-SECRET-KEY-1" + 58, + NUL */

struct age_identity {
	unsigned char secret[32];
	unsigned char public[32];
};

struct age_recipient {
	unsigned char public[32];
};

struct age_rng {
	/* Fills buf with n random bytes; returns 0, or -1. */
	int (*fill)(void *ctx, unsigned char *buf, size_t n);
	void *ctx;
};

/* From 32 random bytes: the identity and its public half. */
void age_identity_from_secret(struct age_identity *id, const unsigned char secret[32]);

/* Reads the first AGE-SECRET-KEY-1... line of an identity file (comment
 * and blank lines are skipped). */
int age_identity_parse(struct age_identity *id, const char *text, size_t len,
		       struct err *e);
int age_recipient_parse(struct age_recipient *r, const char *s, struct err *e);
void age_identity_format(const struct age_identity *id, char out[AGE_IDENTITY_LEN]);
void age_recipient_format(const struct age_recipient *r, char out[AGE_RECIPIENT_LEN]);
void age_recipient_of(struct age_recipient *r, const struct age_identity *id);

/* Nonzero when in starts (after white space) with the armor's BEGIN line. */
int age_is_armored(const unsigned char *in, size_t len);

/* Armor -> binary. Returns the binary length, or -1. */
long age_dearmor(unsigned char *out, size_t cap, const char *in, size_t len,
		 struct err *e);

/* Binary age file -> plaintext. Returns its length, or -1. */
long age_decrypt(unsigned char *out, size_t cap, const unsigned char *in, size_t len,
		 const struct age_identity *id, struct err *e);

/* Upper bound of the output of age_encrypt. */
size_t age_encrypt_bound(size_t len, size_t nrecipients, int armor);

/* Plaintext -> age file for nr recipients, binary or armored. Returns the
 * length written, or -1. */
long age_encrypt(unsigned char *out, size_t cap, const unsigned char *pt, size_t len,
		 const struct age_recipient *r, size_t nr, int armor,
		 const struct age_rng *rng, struct err *e);

#endif
