#include "run.h"
#include "boot.h"
#include "clock.h"
#include "modules.h"
#include "net.h"
#include "power.h"
#include "version.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SEED_WAIT_MS 15000

static int stage_harden(struct run *r)
{
	return boot_harden(&r->log, &r->err);
}

static int stage_modules(struct run *r)
{
	return modules_load(&r->log, MODULES_LIST, &r->err);
}

static int stage_clock(struct run *r)
{
	return clock_from_rtc(&r->log, &r->err);
}

static int stage_entropy(struct run *r)
{
	return boot_entropy(&r->log, &r->err);
}

static int stage_cidata(struct run *r)
{
	return cidata_load(&r->log, r->seed, "/run/cidata", SEED_WAIT_MS, &r->err);
}

static int stage_describe(struct run *r)
{
	char summary[512];

	if (desc_parse(r->desc, r->seed->user_data, r->seed->user_data_len, &r->err) < 0)
		return -1;
	r->have_desc = 1;
	desc_summary(r->desc, summary, sizeof summary);
	log_info(&r->log, "describe", "%s", summary);
	return 0;
}

static int stage_net(struct run *r)
{
	if (!r->seed->has_network_config)
		netcfg_default(&r->net);
	else if (netcfg_parse(r->seed->network_config, r->seed->network_config_len,
			      &r->net, &r->err) < 0)
		return -1;
	return net_up(&r->log, &r->net, &r->err);
}

static const struct stage {
	const char *name;
	int (*fn)(struct run *);
} stages[] = {
	{ "boot", stage_harden },
	{ "boot", stage_modules },
	{ "clock", stage_clock },
	{ "boot", stage_entropy },
	{ "cidata", stage_cidata },
	{ "describe", stage_describe },
	{ "net", stage_net },
};

static void __attribute__((noreturn)) fail(struct run *r, const char *stage)
{
	enum desc_action action = r->have_desc ? r->desc->on_failure : ACTION_POWEROFF;

	log_error(&r->log, stage, "%s", r->err.msg);
	log_error(&r->log, "run", "stopped in stage %s; nothing was changed", stage);
	power_final(&r->log, action);
}

void run_appliance(void)
{
	struct run r;
	int early;
	size_t i;

	memset(&r, 0, sizeof r);
	/* The log needs /dev; report mount trouble once it exists (or on fd 1). */
	early = boot_signals(&r.err);
	if (early == 0)
		early = boot_mount(&r.err);
	log_open_consoles(&r.log);
	log_info(&r.log, "boot", "castellan %s starting as PID 1", CASTELLAN_VERSION);
	if (early < 0)
		fail(&r, "boot");
	r.seed = calloc(1, sizeof *r.seed);
	r.desc = calloc(1, sizeof *r.desc);
	if (!r.seed || !r.desc) {
		err_set(&r.err, "allocating the run's memory: %s", strerror(errno));
		fail(&r, "boot");
	}
	for (i = 0; i < sizeof stages / sizeof stages[0]; i++)
		if (stages[i].fn(&r) < 0)
			fail(&r, stages[i].name);
	log_info(&r.log, "run", "done: the description is valid (this build stops here)");
	power_final(&r.log, r.desc->on_success);
}
