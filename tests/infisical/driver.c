/* A test-only driver for init/infisical.c's write paths (the appliance
 * uses them later, for the handback and the canary). Never shipped.
 *
 *   driver URL CA-FILE RESOLVE PROJECT ENV PATH put NAME VALUE | get NAME | delete NAME
 * The client id and secret come from $CLIENT_ID and $CLIENT_SECRET. */
#include "infisical.h"
#include "io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	static struct desc_infisical cfg;
	static char ca[DESC_PEM];
	struct infisical_options opt = { NULL, 20000 };
	struct infisical c;
	struct arena a;
	struct log log;
	struct err e;
	int rc = 1;

	if (argc < 9)
		return 2;
	snprintf(cfg.host.text, sizeof cfg.host.text, "%s", argv[1]);
	if (io_read_file(argv[2], ca, sizeof ca) < 0)
		return 2;
	memcpy(cfg.ca, ca, sizeof ca);
	opt.resolve = argv[3];
	snprintf(cfg.project, sizeof cfg.project, "%s", argv[4]);
	snprintf(cfg.environment, sizeof cfg.environment, "%s", argv[5]);
	snprintf(cfg.path, sizeof cfg.path, "%s", argv[6]);
	log_open_stderr(&log);
	if (arena_open(&a, 4 << 20, &e) < 0 || infisical_open(&c, &cfg, &a, &log, &opt, &e) < 0 ||
	    infisical_login(&c, getenv("CLIENT_ID"), getenv("CLIENT_SECRET"), &e) < 0)
		goto out;
	if (strcmp(argv[7], "put") == 0 && argc == 10) {
		rc = infisical_put(&c, argv[8], argv[9], &e) < 0;
	} else if (strcmp(argv[7], "get") == 0) {
		struct infisical_secret s;
		int found;
		rc = infisical_get(&c, argv[8], &s, &found, &e) < 0;
		if (!rc)
			printf(found ? "%s\n" : "(absent)\n", found ? s.value : "");
	} else if (strcmp(argv[7], "delete") == 0) {
		rc = infisical_delete(&c, argv[8], &e) < 0;
	}
	if (infisical_revoke(&c, &e) < 0)
		rc = 1;
out:
	if (rc)
		fprintf(stderr, "driver: %s\n", e.msg);
	return rc;
}
