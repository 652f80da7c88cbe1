/*
 * test_ptab.c - the pid table (matcher/ptab.c) and the duplicate-row set
 * (matcher/hashset.c, rowset): every key inserted is found with its own
 * record through growth and shifting; absent keys are absent; iteration
 * is in key order and independent of insertion order; keys sharing their
 * first 8 bytes, keys whose first 8 bytes are zero, and keys crowded at
 * the end of the array (the tail); projected sizes (ptab_expect).
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/hashset.h"
#include "domain/ptab.h"

typedef struct {
	uint64_t tag;
	uint32_t hits;
} rec;

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: a fixed sequence, so failures reproduce */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static void random_pid(uint8_t pid[32])
{
	for (int i = 0; i < 4; i++) {
		uint64_t v = rnd();
		memcpy(pid + 8 * i, &v, 8);
	}
}

/* n random pids from the sequence `seed` starts (malloc'ed). */
static uint8_t (*random_pids(size_t n, uint64_t seed))[32]
{
	uint8_t(*pids)[32] = malloc(n * 32);
	cr_assert_not_null(pids);
	rng_state = seed;
	for (size_t i = 0; i < n; i++)
		random_pid(pids[i]);
	return pids;
}

static uint64_t tag_of(const uint8_t pid[32])
{
	uint64_t t;
	memcpy(&t, pid + 24, 8);
	return t ^ 0x9e3779b97f4a7c15ULL;
}

static uint64_t key_of(const uint8_t *pid)
{
	uint64_t k;
	memcpy(&k, pid, 8);
	return k;
}

/* Inserts n pids (twice each, the second time as an update), then checks
 * every one, n absent ones, the count and the iteration order. */
static void insert_and_check(ptab *t, uint8_t (*pids)[32], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int created = -1;
		rec *r = ptab_upsert(t, pids[i], &created);
		cr_assert_not_null(r);
		cr_assert_eq(created, 1, "pid %zu created", i);
		cr_assert_eq(r->tag, 0, "a new record is zeroed");
		r->tag = tag_of(pids[i]);
	}
	for (size_t i = 0; i < n; i++) {
		int created = -1;
		rec *r = ptab_upsert(t, pids[i], &created);
		cr_assert_eq(created, 0);
		cr_assert_eq(r->tag, tag_of(pids[i]), "pid %zu keeps its record", i);
		r->hits++;
	}
	cr_assert_eq(ptab_count(t), n);
	for (size_t i = 0; i < n; i++) {
		const rec *r = ptab_find(t, pids[i]);
		cr_assert_not_null(r, "pid %zu found", i);
		cr_assert_eq(r->tag, tag_of(pids[i]));
		cr_assert_eq(r->hits, 1);
	}
	size_t cur = 0, seen = 0;
	const uint8_t *pid;
	void *r;
	uint64_t prev = 0;
	while (ptab_next(t, &cur, &pid, &r)) {
		cr_assert_geq(key_of(pid), prev, "iteration in key order");
		prev = key_of(pid);
		cr_assert_eq(((rec *)r)->tag, tag_of(pid));
		seen++;
	}
	cr_assert_eq(seen, n);
}

Test(ptab, random_pids_through_growth)
{
	size_t n = 200000;
	uint8_t(*pids)[32] = random_pids(n, 1);
	ptab *t = ptab_new(sizeof(rec), 0, 0);
	insert_and_check(t, pids, n);
	uint8_t absent[32];
	for (int i = 0; i < 100000; i++) {
		random_pid(absent);
		cr_assert_null(ptab_find(t, absent));
	}
	ptab_free(t);
	free(pids);
}

Test(ptab, shared_prefixes_and_zero_prefixes)
{
	/* 64 pids share each of 50 prefixes, one prefix being all zero;
	 * they differ only in their last bytes */
	size_t n = 64 * 50;
	uint8_t(*pids)[32] = random_pids(n, 7);
	for (size_t p = 0; p < 50; p++) {
		uint64_t prefix = p == 0 ? 0 : rnd();
		for (size_t i = 0; i < 64; i++)
			memcpy(pids[p * 64 + i], &prefix, 8);
	}
	ptab *t = ptab_new(sizeof(rec), 0, 0);
	insert_and_check(t, pids, n);
	uint8_t other[32];
	memcpy(other, pids[0], 32);
	other[31] ^= 1;
	cr_assert_null(ptab_find(t, other), "same prefix, other pid");
	memset(other, 0, 32);
	cr_assert_null(ptab_find(t, other), "the all-zero pid is never a key");
	ptab_free(t);
	free(pids);
}

Test(ptab, keys_crowded_at_the_end)
{
	/* every home slot is in the last 1/1000 of the array: the runs go
	 * through the tail and make the table grow early */
	size_t n = 20000;
	uint8_t(*pids)[32] = random_pids(n, 11);
	for (size_t i = 0; i < n; i++) {
		uint64_t k = UINT64_MAX - rnd() / 1000;
		memcpy(pids[i], &k, 8);
	}
	ptab *t = ptab_new(sizeof(rec), 0, 0);
	insert_and_check(t, pids, n);
	ptab_free(t);
	free(pids);
}

Test(ptab, order_does_not_depend_on_insertion_order)
{
	size_t n = 5000;
	uint8_t(*pids)[32] = random_pids(n, 3);
	ptab *a = ptab_new(0, 0, 0), *b = ptab_new(0, 0, 0);
	for (size_t i = 0; i < n; i++) {
		cr_assert_not_null(ptab_upsert(a, pids[i], NULL));
		cr_assert_not_null(ptab_upsert(b, pids[n - 1 - i], NULL));
	}
	size_t ca = 0, cb = 0;
	const uint8_t *pa, *pb;
	void *ra, *rb;
	size_t seen = 0;
	while (ptab_next(a, &ca, &pa, &ra)) {
		cr_assert(ptab_next(b, &cb, &pb, &rb));
		cr_assert_eq(memcmp(pa, pb, 32), 0, "entry %zu", seen);
		seen++;
	}
	cr_assert_not(ptab_next(b, &cb, &pb, &rb));
	cr_assert_eq(seen, n);
	ptab_free(a);
	ptab_free(b);
	free(pids);
}

Test(ptab, projected_size_is_not_overshot)
{
	size_t n = 100000;
	uint8_t pid[32];
	ptab *sized = ptab_new(sizeof(rec), n, 0);
	ptab *projected = ptab_new(sizeof(rec), 0, 0);
	ptab *plain = ptab_new(sizeof(rec), 0, 0);
	ptab_expect(projected, n);
	rng_state = 5;
	for (size_t i = 0; i < n; i++) {
		random_pid(pid);
		cr_assert_not_null(ptab_upsert(projected, pid, NULL));
		cr_assert_not_null(ptab_upsert(plain, pid, NULL));
	}
	cr_assert_eq(ptab_bytes(projected), ptab_bytes(sized),
		     "growth stops at the projection: %zu vs %zu",
		     ptab_bytes(projected), ptab_bytes(sized));
	cr_assert_gt(ptab_bytes(plain), ptab_bytes(projected),
		     "growth by half overshoots here");
	/* a projection that falls short only means more growth */
	for (size_t i = 0; i < n / 2; i++) {
		random_pid(pid);
		cr_assert_not_null(ptab_upsert(projected, pid, NULL));
	}
	cr_assert_eq(ptab_count(projected), n + n / 2);
	ptab_free(sized);
	ptab_free(projected);
	ptab_free(plain);
}

Test(ptab, parts_hold_the_same_entries_in_the_same_order)
{
	/* a table of 16 parts, filled part by part from two threads' worth of
	 * shuffled input, iterates exactly as a table of one part: the same
	 * pids, records and key order; counts and bytes add up over the parts */
	size_t n = 120000;
	uint8_t(*pids)[32] = random_pids(n, 13);
	ptab *one = ptab_new(sizeof(rec), 0, 0), *parted = ptab_new(sizeof(rec), 0, 4);
	cr_assert_not_null(parted);
	cr_assert_eq(ptab_parts(parted), 16);
	cr_assert_eq(ptab_parts(one), 1);
	size_t per_part[16] = {0};
	for (size_t i = 0; i < n; i++) {
		rec *a = ptab_upsert(one, pids[i], NULL);
		rec *b = ptab_upsert(parted, pids[n - 1 - i], NULL);
		cr_assert(a && b);
		a->tag = tag_of(pids[i]);
		b->tag = tag_of(pids[n - 1 - i]);
		unsigned p = ptab_part(parted, pids[i]);
		cr_assert_eq(p, (unsigned)(key_of(pids[i]) >> 60), "the top 4 bits of the key");
		per_part[p]++;
	}
	cr_assert_eq(ptab_count(parted), n);
	size_t sum = 0;
	for (unsigned p = 0; p < 16; p++) {
		cr_assert_eq(ptab_count_part(parted, p), per_part[p]);
		sum += ptab_count_part(parted, p);
	}
	cr_assert_eq(sum, n);
	size_t ca = 0, cb = 0, seen = 0;
	const uint8_t *pa, *pb;
	void *ra, *rb;
	while (ptab_next(one, &ca, &pa, &ra)) {
		cr_assert(ptab_next(parted, &cb, &pb, &rb), "entry %zu", seen);
		cr_assert_eq(memcmp(pa, pb, 32), 0, "entry %zu", seen);
		cr_assert_eq(((rec *)rb)->tag, ((rec *)ra)->tag);
		seen++;
	}
	cr_assert_not(ptab_next(parted, &cb, &pb, &rb));
	cr_assert_not(ptab_next(parted, &cb, &pb, &rb), "the end stays the end");
	cr_assert_eq(seen, n);
	for (size_t i = 0; i < n; i += 97)
		cr_assert_eq(((rec *)ptab_find(parted, pids[i]))->tag, tag_of(pids[i]));
	uint8_t absent[32];
	random_pid(absent);
	cr_assert_null(ptab_find(parted, absent));
	cr_assert_null(ptab_new(0, 0, PTAB_MAX_BITS + 1), "too many parts");
	ptab_free(one);
	ptab_free(parted);
	free(pids);
}

Test(rowset, repeats_found_and_smallest_line_kept)
{
	rowset *s = rowset_new(1);
	size_t n = 100000;
	rng_state = 9;
	uint64_t other;
	for (size_t i = 0; i < n; i++) {
		uint64_t lo = rnd(), hi = rnd();
		cr_assert_eq(rowset_add(s, lo, hi, 1000 + i, &other), 0);
	}
	cr_assert_eq(rowset_count(s), n);
	rng_state = 9;
	for (size_t i = 0; i < n; i++) {
		uint64_t lo = rnd(), hi = rnd();
		/* seen again at an earlier line (a slice read out of order) */
		cr_assert_eq(rowset_add(s, lo, hi, 10 + i, &other), 1);
		cr_assert_eq(other, 1000 + i, "the later line is the repeat");
		cr_assert_eq(rowset_add(s, lo, hi, 5000 + i, &other), 1);
		cr_assert_eq(other, 5000 + i);
	}
	cr_assert_eq(rowset_add(s, 0, 0, 1, &other), 0, "(0,0) is a fingerprint too");
	cr_assert_eq(rowset_add(s, 0, 0, 2, &other), 1);
	cr_assert_eq(rowset_count(s), n + 1);
	rowset_free(s);
}
