/* log: the appliance's one voice.
 *
 * One line per step, stamped with monotonic seconds since boot, on every
 * console (ttyS0 and tty0 in the appliance, stderr on a host); the same
 * event as a JSON line on the second serial port when one exists.
 * A log holds only file descriptors: it allocates nothing and never
 * fails loudly (a console that cannot be written is skipped).
 */
#ifndef CASTELLAN_LOG_H
#define CASTELLAN_LOG_H

#include <stddef.h>

#define LOG_MAX_OUT 3

struct arena;

enum log_level { LOG_INFO, LOG_WARN, LOG_ERROR };

struct log {
	int out[LOG_MAX_OUT];	/* human-readable lines */
	int nout;
	int json;		/* JSON lines, or -1 */
	const struct arena *redact;	/* secret values never to print, or NULL */
};

/* Appliance: ttyS0 and tty0 (whichever exist, else /dev/console) for the
 * human lines, ttyS1 for JSON when the UART is present. */
void log_open_consoles(struct log *log);

/* Waits until every console has sent what was written (before power-off,
 * so the last lines are not lost). */
void log_drain(struct log *log);

/* Host commands: human lines on stderr, no JSON. */
void log_open_stderr(struct log *log);

void log_msg(struct log *log, enum log_level level, const char *stage,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define log_info(l, stage, ...) log_msg((l), LOG_INFO, (stage), __VA_ARGS__)
#define log_warn(l, stage, ...) log_msg((l), LOG_WARN, (stage), __VA_ARGS__)
#define log_error(l, stage, ...) log_msg((l), LOG_ERROR, (stage), __VA_ARGS__)

/* Replaces every registered secret value found in msg with "[redacted]",
 * in place (msg holds cap bytes). Pure; exposed for tests. */
void log_redact(char *msg, size_t cap, const struct arena *a);

/* Escapes s as the body of a JSON string into out (always NUL-terminated,
 * truncated to fit). Returns the length written. Pure; exposed for tests. */
unsigned long log_json_escape(char *out, unsigned long cap, const char *s);

#endif
