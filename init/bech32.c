#include "bech32.h"

#include <string.h>

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static unsigned long polymod_step(unsigned long chk, unsigned v)
{
	static const unsigned long gen[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa,
					      0x3d4233dd, 0x2a1462b3 };
	unsigned long top = chk >> 25;
	int i;

	chk = ((chk & 0x1ffffff) << 5) ^ v;
	for (i = 0; i < 5; i++)
		if ((top >> i) & 1)
			chk ^= gen[i];
	return chk;
}

static unsigned long hrp_checksum(const char *hrp, size_t n)
{
	unsigned long chk = 1;
	size_t i;

	for (i = 0; i < n; i++)
		chk = polymod_step(chk, (unsigned)(hrp[i] | 0x20) >> 5);
	chk = polymod_step(chk, 0);
	for (i = 0; i < n; i++)
		chk = polymod_step(chk, (unsigned)(hrp[i] | 0x20) & 31);
	return chk;
}

long bech32_encode(char *out, size_t cap, const char *hrp,
		   const unsigned char *data, size_t n)
{
	size_t hl = strlen(hrp), o = 0, i;
	size_t groups = (n * 8 + 4) / 5;
	unsigned long chk = hrp_checksum(hrp, hl);
	unsigned acc = 0;
	int bits = 0;

	if (hl + 1 + groups + 6 + 1 > cap)
		return -1;
	for (i = 0; i < hl; i++)
		out[o++] = (char)(hrp[i] >= 'A' && hrp[i] <= 'Z' ? hrp[i] + 32 : hrp[i]);
	out[o++] = '1';
	for (i = 0; i < n; i++) {
		acc = (acc << 8) | data[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			unsigned v = (acc >> bits) & 31;
			chk = polymod_step(chk, v);
			out[o++] = charset[v];
		}
	}
	if (bits > 0) {
		unsigned v = (acc << (5 - bits)) & 31;
		chk = polymod_step(chk, v);
		out[o++] = charset[v];
	}
	for (i = 0; i < 6; i++)
		chk = polymod_step(chk, 0);
	chk ^= 1;
	for (i = 0; i < 6; i++)
		out[o++] = charset[(chk >> (5 * (5 - i))) & 31];
	out[o] = '\0';
	return (long)o;
}

static int char_value(char c)
{
	const char *p;

	if (c >= 'A' && c <= 'Z')
		c = (char)(c + 32);
	p = c ? strchr(charset, c) : NULL;
	return p ? (int)(p - charset) : -1;
}

long bech32_decode(char *hrp_out, size_t hrp_cap, unsigned char *data,
		   size_t cap, const char *s)
{
	size_t len = strlen(s), sep, i, o = 0;
	int lower = 0, upper = 0, bits = 0;
	unsigned long chk;
	unsigned acc = 0;

	for (i = 0; i < len; i++) {
		if (s[i] < 33 || s[i] > 126)
			return -1;
		lower |= s[i] >= 'a' && s[i] <= 'z';
		upper |= s[i] >= 'A' && s[i] <= 'Z';
	}
	if (lower && upper)
		return -1;
	sep = len;
	while (sep > 0 && s[sep - 1] != '1')
		sep--;
	if (sep < 2 || len - sep < 6 || sep - 1 + 1 > hrp_cap)
		return -1;
	sep--;	/* index of the separator */
	for (i = 0; i < sep; i++)
		hrp_out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	hrp_out[sep] = '\0';
	chk = hrp_checksum(hrp_out, sep);
	for (i = sep + 1; i < len; i++) {
		int v = char_value(s[i]);
		if (v < 0)
			return -1;
		chk = polymod_step(chk, (unsigned)v);
		if (i >= len - 6)
			continue;	/* checksum characters carry no data */
		acc = (acc << 5) | (unsigned)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			data[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Padding: fewer than 5 bits, all zero (BIP 173's convertbits). */
	if (chk != 1 || bits >= 5 || acc != 0)
		return -1;
	return (long)o;
}
