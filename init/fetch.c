#include "fetch.h"

#include <string.h>

int fetch_secrets(struct fetch *f, const struct desc *d, const struct sealed *id,
		  struct arena *a, struct log *log, const struct infisical_options *opt,
		  struct err *e)
{
	const struct desc_infisical *cfg = &d->infisical;

	memset(f, 0, sizeof *f);
	f->list = arena_alloc(a, sizeof *f->list * INFISICAL_MAX_SECRETS);
	if (!f->list)
		return err_set(e, "the secret arena is full");
	if (infisical_open(&f->infisical, cfg, a, log, opt, e) < 0)
		return -1;
	f->open = 1;
	if (infisical_login(&f->infisical, id->client_id, id->client_secret, e) < 0)
		return -1;
	log_info(log, "secrets", "logged in to %s as %s", cfg->host.text, id->client_id);
	if (infisical_list(&f->infisical, f->list, INFISICAL_MAX_SECRETS, &f->nlist, e) < 0)
		return -1;
	f->nproblems = secrets_pick(&f->secrets, f->list, f->nlist, cfg, f->problems,
				    FETCH_MAX_PROBLEMS);
	if (f->nproblems) {
		*e = f->problems[0];
		return -1;
	}
	log_info(log, "secrets", "%d secrets in locked memory; the required ones are present and "
		 "well-formed%s", f->nlist, f->secrets.s[SECRET_TALOS_SECRETS] ? "" :
		 " (no cluster PKI yet: it will be generated)");
	return 0;
}

int fetch_close(struct fetch *f, struct err *e)
{
	int rc = 0;

	if (!f->open)
		return 0;
	rc = infisical_revoke(&f->infisical, e);
	infisical_close(&f->infisical);
	f->open = 0;
	return rc;
}
