/* vec.c - growable arrays and the string arena (see vec.h). */

#include "base/vec.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void vec_init(vec *v, size_t item_size)
{
	memset(v, 0, sizeof *v);
	v->size = item_size;
}

void *vec_push(vec *v)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 64;
		void *p = realloc(v->items, ncap * v->size);
		if (!p)
			return NULL;
		v->items = p;
		v->cap = ncap;
	}
	void *it = (char *)v->items + v->n++ * v->size;
	memset(it, 0, v->size);
	return it;
}

int vec_reserve(vec *v, size_t n)
{
	if (n <= v->cap)
		return 0;
	void *p = realloc(v->items, n * v->size);
	if (!p)
		return -1;
	v->items = p;
	v->cap = n;
	return 0;
}

void *vec_at(const vec *v, size_t i) { return (char *)v->items + i * v->size; }

void vec_free(vec *v)
{
	free(v->items);
	v->items = NULL;
	v->n = v->cap = 0;
}

#define ARENA_BLOCK (1u << 20)

typedef struct block {
	struct block *next;
	size_t used, cap;
	char data[];
} block;

struct arena {
	block *head;
};

arena *arena_new(void) { return calloc(1, sizeof(arena)); }

const char *arena_strndup(arena *a, const char *s, size_t len)
{
	block *b = a->head;
	if (!b || b->cap - b->used < len + 1) {
		size_t cap = len + 1 > ARENA_BLOCK ? len + 1 : ARENA_BLOCK;
		b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->next = a->head;
		b->used = 0;
		b->cap = cap;
		a->head = b;
	}
	char *p = b->data + b->used;
	memcpy(p, s, len);
	p[len] = '\0';
	b->used += len + 1;
	return p;
}

void arena_free(arena *a)
{
	if (!a)
		return;
	for (block *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

/* Writes every page that starts in p[from, to) once (the page holding
 * from, if it starts before it, holds data already).  A table's first access to a
 * page is usually a read (a probe), which maps the shared zero page and
 * then faults again, and copies, with a TLB flush on every CPU, at the
 * first insert: one write fault per page (per huge page, mostly)
 * instead. */
static void touch(char *p, size_t from, size_t to)
{
	for (size_t off = (from + 4095) & ~(size_t)4095; off < to; off += 4096)
		((volatile char *)p)[off] = 0;
}

void *table_alloc(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (bytes >= (2u << 20))
		madvise(p, bytes, MADV_HUGEPAGE); /* advice only: failure is fine */
	touch(p, 0, bytes);
	return p;
}

void *table_grow(void *p, size_t bytes, size_t nbytes)
{
#ifdef __SANITIZE_THREAD__
	/* ThreadSanitizer does not intercept mremap (google/sanitizers#1099):
	 * the moved pages would keep the shadow state of whatever was mapped
	 * at their new address before, and report races with threads long
	 * done with it.  Under it, copy into a new mapping instead. */
	void *np = table_alloc(nbytes);
	if (np) {
		memcpy(np, p, bytes);
		table_free(p, bytes);
	}
#else
	void *np = mremap(p, bytes, nbytes, MREMAP_MAYMOVE);
	if (np == MAP_FAILED)
		return NULL;
	if (nbytes >= (2u << 20))
		madvise(np, nbytes, MADV_HUGEPAGE);
	touch(np, bytes, nbytes);
#endif
	return np;
}

void table_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes);
}
