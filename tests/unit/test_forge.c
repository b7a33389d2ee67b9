/* The forge refuses what must never reach a config, before it renders or
 * generates anything. */
#include "check.h"
#include "desc.h"
#include "forge.h"

#include <stdlib.h>

static struct desc d;
static struct forge f;

static void load(const char *from, const char *to)
{
	static char text[1 << 16];
	FILE *fp = fopen("tests/fixtures/user-data.yaml", "r");
	size_t n = fread(text, 1, sizeof text - 1, fp);
	char *at;
	struct err e;

	fclose(fp);
	text[n] = '\0';
	if (from && (at = strstr(text, from))) {
		memmove(at + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
		memcpy(at, to, strlen(to));
	}
	desc_free(&d);
	if (desc_parse(&d, text, strlen(text), &e) < 0) {
		fprintf(stderr, "fixture: %s\n", e.msg);
		exit(1);
	}
}

static int open_with(const char *secretbox, struct err *e)
{
	struct forge_secrets s = { secretbox, strlen(secretbox), NULL, 0, "id", "secret", "run" };
	struct arena a;
	int rc;

	if (arena_open(&a, FORGE_ARENA_NEED, e) < 0)
		return -2;
	rc = forge_open(&f, &d, &a, &s, 0, NULL, e);	/* no PRNG: nothing may be generated */
	arena_close(&a);
	return rc;
}

int main(void)
{
	struct err e;

	load(NULL, NULL);
	CHECK(open_with("c2hvcnQ=", &e) == -1);
	CHECK_STR(e.msg, "TALOS_SECRETBOX_KEY: expected standard base64 of exactly 32 random bytes; "
		  "nothing was rendered");
	CHECK(open_with("not base64 at all, but long enough to be 44 chars", &e) == -1);
	CHECK_HAS(e.msg, "TALOS_SECRETBOX_KEY: expected standard base64");
	load("infisical: {host: https://eu.infisical.com, project: homelab,",
	     "infisical: {host: https://eu.infisical.com, project: 51a441e4-aa3b-437a-92b1-086769162d84,");
	CHECK(open_with("iLD4Y/JXjOA4fXy5GLVEGJZusfv4R/3PT3JWRckXwBA=", &e) == -1);
	CHECK_HAS(e.msg, "castellan.eso.project: is required when castellan.infisical.project is a "
		  "project id");
	desc_free(&d);
	return check_done("forge");
}
