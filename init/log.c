#include "log.h"
#include "arena.h"
#include "io.h"

#include <fcntl.h>
#include <termios.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *level_name[] = { "info", "warn", "error" };

static int open_tty(const char *path)
{
	/* Blocking: a line is never cut short; the UARTs have no flow control,
	 * so a write takes at most the time the bytes need on the wire. */
	return open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
}

/* An 8250 port the hardware lacks still has a device node; sysfs says
 * whether a UART answered at probe time (type 0 is PORT_UNKNOWN). */
static int uart_present(const char *name)
{
	char path[64], buf[16];

	snprintf(path, sizeof path, "/sys/class/tty/%s/type", name);
	if (io_read_file(path, buf, sizeof buf) < 0)
		return 0;
	return buf[0] != '0' || (buf[1] != '\n' && buf[1] != '\0');
}

void log_open_consoles(struct log *log)
{
	static const char *ttys[] = { "/dev/ttyS0", "/dev/tty0" };
	unsigned i;

	log->nout = 0;
	log->json = -1;
	log->redact = NULL;
	for (i = 0; i < sizeof ttys / sizeof ttys[0]; i++) {
		if (i == 0 && !uart_present("ttyS0"))
			continue;
		int fd = open_tty(ttys[i]);
		if (fd >= 0)
			log->out[log->nout++] = fd;
	}
	if (log->nout == 0) {
		/* No devtmpfs: the kernel gave PID 1 the console as fd 1. */
		int fd = open_tty("/dev/console");
		log->out[log->nout++] = fd >= 0 ? fd : 1;
	}
	if (uart_present("ttyS1"))
		log->json = open_tty("/dev/ttyS1");
}

void log_drain(struct log *log)
{
	for (int i = 0; i < log->nout; i++)
		(void)tcdrain(log->out[i]);	/* not a tty (stderr to a file): nothing to do */
	if (log->json >= 0)
		(void)tcdrain(log->json);
}

void log_open_stderr(struct log *log)
{
	log->out[0] = 2;
	log->nout = 1;
	log->json = -1;
	log->redact = NULL;
}

unsigned long log_json_escape(char *out, unsigned long cap, const char *s)
{
	unsigned long n = 0;

	if (cap == 0)
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		unsigned long k;

		if (c == '"' || c == '\\')
			k = (unsigned long)snprintf(esc, sizeof esc, "\\%c", c);
		else if (c == '\n')
			k = (unsigned long)snprintf(esc, sizeof esc, "\\n");
		else if (c < 0x20 || c == 0x7f)
			k = (unsigned long)snprintf(esc, sizeof esc, "\\u%04x", c);
		else {
			esc[0] = (char)c;
			k = 1;
		}
		if (n + k >= cap)
			break;
		memcpy(out + n, esc, k);
		n += k;
	}
	out[n] = '\0';
	return n;
}

#define REDACTED "[redacted]"
#define REDACT_MIN 6	/* shorter values would blot out ordinary words */

/* A line cut at its end may end in the first bytes of a secret: hide
 * those too. */
static void redact_tail(char *msg, size_t cap, size_t *len, const struct arena_span *s)
{
	const size_t mark = sizeof REDACTED - 1;
	size_t k = s->n - 1 < *len ? s->n - 1 : *len;

	for (; k >= REDACT_MIN / 2; k--) {
		if (memcmp(msg + *len - k, s->p, k) != 0)
			continue;
		*len -= k;
		if (*len + mark < cap) {
			memcpy(msg + *len, REDACTED, mark);
			*len += mark;
		}
		msg[*len] = '\0';
		return;
	}
}

void log_redact(char *msg, size_t cap, const struct arena *a)
{
	const size_t mark = sizeof REDACTED - 1;
	size_t len = strlen(msg);
	int order[ARENA_MAX_SECRETS], n = a ? a->nsecrets : 0, i, j;

	/* Longest first: a secret that holds a shorter one (a bundle holding a
	 * key) must be hidden whole before the shorter one cuts it apart. */
	for (i = 0; i < n; i++) {
		for (j = i; j > 0 && a->secrets[order[j - 1]].n < a->secrets[i].n; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (i = 0; i < n; i++) {
		const struct arena_span *s = &a->secrets[order[i]];
		size_t from = 0;
		char *at;
		if (s->n < REDACT_MIN)
			continue;
		while ((at = memmem(msg + from, len - from, s->p, s->n)) != NULL) {
			size_t pos = (size_t)(at - msg), tail = len - pos - s->n;
			if (pos + mark >= cap) {	/* no room for the marker: cut here */
				msg[pos] = '\0';
				len = pos;
				break;
			}
			if (pos + mark + tail >= cap)
				tail = cap - 1 - pos - mark;
			memmove(at + mark, at + s->n, tail);
			memcpy(at, REDACTED, mark);
			len = pos + mark + tail;
			msg[len] = '\0';
			from = pos + mark;	/* never rescan the marker itself */
		}
		redact_tail(msg, cap, &len, s);
	}
}

static double uptime(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		return 0.0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void log_msg(struct log *log, enum log_level level, const char *stage,
	     const char *fmt, ...)
{
	char msg[1024], line[1200], esc[1024];
	double t = uptime();
	va_list ap;
	int n, i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_redact(msg, sizeof msg, log->redact);

	n = snprintf(line, sizeof line, "[%8.3f] %s: %s%s\n", t, stage,
		     level == LOG_INFO ? "" : level == LOG_WARN ? "warning: " : "error: ",
		     msg);
	if (n >= (int)sizeof line)
		n = (int)sizeof line - 1;
	for (i = 0; i < log->nout; i++)
		(void)io_write_all(log->out[i], line, (size_t)n);

	if (log->json < 0)
		return;
	/* The escaper stops at a whole escape, and leaves room for the
	 * envelope, so a JSON line is never cut. */
	log_json_escape(esc, sizeof esc, msg);
	n = snprintf(line, sizeof line,
		     "{\"t\":%.3f,\"level\":\"%s\",\"stage\":\"%s\",\"msg\":\"%s\"}\n",
		     t, level_name[level], stage, esc);
	(void)io_write_all(log->json, line, (size_t)n);
}
