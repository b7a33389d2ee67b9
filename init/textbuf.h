/* textbuf: text appended to a caller's buffer, never past its end.
 *
 * Pure, no allocation: the machine configs, bundles and manifests built
 * this way hold keys, so their buffers live in the arena. Once the buffer
 * is full, appends keep counting the bytes they would have written, so an
 * error can say how many were needed; the text is then cut and must not
 * be used (textbuf_full says so).
 */
#ifndef CASTELLAN_TEXTBUF_H
#define CASTELLAN_TEXTBUF_H

#include <stddef.h>

struct textbuf {
	char *p;
	size_t cap;
	size_t len;		/* what was, or would have been, written */
};

void textbuf_init(struct textbuf *t, char *buf, size_t cap);
void textbuf_put(struct textbuf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* s[0..n) as a YAML double-quoted scalar: whatever it holds stays one
 * string, never a number, a bool, a comment or a key. Control characters,
 * C1 controls and Unicode line and paragraph separators are escaped. */
void textbuf_quoted(struct textbuf *t, const char *s, size_t n);

/* Nonzero when s holds a character YAML treats specially inside a plain
 * or literal scalar (C1 controls, U+2028, U+2029, a byte order mark):
 * such text must be written double-quoted. */
int textbuf_yaml_special(const char *s);

/* Standard padded base64 of data, encoded in place: a secret passes
 * through no other buffer. */
void textbuf_base64(struct textbuf *t, const void *data, size_t n);

/* Nonzero when the text did not fit with its terminating NUL. */
int textbuf_full(const struct textbuf *t);

#endif
