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
 * Records are zeroed when created.  Pointers returned by ptab_upsert stay
 * valid until the next ptab_upsert (which may move entries or grow the
 * table).
 *
 * Lifetime: ptab_new / ptab_free (NULL is a no-op).
 * Thread safety: none inside; concurrent ptab_find on a table nobody
 * writes to is safe.
 */
#ifndef HH_PTAB_H
#define HH_PTAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct ptab ptab;

/* rec_size: bytes of the record stored with each key (may be 0).
 * NULL on no memory. */
ptab *ptab_new(size_t rec_size, size_t expected);
void ptab_free(ptab *t);

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

size_t ptab_count(const ptab *t);

/* Iteration over entries in key order (the pid's first 8 bytes as a
 * native integer), which depends on the set of pids only, not on the
 * order they came in: start with *cursor = 0; returns 0 at the end. */
int ptab_next(const ptab *t, size_t *cursor, const uint8_t **pid, void **rec);

/* Bytes allocated by the table. */
size_t ptab_bytes(const ptab *t);

#endif
