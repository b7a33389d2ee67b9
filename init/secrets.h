/* secrets: the cluster's secrets, picked from Infisical's list and checked.
 *
 * Before anything is created, every required secret must exist and have
 * the right shape; each problem is one sentence naming the secret, the
 * project, environment and path, and what was expected. Values are never
 * quoted. Names come from the description (castellan.infisical.secrets).
 * Pure: the values stay where they are (in the arena).
 */
#ifndef CASTELLAN_SECRETS_H
#define CASTELLAN_SECRETS_H

#include "desc.h"
#include "err.h"
#include "infisical.h"

enum secret_id {
	SECRET_PROXMOX_TOKEN_ID,
	SECRET_PROXMOX_TOKEN_SECRET,
	SECRET_TALOS_SECRETBOX_KEY,
	SECRET_ESO_CLIENT_ID,
	SECRET_ESO_CLIENT_SECRET,
	SECRET_TALOS_SECRETS,		/* optional: generated when absent */
	SECRET_COUNT
};

struct cluster_secrets {
	const struct infisical_secret *s[SECRET_COUNT];	/* NULL when absent */
	size_t secretbox_len;		/* without trailing white space */
};

/* Fills cs from list. Every problem goes into errs (up to max); returns the
 * number of problems (0: all present and well-formed). */
int secrets_pick(struct cluster_secrets *cs, const struct infisical_secret *list, int n,
		 const struct desc_infisical *cfg, struct err *errs, int max);

/* The configured name of a secret. */
const char *secrets_name(const struct desc_infisical *cfg, enum secret_id id);

#endif
