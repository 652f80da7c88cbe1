/*
 * vec.h - a growable array of fixed-size items, and a string arena.
 *
 * vec doubles its capacity when full, so appends are amortised O(1) and
 * allocation is rare; items move when it grows, so keep indexes, not
 * pointers, across vec_push.  arena hands out NUL-terminated copies of
 * strings from large blocks, all freed at once: the lifetime of the
 * strings is the lifetime of the arena (a run).
 *
 * Lifetime: vec_init / vec_free (a zeroed vec is valid and empty);
 * arena_new / arena_free; table_alloc / table_free.  Thread safety: none; one owner at a time.
 */
#ifndef HH_VEC_H
#define HH_VEC_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	void *items;
	size_t n, cap, size;
} vec;

void vec_init(vec *v, size_t item_size);
/* Appends a zeroed item and returns it; NULL on no memory. */
void *vec_push(vec *v);
void *vec_at(const vec *v, size_t i);
/* Makes room for n items in all (n does not change); -1 on no memory. */
int vec_reserve(vec *v, size_t n);
void vec_free(vec *v);

typedef struct arena arena;

arena *arena_new(void);
/* A NUL-terminated copy of s[0..len); NULL on no memory. */
const char *arena_strndup(arena *a, const char *s, size_t len);
void arena_free(arena *a);

/* Zeroed memory for large hash tables: mmap'ed and marked for transparent
 * huge pages, because tables are probed at random and, with 4 KiB pages,
 * nearly every probe would also miss the TLB.  Freed with table_free and
 * the same size.  NULL on no memory. */
void *table_alloc(size_t bytes);
void table_free(void *p, size_t bytes);
/* Makes a table_alloc'ed p of `bytes` hold nbytes (> bytes), keeping its
 * contents; the new part is zeroed.  The pages are moved, not copied,
 * and only the new part takes fresh memory.  The result may differ from
 * p; NULL on no memory (p is then untouched). */
void *table_grow(void *p, size_t bytes, size_t nbytes);

/* Maps a uniform 64-bit hash to 0..n-1 with a multiply instead of a
 * modulo (Lemire's "fastrange"), so hash tables can have any size, not
 * only powers of two, and be sized to their contents. */
static inline size_t table_slot(uint64_t h, size_t n)
{
	return (size_t)(((unsigned __int128)h * n) >> 64);
}

/* Growth policy shared by the tables: grow when the load would pass
 * 80 %; a table sized for n entries gets n / 0.8 slots. */
#define TABLE_FULL(count, cap) ((count) * 5 >= (cap) * 4)
#define TABLE_SLOTS(n) ((n) + (n) / 4 + 64)

/* The capacity a full table of `count` entries in `cap` slots grows to.
 * `expect` is the owner's projection of the final count (0: none; the
 * ingest projects it from how much of the file has been read).  Without
 * one, or once the table has outgrown it, the table grows by half and
 * ends anywhere between 53 and 80 % full.  With one, it grows straight to
 * fit it when that is near and by at most double when it is far, so a
 * well projected table ends near 80 % full, in fewer steps (each step
 * writes a whole new table into fresh memory). */
static inline size_t table_grown(size_t cap, size_t count, size_t expect)
{
	size_t fit = TABLE_SLOTS(expect);
	if (!expect || fit <= cap)
		return cap + cap / 2;
	size_t ncap = fit < 2 * cap ? fit : 2 * cap;
	size_t need = TABLE_SLOTS(count + count / 16 + 64);
	return ncap > need ? ncap : need;
}

#endif
