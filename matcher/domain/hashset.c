/* hashset.c - strtab and rowset (see hashset.h); linear probing. */
#include "domain/hashset.h"

#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include <xxhash.h>

typedef struct {
	const char *key; /* NULL: empty */
	uint32_t len;
	uint32_t value;
	uint64_t hash;
} str_slot;

struct strtab {
	str_slot *slots;
	size_t cap, count;
	arena *keys;
};

strtab *strtab_new(arena *keys)
{
	strtab *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->keys = keys;
	t->cap = 1024;
	t->slots = table_alloc(t->cap * sizeof *t->slots);
	if (!t->slots) {
		free(t);
		return NULL;
	}
	return t;
}

void strtab_free(strtab *t)
{
	if (!t)
		return;
	table_free(t->slots, t->cap * sizeof *t->slots);
	free(t);
}

static int strtab_grow(strtab *t)
{
	size_t ncap = table_grown(t->cap, t->count, 0);
	str_slot *ns = table_alloc(ncap * sizeof *ns);
	if (!ns)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i].key)
			continue;
		size_t j = table_slot(t->slots[i].hash, ncap);
		while (ns[j].key)
			j = j + 1 == ncap ? 0 : j + 1;
		ns[j] = t->slots[i];
	}
	table_free(t->slots, t->cap * sizeof *t->slots);
	t->slots = ns;
	t->cap = ncap;
	return 0;
}

static str_slot *strtab_slot(const strtab *t, const char *key, size_t len,
			     uint64_t h)
{
	size_t i = table_slot(h, t->cap);
	for (;;) {
		str_slot *s = &t->slots[i];
		if (!s->key || (s->hash == h && s->len == len &&
				!memcmp(s->key, key, len)))
			return s;
		i = i + 1 == t->cap ? 0 : i + 1;
	}
}

int64_t strtab_get_or_add(strtab *t, const char *key, size_t len,
			  uint32_t next, const char **stored, int *added)
{
	if (TABLE_FULL(t->count + 1, t->cap) && strtab_grow(t))
		return -1;
	uint64_t h = XXH3_64bits(key, len);
	str_slot *s = strtab_slot(t, key, len, h);
	*added = !s->key;
	if (*added) {
		if (!(s->key = arena_strndup(t->keys, key, len)))
			return -1;
		s->len = (uint32_t)len;
		s->hash = h;
		s->value = next;
		t->count++;
	}
	*stored = s->key;
	return s->value;
}

struct rowset {
	uint64_t *slots; /* pairs lo, hi; (0, 0) = empty */
	uint64_t *lines; /* NULL, or the smallest line per slot */
	size_t cap, count;
	size_t expect;   /* rowset_expect's projection; 0 none */
};

rowset *rowset_new(int with_lines)
{
	rowset *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->cap = 4096;
	s->slots = table_alloc(s->cap * 16);
	s->lines = with_lines ? table_alloc(s->cap * 8) : NULL;
	if (!s->slots || (with_lines && !s->lines)) {
		table_free(s->slots, s->cap * 16);
		free(s);
		return NULL;
	}
	return s;
}

void rowset_free(rowset *s)
{
	if (!s)
		return;
	table_free(s->slots, s->cap * 16);
	table_free(s->lines, s->cap * 8);
	free(s);
}

static int rowset_rehash(rowset *s, size_t ncap)
{
	uint64_t *ns = table_alloc(ncap * 16);
	uint64_t *nl = s->lines ? table_alloc(ncap * 8) : NULL;
	if (!ns || (s->lines && !nl)) {
		table_free(ns, ncap * 16);
		return -1;
	}
	for (size_t i = 0; i < s->cap; i++) {
		uint64_t lo = s->slots[2 * i], hi = s->slots[2 * i + 1];
		if (!lo && !hi)
			continue;
		size_t j = table_slot(lo, ncap);
		while (ns[2 * j] || ns[2 * j + 1])
			j = j + 1 == ncap ? 0 : j + 1;
		ns[2 * j] = lo;
		ns[2 * j + 1] = hi;
		if (nl)
			nl[j] = s->lines[i];
	}
	table_free(s->slots, s->cap * 16);
	if (s->lines) {
		table_free(s->lines, s->cap * 8);
		s->lines = nl;
	}
	s->slots = ns;
	s->cap = ncap;
	return 0;
}

int rowset_add(rowset *s, uint64_t lo, uint64_t hi, uint64_t line,
	       uint64_t *other)
{
	if (!lo && !hi)
		lo = 1; /* (0, 0) marks an empty slot */
	if (TABLE_FULL(s->count + 1, s->cap) &&
	    rowset_rehash(s, table_grown(s->cap, s->count, s->expect)))
		return -1;
	size_t i = table_slot(lo, s->cap);
	for (;;) {
		uint64_t *p = &s->slots[2 * i];
		if (!p[0] && !p[1]) {
			p[0] = lo;
			p[1] = hi;
			if (s->lines)
				s->lines[i] = line;
			s->count++;
			return 0;
		}
		if (p[0] == lo && p[1] == hi) {
			*other = line;
			if (s->lines && line < s->lines[i]) {
				*other = s->lines[i];
				s->lines[i] = line;
			}
			return 1;
		}
		i = i + 1 == s->cap ? 0 : i + 1;
	}
}

uint64_t rowset_line(const rowset *s, uint64_t lo, uint64_t hi)
{
	if (!lo && !hi)
		lo = 1; /* as rowset_add stores it */
	if (!s->lines)
		return 0;
	for (size_t i = table_slot(lo, s->cap);; i = i + 1 == s->cap ? 0 : i + 1) {
		const uint64_t *p = &s->slots[2 * i];
		if (!p[0] && !p[1])
			return 0;
		if (p[0] == lo && p[1] == hi)
			return s->lines[i];
	}
}

void rowset_prefetch(const rowset *s, uint64_t lo)
{
	__builtin_prefetch(&s->slots[2 * table_slot(lo ? lo : 1, s->cap)], 1);
}

void rowset_expect(rowset *s, size_t n) { s->expect = n; }

size_t rowset_count(const rowset *s) { return s->count; }

size_t rowset_bytes(const rowset *s) { return s->cap * 16; }
