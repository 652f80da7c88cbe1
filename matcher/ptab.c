/*
 * ptab.c - the pid hash table (see ptab.h).
 *
 * Slot layout: [pid: 32 bytes][record, rounded up to 8 bytes].  An
 * all-zero pid marks an empty slot: an HMAC output is all zero with
 * probability 2^-256, so no real pid is ever mistaken for one.  The home
 * slot is table_slot(first 8 bytes of the pid, cap): any capacity works,
 * so the table grows by half rather than doubling (vec.h).
 */
#include "ptab.h"

#include <stdlib.h>
#include <string.h>

#include "vec.h"

struct ptab {
	unsigned char *slots;
	size_t slot_size;
	size_t rec_size;
	size_t cap;
	size_t count;
};

#define SLOT_HDR 32

static const uint8_t zero_pid[32];

static int slot_used(const unsigned char *s)
{
	return memcmp(s, zero_pid, 32) != 0;
}

static uint64_t pid_hash(const uint8_t pid[32])
{
	uint64_t h;
	memcpy(&h, pid, sizeof h);
	return h;
}

static unsigned char *slot_at(const ptab *t, size_t i)
{
	return t->slots + i * t->slot_size;
}

ptab *ptab_new(size_t rec_size, size_t expected)
{
	ptab *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->rec_size = rec_size;
	t->slot_size = SLOT_HDR + ((rec_size + 7) & ~(size_t)7);
	t->cap = TABLE_SLOTS(expected > 1024 ? expected : 1024);
	t->slots = table_alloc(t->cap * t->slot_size);
	if (!t->slots) {
		free(t);
		return NULL;
	}
	return t;
}

void ptab_free(ptab *t)
{
	if (!t)
		return;
	table_free(t->slots, t->cap * t->slot_size);
	free(t);
}

static int rehash(ptab *t, size_t ncap)
{
	unsigned char *ns = table_alloc(ncap * t->slot_size);
	if (!ns)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		unsigned char *s = slot_at(t, i);
		if (!slot_used(s))
			continue;
		size_t j = table_slot(pid_hash(s), ncap);
		while (slot_used(ns + j * t->slot_size))
			j = j + 1 == ncap ? 0 : j + 1;
		memcpy(ns + j * t->slot_size, s, t->slot_size);
	}
	table_free(t->slots, t->cap * t->slot_size);
	t->slots = ns;
	t->cap = ncap;
	return 0;
}

void *ptab_upsert(ptab *t, const uint8_t pid[32], int *created)
{
	if (TABLE_FULL(t->count + 1, t->cap) && rehash(t, TABLE_GROWN(t->cap)))
		return NULL;
	size_t i = table_slot(pid_hash(pid), t->cap);
	for (;;) {
		unsigned char *s = slot_at(t, i);
		if (!slot_used(s)) {
			memcpy(s, pid, 32);
			t->count++;
			if (created)
				*created = 1;
			return s + SLOT_HDR;
		}
		if (!memcmp(s, pid, 32)) {
			if (created)
				*created = 0;
			return s + SLOT_HDR;
		}
		i = i + 1 == t->cap ? 0 : i + 1;
	}
}

void ptab_prefetch(const ptab *t, const uint8_t pid[32])
{
	const unsigned char *s = slot_at(t, table_slot(pid_hash(pid), t->cap));
	__builtin_prefetch(s, 1);
	__builtin_prefetch(s + t->slot_size - 1, 1);
}

void *ptab_find(const ptab *t, const uint8_t pid[32])
{
	size_t i = table_slot(pid_hash(pid), t->cap);
	for (;;) {
		unsigned char *s = slot_at(t, i);
		if (!memcmp(s, pid, 32))
			return s + SLOT_HDR;
		if (!slot_used(s))
			return NULL;
		i = i + 1 == t->cap ? 0 : i + 1;
	}
}

size_t ptab_count(const ptab *t) { return t->count; }

int ptab_next(const ptab *t, size_t *cursor, const uint8_t **pid, void **rec)
{
	while (*cursor < t->cap) {
		unsigned char *s = slot_at(t, (*cursor)++);
		if (slot_used(s)) {
			*pid = s;
			*rec = s + SLOT_HDR;
			return 1;
		}
	}
	return 0;
}

size_t ptab_bytes(const ptab *t) { return t->cap * t->slot_size; }
