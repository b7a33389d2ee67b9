#include "cli.h"
#include "desc.h"
#include "io.h"
#include "version.h"

#include <curl/curl.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
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
	      "       castellan plan --identity KEY --live [--resolve HOST:PORT:ADDR] USER-DATA\n"
	      "       castellan render [--identity KEY --live [--resolve HOST:PORT:ADDR]] USER-DATA --out DIR [--reveal]\n"
	      "       castellan cidata -o OUT.iso USER-DATA [--meta-data FILE]\n"
	      "                        [--network-config FILE]\n",
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

#define USER_DATA_MAX (1024 * 1024)

struct desc *cli_load_desc(const char *path)
{
	struct desc *d = calloc(1, sizeof *d);
	char *text = malloc(USER_DATA_MAX);
	struct err e;
	ssize_t n;

	if (!d || !text) {
		cli_fail("out of memory");
	} else if ((n = io_read_file(path, text, USER_DATA_MAX)) < 0) {
		cli_fail("reading %s: %s", path, errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
	} else if (desc_parse(d, text, (size_t)n, &e) < 0) {
		cli_fail("%s", e.msg);
	} else {
		free(text);
		return d;
	}
	free(d);
	free(text);
	return NULL;
}

void cli_desc_free(struct desc *d)
{
	if (d)
		desc_free(d);
	free(d);
}

int cli_write_private(const char *path, const void *buf, size_t len)
{
	char tmp[4096];
	int fd;

	if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp)
		return cli_fail("the output path %.64s... is too long", path);
	fd = mkostemp(tmp, O_CLOEXEC);	/* mode 0600 */
	if (fd < 0)
		return cli_fail("creating %s: %s", path, strerror(errno));
	if (io_write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		cli_fail("writing %s: %s", path, strerror(errno));
		close(fd);
		unlink(tmp);
		return 1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		cli_fail("writing %s: %s", path, strerror(errno));
		unlink(tmp);
		return 1;
	}
	return 0;
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
	if (strcmp(argv[1], "render") == 0)
		return cmd_render(argc - 1, argv + 1);
	if (strcmp(argv[1], "cidata") == 0)
		return cmd_cidata(argc - 1, argv + 1);
	return cli_usage();
}
