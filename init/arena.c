#include "arena.h"
#include "wipe.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

int arena_open(struct arena *a, size_t size, struct err *e)
{
	memset(a, 0, sizeof *a);
	a->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->base == MAP_FAILED) {
		a->base = NULL;
		return err_set(e, "mapping the %zu KiB secret arena: %s", size >> 10, strerror(errno));
	}
	a->size = size;
	if (mlock(a->base, size) < 0 || madvise(a->base, size, MADV_DONTDUMP) < 0 ||
	    madvise(a->base, size, MADV_DONTFORK) < 0) {
		int saved = errno;
		arena_close(a);
		return err_set(e, "locking the secret arena in RAM: %s", strerror(saved));
	}
	return 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	size_t at = (a->used + 15) & ~(size_t)15;
	void *p;

	if (!a->base || at > a->size || n > a->size - at)
		return NULL;
	p = a->base + at;
	a->used = at + n;
	return p;	/* zero: fresh from mmap, or wiped by arena_wipe */
}

int arena_register(struct arena *a, const void *p, size_t n)
{
	if (a->nsecrets >= ARENA_MAX_SECRETS)
		return -1;
	a->secrets[a->nsecrets].p = p;
	a->secrets[a->nsecrets].n = n;
	a->nsecrets++;
	return 0;
}

char *arena_strdup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	if (arena_register(a, p, n) < 0)
		return NULL;
	return p;
}

void arena_wipe(struct arena *a)
{
	if (a->base)
		wipe(a->base, a->used);
	a->used = 0;
	a->nsecrets = 0;
	memset(a->secrets, 0, sizeof a->secrets);
}

void arena_close(struct arena *a)
{
	arena_wipe(a);
	if (a->base)
		munmap(a->base, a->size);
	a->base = NULL;
	a->size = 0;
}
