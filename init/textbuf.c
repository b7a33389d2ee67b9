#include "textbuf.h"
#include "base64.h"

#include <stdarg.h>
#include <stdio.h>

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

void textbuf_quoted(struct textbuf *t, const char *s, size_t n)
{
	textbuf_put(t, "\"");
	for (const unsigned char *c = (const unsigned char *)s; c < (const unsigned char *)s + n; c++) {
		if (*c == '"' || *c == '\\')
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
