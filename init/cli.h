/* cli: the operator's host commands, in the same binary as PID 1.
 *
 *   castellan version
 *   castellan keygen [-o FILE]                     (cmd_keys.c)
 *   castellan seal -r RECIPIENT... [--not-after T] [--vm-uuid U] [-o FILE] [INPUT]
 *   castellan check [--identity KEY [--live]] USER-DATA   (cmd_check.c)
 *   castellan plan --identity KEY --live USER-DATA         (cmd_plan.c)
 *   castellan render [--identity KEY --live] USER-DATA --out DIR [--reveal]  (cmd_render.c)
 *   castellan cidata -o OUT.iso USER-DATA [--meta-data F] [--network-config F]  (cmd_cidata.c)
 *
 * Output goes to stdout, problems to stderr as one sentence each; the
 * exit status is 0 when all is well, 1 when the input is bad, 2 on usage.
 */
#ifndef CASTELLAN_CLI_H
#define CASTELLAN_CLI_H

#include <stddef.h>

struct desc;

int cli_main(int argc, char **argv);

int cmd_keygen(int argc, char **argv);
int cmd_seal(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_cidata(int argc, char **argv);
int cmd_render(int argc, char **argv);

/* Prints "castellan: <msg>" on stderr and returns 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reads and parses the user-data file at path into a new description;
 * NULL after printing the one sentence that says why. cli_desc_free
 * releases it. */
struct desc *cli_load_desc(const char *path);
void cli_desc_free(struct desc *d);

/* Writes buf to a new file beside path (mode 0600, never through an
 * existing file or link), syncs it and renames it over path: a reader
 * sees the old file or the whole new one. 0, or 1 after saying why. */
int cli_write_private(const char *path, const void *buf, size_t len);

/* Prints the usage on stderr and returns 2. */
int cli_usage(void);

#endif
