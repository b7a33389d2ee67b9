#include "power.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

static void __attribute__((noreturn)) wait_forever(void)
{
	sigset_t all;
	siginfo_t info;

	sigfillset(&all);
	for (;;) {
		if (sigwaitinfo(&all, &info) == SIGCHLD)
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
	}
}

void power_final(struct log *log, enum desc_action action)
{
	static const char *const verb[] = { "powering off", "halting", "rebooting" };
	static const int cmd[] = { RB_POWER_OFF, RB_HALT_SYSTEM, RB_AUTOBOOT };

	log_info(log, "power", "%s", verb[action]);
	log_drain(log);
	sync();
	if (reboot(cmd[action]) < 0)
		log_error(log, "power", "%s failed: %s; waiting here instead", verb[action],
			  strerror(errno));
	/* RB_HALT_SYSTEM returns once the CPUs are stopped; either way, stay. */
	wait_forever();
}
