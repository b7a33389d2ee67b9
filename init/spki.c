#include "spki.h"

#include <bearssl.h>
#include <stdio.h>

/* One DER element at p: its tag, header length and body length. Only
 * single-byte tags and definite lengths up to 2^32 (all DER allows here). */
static int tlv(const unsigned char *p, size_t len, unsigned char *tag, size_t *hdr,
	       size_t *body)
{
	size_t n, i, l = 0;

	if (len < 2 || (p[0] & 0x1f) == 0x1f)
		return -1;
	*tag = p[0];
	if (p[1] < 0x80) {
		*hdr = 2;
		l = p[1];
	} else {
		n = p[1] & 0x7f;
		if (n == 0 || n > 4 || len < 2 + n)
			return -1;
		for (i = 0; i < n; i++)
			l = (l << 8) | p[2 + i];
		*hdr = 2 + n;
	}
	if (l > len - *hdr)
		return -1;
	*body = l;
	return 0;
}

int spki_find(const unsigned char *der, size_t len, const unsigned char **spki,
	      size_t *spki_len)
{
	/* tbsCertificate: [0] version?, serial, signature, issuer,
	 * validity, subject, subjectPublicKeyInfo */
	static const unsigned char expect[] = { 0x02, 0x30, 0x30, 0x30, 0x30, 0x30 };
	unsigned char tag;
	size_t hdr, body, i;
	const unsigned char *p;

	if (tlv(der, len, &tag, &hdr, &body) < 0 || tag != 0x30)
		return -1;
	p = der + hdr;
	len = body;
	if (tlv(p, len, &tag, &hdr, &body) < 0 || tag != 0x30)
		return -1;
	p += hdr;
	len = body;
	if (tlv(p, len, &tag, &hdr, &body) < 0)
		return -1;
	if (tag == 0xa0) {	/* explicit version */
		p += hdr + body;
		len -= hdr + body;
	}
	for (i = 0; i < sizeof expect; i++) {
		if (tlv(p, len, &tag, &hdr, &body) < 0 || tag != expect[i])
			return -1;
		if (i == sizeof expect - 1)
			break;
		p += hdr + body;
		len -= hdr + body;
	}
	*spki = p;
	*spki_len = hdr + body;
	return 0;
}

int spki_pin(const unsigned char *der, size_t len, unsigned char pin[32])
{
	const unsigned char *s;
	size_t n;
	br_sha256_context h;

	if (spki_find(der, len, &s, &n) < 0)
		return -1;
	br_sha256_init(&h);
	br_sha256_update(&h, s, n);
	br_sha256_out(&h, pin);
	return 0;
}

void spki_hex(const unsigned char pin[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", pin[i]);
}
