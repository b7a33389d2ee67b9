#include "wipealloc.h"
#include "wipe.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HEADER 16	/* keeps the block 16-byte aligned, as malloc's is */


void *wipe_malloc(size_t n)
{
	unsigned char *b;

	if (n > SIZE_MAX - HEADER)
		return NULL;
	b = malloc(n + HEADER);
	if (!b)
		return NULL;
	memcpy(b, &n, sizeof n);
	return b + HEADER;
}

void *wipe_calloc(size_t count, size_t n)
{
	void *p;

	if (n && count > SIZE_MAX / n)
		return NULL;
	p = wipe_malloc(count * n);
	if (p)
		memset(p, 0, count * n);
	return p;
}

static size_t size_of(const void *p)
{
	size_t n;

	memcpy(&n, (const unsigned char *)p - HEADER, sizeof n);
	return n;
}

void wipe_free(void *p)
{
	unsigned char *b;

	if (!p)
		return;
	b = (unsigned char *)p - HEADER;
	wipe(b, size_of(p) + HEADER);
	free(b);
}

void *wipe_realloc(void *p, size_t n)
{
	void *q;
	size_t old;

	if (!p)
		return wipe_malloc(n);
	old = size_of(p);
	q = wipe_malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	wipe_free(p);
	return q;
}

char *wipe_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = wipe_malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

int wipealloc_install(void)
{
	cJSON_Hooks hooks = { wipe_malloc, wipe_free };

	cJSON_InitHooks(&hooks);
	return curl_global_init_mem(CURL_GLOBAL_DEFAULT, wipe_malloc, wipe_free, wipe_realloc,
				    wipe_strdup, wipe_calloc) == CURLE_OK ? 0 : -1;
}
