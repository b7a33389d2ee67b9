/* bech32: the BIP 173 encoding age uses for its keys.
 *
 * age recipients are bech32 with HRP "age" ("age1..."); identities are
 * upper-cased bech32 with HRP "age-secret-key-". Like age, and unlike
 * BIP 173, there is no 90-character limit. Mixed case is refused. Pure;
 * no allocation.
 */
#ifndef CASTELLAN_BECH32_H
#define CASTELLAN_BECH32_H

#include <stddef.h>

/* Encodes data (bytes) under hrp into out, lower case, NUL-terminated.
 * Returns the length, or -1 if cap is too small. */
long bech32_encode(char *out, size_t cap, const char *hrp,
		   const unsigned char *data, size_t n);

/* Decodes s (either all lower or all upper case). hrp_out receives the
 * lower-cased HRP. Returns the number of data bytes, or -1 if s is not
 * valid bech32 or a buffer is too small. */
long bech32_decode(char *hrp_out, size_t hrp_cap, unsigned char *data,
		   size_t cap, const char *s);

#endif
