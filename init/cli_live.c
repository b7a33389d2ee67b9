#include "cli_live.h"
#include "cli.h"
#include "forge.h"
#include "proxmox.h"
#include "unseal.h"

#include <stdlib.h>
#include <string.h>

/* The Proxmox and Infisical answers, and what render needs; under the
 * usual 8 MiB RLIMIT_MEMLOCK, so an ordinary user can run it. */
#define LIVE_ARENA (PROXMOX_BODY_MAX + INFISICAL_BODY_MAX + FORGE_ARENA_NEED + 512 * 1024)

int cli_live_open(struct cli_live *l, const struct desc *d, const char *keyfile)
{
	struct infisical_options io = { NULL, 0 };
	struct age_identity *key;
	struct sealed s;
	struct err e;

	memset(l, 0, sizeof *l);
	if (arena_open(&l->arena, LIVE_ARENA, &e) < 0)
		return cli_fail("%s", e.msg);
	log_open_stderr(&l->log);
	l->log.redact = &l->arena;
	key = unseal_load_key(&l->arena, keyfile, &e);
	if (!key || unseal_open(&l->arena, key, d->identity, strlen(d->identity), &s, &e) < 0 ||
	    fetch_secrets(&l->fetch, d, &s, &l->arena, &l->log, &io, &e) < 0)
		return cli_fail("%s", e.msg);
	return 0;
}

int cli_live_plan(struct cli_live *l, const struct desc *d, const char *resolve)
{
	const struct cluster_secrets *cs = &l->fetch.secrets;
	struct proxmox_options po = { resolve, 0 };
	struct proxmox px;
	struct err e;
	int rc = 0;

	l->vms = malloc(sizeof *l->vms * PLAN_MAX_VMS);
	l->plan = malloc(sizeof *l->plan);
	if (!l->vms || !l->plan)
		return cli_fail("out of memory");
	if (proxmox_open(&px, d, cs->s[SECRET_PROXMOX_TOKEN_ID]->value,
			 cs->s[SECRET_PROXMOX_TOKEN_SECRET]->value, &l->arena, &l->log, &po, &e) < 0 ||
	    proxmox_vms(&px, l->vms, PLAN_MAX_VMS, &l->nvms, &e) < 0 ||
	    plan_make(l->plan, d, l->vms, l->nvms, &e) < 0)
		rc = cli_fail("%s", e.msg);
	proxmox_close(&px);
	return rc;
}

int cli_live_close(struct cli_live *l, int rc)
{
	struct err e;

	if (l->fetch.open && fetch_close(&l->fetch, &e) < 0)
		rc = cli_fail("%s", e.msg);
	arena_close(&l->arena);
	free(l->vms);
	free(l->plan);
	l->vms = NULL;
	l->plan = NULL;
	return rc;
}
