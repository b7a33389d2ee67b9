/* clock: set the system clock from the RTC before any TLS.
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

#endif
