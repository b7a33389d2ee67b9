#include "ipv4.h"

#include <stdio.h>

int ipv4_parse(const char *s, uint32_t *addr)
{
	uint32_t a = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0;
		int digits = 0;

		if (part > 0 && *s++ != '.')
			return -1;
		if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
			return -1;
		while (*s >= '0' && *s <= '9' && digits < 3) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || v > 255)
			return -1;
		a = (a << 8) | v;
	}
	if (*s != '\0')
		return -1;
	*addr = a;
	return 0;
}

int ipv4_parse_cidr(const char *s, uint32_t *addr, int *prefix)
{
	char host[IPV4_STRLEN];
	const char *slash;
	unsigned long n;
	int p = 0, digits = 0;

	for (slash = s; *slash && *slash != '/'; slash++)
		;
	if (*slash != '/' || (unsigned long)(slash - s) >= sizeof host)
		return -1;
	n = (unsigned long)(slash - s);
	for (unsigned long i = 0; i < n; i++)
		host[i] = s[i];
	host[n] = '\0';
	for (s = slash + 1; *s >= '0' && *s <= '9' && digits < 2; s++, digits++)
		p = p * 10 + (*s - '0');
	if (digits == 0 || *s != '\0' || p > 32 || (digits == 2 && slash[1] == '0'))
		return -1;
	if (ipv4_parse(host, addr) < 0)
		return -1;
	*prefix = p;
	return 0;
}

uint32_t ipv4_prefix_mask(int prefix)
{
	if (prefix <= 0)
		return 0;
	if (prefix >= 32)
		return 0xffffffffu;
	return 0xffffffffu << (32 - prefix);
}

int ipv4_mask_to_prefix(uint32_t mask, int *prefix)
{
	int p = 0;

	while (p < 32 && (mask & (0x80000000u >> p)))
		p++;
	if (mask != ipv4_prefix_mask(p))
		return -1;
	*prefix = p;
	return 0;
}

int ipv4_in_net(uint32_t addr, uint32_t net, int prefix)
{
	uint32_t m = ipv4_prefix_mask(prefix);

	return (addr & m) == (net & m);
}

char *ipv4_format(uint32_t a, char *out)
{
	snprintf(out, IPV4_STRLEN, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
		 (a >> 8) & 255, a & 255);
	return out;
}
