/*
 * hashset.h - two small hash structures the engine needs besides ptab:
 *
 * strtab maps strings (household IDs) to dense indexes 0, 1, 2...; keys
 * are hashed with xxHash (XXH3) since, unlike pids, they are not uniform.
 * It copies each key it adds into an arena the caller gives (and that
 * outlives the table), so looking a key up and adding it is one probe.
 *
 * rowset remembers 128-bit fingerprints (XXH3-128 of a record's bytes)
 * to find rows repeated exactly within a source.  Made with lines, it
 * also keeps the smallest line seen for each fingerprint, for sources read
 * in parallel slices whose rows arrive out of line order.  128 bits make a false
 * "duplicate" (which would reject a good row) practically impossible:
 * about 1e-20 for a billion rows.
 *
 * Both grow at 80 % load (vec.h, table_grown).  Lifetime: *_new / *_free.
 * Thread safety: none; one owner.
 */
#ifndef HH_HASHSET_H
#define HH_HASHSET_H

#include <stddef.h>
#include <stdint.h>

#include "base/vec.h"

typedef struct strtab strtab;

/* keys: where added keys are copied (not owned). */
strtab *strtab_new(arena *keys);
void strtab_free(strtab *t);
/* Index of key[0..len), adding it with index `next` when absent
 * (*added = 1); *stored gets the table's NUL-terminated copy of the key
 * (in the arena).  Returns -1 on no memory. */
int64_t strtab_get_or_add(strtab *t, const char *key, size_t len,
			  uint32_t next, const char **stored, int *added);

typedef struct rowset rowset;

rowset *rowset_new(int with_lines);
void rowset_free(rowset *s);
/* Adds a fingerprint seen at line; returns 1 if it was already there,
 * 0 if added, -1 on no memory.  With lines, on a repeat *other gets the
 * larger of line and the line kept so far (the occurrence to reject) and
 * the smaller is kept; without, *other = line. */
int rowset_add(rowset *s, uint64_t lo, uint64_t hi, uint64_t line,
	       uint64_t *other);
/* With lines: the smallest line added with this fingerprint (after a
 * repeat, the first occurrence's); 0 when it is absent or the set keeps
 * no lines. */
uint64_t rowset_line(const rowset *s, uint64_t lo, uint64_t hi);
/* Hints the CPU to fetch the slot where lo would go (no effect on
 * contents). */
void rowset_prefetch(const rowset *s, uint64_t lo);
/* The caller's projection of how many fingerprints the set will end with
 * (0: none), so growth stops there instead of overshooting (vec.h,
 * table_grown). */
void rowset_expect(rowset *s, size_t n);
size_t rowset_count(const rowset *s);
size_t rowset_bytes(const rowset *s);

#endif
