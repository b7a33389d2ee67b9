/* base64: the standard alphabet (RFC 4648 §4), strictly.
 *
 * Two forms: padded (PEM-like armor) and unpadded (age headers). Decoding
 * is canonical: it refuses characters outside the alphabet, wrong padding,
 * and encodings whose unused trailing bits are not zero, so one value has
 * exactly one text. Pure; the caller owns every buffer; no allocation.
 */
#ifndef CASTELLAN_BASE64_H
#define CASTELLAN_BASE64_H

#include <stddef.h>

enum base64_pad { BASE64_NOPAD, BASE64_PAD };

/* Length of the encoding of n bytes (without NUL). */
size_t base64_encoded_len(size_t n, enum base64_pad pad);

/* Writes the encoding and a NUL; out must hold encoded_len + 1 bytes. */
void base64_encode(char *out, const unsigned char *in, size_t n, enum base64_pad pad);

/* Decodes exactly len characters of in. Returns the number of bytes
 * written to out, or -1 if the text is not canonical base64 in that form
 * or does not fit in cap. */
long base64_decode(unsigned char *out, size_t cap, const char *in, size_t len,
		   enum base64_pad pad);

/* Nonzero when in[0..len) is padded standard base64 of exactly 32 bytes
 * (a secretbox key, a cluster secret); the decoded bytes are wiped. */
int base64_is_key32(const char *in, size_t len);

#endif
