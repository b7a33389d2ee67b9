/* boot: turn the bare kernel hand-off into a place a program can run.
 *
 * boot_mount mounts devtmpfs, proc, sysfs and tmpfs on /run and /tmp and
 * puts the console on fds 0-2; it runs before the log exists, so it
 * reports its first failure as text for the caller to log. boot_harden
 * then makes the process unswappable and undumpable. Every step tolerates
 * having been done already (EBUSY on a mount is success).
 */
#ifndef CASTELLAN_BOOT_H
#define CASTELLAN_BOOT_H

#include "err.h"
#include "log.h"

/* Blocks every signal: PID 1 takes them synchronously, if at all. */
int boot_signals(struct err *e);

int boot_mount(struct err *e);

/* mlockall, no core dumps, not dumpable, no swap in use. */
int boot_harden(struct log *log, struct err *e);

/* Waits until the kernel's random pool is ready (BearSSL and the DHCP
 * transaction id draw from it), logging if that takes a while. */
int boot_entropy(struct log *log, struct err *e);

#endif
