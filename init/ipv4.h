/* ipv4: IPv4 addresses and prefixes, parsed strictly and printed.
 *
 * Addresses are held in host byte order. Parsing accepts only the dotted
 * quad (no leading zeros, which some parsers read as octal), so a value
 * that would mean different things to different tools is refused.
 */
#ifndef CASTELLAN_IPV4_H
#define CASTELLAN_IPV4_H

#include <stdint.h>

#define IPV4_STRLEN 16	/* "255.255.255.255" plus NUL */

int ipv4_parse(const char *s, uint32_t *addr);
/* "a.b.c.d/n" with 0 <= n <= 32. */
int ipv4_parse_cidr(const char *s, uint32_t *addr, int *prefix);
/* A contiguous netmask such as 255.255.255.0; -1 if not contiguous. */
int ipv4_mask_to_prefix(uint32_t mask, int *prefix);
uint32_t ipv4_prefix_mask(int prefix);
/* Nonzero when addr lies in net/prefix. */
int ipv4_in_net(uint32_t addr, uint32_t net, int prefix);
/* Writes the dotted quad into out (IPV4_STRLEN bytes); returns out. */
char *ipv4_format(uint32_t addr, char *out);

#endif
