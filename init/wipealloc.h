/* wipealloc: a heap that zeroes every block when it is freed or moved.
 *
 * libcurl and cJSON handle response bodies and tokens; they are told to
 * allocate through these functions (curl_global_init_mem, cJSON_InitHooks),
 * so nothing they free or realloc leaves a copy of a secret in free heap
 * memory. Each block carries its size in a 16-byte header. The whole
 * process is mlockall'ed in the appliance, so the heap is never swapped.
 */
#ifndef CASTELLAN_WIPEALLOC_H
#define CASTELLAN_WIPEALLOC_H

#include <stddef.h>

void *wipe_malloc(size_t n);
void *wipe_calloc(size_t count, size_t n);
void *wipe_realloc(void *p, size_t n);
char *wipe_strdup(const char *s);
void wipe_free(void *p);

/* Routes libcurl's and cJSON's allocations here. Call once, before any
 * other use of either library. Returns 0, or -1 if curl refused. */
int wipealloc_install(void);

#endif
