#include "yamlout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void emit(struct yamlout *y, const cJSON *n, int indent, int inline_first);

void yamlout_init(struct yamlout *y, char *buf, size_t cap)
{
	textbuf_init(&y->t, buf, cap);
}

static void pad(struct yamlout *y, int indent)
{
	textbuf_put(&y->t, "%*s", indent, "");
}

/* Words YAML 1.1 or 1.2 would read as something other than a string. */
static int reserved(const char *s)
{
	static const char *const words[] = { "true", "false", "yes", "no", "on", "off", "null",
					     "y", "n", "~", "<<", ".inf", "+.inf", "-.inf", ".nan",
					     NULL };
	for (int i = 0; words[i]; i++)
		if (strcasecmp(s, words[i]) == 0)
			return 1;
	return 0;
}

static int numeric(const char *s)
{
	char *end;

	if (!*s)
		return 0;
	(void)strtod(s, &end);
	if (*end == '\0')
		return 1;
	/* 0x1F, 0o17, 1_000: YAML 1.1 integers strtod does not take. */
	return strchr("0123456789+-.", s[0]) && strspn(s, "0123456789abcdefABCDEF_.+-xXoO:") == strlen(s);
}

static int plain_ok(const char *s)
{
	if (!*s || reserved(s) || numeric(s) || strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) ||
	    strlen(s) > 1000 || textbuf_yaml_special(s))
		return 0;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f || (c == ':' && (p[1] == ' ' || !p[1])) ||
		    (c == ' ' && (p[1] == '#' || !p[1])))
			return 0;
	}
	return 1;
}

static void quoted(struct yamlout *y, const char *s)
{
	textbuf_quoted(&y->t, s, strlen(s));
}

/* A literal block keeps a manifest as it is, if the text allows one. */
static int literal_ok(const char *s)
{
	if (!strchr(s, '\n') || textbuf_yaml_special(s))
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			return 0;
	return 1;
}

static void literal(struct yamlout *y, const char *s, int indent)
{
	size_t n = strlen(s), trailing = 0;

	while (trailing < n && s[n - 1 - trailing] == '\n')
		trailing++;
	/* An explicit indentation (2: where the lines go) keeps a first line
	 * that starts with a space or a tab from confusing the parser. */
	textbuf_put(&y->t, "%s\n", trailing == 0 ? "|2-" : trailing == 1 ? "|2" : "|2+");
	for (const char *p = s; *p;) {
		size_t len = strcspn(p, "\n");
		if (len)
			pad(y, indent);
		textbuf_put(&y->t, "%.*s\n", (int)len, p);
		p += len;
		if (*p)
			p++;
	}
}

static void string(struct yamlout *y, const char *s, int indent)
{
	if (plain_ok(s))
		textbuf_put(&y->t, "%s\n", s);
	else if (literal_ok(s))
		literal(y, s, indent);
	else {
		quoted(y, s);
		textbuf_put(&y->t, "\n");
	}
}

static void scalar(struct yamlout *y, const cJSON *n, int indent)
{
	if (cJSON_IsString(n))
		string(y, n->valuestring, indent);
	else if (cJSON_IsRaw(n))	/* a number kept as its exact text */
		textbuf_put(&y->t, "%s\n", n->valuestring);
	else if (cJSON_IsBool(n))
		textbuf_put(&y->t, "%s\n", cJSON_IsTrue(n) ? "true" : "false");
	else if (cJSON_IsNumber(n) && n->valuedouble == floor(n->valuedouble) &&
		 fabs(n->valuedouble) < 9007199254740992.0)
		textbuf_put(&y->t, "%.0f\n", n->valuedouble);
	else if (cJSON_IsNumber(n))
		textbuf_put(&y->t, "%.17g\n", n->valuedouble);
	else
		textbuf_put(&y->t, "null\n");
}

static int empty_container(const cJSON *n)
{
	return (cJSON_IsObject(n) || cJSON_IsArray(n)) && !n->child;
}

static void key(struct yamlout *y, const char *k)
{
	if (plain_ok(k))
		textbuf_put(&y->t, "%s:", k);
	else
		quoted(y, k), textbuf_put(&y->t, ":");
}

/* inline_first: the first key goes on the current line (after "- "). */
static void emit(struct yamlout *y, const cJSON *n, int indent, int inline_first)
{
	const cJSON *c;
	int first = 1;

	cJSON_ArrayForEach(c, n) {
		if (!(first && inline_first))
			pad(y, indent);
		first = 0;
		if (cJSON_IsObject(n))
			key(y, c->string);
		else
			textbuf_put(&y->t, "-");
		if (empty_container(c)) {
			textbuf_put(&y->t, " %s\n", cJSON_IsObject(c) ? "{}" : "[]");
		} else if (cJSON_IsObject(c) && cJSON_IsArray(n)) {
			textbuf_put(&y->t, " ");
			emit(y, c, indent + 2, 1);
		} else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
			textbuf_put(&y->t, "\n");
			emit(y, c, indent + 2, 0);
		} else {
			textbuf_put(&y->t, " ");
			scalar(y, c, indent + 2);
		}
	}
}

int yamlout_doc(struct yamlout *y, const cJSON *root, struct err *e)
{
	if (y->t.len)
		textbuf_put(&y->t, "---\n");
	emit(y, root, 0, 0);
	if (textbuf_full(&y->t))
		return err_set(e, "the rendered document does not fit in %zu bytes", y->t.cap);
	return 0;
}
