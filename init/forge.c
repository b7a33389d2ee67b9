#include "forge.h"
#include "base64.h"
#include "iso9660.h"
#include "secrets.h"
#include "wipe.h"

#include <stdio.h>
#include <string.h>

#define ESO_BUF_MAX (256 * 1024)

/* The bundle's PEM text, base64-encoded as Talos configs carry it. */
static const char *b64(struct forge *f, const char *pem, struct err *e)
{
	size_t n = strlen(pem);
	char *out = arena_alloc(f->a, base64_encoded_len(n, BASE64_PAD) + 1);

	if (!out) {
		err_set(e, "the secret arena has no room for the cluster's certificates");
		return NULL;
	}
	base64_encode(out, (const unsigned char *)pem, n, BASE64_PAD);
	if (*out && arena_register(f->a, out, strlen(out)) < 0) {
		err_set(e, "the secret arena's table is full");
		return NULL;
	}
	return out;
}

static int pki_view(struct forge *f, struct err *e)
{
	struct talos_bundle *b = f->bundle;
	struct render_pki *p = &f->pki;

	if (!(p->os_crt = b64(f, b->os.crt, e)) || !(p->os_key = b64(f, b->os.key, e)) ||
	    !(p->k8s_crt = b64(f, b->k8s.crt, e)) || !(p->k8s_key = b64(f, b->k8s.key, e)) ||
	    !(p->agg_crt = b64(f, b->k8s_aggregator.crt, e)) ||
	    !(p->agg_key = b64(f, b->k8s_aggregator.key, e)) ||
	    !(p->etcd_crt = b64(f, b->etcd.crt, e)) || !(p->etcd_key = b64(f, b->etcd.key, e)) ||
	    !(p->sa_key = b64(f, b->sa_key, e)))
		return -1;
	p->cluster_id = b->cluster_id;
	p->cluster_secret = b->cluster_secret;
	p->bootstrap_token = b->bootstrap_token;
	p->trustd_token = b->trustd_token;
	return 0;
}

static int load_bundle(struct forge *f, const struct forge_secrets *s, const br_prng_class **rng,
		       struct err *e)
{
	const struct desc *d = f->d;

	f->bundle = arena_alloc(f->a, sizeof *f->bundle);
	if (!f->bundle)
		return err_set(e, "the secret arena has no room for the Talos secrets bundle");
	if (s->talos_secrets) {
		if (talos_bundle_parse(f->bundle, s->talos_secrets, s->talos_secrets_len, e) < 0)
			return err_wrap(e, "TALOS_SECRETS");
	} else {
		f->generated = 1;
		if (talos_bundle_generate(f->bundle, s->secretbox, s->secretbox_len,
					  d->talos.minor >= 14 ? TALOS_ID_STD : TALOS_ID_URLSAFE,
					  f->now, rng, e) < 0)
			return -1;
	}
	if (talos_bundle_register(f->bundle, f->a) < 0)
		return err_set(e, "the secret arena's table is full");
	return 0;
}

static int eso(struct forge *f, const struct forge_secrets *s, struct err *e)
{
	const struct desc *d = f->d;
	struct eso_params p = { 0 };
	char *buf = arena_alloc(f->a, ESO_BUF_MAX);

	if (!buf)
		return err_set(e, "the secret arena has no room for ESO's manifests");
	snprintf(f->canary_key, sizeof f->canary_key, "CASTELLAN_CANARY_%s", s->run_id);
	snprintf(f->echo_key, sizeof f->echo_key, "CASTELLAN_ECHO_%s", s->run_id);
	p.version = d->eso.version;
	p.host_api = d->infisical.host.text;
	p.project_slug = d->eso.project;
	p.environment_slug = d->infisical.environment;
	p.secrets_path = d->infisical.path;
	p.client_id = s->eso_client_id;
	p.client_id_len = strlen(s->eso_client_id);
	p.client_secret = s->eso_client_secret;
	p.client_secret_len = strlen(s->eso_client_secret);
	p.run_id = s->run_id;
	p.canary_key = f->canary_key;
	p.echo_key = f->echo_key;
	p.ca_pem = d->infisical.ca;
	if (eso_render(&p, buf, ESO_BUF_MAX, f->eso, e) < 0)
		return -1;
	/* The identity manifest holds ESO's credentials base64-encoded: that
	 * form must be redacted too. */
	if (!b64(f, s->eso_client_secret, e) || !b64(f, s->eso_client_id, e))
		return -1;
	for (int k = 0; k < ESO_NPARTS; k++) {
		f->manifests[k].name = f->eso[k].name;
		f->manifests[k].contents = f->eso[k].contents;
	}
	eso_crds_url(d->eso.version, f->crds_url, sizeof f->crds_url);
	return 0;
}

int forge_open(struct forge *f, const struct desc *d, struct arena *a,
	       const struct forge_secrets *s, long long now, const br_prng_class **rng,
	       struct err *e)
{
	memset(f, 0, sizeof *f);
	if (!base64_is_key32(s->secretbox, s->secretbox_len))
		return err_set(e, "%s: expected standard base64 of exactly 32 random bytes; nothing "
			       "was rendered", secrets_name(&d->infisical, SECRET_TALOS_SECRETBOX_KEY));
	if (!d->eso.project[0])
		return err_set(e, "castellan.eso.project: is required when castellan.infisical.project "
			       "is a project id: ESO's Infisical provider needs the project's slug");
	f->d = d;
	f->a = a;
	f->now = now;
	f->new_cluster = 1;
	f->secretbox = arena_strdup(a, s->secretbox, s->secretbox_len);
	f->config = arena_alloc(a, FORGE_CONFIG_MAX);
	f->iso = arena_alloc(a, FORGE_ISO_MAX);
	if (!f->secretbox || !f->config || !f->iso)
		return err_set(e, "the secret arena has no room for a machine config");
	if (load_bundle(f, s, rng, e) < 0 || pki_view(f, e) < 0 || eso(f, s, e) < 0)
		return -1;
	return 0;
}

int forge_node(struct forge *f, int i, struct err *e)
{
	const struct desc *d = f->d;
	struct render_input in = { d, &f->pki, f->secretbox, f->new_cluster, f->manifests,
				   ESO_NPARTS, f->crds_url };
	char meta[512], net[1024];
	struct iso_file files[3];
	long n;

	if (d->cluster.nodes[i].role == ROLE_WORKER) {
		in.manifests = NULL;
		in.nmanifests = 0;
		in.extra_manifest_url = NULL;
	}
	if (render_config(&in, i, f->config, FORGE_CONFIG_MAX, e) < 0 ||
	    render_meta_data(d, i, meta, sizeof meta, e) < 0 ||
	    render_network_config(d, i, net, sizeof net, e) < 0)
		return -1;
	f->config_len = strlen(f->config);
	files[0] = (struct iso_file){ "user-data", f->config, f->config_len };
	files[1] = (struct iso_file){ "meta-data", meta, strlen(meta) };
	files[2] = (struct iso_file){ "network-config", net, strlen(net) };
	n = iso9660_write(f->iso, FORGE_ISO_MAX, "cidata", f->now, files, 3, e);
	if (n < 0)
		return err_wrap(e, d->cluster.nodes[i].name);
	f->iso_len = (size_t)n;
	return 0;
}

int forge_check(struct forge *f, struct err *e)
{
	for (int i = 0; i < f->d->cluster.nnodes; i++)
		if (forge_node(f, i, e) < 0)
			return -1;
	wipe(f->config, FORGE_CONFIG_MAX);
	wipe(f->iso, FORGE_ISO_MAX);
	f->config_len = f->iso_len = 0;
	return 0;
}

int forge_cidata(void *ctx, int node, const unsigned char **iso, size_t *len, struct err *e)
{
	struct forge *f = ctx;

	if (forge_node(f, node, e) < 0)
		return -1;
	*iso = f->iso;
	*len = f->iso_len;
	return 0;
}

const char *forge_bundle_yaml(struct forge *f, size_t *len, struct err *e)
{
	size_t cap = 64 * 1024;
	char *out = arena_alloc(f->a, cap);
	long n;

	if (!out) {
		err_set(e, "the secret arena has no room for the Talos secrets bundle");
		return NULL;
	}
	if ((n = talos_bundle_yaml(f->bundle, out, cap, e)) < 0)
		return NULL;
	*len = (size_t)n;
	return out;
}
