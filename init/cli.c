#include "cli.h"
#include "version.h"

#include <curl/curl.h>
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

int cli_usage(void)
{
	fputs("usage: castellan version\n"
	      "       castellan keygen [-o FILE]\n"
	      "       castellan seal -r RECIPIENT [-r RECIPIENT...] [--not-after RFC3339]\n"
	      "                      [--vm-uuid UUID] [-o FILE] [INPUT]\n"
	      "       castellan check [--identity KEY [--live [--resolve HOST:PORT:ADDR]\n"
	      "                       [--deadline SECONDS]]] USER-DATA\n"
	      "       castellan plan --identity KEY --live [--resolve HOST:PORT:ADDR] USER-DATA\n",
	      stderr);
	return 2;
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("castellan: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int cmd_version(void)
{
	printf("castellan %s\n", CASTELLAN_VERSION);
	printf("linked: %s; cJSON %s; libyaml %s\n", curl_version(), cJSON_Version(),
	       yaml_get_version_string());
	printf("built from Debian sources: %s\n", CASTELLAN_DEPS);
	return 0;
}

int cli_main(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage();
	if (strcmp(argv[1], "version") == 0 && argc == 2)
		return cmd_version();
	if (strcmp(argv[1], "keygen") == 0)
		return cmd_keygen(argc - 1, argv + 1);
	if (strcmp(argv[1], "seal") == 0)
		return cmd_seal(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "plan") == 0)
		return cmd_plan(argc - 1, argv + 1);
	return cli_usage();
}
