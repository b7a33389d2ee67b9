/* The sealed Machine Identity document, its binding checks, the arena that
 * holds it, and the logger's promise never to print what the arena holds. */
#include "check.h"
#include "arena.h"
#include "log.h"
#include "sealed.h"

#define SECRET "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

static struct arena a;

static int parse(struct sealed *s, const char *text, struct err *e)
{
	arena_wipe(&a);
	e->msg[0] = '\0';
	return sealed_parse(s, &a, text, strlen(text), e);
}

static void documents(void)
{
	struct sealed s;
	struct err e;

	CHECK(parse(&s, "client_id: abc-123\nclient_secret: " SECRET "\n", &e) == 0);
	CHECK_STR(s.client_id, "abc-123");
	CHECK_STR(s.client_secret, SECRET);
	CHECK(!s.has_not_after && !s.has_vm_uuid);
	/* the secret lives in the arena, registered for redaction */
	CHECK((unsigned char *)s.client_secret >= a.base &&
	      (unsigned char *)s.client_secret < a.base + a.size);
	CHECK(a.nsecrets == 1 && a.secrets[0].n == strlen(SECRET));

	CHECK(parse(&s, "---\n# comment\nclient_id: \"abc\"   # trailing comment\n"
		    "client_secret: 'it''s#not a comment'\r\n"
		    "not_after: 2027-01-31T00:00:00Z\nvm_uuid: 0B2E59A4-8F0B-4D3C-9E8A-7C6D5E4F3A21\n", &e) == 0);
	CHECK_STR(s.client_id, "abc");
	CHECK_STR(s.client_secret, "it's#not a comment");
	CHECK(s.has_not_after && s.not_after == 1801353600LL);
	CHECK_STR(s.vm_uuid, "0b2e59a4-8f0b-4d3c-9e8a-7c6d5e4f3a21");
	CHECK(parse(&s, "client_id: a\nclient_secret: \"q\\\"uote\\\\\"", &e) == 0);
	CHECK_STR(s.client_secret, "q\"uote\\");

	CHECK(parse(&s, "client_id: a\n", &e) < 0);
	CHECK_STR(e.msg, "sealed identity: client_secret is missing");
	CHECK(parse(&s, "client_secret: " SECRET "\n", &e) < 0);
	CHECK_STR(e.msg, "sealed identity: client_id is missing");
	CHECK(parse(&s, "client_id: a\nclient_secret:\n", &e) < 0);
	CHECK_STR(e.msg, "sealed identity: client_secret has no value or an unreadable one (one line, plain or quoted)");
	CHECK(parse(&s, "client_id: a\nclient_secret: \"" SECRET "\n", &e) < 0);
	CHECK(strstr(e.msg, SECRET) == NULL);
	CHECK(parse(&s, "client_id: a\nclient_id: b\nclient_secret: x\n", &e) < 0);
	CHECK_STR(e.msg, "sealed identity: client_id appears twice");
	CHECK(parse(&s, "client_id: a\nclientsecret: " SECRET "\n", &e) < 0);
	CHECK_STR(e.msg, "sealed identity: unknown key \"clientsecret\" (expected client_id, client_secret, not_after, vm_uuid)");
	CHECK(strstr(e.msg, SECRET) == NULL);
	CHECK(parse(&s, "client_id: a\n  client_secret: b\n", &e) < 0);
	CHECK_STR(e.msg, "sealed identity: indented lines are not allowed; expected flat key: value lines");
	CHECK(parse(&s, "client_id: a\nclient_secret: b\nnot_after: tomorrow\n", &e) < 0);
	CHECK_STR(e.msg, "sealed identity: not_after \"tomorrow\" is not an RFC 3339 time such as 2027-01-31T00:00:00Z");
	CHECK(parse(&s, "client_id: a\nclient_secret: b\nvm_uuid: 1234\n", &e) < 0);
	CHECK_HAS(e.msg, "vm_uuid \"1234\" is not a UUID");
	CHECK(parse(&s, "just text", &e) < 0);
}

static void times(void)
{
	long long t;

	CHECK(rfc3339_parse("1970-01-01T00:00:00Z", &t) == 0 && t == 0);
	CHECK(rfc3339_parse("2000-02-29T12:00:00Z", &t) == 0 && t == 951825600LL);
	CHECK(rfc3339_parse("2027-01-31T01:00:00+01:00", &t) == 0 && t == 1801353600LL);
	CHECK(rfc3339_parse("2027-01-30T23:00:00.123-01:00", &t) == 0 && t == 1801353600LL);
	CHECK(rfc3339_parse("2001-02-29T00:00:00Z", &t) < 0);
	CHECK(rfc3339_parse("2027-13-01T00:00:00Z", &t) < 0);
	CHECK(rfc3339_parse("2027-01-31 00:00:00Z", &t) < 0);
	CHECK(rfc3339_parse("2027-01-31T00:00:00", &t) < 0);
	CHECK(rfc3339_parse("2027-01-31T00:00:00Zjunk", &t) < 0);
	CHECK(rfc3339_parse("2027-01-31T00:00:00.Z", &t) < 0);
}

static void binding(void)
{
	struct sealed s;
	struct err e;

	parse(&s, "client_id: a\nclient_secret: b\nnot_after: 2027-01-31T00:00:00Z\n"
		  "vm_uuid: 0b2e59a4-8f0b-4d3c-9e8a-7c6d5e4f3a21\n", &e);
	CHECK(sealed_check(&s, 1801353600LL, "0B2E59A4-8F0B-4D3C-9E8A-7C6D5E4F3A21", &e) == 0);
	CHECK(sealed_check(&s, 1801353601LL, "0b2e59a4-8f0b-4d3c-9e8a-7c6d5e4f3a21", &e) < 0);
	CHECK_STR(e.msg, "the sealed identity expired at 2027-01-31T00:00:00Z (not_after); seal a new one");
	CHECK(sealed_check(&s, 0, "11111111-2222-3333-4444-555555555555", &e) < 0);
	CHECK_STR(e.msg, "the sealed identity is bound to VM 0b2e59a4-8f0b-4d3c-9e8a-7c6d5e4f3a21 (vm_uuid), "
		  "but this VM is 11111111-2222-3333-4444-555555555555");
	CHECK(sealed_check(&s, 0, NULL, &e) < 0);
	CHECK_HAS(e.msg, "SMBIOS UUID cannot be read");
	parse(&s, "client_id: a\nclient_secret: b\n", &e);
	CHECK(sealed_check(&s, 4102444800LL, NULL, &e) == 0);	/* unbound: always fine */
}

static void formatting(void)
{
	char doc[1024];
	struct sealed s;
	struct err e;
	long n;

	n = sealed_format(doc, sizeof doc, "6d1c1f4e-0b7a", SECRET, "2027-01-31T00:00:00Z",
			  "0B2E59A4-8F0B-4D3C-9E8A-7C6D5E4F3A21", &e);
	CHECK(n > 0);
	CHECK(parse(&s, doc, &e) == 0);
	CHECK_STR(s.client_secret, SECRET);
	CHECK_STR(s.vm_uuid, "0b2e59a4-8f0b-4d3c-9e8a-7c6d5e4f3a21");
	CHECK(sealed_format(doc, sizeof doc, "id", "has a # comment", NULL, NULL, &e) < 0);
	CHECK(sealed_format(doc, sizeof doc, "id", "two\nlines", NULL, NULL, &e) < 0);
	CHECK(strstr(e.msg, "two") == NULL);
	CHECK(sealed_format(doc, sizeof doc, "id", "s", "soon", NULL, &e) < 0);
	CHECK(sealed_format(doc, 10, "id", "s", NULL, NULL, &e) < 0);
}

static void redaction(void)
{
	char line[128];

	arena_wipe(&a);
	CHECK(arena_strdup(&a, SECRET, strlen(SECRET)) != NULL);
	CHECK(arena_strdup(&a, "short", 5) != NULL);	/* below the minimum: left alone */
	snprintf(line, sizeof line, "token %s and %s, short", SECRET, SECRET);
	log_redact(line, sizeof line, &a);
	CHECK_STR(line, "token [redacted] and [redacted], short");
	/* a secret cut off by the line's end is still not printed in part */
	memset(line, '.', 50);
	memcpy(line + 50, SECRET, 13);	/* as vsnprintf leaves a cut line */
	line[63] = '\0';
	log_redact(line, 64, &a);
	CHECK_STR(line, "..................................................[redacted]");
	/* a secret holding another is hidden whole, whatever the order */
	arena_wipe(&a);
	arena_strdup(&a, "topsecret", 9);
	arena_strdup(&a, "bundle-topsecret-tail", 21);
	snprintf(line, sizeof line, "x bundle-topsecret-tail y");
	log_redact(line, sizeof line, &a);
	CHECK_STR(line, "x [redacted] y");
	/* a value that is itself part of the marker cannot loop */
	arena_wipe(&a);
	arena_strdup(&a, "redacted", 8);
	snprintf(line, sizeof line, "redacted twice: redacted");
	log_redact(line, sizeof line, &a);
	CHECK_STR(line, "[redacted] twice: [redacted]");
	/* wiping really zeroes */
	{
		char *p = arena_strdup(&a, SECRET, strlen(SECRET));
		arena_wipe(&a);
		CHECK(p[0] == 0 && p[10] == 0 && a.nsecrets == 0);
	}
}

int main(void)
{
	struct err e;

	if (arena_open(&a, 64 * 1024, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	documents();
	times();
	binding();
	formatting();
	redaction();
	arena_close(&a);
	return check_done("sealed");
}
