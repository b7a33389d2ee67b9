#include "run.h"
#include "boot.h"
#include "io.h"
#include "clock.h"
#include "modules.h"
#include "net.h"
#include "power.h"
#include "unseal.h"
#include "version.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEED_WAIT_MS 15000
#define ARENA_SIZE (2u << 20)

static int stage_harden(struct run *r)
{
	return boot_harden(&r->log, &r->err);
}

static int stage_arena(struct run *r)
{
	if (arena_open(&r->arena, ARENA_SIZE, &r->err) < 0)
		return -1;
	r->log.redact = &r->arena;
	return 0;
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

/* The image's key opens castellan.identity; then the binding is checked. */
static int stage_unseal(struct run *r)
{
	char uuid[64] = "";
	struct age_identity *key;
	struct sealed *s = &r->identity;

	if (access(UNSEAL_DEMO_MARK, F_OK) == 0)
		log_warn(&r->log, "unseal", "this image carries a demo key, not for production: "
			 "build it with make image AGE_IDENTITY=your-key.txt");
	key = unseal_load_key(&r->arena, UNSEAL_IMAGE_KEY, &r->err);
	if (!key || unseal_open(&r->arena, key, r->desc->identity, strlen(r->desc->identity),
				s, &r->err) < 0)
		return -1;
	if (s->has_vm_uuid && io_read_file(UNSEAL_SMBIOS_UUID, uuid, sizeof uuid) > 0)
		uuid[strcspn(uuid, "\n")] = '\0';
	if (sealed_check(s, (long long)time(NULL), uuid[0] ? uuid : NULL, &r->err) < 0)
		return -1;
	log_info(&r->log, "unseal", "identity opened: client id %s%s%s%s", s->client_id,
		 s->has_not_after ? ", valid until " : "", s->has_not_after ? s->not_after_text : "",
		 s->has_vm_uuid ? ", bound to this VM" : "");
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

/* Every required secret, present and well-formed, before anything is
 * created; the values stay in the arena. */
static int stage_secrets(struct run *r)
{
	struct fetch *f = &r->fetch;

	if (fetch_secrets(f, r->desc, &r->identity, &r->arena, &r->log, NULL, &r->err) < 0) {
		for (int i = 1; i < f->nproblems && i < FETCH_MAX_PROBLEMS; i++)
			log_error(&r->log, "secrets", "%s", f->problems[i].msg);
		return -1;
	}
	return 0;
}

static const struct stage {
	const char *name;
	int (*fn)(struct run *);
} stages[] = {
	{ "boot", stage_harden },
	{ "boot", stage_arena },
	{ "boot", stage_modules },
	{ "clock", stage_clock },
	{ "boot", stage_entropy },
	{ "cidata", stage_cidata },
	{ "describe", stage_describe },
	{ "unseal", stage_unseal },
	{ "net", stage_net },
	{ "secrets", stage_secrets },
};

/* Zero every secret before the machine stops, whatever the outcome. */
static void wipe(struct run *r)
{
	struct err e;

	if (r->fetch.open) {
		if (fetch_close(&r->fetch, &e) < 0)
			log_warn(&r->log, "cleanup", "%s", e.msg);
		else
			log_info(&r->log, "cleanup", "Infisical access token revoked");
	}
	if (!r->arena.base)
		return;
	r->log.redact = NULL;
	arena_close(&r->arena);
	log_info(&r->log, "wipe", "secret memory zeroed");
}

static void __attribute__((noreturn)) fail(struct run *r, const char *stage)
{
	enum desc_action action = r->have_desc ? r->desc->on_failure : ACTION_POWEROFF;

	log_error(&r->log, stage, "%s", r->err.msg);
	log_error(&r->log, "run", "stopped in stage %s; nothing was changed", stage);
	wipe(r);
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
	log_info(&r.log, "run", "done: description valid, identity opened, network up, "
		 "secrets checked (this build stops here)");
	wipe(&r);
	power_final(&r.log, r.desc->on_success);
}
