#include "textbuf.h"
#include "base64.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void textbuf_init(struct textbuf *t, char *buf, size_t cap)
{
	t->p = buf;
	t->cap = buf ? cap : 0;
	t->len = 0;
	if (t->cap)
		buf[0] = '\0';
}

static size_t room(const struct textbuf *t)
{
	return t->len < t->cap ? t->cap - t->len : 0;
}

void textbuf_put(struct textbuf *t, const char *fmt, ...)
{
	va_list ap;
	size_t r = room(t);
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r ? t->p + t->len : NULL, r, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n;
}

/* The length of a UTF-8 sequence YAML reads as a break or a control
 * (U+0080-U+009F, U+2028, U+2029, U+FEFF), or 0. */
static size_t special_at(const unsigned char *c, const unsigned char *end)
{
	if (end - c >= 2 && c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f)
		return 2;
	if (end - c >= 3 && ((c[0] == 0xe2 && c[1] == 0x80 && (c[2] == 0xa8 || c[2] == 0xa9)) ||
			     (c[0] == 0xef && c[1] == 0xbb && c[2] == 0xbf)))
		return 3;
	return 0;
}

int textbuf_yaml_special(const char *s)
{
	const unsigned char *c = (const unsigned char *)s, *end = c + strlen(s);

	for (; c < end; c++)
		if (special_at(c, end))
			return 1;
	return 0;
}

void textbuf_quoted(struct textbuf *t, const char *s, size_t n)
{
	const unsigned char *end = (const unsigned char *)s + n;

	textbuf_put(t, "\"");
	for (const unsigned char *c = (const unsigned char *)s; c < end; c++) {
		size_t k = special_at(c, end);
		if (k) {
			if (k == 2)
				textbuf_put(t, "\\x%02x", c[1]);
			else
				textbuf_put(t, "%s", c[0] == 0xef ? "\\uFEFF" : c[2] == 0xa8 ? "\\L" : "\\P");
			c += k - 1;
		} else if (*c == '"' || *c == '\\')
			textbuf_put(t, "\\%c", *c);
		else if (*c == '\n')
			textbuf_put(t, "\\n");
		else if (*c == '\t')
			textbuf_put(t, "\\t");
		else if (*c < 0x20 || *c == 0x7f)
			textbuf_put(t, "\\x%02x", *c);
		else
			textbuf_put(t, "%c", *c);
	}
	textbuf_put(t, "\"");
}

void textbuf_base64(struct textbuf *t, const void *data, size_t n)
{
	size_t need = base64_encoded_len(n, BASE64_PAD);

	if (room(t) > need)
		base64_encode(t->p + t->len, data, n, BASE64_PAD);
	t->len += need;
}

int textbuf_full(const struct textbuf *t)
{
	return t->len >= t->cap;
}
