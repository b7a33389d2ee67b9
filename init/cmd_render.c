/* castellan render [--identity KEY --live [--resolve H:P:A]] USER-DATA
 *                  --out DIR [--reveal]
 * Every node's machine config and cidata ISO, as a run would make them.
 *
 * Offline it uses a throwaway bundle made on the spot and well-formed
 * stand-ins for the Infisical secrets, each saying it is not real, and
 * renders for a brand-new cluster. With --live it opens the identity,
 * takes the secrets from Infisical (TALOS_SECRETS too, when there is one)
 * and the Proxmox plan decides init versus controlplane; nothing is
 * changed or stored. Secret values are masked ("[redacted]") unless
 * --reveal is given; the cidata ISOs and the bundle (secrets.yaml,
 * talosctl's format) carry the real bytes, so they are written only with
 * --reveal, mode 0600.
 */
#include "arena.h"
#include "cli.h"
#include "cli_live.h"
#include "desc.h"
#include "forge.h"
#include "io.h"
#include "log.h"
#include "wipe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* base64 of "castellan-offline-not-a-real-key": 32 bytes, as Talos needs. */
#define FAKE_SECRETBOX "Y2FzdGVsbGFuLW9mZmxpbmUtbm90LWEtcmVhbC1rZXk="
#define FAKE_ESO_SECRET "offline-eso-client-secret-not-real"

struct render_opts {
	const char *path, *out, *keyfile, *resolve;
	int reveal, live;
};

static int parse_args(struct render_opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			o->out = argv[++i];
		else if (strcmp(argv[i], "--identity") == 0 && i + 1 < argc)
			o->keyfile = argv[++i];
		else if (strcmp(argv[i], "--resolve") == 0 && i + 1 < argc)
			o->resolve = argv[++i];
		else if (strcmp(argv[i], "--reveal") == 0)
			o->reveal = 1;
		else if (strcmp(argv[i], "--live") == 0)
			o->live = 1;
		else if (argv[i][0] == '-' || o->path)
			return -1;
		else
			o->path = argv[i];
	}
	return o->path && o->out && o->live == (o->keyfile != NULL) ? 0 : -1;
}

static int write_out(const char *dir, const char *name, const char *ext, const void *buf,
		     size_t len)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
	return cli_write_private(path, buf, len);
}

static int render_nodes(struct forge *f, const struct render_opts *o)
{
	const struct desc *d = f->d;
	struct err e;

	for (int i = 0; i < d->cluster.nnodes; i++) {
		const char *name = d->cluster.nodes[i].name;
		if (forge_node(f, i, &e) < 0)
			return cli_fail("%s", e.msg);
		if (o->reveal && write_out(o->out, name, "iso", f->iso, f->iso_len))
			return 1;
		if (!o->reveal)
			log_redact(f->config, FORGE_CONFIG_MAX, f->a);
		if (write_out(o->out, name, "yaml", f->config, strlen(f->config)))
			return 1;
		printf("%s/%s.yaml%s\n", o->out, name, o->reveal ? ", .iso" : "");
	}
	return 0;
}

/* The bundle is written when it is the one the cluster has or would get:
 * offline (throwaway anyway) or loaded from Infisical, never a live
 * stand-in for the one the appliance will generate. */
static int write_bundle(struct forge *f, const struct render_opts *o)
{
	struct err e;
	size_t len;
	const char *yaml;

	if (!o->reveal || (o->live && f->generated))
		return 0;
	if (!(yaml = forge_bundle_yaml(f, &len, &e)))
		return cli_fail("%s", e.msg);
	if (write_out(o->out, "secrets", "yaml", yaml, len))
		return 1;
	printf("%s/secrets.yaml\n", o->out);
	return 0;
}

/* new_cluster < 0: as the forge decides (a new cluster). */
static int render_with(const struct desc *d, struct arena *a, const struct forge_secrets *s,
		       int new_cluster, const struct render_opts *o)
{
	unsigned char seed[48];
	br_hmac_drbg_context rng;
	struct forge *f = calloc(1, sizeof *f);
	struct err e;
	int rc = 1;

	if (!f)
		return cli_fail("out of memory");
	if (io_random(seed, sizeof seed) < 0) {
		free(f);
		return cli_fail("getrandom: %s", strerror(errno));
	}
	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof seed);
	wipe(seed, sizeof seed);
	if (forge_open(f, d, a, s, (long long)time(NULL), &rng.vtable, &e) < 0) {
		rc = cli_fail("%s", e.msg);
	} else if (mkdir(o->out, 0700) < 0 && errno != EEXIST) {
		rc = cli_fail("creating %s: %s", o->out, strerror(errno));
	} else {
		if (new_cluster >= 0)
			f->new_cluster = new_cluster;
		printf("rendered for %s cluster with %s%s:\n", f->new_cluster ? "a new" : "an existing",
		       !o->live ? "a throwaway bundle and stand-in secrets" : f->generated ?
		       "Infisical's secrets and a throwaway bundle (the run generates the real one)" :
		       "Infisical's secrets and its TALOS_SECRETS bundle",
		       o->reveal ? "" : " (values masked; --reveal writes them, the bundle and the cidata ISOs)");
		rc = write_bundle(f, o) || render_nodes(f, o);
	}
	wipe(&rng, sizeof rng);
	wipe(f, sizeof *f);
	free(f);
	return rc;
}

static int render_offline(const struct desc *d, const struct render_opts *o)
{
	struct forge_secrets s = { FAKE_SECRETBOX, strlen(FAKE_SECRETBOX), NULL, 0,
				   "offline-eso-client-id-not-real", FAKE_ESO_SECRET, "offline" };
	struct arena a = { 0 };
	struct err e;
	int rc;

	if (arena_open(&a, FORGE_ARENA_NEED, &e) < 0 ||
	    arena_register(&a, FAKE_ESO_SECRET, strlen(FAKE_ESO_SECRET)) < 0)
		rc = cli_fail("%s", e.msg);
	else
		rc = render_with(d, &a, &s, -1, o);
	arena_close(&a);
	return rc;
}

static int render_live(const struct desc *d, const struct render_opts *o)
{
	struct cli_live l;
	int rc = cli_live_open(&l, d, o->keyfile);

	if (rc == 0 && (rc = cli_live_plan(&l, d, o->resolve)) == 0) {
		const struct cluster_secrets *cs = &l.fetch.secrets;
		const struct infisical_secret *ts = cs->s[SECRET_TALOS_SECRETS];
		struct forge_secrets s = { cs->s[SECRET_TALOS_SECRETBOX_KEY]->value,
					   cs->secretbox_len, ts ? ts->value : NULL,
					   ts ? strlen(ts->value) : 0,
					   cs->s[SECRET_ESO_CLIENT_ID]->value,
					   cs->s[SECRET_ESO_CLIENT_SECRET]->value, "preview" };
		rc = render_with(d, &l.arena, &s, plan_cluster_is_new(l.plan, d), o);
	}
	return cli_live_close(&l, rc);
}

int cmd_render(int argc, char **argv)
{
	struct render_opts o;
	struct desc *d;
	int rc;

	if (parse_args(&o, argc, argv) < 0)
		return cli_usage();
	if (!(d = cli_load_desc(o.path)))
		return 1;
	rc = o.live ? render_live(d, &o) : render_offline(d, &o);
	cli_desc_free(d);
	return rc;
}
