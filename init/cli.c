#include "cli.h"
#include "desc.h"
#include "io.h"
#include "version.h"

#include <curl/curl.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static int usage(void)
{
	fputs("usage: castellan version\n"
	      "       castellan check USER-DATA\n", stderr);
	return 2;
}

static int cmd_version(void)
{
	printf("castellan %s\n", CASTELLAN_VERSION);
	printf("linked: %s; cJSON %s; libyaml %s\n", curl_version(), cJSON_Version(),
	       yaml_get_version_string());
	printf("built from Debian sources: %s\n", CASTELLAN_DEPS);
	return 0;
}

static int cmd_check(const char *path)
{
	struct desc *d = calloc(1, sizeof *d);
	char *text = malloc(1024 * 1024), summary[512];
	struct err e;
	ssize_t n;
	int rc = 1;

	if (!d || !text) {
		fprintf(stderr, "castellan: out of memory\n");
		goto out;
	}
	n = io_read_file(path, text, 1024 * 1024);
	if (n < 0) {
		fprintf(stderr, "castellan: reading %s: %s\n", path,
			errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
		goto out;
	}
	if (desc_parse(d, text, (size_t)n, &e) < 0) {
		fprintf(stderr, "castellan: %s\n", e.msg);
		goto out;
	}
	desc_summary(d, summary, sizeof summary);
	printf("description: ok\n%s\n", summary);
	desc_free(d);
	rc = 0;
out:
	free(d);
	free(text);
	return rc;
}

int cli_main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "version") == 0 && argc == 2)
		return cmd_version();
	if (strcmp(argv[1], "check") == 0 && argc == 3)
		return cmd_check(argv[2]);
	return usage();
}
