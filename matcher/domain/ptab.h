/*
 * ptab.h - an open-addressing hash table keyed by pid.
 *
 * A pid is an HMAC output, already uniform, so the table uses its first
 * 8 bytes as the hash: no hashing per probe.  Each slot holds the 32-byte
 * key and a fixed-size record chosen at ptab_new (a source's per-person
 * aggregate), inline, so a probe touches one cache line or two.  Ordered
 * linear probing (ptab.c), any capacity, grown at 80 % load (vec.h):
 * memory grows with the number of distinct persons, never with the
 * number of rows, and allocation happens only when the table grows.
 *
 * A table may be split into 2^bits parts by the top bits of that key,
 * each an ordered table of its own: workers that settle rows of a large
 * source in parallel each take a part at a time (ptab_part), and a part
 * stays small enough for the cache while it is probed.  Iteration still
 * goes in key order (part after part).
 *
 * Records are zeroed when created.  Pointers returned by ptab_upsert stay
 * valid until the next ptab_upsert into the same part (which may move
 * entries or grow that part).
 *
 * Lifetime: ptab_new / ptab_free (NULL is a no-op).
 * Thread safety: none inside a part.  ptab_upsert, ptab_find,
 * ptab_prefetch and ptab_expect_part on pids of different parts may run
 * in parallel; ptab_expect, ptab_count, ptab_bytes and ptab_next only
 * while nobody writes.  Concurrent ptab_find on a table nobody writes to
 * is safe.
 */
#ifndef HH_PTAB_H
#define HH_PTAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct ptab ptab;

/* rec_size: bytes of the record stored with each key (may be 0);
 * expected: entries projected (0: unknown); bits: the table is split
 * into 2^bits parts (0: one), at most PTAB_MAX_BITS.  NULL on no memory. */
#define PTAB_MAX_BITS 8
ptab *ptab_new(size_t rec_size, size_t expected, unsigned bits);
void ptab_free(ptab *t);

/* The part that holds pid (0 .. ptab_parts - 1), and how many there are. */
unsigned ptab_part(const ptab *t, const uint8_t pid[32]);
unsigned ptab_parts(const ptab *t);

/* The record for pid, created zeroed when absent (*created = 1).
 * NULL when out of memory. */
void *ptab_upsert(ptab *t, const uint8_t pid[32], int *created);

/* Hints the CPU to fetch pid's home slot (no effect on contents). */
void ptab_prefetch(const ptab *t, const uint8_t pid[32]);

/* The record for pid, or NULL. */
void *ptab_find(const ptab *t, const uint8_t pid[32]);

/* The caller's projection of how many entries the table will end with
 * (0: none), so growth stops there instead of overshooting (vec.h,
 * table_grown).  Only a hint: the table still grows past it if needed. */
void ptab_expect(ptab *t, size_t n);
/* The same for one part only (n: that part's projection), and the
 * entries of one part. */
void ptab_expect_part(ptab *t, unsigned part, size_t n);
size_t ptab_count_part(const ptab *t, unsigned part);

size_t ptab_count(const ptab *t);

/* Iteration over entries in key order (the pid's first 8 bytes as a
 * native integer), which depends on the set of pids only, not on the
 * order they came in: start with *cursor = 0; returns 0 at the end. */
int ptab_next(const ptab *t, size_t *cursor, const uint8_t **pid, void **rec);

/* Bytes allocated by the table. */
size_t ptab_bytes(const ptab *t);

#endif
