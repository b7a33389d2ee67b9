#include "base64.h"
#include "wipe.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_len(size_t n, enum base64_pad pad)
{
	if (pad == BASE64_PAD)
		return (n + 2) / 3 * 4;
	return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

void base64_encode(char *out, const unsigned char *in, size_t n, enum base64_pad pad)
{
	size_t i, o = 0;

	for (i = 0; i + 3 <= n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned)in[i] << 16;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		if (pad == BASE64_PAD) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (n - i == 2) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		if (pad == BASE64_PAD)
			out[o++] = '=';
	}
	out[o] = '\0';
}

static int value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long base64_decode(unsigned char *out, size_t cap, const char *in, size_t len,
		   enum base64_pad pad)
{
	size_t i, o = 0, tail;
	unsigned acc = 0;
	int bits = 0;

	if (pad == BASE64_PAD) {
		if (len % 4 != 0)
			return -1;
		/* Strip at most two '=' and require them to end the text. */
		if (len > 0 && in[len - 1] == '=')
			len--;
		if (len > 0 && in[len - 1] == '=')
			len--;
	}
	tail = len % 4;
	if (tail == 1)
		return -1;
	for (i = 0; i < len; i++) {
		int v = value(in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Leftover bits must be zero, or two texts would mean one value. */
	if (acc != 0)
		return -1;
	return (long)o;
}

int base64_is_key32(const char *in, size_t len)
{
	unsigned char v[48];
	long n = base64_decode(v, sizeof v, in, len, BASE64_PAD);

	wipe(v, sizeof v);
	return n == 32;
}
