#include "sealed.h"
#include "syntax.h"

#include <stdio.h>
#include <string.h>

static const char *const keys[] = { "client_id", "client_secret", "not_after", "vm_uuid" };
enum { K_ID, K_SECRET, K_NOT_AFTER, K_UUID, K_COUNT };

static int digits(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's method). */
static long long days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int rfc3339_parse(const char *s, long long *t)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	const char *p;

	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	p = s + 19;
	if (*p == '.') {	/* fractions of a second change nothing here */
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	*t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + (sec > 59 ? 59 : sec) -
	     sign * (oh * 3600 + om * 60);
	return 0;
}

/* Parses one value at p (up to end of line) into dst, in place:
 * plain, 'single' ('' is a quote) or "double" (\" and \\ only). */
static int value(const char *p, const char *end, char *dst, size_t cap, size_t *n)
{
	size_t o = 0;
	char q;

	if (p >= end) {
		*n = 0;
		return 0;
	}
	q = *p;
	if (q == '"' || q == '\'') {
		for (p++;; p++) {
			char c;
			if (p >= end)
				return -1;	/* unterminated */
			c = *p;
			if (c == q && q == '\'' && p + 1 < end && p[1] == '\'')
				p++;		/* '' is one quote */
			else if (c == q)
				break;
			else if (q == '"' && c == '\\') {
				if (p + 1 >= end || (p[1] != '"' && p[1] != '\\'))
					return -1;
				c = *++p;
			}
			if (o + 1 >= cap)
				return -1;
			dst[o++] = c;
		}
		for (p++; p < end && (*p == ' ' || *p == '\t'); p++)
			;
		if (p < end && *p != '#')
			return -1;
	} else {
		const char *stop = p;
		while (stop < end && !(*stop == '#' && stop > p && (stop[-1] == ' ' || stop[-1] == '\t')))
			stop++;
		while (stop > p && (stop[-1] == ' ' || stop[-1] == '\t'))
			stop--;
		if ((size_t)(stop - p) >= cap)
			return -1;
		o = (size_t)(stop - p);
		memcpy(dst, p, o);
	}
	for (size_t i = 0; i < o; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			return -1;
	dst[o] = '\0';
	*n = o;
	return 0;
}

static int key_index(const char *p, size_t n)
{
	for (int k = 0; k < K_COUNT; k++)
		if (strlen(keys[k]) == n && memcmp(p, keys[k], n) == 0)
			return k;
	return -1;
}

static int store(struct sealed *s, struct arena *a, int k, const char *v, size_t n,
		 struct err *e)
{
	switch (k) {
	case K_ID:
		s->client_id = arena_alloc(a, n + 1);
		if (!s->client_id)
			return err_set(e, "sealed identity: the secret arena is full");
		memcpy((char *)s->client_id, v, n);
		return 0;
	case K_SECRET:
		s->client_secret = arena_strdup(a, v, n);
		return s->client_secret ? 0 : err_set(e, "sealed identity: the secret arena is full");
	case K_NOT_AFTER:
		if (rfc3339_parse(v, &s->not_after) < 0)
			return err_set(e, "sealed identity: not_after \"%.40s\" is not an RFC 3339 time "
				       "such as 2027-01-31T00:00:00Z", v);
		snprintf(s->not_after_text, sizeof s->not_after_text, "%s", v);
		s->has_not_after = 1;
		return 0;
	default:
		if (syntax_uuid(v, s->vm_uuid) < 0)
			return err_set(e, "sealed identity: vm_uuid \"%.40s\" is not a UUID such as "
				       "0b2e59a4-8f0b-4d3c-9e8a-7c6d5e4f3a21", v);
		s->has_vm_uuid = 1;
		return 0;
	}
}

static int parse_line(struct sealed *s, struct arena *a, const char *p, const char *end,
		      int seen[K_COUNT], char *scratch, struct err *e)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));
	size_t n = 0;
	int k;

	if (!colon || colon == p)
		return err_set(e, "sealed identity: expected key: value lines (client_id, client_secret, not_after, vm_uuid)");
	k = key_index(p, (size_t)(colon - p));
	if (k < 0)
		return err_set(e, "sealed identity: unknown key \"%.*s\" (expected client_id, "
			       "client_secret, not_after, vm_uuid)", (int)(colon - p) > 32 ? 32 : (int)(colon - p), p);
	if (seen[k]++)
		return err_set(e, "sealed identity: %s appears twice", keys[k]);
	for (colon++; colon < end && (*colon == ' ' || *colon == '\t'); colon++)
		;
	if (value(colon, end, scratch, SEALED_MAX, &n) < 0 || n == 0)
		return err_set(e, "sealed identity: %s has no value or an unreadable one "
			       "(one line, plain or quoted)", keys[k]);
	return store(s, a, k, scratch, n, e);
}

int sealed_parse(struct sealed *s, struct arena *a, const char *text, size_t len, struct err *e)
{
	int seen[K_COUNT] = { 0 };
	const char *p = text, *end = text + len;
	char *scratch;

	memset(s, 0, sizeof *s);
	if (len > SEALED_MAX)
		return err_set(e, "sealed identity: larger than %d bytes", SEALED_MAX);
	scratch = arena_alloc(a, SEALED_MAX);	/* unquoting happens in locked memory */
	if (!scratch)
		return err_set(e, "sealed identity: the secret arena is full");
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *stop = eol ? eol : end;
		if (stop > p && stop[-1] == '\r')
			stop--;
		if (stop > p && *p != '#' && !(stop - p == 3 && memcmp(p, "---", 3) == 0)) {
			if (*p == ' ' || *p == '\t')
				return err_set(e, "sealed identity: indented lines are not allowed; "
					       "expected flat key: value lines");
			if (parse_line(s, a, p, stop, seen, scratch, e) < 0)
				return -1;
		}
		p = eol ? eol + 1 : end;
	}
	memset(scratch, 0, SEALED_MAX);
	if (!seen[K_ID] || !seen[K_SECRET])
		return err_set(e, "sealed identity: %s is missing", seen[K_ID] ? "client_secret" : "client_id");
	return 0;
}

int sealed_check(const struct sealed *s, long long now, const char *machine_uuid, struct err *e)
{
	char norm[37];

	if (s->has_not_after && now > s->not_after)
		return err_set(e, "the sealed identity expired at %s (not_after); seal a new one",
			       s->not_after_text);
	if (!s->has_vm_uuid)
		return 0;
	if (!machine_uuid || syntax_uuid(machine_uuid, norm) < 0)
		return err_set(e, "the sealed identity is bound to VM %s (vm_uuid), but this "
			       "machine's SMBIOS UUID cannot be read", s->vm_uuid);
	if (strcmp(norm, s->vm_uuid) != 0)
		return err_set(e, "the sealed identity is bound to VM %s (vm_uuid), but this VM is %s",
			       s->vm_uuid, norm);
	return 0;
}

/* A plain scalar that the reader above takes back unchanged. */
static int plain_safe(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || strchr("\"'#&*!|>%@`{}[],-?: \t", v[0]) || v[n - 1] == ' ')
		return 0;
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f || (*v == '#' && v[-1] == ' ') ||
		    (*v == ':' && (v[1] == ' ' || v[1] == '\0')))
			return 0;
	return 1;
}

long sealed_format(char *out, size_t cap, const char *client_id, const char *client_secret,
		   const char *not_after, const char *vm_uuid, struct err *e)
{
	long long t;
	char u[37];
	int n;

	if (!plain_safe(client_id) || strlen(client_id) > 256)
		return err_set(e, "client_id must be one line of printable characters");
	if (!plain_safe(client_secret) || strlen(client_secret) > 1024)
		return err_set(e, "client_secret must be one line of printable characters");
	if (not_after && rfc3339_parse(not_after, &t) < 0)
		return err_set(e, "--not-after \"%.40s\" is not an RFC 3339 time such as 2027-01-31T00:00:00Z",
			       not_after);
	if (vm_uuid && syntax_uuid(vm_uuid, u) < 0)
		return err_set(e, "--vm-uuid \"%.40s\" is not a UUID", vm_uuid);
	n = snprintf(out, cap, "client_id: %s\nclient_secret: %s\n%s%s%s%s%s%s", client_id,
		     client_secret, not_after ? "not_after: " : "", not_after ? not_after : "",
		     not_after ? "\n" : "", vm_uuid ? "vm_uuid: " : "", vm_uuid ? u : "",
		     vm_uuid ? "\n" : "");
	if (n < 0 || (size_t)n >= cap)
		return err_set(e, "the sealed identity document is too large");
	return n;
}
