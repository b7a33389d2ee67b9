/* power: how PID 1 ends. It never exits (the kernel would panic).
 *
 * power_final syncs, then powers off, halts or reboots. If the kernel
 * refuses, it says so and waits forever, reaping children and taking
 * signals synchronously, so the VM stays inspectable instead of panicking.
 */
#ifndef CASTELLAN_POWER_H
#define CASTELLAN_POWER_H

#include "desc.h"
#include "log.h"

void power_final(struct log *log, enum desc_action action) __attribute__((noreturn));

#endif
