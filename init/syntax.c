#include "syntax.h"

int syntax_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int syntax_mac(const char *s, unsigned char mac[6])
{
	for (int i = 0; i < 6; i++, s += 3) {
		int hi = syntax_hexval(s[0]), lo = hi < 0 ? -1 : syntax_hexval(s[1]);
		if (lo < 0 || s[2] != (i < 5 ? ':' : '\0'))
			return -1;
		mac[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int syntax_uuid(const char *s, char *out)
{
	int i;

	for (i = 0; i < 36; i++) {
		char c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return -1;
		} else if (syntax_hexval(c) < 0) {
			return -1;
		} else if (c >= 'A' && c <= 'F') {
			c = (char)(c + 32);
		}
		if (out)
			out[i] = c;
	}
	if (s[36] != '\0')
		return -1;
	if (out)
		out[36] = '\0';
	return 0;
}
