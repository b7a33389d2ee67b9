#include "secrets.h"
#include "base64.h"
#include "syntax.h"

#include <stdio.h>
#include <string.h>

const char *secrets_name(const struct desc_infisical *cfg, enum secret_id id)
{
	const struct desc_secret_names *n = &cfg->secrets;
	const char *names[SECRET_COUNT] = { n->proxmox_token_id, n->proxmox_token_secret,
		n->talos_secretbox_key, n->eso_client_id, n->eso_client_secret, n->talos_secrets };

	return names[id];
}

static int word_chars(const char *s, size_t n, const char *extra)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr(extra, s[i])))
			return 0;
	return 1;
}

/* user@realm!tokenname, as Proxmox VE writes API token ids. */
static int is_token_id(const char *s)
{
	const char *at = strchr(s, '@'), *bang = strchr(s, '!');

	return at && bang && at < bang && word_chars(s, (size_t)(at - s), "._-") &&
	       word_chars(at + 1, (size_t)(bang - at - 1), "._-") &&
	       word_chars(bang + 1, strlen(bang + 1), "._-");
}

static size_t trimmed(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

/* NULL when v is acceptable for id, else what was expected. */
static const char *shape_problem(enum secret_id id, const struct infisical_secret *v,
				 size_t *secretbox_len)
{
	size_t n;

	if (v->len == 0)
		return "it is empty";
	switch (id) {
	case SECRET_PROXMOX_TOKEN_ID:
		return is_token_id(v->value) ? NULL :
		       "expected a Proxmox API token id such as castellan@pve!deploy";
	case SECRET_PROXMOX_TOKEN_SECRET:
		return syntax_uuid(v->value, NULL) == 0 ? NULL : "expected a Proxmox API token secret (a UUID)";
	case SECRET_TALOS_SECRETBOX_KEY:
		n = trimmed(v->value, v->len);
		*secretbox_len = n;
		return base64_is_key32(v->value, n) ? NULL : "expected standard base64 of exactly 32 "
							     "random bytes (head -c 32 /dev/urandom | base64)";
	case SECRET_ESO_CLIENT_ID:
		return syntax_uuid(v->value, NULL) == 0 ? NULL : "expected an Infisical client id (a UUID)";
	default:
		return NULL;
	}
}

int secrets_pick(struct cluster_secrets *cs, const struct infisical_secret *list, int n,
		 const struct desc_infisical *cfg, struct err *errs, int max)
{
	int problems = 0;

	memset(cs, 0, sizeof *cs);
	for (int id = 0; id < SECRET_COUNT; id++) {
		const char *name = secrets_name(cfg, (enum secret_id)id), *why;
		for (int i = 0; i < n; i++)
			if (strcmp(list[i].name, name) == 0)
				cs->s[id] = &list[i];
		if (!cs->s[id] && id == SECRET_TALOS_SECRETS)
			continue;
		why = cs->s[id] ? shape_problem((enum secret_id)id, cs->s[id], &cs->secretbox_len)
				: "it is missing";
		if (!why)
			continue;
		if (problems < max)
			err_set(&errs[problems], "secret %s in Infisical project %s, environment %s, "
				"path %s: %s", name, cfg->project, cfg->environment, cfg->path, why);
		problems++;
	}
	return problems;
}
