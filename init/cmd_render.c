/* castellan render USER-DATA --out DIR [--reveal]: every node's machine
 * config, as the appliance would render it for a brand-new cluster.
 *
 * Offline (the only mode so far) it uses a throwaway bundle made on the
 * spot and well-formed stand-ins for the Infisical secrets, each saying it
 * is not real. Secret values are masked ("[redacted]") unless --reveal is
 * given; the cidata ISOs and the bundle (secrets.yaml, talosctl's
 * format) carry the real bytes, so they are written only with --reveal,
 * mode 0600.
 */
#include "arena.h"
#include "cli.h"
#include "desc.h"
#include "forge.h"
#include "io.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* base64 of "castellan-offline-not-a-real-key": 32 bytes, as Talos needs. */
#define FAKE_SECRETBOX "Y2FzdGVsbGFuLW9mZmxpbmUtbm90LWEtcmVhbC1rZXk="

struct render_opts {
	const char *path, *out;
	int reveal;
};

static int parse_args(struct render_opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			o->out = argv[++i];
		else if (strcmp(argv[i], "--reveal") == 0)
			o->reveal = 1;
		else if (argv[i][0] == '-' || o->path)
			return -1;
		else
			o->path = argv[i];
	}
	return o->path && o->out ? 0 : -1;
}

static int write_out(const char *dir, const char *name, const char *ext, const void *buf,
		     size_t len)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
	if (io_write_file(path, buf, len, 0600) < 0)
		return cli_fail("writing %s: %s", path, strerror(errno));
	return 0;
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

static int render_offline(const struct desc *d, const struct render_opts *o)
{
	struct forge_secrets s = { FAKE_SECRETBOX, strlen(FAKE_SECRETBOX), NULL, 0,
				   "offline-eso-client-id-not-real",
				   "offline-eso-client-secret-not-real", "offline" };
	unsigned char seed[48];
	br_hmac_drbg_context rng;
	struct forge *f = calloc(1, sizeof *f);
	struct arena a = { 0 };
	struct err e;
	int rc = 1;

	if (!f)
		return cli_fail("out of memory");
	if (io_random(seed, sizeof seed) < 0) {
		rc = cli_fail("getrandom: %s", strerror(errno));
		goto out;
	}
	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof seed);
	memset(seed, 0, sizeof seed);
	if (arena_open(&a, 16 << 20, &e) < 0 || arena_register(&a, s.eso_client_secret,
								strlen(s.eso_client_secret)) < 0 ||
	    forge_open(f, d, &a, &s, (long long)time(NULL), &rng.vtable, &e) < 0) {
		rc = cli_fail("%s", e.msg);
		goto out;
	}
	if (mkdir(o->out, 0700) < 0 && errno != EEXIST) {
		rc = cli_fail("creating %s: %s", o->out, strerror(errno));
		goto out;
	}
	printf("rendered for a new cluster with a throwaway bundle and stand-in secrets%s:\n",
	       o->reveal ? "" : " (values masked; --reveal writes them, the bundle and the cidata ISOs)");
	if (o->reveal) {
		size_t len;
		const char *yaml = forge_bundle_yaml(f, &len, &e);
		if (!yaml) {
			rc = cli_fail("%s", e.msg);
			goto out;
		}
		if (write_out(o->out, "secrets", "yaml", yaml, len))
			goto out;
		printf("%s/secrets.yaml\n", o->out);
	}
	rc = render_nodes(f, o);
out:
	arena_close(&a);
	memset(&rng, 0, sizeof rng);
	free(f);
	return rc;
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
	rc = render_offline(d, &o);
	cli_desc_free(d);
	return rc;
}
