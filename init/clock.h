/* clock: the system clock from the RTC, and monotonic time for deadlines.
 *
 * Certificate validity depends on the clock, so its value is logged. The
 * RTC of a Proxmox Linux VM keeps UTC. A clock before CLOCK_SANE_YEAR is
 * reported as a warning (TLS will fail), not an error: the RTC is all the
 * appliance has before it can reach anything.
 */
#ifndef CASTELLAN_CLOCK_H
#define CASTELLAN_CLOCK_H

#include "err.h"
#include "log.h"

#define CLOCK_SANE_YEAR 2025

int clock_from_rtc(struct log *log, struct err *e);

/* Milliseconds of CLOCK_MONOTONIC: deadlines never jump with the RTC. */
long clock_ms(void);

/* Sleeps ms milliseconds, resuming after signals. */
void clock_sleep_ms(long ms);

/* A random 32-bit value for backoff jitter; never blocks (falls back to
 * the clock before the random pool is ready). */
unsigned clock_jitter(void);

#endif
