/* A test driver for tests/pki/run.sh: init/talos_bundle.c and init/x509.c
 * from the command line, so the real tools (openssl, Go's crypto/x509)
 * can judge what they make.
 *
 *   driver gen DIR [std]             DIR/secrets.yaml, DIR/talosconfig, DIR/kubeconfig
 *   driver parse FILE                "ok", or the error sentence (exit 1)
 *   driver yaml FILE                 parses FILE and writes it back to stdout
 *   driver talosconfig FILE OUT      issues from the bundle in FILE
 *   driver kubeconfig FILE OUT
 */
#include "talos_bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CAP (256 * 1024)

static struct talos_bundle bundle;
static char text[CAP], out[CAP];
static br_hmac_drbg_context drbg;

static int fail(const char *msg)
{
	fprintf(stderr, "%s\n", msg);
	return 1;
}

static int slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(text, 1, CAP - 1, f);
	fclose(f);
	text[n] = '\0';
	return (int)n;
}

static int spill(const char *dir, const char *name, const char *s, long n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s%s%s", dir, name ? "/" : "", name ? name : "");
	f = fopen(path, "w");
	if (!f || fwrite(s, 1, (size_t)n, f) != (size_t)n)
		return -1;
	return fclose(f);
}

static const char *eps[] = { "10.5.0.2", "10.5.0.3" };

static struct talos_handback handback(void)
{
	struct talos_handback h = { "castle", eps, 2, "https://10.5.0.10:6443", time(NULL), 0,
				    &drbg.vtable };
	return h;
}

static int gen(const char *dir, int std)
{
	static const char box[] = "ERERERERERERERERERERERERERERERERERERERERERE=";
	struct talos_handback h = handback();
	struct err e;
	long n;

	if (talos_bundle_generate(&bundle, box, strlen(box), std ? TALOS_ID_STD : TALOS_ID_URLSAFE,
				  time(NULL), &drbg.vtable, &e) < 0 ||
	    (n = talos_bundle_yaml(&bundle, out, CAP, &e)) < 0)
		return fail(e.msg);
	if (spill(dir, "secrets.yaml", out, n) < 0)
		return fail("cannot write secrets.yaml");
	if (talos_bundle_parse(&bundle, out, (size_t)n, &e) < 0)
		return fail(e.msg);
	if ((n = talos_bundle_talosconfig(&bundle, &h, out, CAP, &e)) < 0 ||
	    spill(dir, "talosconfig", out, n) < 0)
		return fail(e.msg);
	if ((n = talos_bundle_kubeconfig(&bundle, &h, out, CAP, &e)) < 0 ||
	    spill(dir, "kubeconfig", out, n) < 0)
		return fail(e.msg);
	return 0;
}

static int load(const char *path)
{
	struct err e;
	int n = slurp(path);

	if (n < 0)
		return fail("cannot read the bundle");
	if (talos_bundle_parse(&bundle, text, (size_t)n, &e) < 0)
		return fail(e.msg);
	return 0;
}

static int issue(const char *what, const char *path, const char *to)
{
	struct talos_handback h = handback();
	struct err e;
	long n;

	if (load(path))
		return 1;
	n = strcmp(what, "talosconfig") ? talos_bundle_kubeconfig(&bundle, &h, out, CAP, &e)
					: talos_bundle_talosconfig(&bundle, &h, out, CAP, &e);
	if (n < 0)
		return fail(e.msg);
	return spill(to, NULL, out, n) < 0 ? fail("cannot write the config") : 0;
}

int main(int argc, char **argv)
{
	unsigned char seed[32];
	struct err e;
	FILE *r = fopen("/dev/urandom", "r");
	long n;

	if (!r || fread(seed, 1, sizeof seed, r) != sizeof seed)
		return fail("no /dev/urandom");
	fclose(r);
	br_hmac_drbg_init(&drbg, &br_sha256_vtable, seed, sizeof seed);
	if (argc >= 3 && !strcmp(argv[1], "gen"))
		return gen(argv[2], argc > 3 && !strcmp(argv[3], "std"));
	if (argc == 3 && !strcmp(argv[1], "parse"))
		return load(argv[2]) ? 1 : (puts("ok"), 0);
	if (argc == 3 && !strcmp(argv[1], "yaml")) {
		if (load(argv[2]))
			return 1;
		if ((n = talos_bundle_yaml(&bundle, out, CAP, &e)) < 0)
			return fail(e.msg);
		fwrite(out, 1, (size_t)n, stdout);
		return 0;
	}
	if (argc == 4 && (!strcmp(argv[1], "talosconfig") || !strcmp(argv[1], "kubeconfig")))
		return issue(argv[1], argv[2], argv[3]);
	return fail("usage: driver gen DIR [std] | parse FILE | yaml FILE | talosconfig|kubeconfig FILE OUT");
}
