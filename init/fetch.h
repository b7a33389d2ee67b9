/* fetch: the cluster's secrets, from the opened identity to locked memory.
 *
 * Logs in to Infisical with the unsealed Machine Identity, reads every
 * secret at the description's path into the arena, and picks and checks
 * the required ones (secrets.h). Shared by the appliance's secrets stage
 * and the host commands check --live and plan --live. fetch_close revokes
 * the access token; call it on every path once fetch_open succeeded.
 */
#ifndef CASTELLAN_FETCH_H
#define CASTELLAN_FETCH_H

#include "arena.h"
#include "desc.h"
#include "err.h"
#include "infisical.h"
#include "log.h"
#include "sealed.h"
#include "secrets.h"

#define FETCH_MAX_PROBLEMS 8

struct fetch {
	struct infisical infisical;
	int open;
	struct infisical_secret *list;	/* in the arena */
	int nlist;
	struct cluster_secrets secrets;
	struct err problems[FETCH_MAX_PROBLEMS];
	int nproblems;			/* all counted, the first FETCH_MAX_PROBLEMS kept */
};

/* Returns 0 when every required secret is present and well-formed; -1 with
 * e set when Infisical could not be read, or with e = the first problem
 * (all of them in f->problems). */
int fetch_secrets(struct fetch *f, const struct desc *d, const struct sealed *id,
		  struct arena *a, struct log *log, const struct infisical_options *opt,
		  struct err *e);

/* Revokes the token and closes the client; -1 with e when the revoke failed. */
int fetch_close(struct fetch *f, struct err *e);

#endif
