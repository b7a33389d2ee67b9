/* der: a small DER writer, a bounded DER reader, and PEM armor.
 *
 * The writer appends TLVs to a caller's buffer. Constructed elements are
 * opened and closed; the length is fixed up on close, so nesting needs no
 * sizing pass. A write that does not fit marks the writer full and every
 * later write does nothing: the caller checks d->full once, at the end.
 * The reader takes one element at a time, each length checked against
 * its container. PEM is 64-column armor out; in, the first labelled block
 * of canonical base64 (what Go's encoding/pem and OpenSSL write). Pure:
 * no allocation, no syscalls; the caller owns every buffer.
 */
#ifndef CASTELLAN_DER_H
#define CASTELLAN_DER_H

#include <stddef.h>
#include <stdint.h>

enum {
	DER_BOOLEAN = 0x01, DER_INTEGER = 0x02, DER_BIT_STRING = 0x03,
	DER_OCTET_STRING = 0x04, DER_NULL = 0x05, DER_OID = 0x06,
	DER_UTF8 = 0x0c, DER_PRINTABLE = 0x13, DER_UTC_TIME = 0x17,
	DER_GENERALIZED_TIME = 0x18, DER_SEQUENCE = 0x30, DER_SET = 0x31,
};
#define DER_CTX(n)	(0xa0 | (n))	/* [n], constructed (EXPLICIT) */
#define DER_CTX_PRIM(n)	(0x80 | (n))	/* [n], primitive (IMPLICIT) */

struct der {
	unsigned char *buf;
	size_t cap, len;
	int full;		/* something did not fit; the output is void */
};

void der_init(struct der *d, unsigned char *buf, size_t cap);

/* Bytes already encoded, appended as they are. */
void der_raw(struct der *d, const void *p, size_t n);
/* One primitive element: tag, length, body. */
void der_prim(struct der *d, unsigned char tag, const void *body, size_t n);

void der_bool(struct der *d, int v);
void der_null(struct der *d);
/* INTEGER of an unsigned big-endian number (leading zeros dropped, a 0x00
 * added when the top bit is set, so it stays positive). */
void der_uint(struct der *d, const unsigned char *be, size_t n);
void der_small(struct der *d, uint32_t v);
/* OBJECT IDENTIFIER from its arcs, e.g. {1, 2, 840, 10045, 2, 1}. */
void der_oid(struct der *d, const uint32_t *arcs, size_t n);
void der_bits(struct der *d, const unsigned char *p, size_t n, unsigned unused);
/* BIT STRING of named bits (bit i of mask = named bit i), minimal form as
 * DER wants for KeyUsage: trailing zero bits dropped. */
void der_named_bits(struct der *d, unsigned mask);
void der_octets(struct der *d, const void *p, size_t n);
/* A string: PrintableString when every character allows it, else UTF8String
 * (what Go does for names). */
void der_string(struct der *d, const char *s);
/* UTCTime before 2050, GeneralizedTime from 2050 (RFC 5280 4.1.2.5);
 * t in seconds since the epoch, from 1950 to 9999. */
void der_time(struct der *d, long long t);

/* Opens a constructed element (SEQUENCE, SET, [n], or an OCTET STRING /
 * BIT STRING wrapping DER); returns the mark der_close needs. */
size_t der_open(struct der *d, unsigned char tag);
void der_close(struct der *d, size_t mark);

/* --- reading */

struct der_in {
	const unsigned char *p;
	size_t len;
};

/* Takes the next element off in. tag (may be NULL) receives its tag;
 * whole (may be NULL) its full TLV, body (may be NULL) its contents.
 * Single-byte tags and definite minimal lengths only. 0, or -1. */
int der_next(struct der_in *in, unsigned char *tag, struct der_in *whole,
	     struct der_in *body);
/* der_next requiring the tag. */
int der_take(struct der_in *in, unsigned char tag, struct der_in *body);
/* The tag of the next element, or -1 at the end. */
int der_peek(const struct der_in *in);
/* Nonzero when the OBJECT IDENTIFIER body equals the arcs. */
int der_oid_is(const struct der_in *body, const uint32_t *arcs, size_t n);

/* --- PEM */

/* Length of the PEM text for n DER bytes under label (without the NUL). */
size_t pem_len(const char *label, size_t n);
/* "-----BEGIN label-----\n", base64 in 64-column lines, "-----END label-----\n",
 * and a NUL. Returns the length, or -1 when cap is too small. */
long pem_encode(char *out, size_t cap, const char *label, const unsigned char *der,
		size_t n);

enum pem_status { PEM_OK, PEM_NONE, PEM_BAD_BASE64, PEM_TOO_BIG, PEM_BAD_LABEL };

/* Decodes the first PEM block of text (text before it and after it is
 * ignored, as Go's pem.Decode does; headers are refused). The label goes to
 * label (label_cap bytes), the DER to out. Returns the DER length, or -1
 * with *st saying why. */
long pem_decode(unsigned char *out, size_t cap, char *label, size_t label_cap,
		const char *text, size_t len, enum pem_status *st);

/* A few words for an error: "has no PEM block", ... */
const char *pem_status_text(enum pem_status st);

#endif
