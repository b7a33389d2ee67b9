/* The sentence for each way Infisical refuses a request (declared in
 * infisical.h). Pure, so every mapping is unit-tested. */
#include "infisical.h"

#include <stdio.h>
#include <string.h>

static int contains(const char *s, const char *frag)
{
	return s && strstr(s, frag) != NULL;
}

void infisical_explain(char *out, size_t cap, const char *op, long status, const char *error,
		       const char *message, const struct desc_infisical *cfg, const char *client_id)
{
	const char *host = cfg->host.text;

	if (contains(message, "No identity with specified client ID"))
		snprintf(out, cap, "Infisical at %s knows no identity with client id %s; if it was "
			 "created in the other region (US or EU), set castellan.infisical.host", host,
			 client_id ? client_id : "?");
	else if (contains(message, "expired client secret"))
		snprintf(out, cap, "the client secret of identity %s has expired (its TTL is over); "
			 "create a new one and seal it", client_id ? client_id : "?");
	else if (contains(message, "usage limit"))
		snprintf(out, cap, "the client secret of identity %s has reached its use limit; create "
			 "a new one and seal it", client_id ? client_id : "?");
	else if (contains(message, "Invalid credentials"))
		snprintf(out, cap, "Infisical refused the client secret of identity %s (wrong or "
			 "revoked client secret)", client_id ? client_id : "?");
	else if (contains(error, "not a member") || contains(message, "not a member"))
		snprintf(out, cap, "the identity %s is not a member of Infisical project %s; add it to "
			 "the project", client_id ? client_id : "?", cfg->project);
	else if (contains(message, "not allowed to"))
		snprintf(out, cap, "the identity %s may not %s in project %s (environment %s, path %s); "
			 "give it a role that may", client_id ? client_id : "?", op, cfg->project,
			 cfg->environment, cfg->path);
	else if (contains(message, "Project not found") || contains(error, "Failed to find project"))
		snprintf(out, cap, "Infisical at %s has no project %s (castellan.infisical.project)",
			 host, cfg->project);
	else if (contains(message, "Folder not found"))
		snprintf(out, cap, "Infisical project %s has no environment %s with folder %s",
			 cfg->project, cfg->environment, cfg->path);
	else if (contains(message, "token") || contains(message, "Token") || status == 401)
		snprintf(out, cap, "Infisical refused the access token while trying to %s (%s); it "
			 "expired or was revoked", op, message && *message ? message : "HTTP 401");
	else
		snprintf(out, cap, "Infisical answered HTTP %ld while trying to %s: %s", status, op,
			 message && *message ? message : (error && *error ? error : "no reason given"));
}

