/*
 * ptab.c - the pid hash table (see ptab.h).
 *
 * Slot layout: [pid: 32 bytes][record, rounded up to 8 bytes].  An
 * all-zero pid marks an empty slot: an HMAC output is all zero with
 * probability 2^-256, so no real pid is ever mistaken for one.
 *
 * Ordered linear probing (Amble and Knuth, "Ordered hash tables", 1974).
 * A pid's key is its first 8 bytes read as an integer, and its home slot
 * is table_slot(key, cap), which never decreases as the key grows.
 * Entries are kept in key order along the array, each at or after its
 * home: an insert shifts the entries after its place one slot on, up to
 * the next empty slot.  What that buys:
 *   - a lookup stops at the first larger key.  Plain linear probing must
 *     scan to an empty slot to say "absent", about 13 slots at 80 % load;
 *     here it is about 3, and the household pass asks every roster
 *     member's pid of four tables where most of them are absent;
 *   - growth is in place (rehash): the entries, in order, only ever
 *     move right, so the array is extended and they are moved last first;
 *     only the extension is fresh memory.
 * Probes never wrap around: the array has `tail` slots beyond `cap` for
 * the entries whose run passes the end, and its last slot always stays
 * empty so every scan ends.  A run that would need that slot makes the
 * table grow instead (with a tail of cap / 64 that does not happen in
 * practice; the check keeps it correct if it does).
 */
#include "domain/ptab.h"

#include <stdlib.h>
#include <string.h>

#include "base/vec.h"

/* One part: an ordered table of the pids whose key has the part's top
 * bits.  Its home slots are placed by the key without those bits (shift),
 * which are the same for every key of the part. */
typedef struct {
	unsigned char *slots;
	size_t slot_size;
	size_t cap;      /* home slots; the load is count / cap */
	size_t tail;     /* slots after cap for runs that pass the end */
	size_t count;
	size_t expect;   /* the part's share of the projection; 0 none */
	unsigned shift;  /* the table's bits */
} part;

struct ptab {
	unsigned bits;   /* 2^bits parts, by the key's top bits */
	part parts[];
};

/* ptab_next's cursor: the part in its top byte, the slot below. */
#define CURSOR_SLOT_BITS 56

#define SLOT_HDR 32

static const uint8_t zero_pid[32];

static uint64_t key_of(const uint8_t *pid)
{
	uint64_t k;
	memcpy(&k, pid, sizeof k);
	return k;
}

/* Only a slot whose key is 0 can be empty: the full compare is rare. */
static int slot_empty(const unsigned char *s, uint64_t k)
{
	return k == 0 && memcmp(s, zero_pid, 32) == 0;
}

static unsigned char *slot_at(const part *t, size_t i)
{
	return t->slots + i * t->slot_size;
}

static size_t tail_for(size_t cap) { return 64 + cap / 64; }

static size_t table_size(size_t cap, size_t slot_size)
{
	return (cap + tail_for(cap)) * slot_size;
}

/* The home slot of a key in part t of cap home slots. */
static size_t home(const part *t, uint64_t key, size_t cap)
{
	return table_slot(key << t->shift, cap);
}

ptab *ptab_new(size_t rec_size, size_t expected, unsigned bits)
{
	if (bits > PTAB_MAX_BITS)
		return NULL;
	size_t n = (size_t)1 << bits;
	ptab *t = calloc(1, sizeof *t + n * sizeof(part));
	if (!t)
		return NULL;
	t->bits = bits;
	/* a table starts with room for 1,024 entries, shared by its parts */
	size_t each = expected >> bits, least = 1024 >> bits;
	for (size_t i = 0; i < n; i++) {
		part *p = &t->parts[i];
		p->shift = bits;
		p->slot_size = SLOT_HDR + ((rec_size + 7) & ~(size_t)7);
		p->cap = TABLE_SLOTS(each > least ? each : least);
		p->tail = tail_for(p->cap);
		p->slots = table_alloc(table_size(p->cap, p->slot_size));
		if (!p->slots) {
			ptab_free(t);
			return NULL;
		}
	}
	return t;
}

void ptab_free(ptab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < ((size_t)1 << t->bits); i++)
		if (t->parts[i].slots)
			table_free(t->parts[i].slots,
				   table_size(t->parts[i].cap, t->parts[i].slot_size));
	free(t);
}

unsigned ptab_part(const ptab *t, const uint8_t pid[32])
{
	return t->bits ? (unsigned)(key_of(pid) >> (64 - t->bits)) : 0;
}

unsigned ptab_parts(const ptab *t) { return 1u << t->bits; }

static part *part_of(const ptab *t, const uint8_t pid[32])
{
	return (part *)&t->parts[ptab_part(t, pid)];
}

/* Grows the table to ncap home slots, in place.  Entries are in key
 * order and stay so: each goes to max(its new home, the previous entry's
 * new slot + 1).  A table keeps every entry at max(home, previous + 1)
 * (no gap may sit between an entry and its home), and new homes are never
 * before old ones, so every entry moves right or stays: a first pass
 * works out where each goes, then the array is extended (table_grow:
 * only the new part is fresh memory) and the entries are moved last
 * first, each into a slot already vacated.  A capacity whose tail would
 * not hold the last run is raised until it does.  -1 on no memory. */
static int rehash(part *t, size_t ncap)
{
	size_t total = t->cap + t->tail, ntail;
	uint32_t *dest = malloc((t->count + 1) * sizeof *dest);
	if (!dest)
		return -1;
	for (;; ncap += ncap / 8) {
		ntail = tail_for(ncap);
		if (ncap + ntail > UINT32_MAX) {
			free(dest);
			return -1;
		}
		size_t end = 0, m = 0, i;
		for (i = 0; i < total; i++) {
			const unsigned char *s = slot_at(t, i);
			uint64_t k = key_of(s);
			if (slot_empty(s, k))
				continue;
			size_t j = home(t, k, ncap);
			if (j < end)
				j = end;
			if (j + 1 >= ncap + ntail)
				break; /* the last slot must stay empty */
			dest[m++] = (uint32_t)j;
			end = j + 1;
		}
		if (i == total)
			break;
	}
	unsigned char *ns = table_grow(t->slots, table_size(t->cap, t->slot_size),
				       table_size(ncap, t->slot_size));
	if (!ns) {
		free(dest);
		return -1;
	}
	t->slots = ns;
	for (size_t i = total, m = t->count; i-- > 0;) {
		unsigned char *s = slot_at(t, i);
		if (slot_empty(s, key_of(s)))
			continue;
		size_t j = dest[--m];
		if (j != i) {
			memcpy(slot_at(t, j), s, t->slot_size);
			memset(s, 0, t->slot_size);
		}
	}
	free(dest);
	t->cap = ncap;
	t->tail = ntail;
	return 0;
}

/* The first slot at or after pid's home whose key is not below pid's
 * (it may be empty, or pid itself, or a larger key). */
static size_t seek(const part *t, uint64_t key)
{
	size_t i = home(t, key, t->cap);
	for (;; i++) {
		const unsigned char *s = slot_at(t, i);
		uint64_t k = key_of(s);
		if (k >= key || slot_empty(s, k))
			return i;
	}
}

void *ptab_upsert(ptab *tab, const uint8_t pid[32], int *created)
{
	part *t = part_of(tab, pid);
	if (TABLE_FULL(t->count + 1, t->cap) &&
	    rehash(t, table_grown(t->cap, t->count, t->expect)))
		return NULL;
	uint64_t key = key_of(pid);
	for (;;) {
		size_t i = seek(t, key);
		/* Entries with the same key (different pids sharing 8 bytes)
		 * sit together, in no particular order. */
		for (;; i++) {
			unsigned char *s = slot_at(t, i);
			uint64_t k = key_of(s);
			if (k != key || slot_empty(s, k))
				break;
			if (!memcmp(s, pid, 32)) {
				if (created)
					*created = 0;
				return s + SLOT_HDR;
			}
		}
		size_t j = i;
		while (!slot_empty(slot_at(t, j), key_of(slot_at(t, j))))
			j++;
		if (j + 1 >= t->cap + t->tail) {
			/* the run reaches the last slot: grow and look again */
			if (rehash(t, table_grown(t->cap, t->count, t->expect)))
				return NULL;
			continue;
		}
		unsigned char *s = slot_at(t, i);
		memmove(s + t->slot_size, s, (j - i) * t->slot_size);
		memcpy(s, pid, 32);
		memset(s + SLOT_HDR, 0, t->slot_size - SLOT_HDR);
		t->count++;
		if (created)
			*created = 1;
		return s + SLOT_HDR;
	}
}

void ptab_prefetch(const ptab *tab, const uint8_t pid[32])
{
	const part *t = part_of(tab, pid);
	const unsigned char *s = slot_at(t, home(t, key_of(pid), t->cap));
	__builtin_prefetch(s, 1);
	__builtin_prefetch(s + t->slot_size - 1, 1);
}

void *ptab_find(const ptab *tab, const uint8_t pid[32])
{
	const part *t = part_of(tab, pid);
	uint64_t key = key_of(pid);
	for (size_t i = seek(t, key);; i++) {
		unsigned char *s = slot_at(t, i);
		uint64_t k = key_of(s);
		if (k != key || slot_empty(s, k))
			return NULL;
		if (!memcmp(s, pid, 32))
			return s + SLOT_HDR;
	}
}

void ptab_expect(ptab *t, size_t n)
{
	for (unsigned i = 0; i < ptab_parts(t); i++)
		t->parts[i].expect = n >> t->bits;
}

void ptab_expect_part(ptab *t, unsigned i, size_t n) { t->parts[i].expect = n; }

size_t ptab_count_part(const ptab *t, unsigned i) { return t->parts[i].count; }

size_t ptab_count(const ptab *t)
{
	size_t n = 0;
	for (unsigned i = 0; i < ptab_parts(t); i++)
		n += t->parts[i].count;
	return n;
}

int ptab_next(const ptab *t, size_t *cursor, const uint8_t **pid, void **rec)
{
	for (size_t i = *cursor >> CURSOR_SLOT_BITS; i < ptab_parts(t); i++) {
		const part *p = &t->parts[i];
		size_t j = i == *cursor >> CURSOR_SLOT_BITS
			? *cursor & (((size_t)1 << CURSOR_SLOT_BITS) - 1) : 0;
		for (; j < p->cap + p->tail; j++) {
			unsigned char *s = slot_at(p, j);
			if (!slot_empty(s, key_of(s))) {
				*cursor = (i << CURSOR_SLOT_BITS) | (j + 1);
				*pid = s;
				*rec = s + SLOT_HDR;
				return 1;
			}
		}
	}
	*cursor = (size_t)ptab_parts(t) << CURSOR_SLOT_BITS;
	return 0;
}

size_t ptab_bytes(const ptab *t)
{
	size_t n = 0;
	for (unsigned i = 0; i < ptab_parts(t); i++)
		n += table_size(t->parts[i].cap, t->parts[i].slot_size);
	return n;
}
