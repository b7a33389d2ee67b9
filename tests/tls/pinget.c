/* Test-only: one HTTPS GET through init/http.c with a tlspin, so the pin
 * and CA modes can be held against real TLS servers. Never shipped.
 *
 *   pinget URL RESOLVE CA-FILE|- PIN-HEX|-      prints "HTTP <status>" or the error */
#include "http.h"
#include "io.h"
#include "syntax.h"
#include "tlspin.h"
#include "wipealloc.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	static char ca[65536];
	static struct tlspin pin;
	unsigned char want[32], body[4096];
	struct http_config cfg = { NULL, NULL, NULL, 5000, 10000, &pin };
	struct http_response r = { 0, body, sizeof body, 0, 0, -1, -1, "", "" };
	struct http h;
	struct err e;

	if (argc != 5)
		return 2;
	cfg.base_url = argv[1];
	cfg.resolve = strcmp(argv[2], "-") ? argv[2] : NULL;
	if (strcmp(argv[3], "-") && io_read_file(argv[3], ca, sizeof ca) > 0)
		cfg.ca_pem = ca;
	for (int i = 0; strcmp(argv[4], "-") && i < 32; i++) {
		int hi = syntax_hexval(argv[4][2 * i]), lo = syntax_hexval(argv[4][2 * i + 1]);
		if (hi < 0 || lo < 0)
			return 2;
		want[i] = (unsigned char)(hi << 4 | lo);
	}
	tlspin_init(&pin, cfg.ca_pem != NULL, strcmp(argv[4], "-") ? want : NULL);
	if (wipealloc_install() < 0 || http_open(&h, &cfg, &e) < 0)
		return 2;
	if (http_request(&h, "GET", "", NULL, NULL, 0, &r) < 0)
		printf("refused: %s\n", r.transport);
	else
		printf("HTTP %ld\n", r.status);
	http_close(&h);
	return 0;
}
