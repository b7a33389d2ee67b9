/* The pure parts of talking to Infisical: the retry policy, the sentence
 * for each refusal, and the checks on the cluster's secrets. The client
 * itself runs against the twin in tests/infisical/run.sh. */
#include "check.h"
#include "desc.h"
#include "infisical.h"
#include "retry.h"
#include "secrets.h"

static struct desc_infisical cfg;

static void setup(void)
{
	memset(&cfg, 0, sizeof cfg);
	strcpy(cfg.host.text, "https://eu.infisical.com");
	strcpy(cfg.project, "homelab");
	strcpy(cfg.environment, "prod");
	strcpy(cfg.path, "/castle");
	strcpy(cfg.secrets.proxmox_token_id, "PROXMOX_TOKEN_ID");
	strcpy(cfg.secrets.proxmox_token_secret, "PROXMOX_TOKEN_SECRET");
	strcpy(cfg.secrets.talos_secretbox_key, "TALOS_SECRETBOX_KEY");
	strcpy(cfg.secrets.eso_client_id, "ESO_CLIENT_ID");
	strcpy(cfg.secrets.eso_client_secret, "ESO_CLIENT_SECRET");
	strcpy(cfg.secrets.talos_secrets, "TALOS_SECRETS");
}

static void retries(void)
{
	struct retry_policy p = { 500, 8000, 60000 };

	CHECK(retry_classify(1, 0, -1, -1) == RETRY_TRANSPORT);
	CHECK(retry_classify(0, 200, -1, 5) == RETRY_NO);
	CHECK(retry_classify(0, 401, -1, -1) == RETRY_NO);
	CHECK(retry_classify(0, 403, -1, -1) == RETRY_NO);
	CHECK(retry_classify(0, 404, -1, -1) == RETRY_NO);
	CHECK(retry_classify(0, 503, -1, -1) == RETRY_SERVER);
	CHECK(retry_classify(0, 429, -1, -1) == RETRY_RATE_LIMITED);
	/* Infisical's old rate limiter answered 500 with these headers */
	CHECK(retry_classify(0, 500, 60, 0) == RETRY_RATE_LIMITED);
	CHECK(retry_classify(0, 500, -1, 0) == RETRY_RATE_LIMITED);
	/* the last allowed request carries remaining: 0 too; it is final */
	CHECK(retry_classify(0, 200, -1, 0) == RETRY_NO);
	CHECK(retry_classify(0, 200, 30, 0) == RETRY_NO);
	CHECK(retry_classify(0, 401, 30, 0) == RETRY_NO);
	/* backoff: within [d/2, d], doubling, capped */
	for (unsigned r = 0; r < 1000; r += 7) {
		long d0 = retry_delay_ms(&p, 0, -1, r), d3 = retry_delay_ms(&p, 3, -1, r);
		long d9 = retry_delay_ms(&p, 9, -1, r);
		CHECK(d0 >= 250 && d0 <= 500);
		CHECK(d3 >= 2000 && d3 <= 4000);
		CHECK(d9 >= 4000 && d9 <= 8000);
	}
	CHECK(retry_delay_ms(&p, 0, 30, 0) == 30000);	/* the server's retry-after wins */
	CHECK(retry_delay_ms(&p, 5, 1, 12345) >= 4000);
}

static void explained(void)
{
	char s[512];
	const char *id = "6d1c1f4e-0b7a-4c43-9d61-3f0f1a2b3c4d";

	infisical_explain(s, sizeof s, "log in", 401, "UnauthorizedError", "Invalid credentials", &cfg, id);
	CHECK_STR(s, "Infisical refused the client secret of identity 6d1c1f4e-0b7a-4c43-9d61-3f0f1a2b3c4d "
		  "(wrong or revoked client secret)");
	infisical_explain(s, sizeof s, "log in", 401, "UnauthorizedError",
			  "Access denied due to expired client secret", &cfg, id);
	CHECK_HAS(s, "has expired");
	infisical_explain(s, sizeof s, "log in", 401, "UnauthorizedError",
			  "Access denied due to client secret usage limit reached", &cfg, id);
	CHECK_HAS(s, "reached its use limit");
	infisical_explain(s, sizeof s, "log in", 404, "NotFound",
			  "No identity with specified client ID was found", &cfg, id);
	CHECK_STR(s, "Infisical at https://eu.infisical.com knows no identity with client id "
		  "6d1c1f4e-0b7a-4c43-9d61-3f0f1a2b3c4d; if it was created in the other region "
		  "(US or EU), set castellan.infisical.host");
	infisical_explain(s, sizeof s, "read secrets", 403, "Identity is not a member of the specified project",
			  "You are not allowed to access this resource", &cfg, id);
	CHECK_HAS(s, "is not a member of Infisical project homelab");
	infisical_explain(s, sizeof s, "create secrets", 403, "PermissionDenied",
			  "You are not allowed to create on secrets", &cfg, id);
	CHECK_HAS(s, "may not create secrets in project homelab (environment prod, path /castle)");
	infisical_explain(s, sizeof s, "read secrets", 500, "Failed to find project by slug",
			  "Something went wrong", &cfg, id);
	CHECK_STR(s, "Infisical at https://eu.infisical.com has no project homelab (castellan.infisical.project)");
	infisical_explain(s, sizeof s, "read secrets", 403, "TokenError",
			  "Your token has expired. Please re-authenticate.", &cfg, id);
	CHECK_HAS(s, "refused the access token while trying to read secrets");
	infisical_explain(s, sizeof s, "read secrets", 418, NULL, NULL, &cfg, id);
	CHECK_STR(s, "Infisical answered HTTP 418 while trying to read secrets: no reason given");
}

static struct infisical_secret sec(const char *name, const char *value)
{
	struct infisical_secret s = { name, value, strlen(value) };
	return s;
}

static void picked(void)
{
	struct infisical_secret good[] = {
		sec("PROXMOX_TOKEN_ID", "castellan@pve!deploy"),
		sec("PROXMOX_TOKEN_SECRET", "0b2e59a4-8f0b-4d3c-9e8a-7c6d5e4f3a21"),
		sec("TALOS_SECRETBOX_KEY", "q2Mn6YkzYyoZ7WZr3+0SJ3a0pGsn7QzR4mH9v4tq5fA=\n"),
		sec("ESO_CLIENT_ID", "11111111-2222-3333-4444-555555555555"),
		sec("ESO_CLIENT_SECRET", "eso-secret-value"),
		sec("UNRELATED", "x"),
	};
	struct cluster_secrets cs;
	struct err errs[8];
	int n;

	CHECK(secrets_pick(&cs, good, 6, &cfg, errs, 8) == 0);
	CHECK(cs.s[SECRET_TALOS_SECRETBOX_KEY] == &good[2]);
	CHECK(cs.secretbox_len == 44);	/* the trailing newline Infisical keeps is not part of it */
	CHECK(cs.s[SECRET_TALOS_SECRETS] == NULL);

	good[2] = sec("TALOS_SECRETBOX_KEY", "c2hvcnQ=");	/* base64 of 5 bytes */
	good[0] = sec("PROXMOX_TOKEN_ID", "castellan@pve");
	n = secrets_pick(&cs, good, 5, &cfg, errs, 8);
	CHECK(n == 2);
	CHECK_STR(errs[0].msg, "secret PROXMOX_TOKEN_ID in Infisical project homelab, environment prod, "
		  "path /castle: expected a Proxmox API token id such as castellan@pve!deploy");
	CHECK_STR(errs[1].msg, "secret TALOS_SECRETBOX_KEY in Infisical project homelab, environment prod, "
		  "path /castle: expected standard base64 of exactly 32 random bytes (head -c 32 /dev/urandom | base64)");
	CHECK(strstr(errs[1].msg, "c2hvcnQ") == NULL);

	n = secrets_pick(&cs, good + 1, 1, &cfg, errs, 8);
	CHECK(n == 4);
	CHECK_STR(errs[0].msg, "secret PROXMOX_TOKEN_ID in Infisical project homelab, environment prod, "
		  "path /castle: it is missing");
	/* renamed secrets are looked up by their configured names */
	strcpy(cfg.secrets.eso_client_secret, "MY_ESO_SECRET");
	good[4] = sec("MY_ESO_SECRET", "v");
	n = secrets_pick(&cs, good, 5, &cfg, errs, 8);
	CHECK(cs.s[SECRET_ESO_CLIENT_SECRET] == &good[4]);
	CHECK(secrets_pick(&cs, good, 0, &cfg, errs, 2) == 5);	/* counts past max */
}

int main(void)
{
	setup();
	retries();
	explained();
	picked();
	return check_done("infisical");
}
