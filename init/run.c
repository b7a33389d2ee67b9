#include "run.h"
#include "boot.h"
#include "io.h"
#include "ipv4.h"
#include "clock.h"
#include "modules.h"
#include "net.h"
#include "power.h"
#include "reach.h"
#include "unseal.h"
#include "version.h"
#include "wipe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEED_WAIT_MS 15000
#define ARENA_SIZE (16u << 20)
#define RUN_ID_LEN 8

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

/* What Proxmox holds, and what this run will do about it. */
static int stage_plan(struct run *r)
{
	const struct cluster_secrets *cs = &r->fetch.secrets;
	char *table = arena_alloc(&r->arena, 64 * 1024);
	int n;

	if (!table)
		return err_set(&r->err, "the arena has no room for the plan");
	if (proxmox_open(&r->px, r->desc, cs->s[SECRET_PROXMOX_TOKEN_ID]->value,
			 cs->s[SECRET_PROXMOX_TOKEN_SECRET]->value, &r->arena, &r->log, NULL,
			 &r->err) < 0)
		return -1;
	r->px_open = 1;
	if (proxmox_vms(&r->px, r->vms, PLAN_MAX_VMS, &n, &r->err) < 0 ||
	    plan_make(r->plan, r->desc, r->vms, n, &r->err) < 0)
		return -1;
	plan_table(r->plan, r->desc, table, 64 * 1024);
	for (char *line = strtok(table, "\n"); line; line = strtok(NULL, "\n"))
		log_info(&r->log, "plan", "%s", line);
	return 0;
}

/* Names the canary keys of this run: [a-z0-9]{8}. */
static void run_id(struct run *r, char out[RUN_ID_LEN + 1])
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char b[RUN_ID_LEN];

	r->rng.vtable->generate(&r->rng.vtable, b, sizeof b);
	for (int i = 0; i < RUN_ID_LEN; i++)
		out[i] = abc[b[i] % (sizeof abc - 1)];
	out[RUN_ID_LEN] = '\0';
}

/* A generated bundle goes to Infisical before any VM exists, so a run
 * that dies later still leaves the cluster's identity behind. */
static int store_bundle(struct run *r)
{
	const char *name = secrets_name(&r->desc->infisical, SECRET_TALOS_SECRETS);
	size_t len;
	const char *yaml = forge_bundle_yaml(r->forge, &len, &r->err);

	if (!yaml || infisical_put(&r->fetch.infisical, name, yaml, &r->err) < 0)
		return -1;
	log_info(&r->log, "pki", "generated a new Talos secrets bundle and stored it in Infisical "
		 "as %s", name);
	return 0;
}

/* shared/DESIGN.md §3, step 3: a value only this run knows, which the
 * new cluster's ESO reads (ExternalSecret) and writes back under the echo
 * key (PushSecret). Planted before the nodes exist, so ESO finds it. */
static int plant_canary(struct run *r)
{
	unsigned char b[16];
	char *v = arena_alloc(&r->arena, 2 * sizeof b + 1);

	if (!v)
		return err_set(&r->err, "the arena has no room for the canary");
	r->rng.vtable->generate(&r->rng.vtable, b, sizeof b);
	for (size_t i = 0; i < sizeof b; i++)
		snprintf(v + 2 * i, 3, "%02x", b[i]);
	wipe(b, sizeof b);
	if (arena_register(&r->arena, v, strlen(v)) < 0)
		return err_set(&r->err, "the secret arena's table is full");
	if (infisical_put(&r->fetch.infisical, r->forge->canary_key, v, &r->err) < 0)
		return -1;
	r->canary = v;
	log_info(&r->log, "pki", "planted %s in Infisical for ESO to echo", r->forge->canary_key);
	return 0;
}

static int stage_pki(struct run *r)
{
	const struct cluster_secrets *cs = &r->fetch.secrets;
	const struct infisical_secret *ts = cs->s[SECRET_TALOS_SECRETS];
	unsigned char seed[48];
	char id[RUN_ID_LEN + 1];
	struct forge_secrets s = { cs->s[SECRET_TALOS_SECRETBOX_KEY]->value, cs->secretbox_len,
				   ts ? ts->value : NULL, ts ? strlen(ts->value) : 0,
				   cs->s[SECRET_ESO_CLIENT_ID]->value,
				   cs->s[SECRET_ESO_CLIENT_SECRET]->value, id };

	if (io_random(seed, sizeof seed) < 0)
		return err_set(&r->err, "getrandom: %s", strerror(errno));
	br_hmac_drbg_init(&r->rng, &br_sha256_vtable, seed, sizeof seed);
	wipe(seed, sizeof seed);
	run_id(r, id);
	if (forge_open(r->forge, r->desc, &r->arena, &s, (long long)time(NULL), &r->rng.vtable,
		       &r->err) < 0 || forge_check(r->forge, &r->err) < 0)
		return -1;
	r->forge->new_cluster = plan_cluster_is_new(r->plan, r->desc);
	if (ts && strcmp(r->forge->bundle->secretbox, r->forge->secretbox) != 0)
		log_warn(&r->log, "pki", "%s holds another secretbox key than %s; the configs use %s",
			 secrets_name(&r->desc->infisical, SECRET_TALOS_SECRETS),
			 secrets_name(&r->desc->infisical, SECRET_TALOS_SECRETBOX_KEY),
			 secrets_name(&r->desc->infisical, SECRET_TALOS_SECRETBOX_KEY));
	log_info(&r->log, "pki", "%s; %s cluster; run id %s",
		 ts ? "Talos secrets bundle loaded from Infisical" : "new Talos secrets bundle",
		 r->forge->new_cluster ? "a new" : "an existing", id);
	if (r->forge->generated && store_bundle(r) < 0)
		return -1;
	return r->forge->new_cluster ? plant_canary(r) : 0;
}

static int stage_deliver(struct run *r)
{
	deliver_init(&r->deliver, &r->px, r->desc, &r->log);
	r->delivering = 1;
	if (deliver_run(&r->deliver, r->plan, forge_cidata, r->forge, &r->err) != 0)
		return -1;
	log_info(&r->log, "deliver", "%d VMs created, %d destroyed, %d started",
		 r->deliver.created, r->deliver.destroyed, r->deliver.started);
	return 0;
}

#define VERIFY_POLL_MS 5000
#define VERIFY_CONNECT_MS 3000

static unsigned node_port(const struct desc_node *n)
{
	return n->role == ROLE_CONTROLPLANE ? 6443 : 10250;
}

/* Names every node still silent, for the one sentence of a timeout. */
static int silent(struct run *r, const char *up)
{
	const struct desc *d = r->desc;
	char list[400] = "", ip[IPV4_STRLEN];

	for (int i = 0; i < d->cluster.nnodes; i++)
		if (!up[i])
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s (%s:%u)",
				 list[0] ? ", " : "", d->cluster.nodes[i].name,
				 ipv4_format(d->cluster.nodes[i].ip, ip), node_port(&d->cluster.nodes[i]));
	return err_set(&r->err, "no answer within %ld s from %s: a node that did not boot on its "
		       "config listens on neither port (its serial console on Proxmox says why)",
		       d->verify_timeout, list);
}

/* Step 3: the echo proves etcd, the API server with secretbox, scheduling,
 * networking, image pulls, ESO and its store's credentials, end to end. */
static int await_echo(struct run *r, long start)
{
	const char *key = r->forge->echo_key;
	struct infisical_secret s;
	int found;

	for (;;) {
		if (infisical_get(&r->fetch.infisical, key, &s, &found, &r->err) < 0)
			return -1;
		if (found && strcmp(s.value, r->canary) == 0)
			break;
		if (found)
			return err_set(&r->err, "%s holds another value than this run's canary: the "
				       "ClusterSecretStore reads or writes somewhere else", key);
		if (clock_ms() - start > r->desc->verify_timeout * 1000)
			return err_set(&r->err, "ESO did not echo %s as %s within %ld s: check its pods "
				       "in namespace external-secrets and the ClusterSecretStore "
				       "infisical (may ESO_CLIENT_ID write to the project?)",
				       r->forge->canary_key, key, r->desc->verify_timeout);
		clock_sleep_ms(VERIFY_POLL_MS);
	}
	log_info(&r->log, "verify", "ESO echoed the canary after %ld s: etcd, the API server, "
		 "scheduling, networking, ESO and its store work", (clock_ms() - start) / 1000);
	return 0;
}

/* Proof of life, step 2 of shared/DESIGN.md §3: every node answers on the
 * port that only a configured node opens. Until then the cidata ISOs must
 * stay: the cleanup after this is what deletes them. */
static int stage_verify(struct run *r)
{
	const struct desc *d = r->desc;
	char up[DESC_MAX_NODES] = { 0 }, ip[IPV4_STRLEN];
	long start = clock_ms();
	int left = d->cluster.nnodes;

	for (;;) {
		for (int i = 0; i < d->cluster.nnodes; i++) {
			const struct desc_node *n = &d->cluster.nodes[i];
			if (up[i] || reach_tcp(n->ip, node_port(n), VERIFY_CONNECT_MS) < 0)
				continue;
			up[i] = 1;
			left--;
			log_info(&r->log, "verify", "%s answers on %s:%u after %ld s", n->name,
				 ipv4_format(n->ip, ip), node_port(n), (clock_ms() - start) / 1000);
		}
		if (!left)
			break;
		if (clock_ms() - start > d->verify_timeout * 1000)
			return silent(r, up);
		clock_sleep_ms(VERIFY_POLL_MS);
	}
	if (!r->canary) {
		log_info(&r->log, "verify", "every node answers; the cluster was not born in this run, "
			 "so there is no canary for ESO to echo");
		return 0;
	}
	return await_echo(r, start);
}

/* The operator's way in, written back to Infisical (shared/DESIGN.md §1
 * "handback"): client certificates issued by the cluster's CAs, new on
 * every run. A talosctl bundle whose os CA is Ed25519 cannot sign the
 * talosconfig here: that is said, and the kubeconfig still goes back. */
static int hand_back(struct run *r, const char *name, long n, char *text)
{
	if (n < 0) {
		log_warn(&r->log, "handback", "%s", r->err.msg);
		return 0;
	}
	if (arena_register(&r->arena, text, (size_t)n) < 0)
		return err_set(&r->err, "the secret arena's table is full");
	if (infisical_put(&r->fetch.infisical, name, text, &r->err) < 0)
		return -1;
	log_info(&r->log, "handback", "stored %s in Infisical", name);
	return 0;
}

static int stage_handback(struct run *r)
{
	const struct desc *d = r->desc;
	const struct desc_secret_names *names = &d->infisical.secrets;
	static char ips[DESC_MAX_NODES][IPV4_STRLEN];
	const char *endpoints[DESC_MAX_NODES];
	struct talos_handback h = { d->cluster.name, endpoints, 0, d->cluster.endpoint.text,
				    (long long)time(NULL), 0, &r->rng.vtable };
	size_t cap = 64 * 1024;
	char *talosconfig = arena_alloc(&r->arena, cap), *kubeconfig = arena_alloc(&r->arena, cap);

	if (!talosconfig || !kubeconfig)
		return err_set(&r->err, "the arena has no room for the handback");
	for (int i = 0; i < d->cluster.nnodes; i++)
		if (d->cluster.nodes[i].role == ROLE_CONTROLPLANE)
			endpoints[h.nendpoints++] = ipv4_format(d->cluster.nodes[i].ip, ips[i]);
	if (hand_back(r, names->talosconfig, talos_bundle_talosconfig(r->forge->bundle, &h,
			talosconfig, cap, &r->err), talosconfig) < 0)
		return -1;
	return hand_back(r, names->kubeconfig, talos_bundle_kubeconfig(r->forge->bundle, &h,
			 kubeconfig, cap, &r->err), kubeconfig);
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
	{ "plan", stage_plan },
	{ "pki", stage_pki },
	{ "deliver", stage_deliver },
	{ "verify", stage_verify },
	{ "handback", stage_handback },
};

/* The cidata ISOs hold the cluster's keys: a run whose cleanup failed
 * has failed, whatever came before. */
static int cleanup(struct run *r, struct err *e)
{
	if (!r->delivering || r->deliver.nisos == 0)
		return 0;
	if (deliver_cleanup(&r->deliver, e) < 0)
		return err_wrap(e, "some cidata ISO of this run is still on the Proxmox storage");
	log_info(&r->log, "cleanup", "every cidata ISO of this run ejected and deleted");
	return 0;
}

/* Zero every secret before the machine stops, whatever the outcome. */
static void wipe_run(struct run *r)
{
	struct err e;

	if (cleanup(r, &e) < 0)
		log_error(&r->log, "cleanup", "%s", e.msg);
	if (r->canary && (infisical_delete(&r->fetch.infisical, r->forge->canary_key, &e) < 0 ||
			  infisical_delete(&r->fetch.infisical, r->forge->echo_key, &e) < 0))
		log_warn(&r->log, "cleanup", "%s", e.msg);
	else if (r->canary)
		log_info(&r->log, "cleanup", "the canary and its echo deleted from Infisical");
	if (r->px_open)
		proxmox_close(&r->px);
	wipe(&r->rng, sizeof r->rng);
	if (r->forge)
		wipe(r->forge, sizeof *r->forge);

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
	if (r->delivering && (r->deliver.created || r->deliver.destroyed || r->deliver.started ||
			      r->deliver.nisos))
		log_error(&r->log, "run", "stopped in stage %s; the Proxmox cluster may be half-way: "
			  "a new run reads it again and converges", stage);
	else
		log_error(&r->log, "run", "stopped in stage %s; nothing was changed", stage);
	wipe_run(r);
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
	r.vms = calloc(PLAN_MAX_VMS, sizeof *r.vms);
	r.plan = calloc(1, sizeof *r.plan);
	r.forge = calloc(1, sizeof *r.forge);
	if (!r.seed || !r.desc || !r.vms || !r.plan || !r.forge) {
		err_set(&r.err, "allocating the run's memory: %s", strerror(errno));
		fail(&r, "boot");
	}
	for (i = 0; i < sizeof stages / sizeof stages[0]; i++)
		if (stages[i].fn(&r) < 0)
			fail(&r, stages[i].name);
	if (cleanup(&r, &r.err) < 0)
		fail(&r, "cleanup");
	log_info(&r.log, "run", "done: %d VMs created, %d destroyed, %d started",
		 r.deliver.created, r.deliver.destroyed, r.deliver.started);
	wipe_run(&r);
	power_final(&r.log, r.desc->on_success);
}
