/* infisical: the Infisical API client (Universal Auth and secrets).
 *
 * Logs in with the unsealed Machine Identity, reads and writes secrets at
 * the description's project, environment and path, and revokes its access
 * token. Every value and the token live in the arena (registered, so the
 * logger redacts them); cJSON and libcurl allocate through wipealloc.
 *
 * Each operation retries connection failures, 5xx and rate limiting by
 * retry.h's policy until its deadline. 401/403/404 are final and become
 * one sentence saying what is wrong (wrong client secret, expired or
 * used-up secret, not a member, unknown client id: often the wrong region).
 *
 * The API version is detected: v4 (projectId) where the server has it and
 * the project is given by id, else v3 raw (workspaceId or workspaceSlug).
 */
#ifndef CASTELLAN_INFISICAL_H
#define CASTELLAN_INFISICAL_H

#include <stddef.h>

#include "arena.h"
#include "desc.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "retry.h"

#define INFISICAL_MAX_SECRETS 256
#define INFISICAL_BODY_MAX (1024 * 1024)

struct infisical_secret {
	const char *name;	/* in the arena; names are not secret */
	const char *value;	/* in the arena; registered */
	size_t len;
};

struct infisical {
	struct http http;
	struct log *log;
	struct arena *arena;
	const struct desc_infisical *cfg;
	struct retry_policy retry;
	struct http_response resp;	/* body buffer in the arena */
	const char *client_id;
	char *token;			/* in the arena, or NULL */
	char resolve[300];		/* castellan.infisical.address as host:port:addr */
	int v4;				/* 1 once v4 answered, 0 for v3 */
	int v4_known;
};

struct infisical_options {
	const char *resolve;		/* "host:port:address" for CURLOPT_RESOLVE, or NULL */
	long deadline_ms;		/* per operation; 0 for the default */
};

int infisical_open(struct infisical *c, const struct desc_infisical *cfg, struct arena *a,
		   struct log *log, const struct infisical_options *opt, struct err *e);
void infisical_close(struct infisical *c);

int infisical_login(struct infisical *c, const char *client_id, const char *client_secret,
		    struct err *e);

/* All secrets at the configured path. */
int infisical_list(struct infisical *c, struct infisical_secret *out, int max, int *n,
		   struct err *e);

/* One secret; *found is 0 (and 0 returned) when it does not exist. */
int infisical_get(struct infisical *c, const char *name, struct infisical_secret *s,
		  int *found, struct err *e);

/* Creates, or updates when it exists. */
int infisical_put(struct infisical *c, const char *name, const char *value, struct err *e);
int infisical_delete(struct infisical *c, const char *name, struct err *e);

/* Revokes the access token; a no-op when not logged in. */
int infisical_revoke(struct infisical *c, struct err *e);

/* Pure: the sentence for a refused request, from the status and the
 * body's "error" and "message" fields. op is "log in", "read secrets", ... */
void infisical_explain(char *out, size_t cap, const char *op, long status,
		       const char *error, const char *message, const struct desc_infisical *cfg,
		       const char *client_id);

#endif
