#include "der.h"
#include "base64.h"

#include <stdio.h>
#include <string.h>

/* Room kept for a header on open: the tag and a length of up to 4 bytes. */
#define HDR_MAX 6

void der_init(struct der *d, unsigned char *buf, size_t cap)
{
	d->buf = buf;
	d->cap = cap;
	d->len = 0;
	d->full = 0;
}

void der_raw(struct der *d, const void *p, size_t n)
{
	if (d->full || n > d->cap - d->len) {
		d->full = 1;
		return;
	}
	if (n)
		memcpy(d->buf + d->len, p, n);
	d->len += n;
}

static size_t len_bytes(size_t n)
{
	size_t k = 0;

	if (n < 0x80)
		return 0;
	for (; n; n >>= 8)
		k++;
	return k;
}

/* Writes tag and length at p; returns the header size. */
static size_t put_header(unsigned char *p, unsigned char tag, size_t n)
{
	size_t k = len_bytes(n), i;

	p[0] = tag;
	if (k == 0) {
		p[1] = (unsigned char)n;
		return 2;
	}
	p[1] = (unsigned char)(0x80 | k);
	for (i = 0; i < k; i++)
		p[2 + i] = (unsigned char)(n >> (8 * (k - 1 - i)));
	return 2 + k;
}

void der_prim(struct der *d, unsigned char tag, const void *body, size_t n)
{
	unsigned char h[HDR_MAX];

	der_raw(d, h, put_header(h, tag, n));
	der_raw(d, body, n);
}

void der_bool(struct der *d, int v)
{
	unsigned char b = v ? 0xff : 0x00;

	der_prim(d, DER_BOOLEAN, &b, 1);
}

void der_null(struct der *d)
{
	der_prim(d, DER_NULL, NULL, 0);
}

void der_uint(struct der *d, const unsigned char *be, size_t n)
{
	unsigned char h[HDR_MAX + 1];
	size_t k;

	while (n > 1 && be[0] == 0) {
		be++;
		n--;
	}
	if (n == 0) {
		der_prim(d, DER_INTEGER, "", 1);	/* zero is one 0x00 byte */
		return;
	}
	k = put_header(h, DER_INTEGER, n + (be[0] >= 0x80));
	if (be[0] >= 0x80)
		h[k++] = 0x00;
	der_raw(d, h, k);
	der_raw(d, be, n);
}

void der_small(struct der *d, uint32_t v)
{
	unsigned char be[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
				(unsigned char)(v >> 8), (unsigned char)v };

	der_uint(d, be, 4);
}

/* Base-128, high bit set on all bytes but the last. */
static size_t put_arc(unsigned char *p, uint32_t v)
{
	unsigned char tmp[5];
	size_t k = 0, i;

	do {
		tmp[k++] = v & 0x7f;
		v >>= 7;
	} while (v);
	for (i = 0; i < k; i++)
		p[i] = (unsigned char)(tmp[k - 1 - i] | (i + 1 < k ? 0x80 : 0));
	return k;
}

void der_oid(struct der *d, const uint32_t *arcs, size_t n)
{
	unsigned char body[64];
	size_t o, i;

	if (n < 2 || n > 12) {	/* every OID here is short; more is a bug */
		d->full = 1;
		return;
	}
	o = put_arc(body, arcs[0] * 40 + arcs[1]);
	for (i = 2; i < n; i++)
		o += put_arc(body + o, arcs[i]);
	der_prim(d, DER_OID, body, o);
}

void der_bits(struct der *d, const unsigned char *p, size_t n, unsigned unused)
{
	unsigned char h[HDR_MAX + 1];
	size_t k = put_header(h, DER_BIT_STRING, n + 1);

	h[k++] = (unsigned char)unused;
	der_raw(d, h, k);
	der_raw(d, p, n);
}

void der_named_bits(struct der *d, unsigned mask)
{
	unsigned char b[4];
	int top = -1, i;

	for (i = 0; i < 32; i++)
		if (mask & (1u << i))
			top = i;
	if (top < 0) {
		der_bits(d, NULL, 0, 0);
		return;
	}
	memset(b, 0, sizeof b);
	for (i = 0; i <= top; i++)	/* named bit 0 is the first (most significant) */
		if (mask & (1u << i))
			b[i / 8] |= (unsigned char)(0x80 >> (i % 8));
	der_bits(d, b, (size_t)top / 8 + 1, 7 - (unsigned)top % 8);
}

void der_octets(struct der *d, const void *p, size_t n)
{
	der_prim(d, DER_OCTET_STRING, p, n);
}

static int printable(const char *s)
{
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(" '()+,-./:=?", c)))
			return 0;
	}
	return 1;
}

void der_string(struct der *d, const char *s)
{
	der_prim(d, printable(s) ? DER_PRINTABLE : DER_UTF8, s, strlen(s));
}

/* Year, month, day of a day count since 1970-01-01 (Hinnant's method). */
static void civil(long long z, int *y, int *m, int *dd)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*dd = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static void digits(char *p, int v, int n)
{
	while (n--) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void der_time(struct der *d, long long t)
{
	long long days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	long long sec = t - days * 86400;
	int y, m, dd, gen, o = 0;
	char s[16];

	civil(days, &y, &m, &dd);
	if (y < 1950 || y > 9999) {
		d->full = 1;
		return;
	}
	gen = y >= 2050;
	digits(s, gen ? y : y % 100, gen ? 4 : 2);
	o = gen ? 4 : 2;
	digits(s + o, m, 2);
	digits(s + o + 2, dd, 2);
	digits(s + o + 4, (int)(sec / 3600), 2);
	digits(s + o + 6, (int)(sec / 60 % 60), 2);
	digits(s + o + 8, (int)(sec % 60), 2);
	s[o + 10] = 'Z';
	der_prim(d, gen ? DER_GENERALIZED_TIME : DER_UTC_TIME, s, (size_t)o + 11);
}

size_t der_open(struct der *d, unsigned char tag)
{
	size_t mark = d->len;
	unsigned char h[HDR_MAX] = { tag };

	der_raw(d, h, HDR_MAX);
	return mark;
}

void der_close(struct der *d, size_t mark)
{
	size_t body, hdr;

	if (d->full)
		return;
	body = d->len - mark - HDR_MAX;
	if (len_bytes(body) > HDR_MAX - 2) {
		d->full = 1;
		return;
	}
	hdr = put_header(d->buf + mark, d->buf[mark], body);
	memmove(d->buf + mark + hdr, d->buf + mark + HDR_MAX, body);
	d->len = mark + hdr + body;
}

/* --- reading */

int der_next(struct der_in *in, unsigned char *tag, struct der_in *whole,
	     struct der_in *body)
{
	const unsigned char *p = in->p;
	size_t len = in->len, n = 0, h, k, i;

	if (len < 2 || (p[0] & 0x1f) == 0x1f)
		return -1;
	if (p[1] < 0x80) {
		h = 2;
		n = p[1];
	} else {
		k = p[1] & 0x7f;
		if (k == 0 || k > 4 || len < 2 + k || p[2] == 0)
			return -1;
		for (i = 0; i < k; i++)
			n = (n << 8) | p[2 + i];
		if (n < 0x80)
			return -1;	/* DER: the short form was required */
		h = 2 + k;
	}
	if (n > len - h)
		return -1;
	if (tag)
		*tag = p[0];
	if (whole) {
		whole->p = p;
		whole->len = h + n;
	}
	if (body) {
		body->p = p + h;
		body->len = n;
	}
	in->p += h + n;
	in->len -= h + n;
	return 0;
}

int der_take(struct der_in *in, unsigned char tag, struct der_in *body)
{
	struct der_in save = *in;
	unsigned char t;

	if (der_next(in, &t, NULL, body) < 0 || t != tag) {
		*in = save;
		return -1;
	}
	return 0;
}

int der_peek(const struct der_in *in)
{
	return in->len ? in->p[0] : -1;
}

int der_oid_is(const struct der_in *body, const uint32_t *arcs, size_t n)
{
	unsigned char tmp[80];
	struct der w;

	der_init(&w, tmp, sizeof tmp);
	der_oid(&w, arcs, n);
	return !w.full && w.len - 2 == body->len && memcmp(tmp + 2, body->p, body->len) == 0;
}

/* --- PEM */

size_t pem_len(const char *label, size_t n)
{
	size_t b = base64_encoded_len(n, BASE64_PAD);

	return 11 + strlen(label) + 6 + b + (b + 63) / 64 + 9 + strlen(label) + 6;
}

long pem_encode(char *out, size_t cap, const char *label, const unsigned char *der,
		size_t n)
{
	size_t total = pem_len(label, n), o, i;
	char line[65];

	if (total + 1 > cap)
		return -1;
	o = (size_t)sprintf(out, "-----BEGIN %s-----\n", label);
	for (i = 0; i < n; i += 48) {
		size_t chunk = n - i < 48 ? n - i : 48;
		base64_encode(line, der + i, chunk, BASE64_PAD);
		o += (size_t)sprintf(out + o, "%s\n", line);
	}
	o += (size_t)sprintf(out + o, "-----END %s-----\n", label);
	memset(line, 0, sizeof line);	/* it held key bytes, maybe */
	return (long)o;
}

static const char *find(const char *s, size_t len, const char *what)
{
	size_t n = strlen(what);

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(s + i, what, n) == 0)
			return s + i;
	return NULL;
}

/* The label of a "-----BEGIN label-----" line at p; returns the start of
 * the next line, or NULL. */
static const char *begin_line(const char *p, const char *end, char *label, size_t cap)
{
	const char *l = p + 11, *stop = find(l, (size_t)(end - l), "-----");

	if (!stop || stop == l || (size_t)(stop - l) >= cap || memchr(l, '\n', (size_t)(stop - l)))
		return NULL;
	memcpy(label, l, (size_t)(stop - l));
	label[stop - l] = '\0';
	p = stop + 5;
	if (p < end && *p == '\r')
		p++;
	if (p >= end || *p != '\n')
		return NULL;
	return p + 1;
}

/* Decodes the base64 of [p, end), whitespace ignored, four characters at a
 * time so no copy of the text is made. */
static long body_decode(unsigned char *out, size_t cap, const char *p, const char *end,
			enum pem_status *st)
{
	char quad[4];
	unsigned char three[3];
	size_t q = 0, o = 0;
	int done = 0;
	long n;

	for (; p < end; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			continue;
		if (done)
			return *st = PEM_BAD_BASE64, -1;
		quad[q++] = *p;
		if (q < 4)
			continue;
		q = 0;
		n = base64_decode(three, sizeof three, quad, 4, BASE64_PAD);
		if (n < 0)
			return *st = PEM_BAD_BASE64, -1;
		if ((size_t)n > cap - o)
			return *st = PEM_TOO_BIG, -1;
		memcpy(out + o, three, (size_t)n);
		o += (size_t)n;
		done = quad[3] == '=';
	}
	memset(three, 0, sizeof three);
	if (q)
		return *st = PEM_BAD_BASE64, -1;
	return (long)o;
}

long pem_decode(unsigned char *out, size_t cap, char *label, size_t label_cap,
		const char *text, size_t len, enum pem_status *st)
{
	const char *end = text + len, *b, *body, *fin;
	char tail[96];
	long n;

	*st = PEM_NONE;
	b = find(text, len, "-----BEGIN ");
	if (!b)
		return -1;
	body = begin_line(b, end, label, label_cap);
	if (!body)
		return -1;
	fin = find(body, (size_t)(end - body), "-----END ");
	if (!fin)
		return -1;
	if (snprintf(tail, sizeof tail, "-----END %s-----", label) >= (int)sizeof tail ||
	    (size_t)(end - fin) < strlen(tail) || memcmp(fin, tail, strlen(tail)) != 0)
		return *st = PEM_BAD_LABEL, -1;
	n = body_decode(out, cap, body, fin, st);
	if (n >= 0)
		*st = PEM_OK;
	return n;
}

const char *pem_status_text(enum pem_status st)
{
	switch (st) {
	case PEM_OK:
		return "is PEM";
	case PEM_NONE:
		return "holds no PEM block";
	case PEM_BAD_BASE64:
		return "holds a PEM block whose base64 is damaged (or has headers)";
	case PEM_TOO_BIG:
		return "holds a PEM block larger than castellan accepts";
	default:
		return "holds a PEM block whose END line does not match its BEGIN line";
	}
}
