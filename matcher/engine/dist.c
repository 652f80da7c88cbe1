/*
 * dist.c - the monthly run across the ranks of an MPI job (run --mpi;
 * docs/distributed.md has the design and the national model).
 *
 * What each rank holds: the persons it owns (dist_owner: a pid's bytes
 * 8..15 modulo the ranks; pids are HMAC outputs, so persons spread
 * evenly), with every source's records of them.  Rank 0 also holds the
 * roster and the households, reads the roster with its own workers, and
 * writes every output.  The run, in the steps every rank takes in the
 * same order (comm.h: a failure anywhere is agreed on at the next step,
 * and every rank stops there with the failing rank's message):
 *
 *   1. every source but the roster, one after the other (dist_read),
 *      while rank 0's workers read the roster: every rank reads the whole
 *      stream, record by record, and parses its chunks only (chunk k of
 *      chunk_rows records is rank k mod N's; --threads threads parse it):
 *      ID check, HMAC, typed values, fingerprint.  After each round of N
 *      chunks, one exchange: each valid row to its pid's owner, every
 *      other record to rank 0.  The owner settles the rows it gets from
 *      rank 0, 1, ... in that order, which is file order: the duplicate
 *      check and the fold see each person's rows as one reader would.
 *      Rank 0 decides the other records (rejects, rows set aside for
 *      repair, repeats of invalid rows) in file order too.
 *   2. each rank's counts, rejects and findings to rank 0, absorbed as a
 *      part of a source read in morsels is (ingest_absorb), and the
 *      reasons ordered, before the repairs add theirs, as in one process.
 *   3. repairs and linkage on rank 0 (it holds the roster and every row
 *      set aside); a row repaired onto a person another rank owns is sent
 *      there and folded, and what that adds to the owner's counts follows.
 *   4. the roster's persons: rank 0 sends each owner the roster pids it
 *      owns (and whether a household counts each), in rounds, in roster
 *      order; the owner answers with that person's record in every
 *      source.  Rank 0 then evaluates the households with household.c
 *      unchanged, while each rank finds the discoveries and identity
 *      conflicts among the persons off the roster it owns; those findings
 *      and each rank's figures (the closing "mpi: rank" lines) go to rank 0.
 *
 * Rows, not partial aggregates, travel in step 1: a repeat must be found
 * before it is folded, and a person's rows all meet at their owner.
 * Memory per rank is its share of persons plus one round's buffers; rank
 * 0 adds the roster and its persons' records.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "connectors/csv.h"
#include "engine/engine_int.h"

/* Roster persons per round of step 4. */
#define FACTS_ROUND 65536

int dist_owner(const engine *e, const uint8_t pid[32])
{
	uint64_t k;
	memcpy(&k, pid + 8, sizeof k);
	return (int)(k % (uint64_t)e->nranks);
}

int dist_owns(const engine *e, const uint8_t pid[32])
{
	return !e->comm || dist_owner(e, pid) == e->rank;
}

/* --- what travels ------------------------------------------------------ */

/* A valid row (pending_row's part that ingest_settle_row reads): this
 * head, then the values of the columns present, in column order. */
typedef struct {
	uint8_t pid[32];
	uint64_t lo, hi, line, name_hash;
	int32_t id_region;
	uint32_t present;
} wire_row;

/* Any other record, as its morsel holds it (the text fingerprint of an
 * invalid row hashes its fields as they lie, and ingest_morsel_add lays
 * them out as the reader did): this head, nfields (offset, length) pairs,
 * the text of the record's span of the morsel. */
typedef struct {
	uint64_t line;
	uint32_t nfields, text_len;
	uint8_t malformed, bad_encoding, pad[6];
} wire_record;

enum { TAG_ROW = 'V', TAG_RECORD = 'T' };

static void put_row(strbuf *b, const pending_row *p)
{
	wire_row w;
	memset(&w, 0, sizeof w);
	memcpy(w.pid, p->pid, 32);
	w.lo = p->lo;
	w.hi = p->hi;
	w.line = p->line;
	w.name_hash = p->name_hash;
	w.id_region = p->id_region;
	w.present = p->row.present;
	sb_addc(b, TAG_ROW);
	sb_add(b, &w, sizeof w);
	for (int c = 0; c < SCHEMA_MAX_COLS; c++)
		if (p->row.present & (1u << c))
			sb_add(b, &p->row.val[c], sizeof p->row.val[c]);
}

/* Reads a row put_row wrote at *at (its tag passed); 0 when the bytes
 * end short. */
static int get_row(const uint8_t **at, const uint8_t *end, pending_row *p)
{
	wire_row w;
	if ((size_t)(end - *at) < sizeof w)
		return 0;
	memcpy(&w, *at, sizeof w);
	*at += sizeof w;
	memset(p, 0, sizeof *p);
	memcpy(p->pid, w.pid, 32);
	p->lo = w.lo;
	p->hi = w.hi;
	p->line = w.line;
	p->name_hash = w.name_hash;
	p->id_region = w.id_region;
	p->row.present = w.present;
	p->full = 1;
	for (int c = 0; c < SCHEMA_MAX_COLS; c++)
		if (w.present & (1u << c)) {
			if ((size_t)(end - *at) < sizeof p->row.val[c])
				return 0;
			memcpy(&p->row.val[c], *at, sizeof p->row.val[c]);
			*at += sizeof p->row.val[c];
		}
	return 1;
}

static void put_record(strbuf *b, const hh_record *rec)
{
	wire_record w;
	memset(&w, 0, sizeof w);
	w.line = rec->line;
	w.nfields = (uint32_t)rec->nfields;
	w.malformed = (uint8_t)(rec->malformed != 0);
	w.bad_encoding = (uint8_t)(rec->bad_encoding != 0);
	/* a record of a morsel: its fields lie in one span of the morsel's
	 * text, laid out by ingest_morsel_add, which travels as it is */
	const char *first = rec->nfields ? rec->fields[0].ptr : NULL;
	if (rec->nfields) {
		const hh_field *last = &rec->fields[rec->nfields - 1];
		w.text_len = (uint32_t)(last->ptr + last->len - first);
	}
	sb_addc(b, TAG_RECORD);
	sb_add(b, &w, sizeof w);
	for (size_t i = 0; i < rec->nfields; i++) {
		uint32_t pair[2] = {(uint32_t)(rec->fields[i].ptr - first),
				    (uint32_t)rec->fields[i].len};
		sb_add(b, pair, sizeof pair);
	}
	if (w.text_len)
		sb_add(b, first, w.text_len);
}

/* Reads a record put_record wrote; its fields (grown in *fields, *cap)
 * point into the received bytes.  0 when they end short or the field
 * array cannot grow (*oom). */
static int get_record(const uint8_t **at, const uint8_t *end, hh_record *rec,
		      hh_field **fields, size_t *cap, int *oom)
{
	wire_record w;
	if ((size_t)(end - *at) < sizeof w)
		return 0;
	memcpy(&w, *at, sizeof w);
	*at += sizeof w;
	size_t pairs = (size_t)w.nfields * 2 * sizeof(uint32_t);
	if ((size_t)(end - *at) < pairs || (size_t)(end - *at) - pairs < w.text_len)
		return 0;
	if (w.nfields > *cap) {
		hh_field *f = realloc(*fields, (size_t)w.nfields * sizeof *f);
		if (!f) {
			*oom = 1;
			return 0;
		}
		*fields = f;
		*cap = w.nfields;
	}
	const char *text = (const char *)*at + pairs;
	for (uint32_t i = 0; i < w.nfields; i++) {
		uint32_t pair[2];
		memcpy(pair, *at + (size_t)i * sizeof pair, sizeof pair);
		if (pair[0] > w.text_len || pair[1] > w.text_len - pair[0])
			return 0;
		(*fields)[i].ptr = text + pair[0];
		(*fields)[i].len = pair[1];
	}
	*at += pairs + w.text_len;
	*rec = (hh_record){.fields = *fields, .nfields = w.nfields, .line = w.line,
			   .malformed = w.malformed, .bad_encoding = w.bad_encoding};
	return 1;
}

static hh_status garbled(hh_err *err, const char *what)
{
	return hh_fail(err, HH_EINTERNAL, "%s: the bytes from another rank end short "
		       "(ranks built from different versions?)", what);
}

/* One empty buffer per rank. */
static strbuf *buffers(const engine *e)
{
	return calloc((size_t)e->nranks, sizeof(strbuf));
}

static void buffers_free(const engine *e, strbuf *b)
{
	for (int k = 0; b && k < e->nranks; k++)
		sb_release(&b[k]);
	free(b);
}

static int buffers_oom(const engine *e, const strbuf *b)
{
	int oom = 0;
	for (int k = 0; k < e->nranks; k++)
		oom |= b[k].oom;
	return oom;
}

static void buffers_reset(const engine *e, strbuf *b)
{
	for (int k = 0; k < e->nranks; k++)
		sb_reset(&b[k]);
}

/* --- 1. a source across the ranks --------------------------------------- */

/* Runs fn on each of nj jobs (size bytes apart from jobs): jobs 1.. on
 * threads of their own, job 0 on this one, and a job whose thread could
 * not start here too; returns once every job is done. */
static void fan_out(void *(*fn)(void *), void *jobs, size_t size, int nj)
{
	pthread_t th[MAX_SLICES];
	int started = 0;
	for (int t = 1; t < nj && t < MAX_SLICES; t++) {
		if (pthread_create(&th[t], NULL, fn, (char *)jobs + (size_t)t * size))
			break;
		started = t;
	}
	fn(jobs);
	for (int t = started + 1; t < nj; t++)
		fn((char *)jobs + (size_t)t * size);
	for (int t = 1; t <= started; t++)
		pthread_join(th[t], NULL);
}

/* The ingest of the persons this rank owns in source in: a part, as
 * ingest_share makes one, that holds the results of the parts below once
 * the source is read. */
static hh_status own_open(ingest *in)
{
	engine *e = in->eng;
	ingest *own = calloc(1, sizeof *own);
	if (!own)
		return ingest_oom(in);
	e->own[in->sid] = own;
	ingest_share(own, in, -1); /* no duplicate set: the parts' below have them */
	return HH_OK;
}

/* While a source is read the rank's persons settle in INGEST_PARTS parts
 * of its table (ptab_part), as a source read in morsels does on one
 * machine: each part has its own duplicate set and results and is
 * settled by one thread at a time, its rows in file order (a person's
 * rows, and a row's repeats, all fall in one part), so the rank's threads
 * settle different parts at once.  `rows`: this round's rows of the
 * part, as offsets into the receive buffer. */
typedef struct {
	ingest in;
	vec rows;                /* uint32_t */
	hh_status st;
} own_part;

typedef struct {
	own_part *parts;
	const uint8_t *buf;
	size_t len;
	int t, nj;               /* this thread's parts: p mod nj == t */
} settle_job;

static void *settle_parts(void *arg)
{
	settle_job *j = arg;
	for (int p = j->t; p < INGEST_PARTS; p += j->nj) {
		own_part *op = &j->parts[p];
		for (size_t i = 0; op->st == HH_OK && i < op->rows.n; i++) {
			const uint8_t *at = j->buf + *(uint32_t *)vec_at(&op->rows, i) + 1;
			pending_row row;
			if (!get_row(&at, j->buf + j->len, &row))
				op->st = garbled(&op->in.err, op->in.src->name);
			else
				op->st = ingest_settle_row(&op->in, &row);
		}
	}
	return NULL;
}

static own_part *parts_open(ingest *in)
{
	own_part *parts = calloc(INGEST_PARTS, sizeof *parts);
	for (int p = 0; parts && p < INGEST_PARTS; p++) {
		ingest *pin = &parts[p].in;
		ingest_share(pin, in, -1);
		vec_init(&parts[p].rows, sizeof(uint32_t));
		if (!(pin->dups = rowset_new(1))) {
			while (p-- > 0)
				rowset_free(parts[p].in.dups);
			free(parts);
			return NULL;
		}
	}
	return parts;
}

/* The parts' results into the rank's own ingest (absorbed: HH_OK), and
 * their memory freed whatever happens. */
static hh_status parts_close(ingest *in, own_part *parts, hh_status st)
{
	ingest *own = in->eng->own[in->sid];
	for (int p = 0; parts && p < INGEST_PARTS; p++) {
		ingest *pin = &parts[p].in;
		if (own)
			own->dup_bytes += rowset_bytes(pin->dups);
		rowset_free(pin->dups);
		pin->dups = NULL;
		if (st == HH_OK && ingest_absorb(own, pin) != HH_OK) {
			in->err = own->err;
			st = HH_EINTERNAL;
		}
		ingest_free(pin); /* a part never frees the shared table */
		vec_free(&parts[p].rows);
	}
	free(parts);
	return st;
}

/* Settles a round: every rank's valid rows into their parts, settled by
 * the rank's threads (nj), and, on rank 0, every other record in file
 * order (this thread, first). */
static hh_status take_round(ingest *in, own_part *parts, int nj, const uint8_t *buf,
			    const size_t *off, const size_t *len, hh_field **fields,
			    size_t *cap)
{
	const engine *e = in->eng;
	size_t total = off[e->nranks - 1] + len[e->nranks - 1];
	for (int p = 0; p < INGEST_PARTS; p++)
		parts[p].rows.n = 0;
	for (int j = 0; j < e->nranks; j++) {
		const uint8_t *at = buf + off[j], *end = at + len[j];
		while (at < end) {
			uint8_t tag = *at;
			if (tag == TAG_ROW) {
				wire_row w;
				if ((size_t)(end - at) < 1 + sizeof w)
					return garbled(&in->err, in->src->name);
				memcpy(&w, at + 1, sizeof w);
				uint32_t *slot = vec_push(&parts[ptab_part(in->agg, w.pid)].rows);
				if (!slot)
					return ingest_oom(in);
				*slot = (uint32_t)(at - buf);
				at += 1 + sizeof w + 8 * (size_t)__builtin_popcount(w.present);
				continue;
			}
			hh_record rec;
			int oom = 0;
			at++;
			if (tag != TAG_RECORD || !get_record(&at, end, &rec, fields, cap, &oom))
				return oom ? ingest_oom(in) : garbled(&in->err, in->src->name);
			HH_TRY(ingest_handle(in, &rec));
		}
	}
	settle_job jobs[MAX_SLICES];
	for (int t = 0; t < nj; t++)
		jobs[t] = (settle_job){parts, buf, total, t, nj};
	fan_out(settle_parts, jobs, sizeof jobs[0], nj);
	for (int p = 0; p < INGEST_PARTS; p++)
		if (parts[p].st != HH_OK) {
			in->err = parts[p].in.err;
			return parts[p].st;
		}
	return HH_OK;
}

/* A record's bytes as read (its fields and their separators). */
static size_t record_bytes(const hh_record *rec)
{
	size_t b = rec->nfields;
	for (size_t i = 0; i < rec->nfields; i++)
		b += rec->fields[i].len;
	return b;
}

/* The rank that parses a PostgreSQL row numbered line (its hh_row). */
static uint64_t row_rank(uint64_t line, uint64_t n)
{
	return (line * 0x9E3779B97F4A7C15ull >> 32) % n;
}

static int cmp_deferred_line(const void *a, const void *b)
{
	uint64_t x = ((const deferred_row *)a)->line, y = ((const deferred_row *)b)->line;
	return x < y ? -1 : x > y;
}

/* One of the rank's threads parsing part of its chunk. */
typedef struct {
	const ingest *in;
	morsel *m;
	size_t from, to;
	char *scratch;           /* its fingerprint buffer, kept across rounds */
	size_t cap;
} parse_job;

static void *parse_range(void *arg)
{
	parse_job *j = arg;
	for (size_t i = j->from; i < j->to; i++) {
		hh_record rec = ingest_morsel_record(j->m, i);
		ingest_prepare(j->in, &j->scratch, &j->cap, &rec, &j->m->rows[i]);
	}
	return NULL;
}

/* Parses the chunk m with up to nj threads (this one among them): each
 * record's result lands in its own slot, so the split changes nothing. */
static void parse_chunk(parse_job *jobs, int nj, morsel *m)
{
	size_t per = (m->n + (size_t)nj - 1) / (size_t)nj;
	for (int t = 0; t < nj; t++) {
		jobs[t].m = m;
		jobs[t].from = (size_t)t * per < m->n ? (size_t)t * per : m->n;
		jobs[t].to = jobs[t].from + per < m->n ? jobs[t].from + per : m->n;
	}
	fan_out(parse_range, jobs, sizeof jobs[0], nj);
}

/* The chunk's results into the round's buffers: valid rows to their
 * owners, anything else to rank 0, in file order. */
static hh_status encode_chunk(ingest *in, const morsel *m, strbuf *send)
{
	const engine *e = in->eng;
	for (size_t i = 0; i < m->n; i++) {
		const pending_row *p = &m->rows[i];
		if (p->full > 0) {
			put_row(&send[dist_owner(e, p->pid)], p);
		} else if (p->full == 0) {
			hh_record rec = ingest_morsel_record(m, i);
			put_record(&send[0], &rec);
		} else {
			return ingest_oom(in);
		}
	}
	return HH_OK;
}

hh_status dist_read(ingest *in, csv_reader *r, int rowcol, hh_status st)
{
	engine *e = in->eng;
	const uint64_t n = (uint64_t)e->nranks, chunk = e->chunk_rows;
	strbuf *send = buffers(e);
	hh_field *fields = NULL;
	size_t fields_cap = 0;
	morsel m;
	parse_job jobs[MAX_SLICES];
	int nj = e->cfg->threads < MAX_SLICES ? e->cfg->threads : MAX_SLICES;
	uint64_t k = 0;             /* records read from the stream */
	uint64_t ck = 0;            /* a file's chunk being read */
	size_t cfill = 0, cbytes = 0; /* its records and bytes so far */
	const size_t budget = DIST_ROUND_BYTES / n;
	hh_status held = HH_OK;     /* a read error, after the rows before it */
	hh_err held_err;
	int eof = st != HH_OK, last = 0;
	memset(&m, 0, sizeof m);
	memset(jobs, 0, sizeof jobs);
	for (int t = 0; t < nj; t++)
		jobs[t].in = in;
	if (st == HH_OK && !send)
		st = ingest_oom(in);
	own_part *parts = NULL;
	if (st == HH_OK)
		st = own_open(in);
	if (st == HH_OK && !(parts = parts_open(in)))
		st = ingest_oom(in);
	if (st == HH_OK)
		dedup_plan(in);
	for (;;) {
		/* this round, read by every rank: N chunks of a file (chunk c is
		 * rank c mod N's), each of chunk_rows records or DIST_ROUND_BYTES
		 * / N bytes of text, whichever comes first; every rank sees the
		 * same records, so they all cut the same chunks.  A PostgreSQL
		 * source's rows come in an order of the server's, which may
		 * differ between the ranks' connections (synchronised scans):
		 * a row is then the rank's whose number its hh_row hashes to,
		 * and a round ends at chunk_rows rows of the rank's own.  The
		 * rank's own records are copied out, then parsed by its threads. */
		m.n = m.nfields = m.text_len = 0;
		uint64_t round_end = ck + n;
		size_t round_bytes = 0;
		while (st == HH_OK && !eof && (in->remote ? m.n < chunk && round_bytes < n * budget
							  : ck < round_end)) {
			hh_record rec;
			int got;
			hh_status rs = csv_next(r, &rec, &got, &held_err);
			if (rs != HH_OK || !got) {
				held = rs;
				eof = 1;
				break;
			}
			k++;
			size_t bytes = record_bytes(&rec);
			int mine;
			rec.line = ingest_row_number(&rec, rowcol);
			if (in->remote) {
				mine = row_rank(rec.line, n) == (uint64_t)e->rank;
				round_bytes += bytes;
			} else {
				mine = ck % n == (uint64_t)e->rank;
				cbytes += bytes;
				if (++cfill >= chunk || cbytes >= budget) {
					ck++;
					cfill = cbytes = 0;
				}
			}
			if (mine && !ingest_morsel_add(&m, chunk, &rec))
				st = ingest_oom(in);
		}
		if (st == HH_OK && m.n) {
			ingest_morsel_point(&m);
			e->own[in->sid]->rows_read += m.n;
			parse_chunk(jobs, nj, &m);
			st = encode_chunk(in, &m, send);
		}
		if (r) {
			atomic_store(&in->prog_rows, k);
			atomic_store(&in->prog_bytes, ins_raw_offset(csv_stream(r)));
		}
		if (st == HH_OK && send && buffers_oom(e, send))
			st = ingest_oom(in);
		if (st == HH_OK)
			st = engine_check_cancel(e, &in->err);
		/* every round settled: the parts' results join the rank's, before
		 * the last agreement, which a failure to do so must reach */
		if (last) {
			st = parts_close(in, parts, st);
			parts = NULL;
		}
		int more = !eof;
		st = comm_agree(e->comm, st, &more, &in->err);
		if (st != HH_OK || last)
			break;
		const uint8_t *buf;
		const size_t *off, *len;
		st = comm_exchange(e->comm, send, &buf, &off, &len, &in->err);
		if (st != HH_OK)
			break;
		buffers_reset(e, send);
		st = take_round(in, parts, nj, buf, off, len, &fields, &fields_cap);
		/* the rows before a read error are decided first, as in one
		 * process; then the error is this rank's */
		if (st == HH_OK && held != HH_OK) {
			st = held;
			in->err = held_err;
		}
		last = !more;
	}
	/* A PostgreSQL source's rows set aside reached rank 0 in the order
	 * the ranks' connections gave them: in hh_row order, as one process
	 * keeps them, for the repairs to meet them in. */
	if (in->remote && in->deferred.n)
		qsort(in->deferred.items, in->deferred.n, sizeof(deferred_row),
		      cmp_deferred_line);
	if (parts) /* a failure: freed, not absorbed */
		parts_close(in, parts, st != HH_OK ? st : HH_EINTERNAL);
	buffers_free(e, send);
	free(fields);
	ingest_morsel_free(&m);
	for (int t = 0; t < nj; t++)
		free(jobs[t].scratch);
	return st;
}

/* --- 2. rows repaired onto persons of other ranks ----------------------- */

hh_status dist_forward_row(ingest *in, const schema_row *row, const uint8_t pid[32],
			   uint64_t line, uint64_t nh)
{
	engine *e = in->eng;
	if (!e->fwd && !(e->fwd = buffers(e)))
		return ingest_oom(in);
	pending_row p;
	memset(&p, 0, sizeof p);
	memcpy(p.pid, pid, 32);
	p.line = line;
	p.name_hash = nh;
	p.row.present = row->present;
	memcpy(p.row.val, row->val, sizeof p.row.val);
	strbuf *b = &e->fwd[dist_owner(e, pid)];
	sb_addc(b, (char)in->sid);
	put_row(b, &p);
	return b->oom ? ingest_oom(in) : HH_OK;
}

/* Folds the repaired rows rank 0 sent into the persons this rank owns,
 * as ingest_accept_row would have (the rows were counted by rank 0). */
static hh_status take_forwarded(engine *e, const uint8_t *at, const uint8_t *end,
				hh_err *err)
{
	for (int s = 0; s < SRC_COUNT; s++)
		if (e->own[s])
			e->own[s]->last_rec = NULL;
	while (at < end) {
		uint8_t s = *at++;
		pending_row p;
		if (s >= SRC_COUNT || !e->own[s] || at >= end || *at++ != TAG_ROW ||
		    !get_row(&at, end, &p))
			return garbled(err, "repaired rows");
		ingest *own = e->own[s];
		if (ingest_fold(own, &p.row, p.pid, p.line, 0, p.name_hash) != HH_OK) {
			*err = own->err;
			return HH_EINTERNAL;
		}
	}
	return HH_OK;
}

static hh_status forward(engine *e, hh_err *err)
{
	strbuf *none = e->fwd ? NULL : buffers(e);
	hh_status st = e->fwd || none ? HH_OK : hh_fail(err, HH_EINTERNAL, "out of memory");
	const uint8_t *buf;
	const size_t *off, *len;
	st = comm_round(e->comm, st, NULL, e->fwd ? e->fwd : none, &buf, &off, &len, err);
	if (st == HH_OK && len[0])
		st = take_forwarded(e, buf + off[0], buf + off[0] + len[0], err);
	buffers_free(e, none);
	buffers_free(e, e->fwd);
	e->fwd = NULL;
	return comm_agree(e->comm, st, NULL, err);
}

/* What folding the forwarded rows added to the owners' counts of rows
 * in the run's window (ingest_fold), and how many persons each source
 * has on each rank, to rank 0. */
typedef struct {
	uint64_t rows_counted, persons;
	int32_t span_first, span_last;
} wire_late;

static hh_status late_counts(engine *e, hh_err *err)
{
	strbuf *send = buffers(e);
	hh_status st = send ? HH_OK : hh_fail(err, HH_EINTERNAL, "out of memory");
	/* the persons each rank holds, now that every row is in */
	for (int s = 0; s < SRC_COUNT; s++)
		if (e->own[s]) {
			e->persons[s] = ptab_count(e->in[s].agg);
			e->persons_held += e->persons[s];
		}
	for (int s = 0; st == HH_OK && e->rank != 0 && s < SRC_COUNT; s++)
		if (e->own[s]) {
			wire_late w = {e->own[s]->rows_counted, e->persons[s],
				       e->own[s]->span_first, e->own[s]->span_last};
			sb_add(&send[0], &w, sizeof w);
		}
	const uint8_t *buf;
	const size_t *off, *len;
	st = comm_round(e->comm, st, NULL, send, &buf, &off, &len, err);
	for (int j = 1; st == HH_OK && e->rank == 0 && j < e->nranks; j++) {
		const uint8_t *at = buf + off[j], *end = at + len[j];
		for (int s = 0; st == HH_OK && s < SRC_COUNT; s++) {
			ingest *in = &e->in[s];
			wire_late w;
			if (!e->own[s])
				continue;
			if ((size_t)(end - at) < sizeof w) {
				st = garbled(err, "counts");
				break;
			}
			memcpy(&w, at, sizeof w);
			at += sizeof w;
			in->rows_counted += w.rows_counted;
			e->persons[s] += w.persons;
			if (w.span_first && (!in->span_first || w.span_first < in->span_first))
				in->span_first = w.span_first;
			if (w.span_last > in->span_last)
				in->span_last = w.span_last;
		}
	}
	buffers_free(e, send);
	return comm_agree(e->comm, st, NULL, err);
}

/* --- 3. counts, rejects and findings to rank 0 -------------------------- */

/* What an owner found, besides its persons' records.  Its rejects are
 * repeats only (their lines follow), its findings D_DUP_ROW (with no
 * household: not the roster) and, from step 4, discoveries. */
typedef struct {
	uint64_t rows_read, rows_accepted, rows_rejected, rows_duplicate, rows_counted;
	uint64_t dup_bytes, nrejects, nfindings;
	int32_t span_first, span_last;
} wire_counts;

typedef struct {
	uint8_t code, has_pid, source, pad;
	int32_t id_region;
	uint32_t detail_len;
	uint8_t pid[32];
} wire_finding;

static void put_findings(strbuf *b, const vec *v)
{
	for (size_t i = 0; i < v->n; i++) {
		const finding_rec *f = vec_at(v, i);
		wire_finding w;
		memset(&w, 0, sizeof w);
		w.code = f->code;
		w.has_pid = f->has_pid;
		w.source = f->source;
		w.id_region = f->id_region;
		w.detail_len = (uint32_t)strlen(f->detail);
		memcpy(w.pid, f->pid, 32);
		sb_add(b, &w, sizeof w);
		sb_add(b, f->detail, w.detail_len);
	}
}

static int get_findings(const uint8_t **at, const uint8_t *end, uint64_t n, vec *v)
{
	for (uint64_t i = 0; i < n; i++) {
		wire_finding w;
		if ((size_t)(end - *at) < sizeof w)
			return 0;
		memcpy(&w, *at, sizeof w);
		*at += sizeof w;
		if ((size_t)(end - *at) < w.detail_len || w.code >= F_COUNT)
			return 0;
		finding_rec *f = vec_push(v);
		char *d = malloc((size_t)w.detail_len + 1);
		if (!f || !d) {
			free(d);
			if (f)
				v->n--;
			return -1;
		}
		memcpy(d, *at, w.detail_len);
		d[w.detail_len] = '\0';
		*at += w.detail_len;
		*f = (finding_rec){.code = w.code, .has_pid = w.has_pid, .source = w.source,
				   .detail = d, .id_region = w.id_region};
		memcpy(f->pid, w.pid, 32);
	}
	return 1;
}

/* Repeats and findings per rank and round when they go to rank 0 (steps
 * 2 and 4): a month's can run to millions, and a round's bytes must stay
 * under MPI's 2 GiB counts. */
#define FINDINGS_ROUND 100000

static void put_findings_from(strbuf *b, const vec *v, size_t from, size_t n)
{
	vec part = *v;
	part.items = (char *)v->items + from * v->size;
	part.n = n;
	put_findings(b, &part);
}

/* Rank results of own for one round: the counts with the first round
 * (zeros after), then the next repeats' lines and findings, up to
 * FINDINGS_ROUND of each (*rej, *fnd: how many were sent before). */
static void put_results(strbuf *b, const ingest *own, int round, size_t *rej, size_t *fnd)
{
	size_t nr = own->rejects.n - *rej, nf = own->findings.n - *fnd;
	nr = nr < FINDINGS_ROUND ? nr : FINDINGS_ROUND;
	nf = nf < FINDINGS_ROUND ? nf : FINDINGS_ROUND;
	wire_counts w;
	memset(&w, 0, sizeof w);
	if (round == 0)
		w = (wire_counts){own->rows_read, own->rows_accepted, own->rows_rejected,
				  own->rows_duplicate, own->rows_counted, own->dup_bytes,
				  0, 0, own->span_first, own->span_last};
	w.nrejects = nr;
	w.nfindings = nf;
	sb_add(b, &w, sizeof w);
	for (size_t i = 0; i < nr; i++)
		sb_add(b, &((const reject_rec *)vec_at(&own->rejects, *rej + i))->line,
		       sizeof(uint64_t));
	put_findings_from(b, &own->findings, *fnd, nf);
	*rej += nr;
	*fnd += nf;
}

/* Rank j's results for source in, into a part of it (tmp), absorbed:
 * the counts it sent (zeros after the first round) replace what counting
 * the repeats' lines added. */
static hh_status take_results(ingest *in, const uint8_t **at, const uint8_t *end)
{
	wire_counts w;
	if ((size_t)(end - *at) < sizeof w)
		return garbled(&in->err, in->src->name);
	memcpy(&w, *at, sizeof w);
	*at += sizeof w;
	ingest tmp;
	memset(&tmp, 0, sizeof tmp);
	ingest_share(&tmp, in, -1);
	hh_status st = HH_OK;
	for (uint64_t i = 0; st == HH_OK && i < w.nrejects; i++) {
		uint64_t line;
		if ((size_t)(end - *at) < sizeof line) {
			st = garbled(&in->err, in->src->name);
			break;
		}
		memcpy(&line, *at, sizeof line);
		*at += sizeof line;
		if (ingest_count_reject(&tmp, line, ingest_dup_reason, -1) != HH_OK)
			st = ingest_oom(in);
	}
	int got = st == HH_OK ? get_findings(at, end, w.nfindings, &tmp.findings) : 1;
	if (got <= 0)
		st = got < 0 ? ingest_oom(in) : garbled(&in->err, in->src->name);
	tmp.rows_read = w.rows_read;
	tmp.rows_accepted = w.rows_accepted;
	tmp.rows_rejected = w.rows_rejected;
	tmp.rows_duplicate = w.rows_duplicate;
	tmp.rows_counted = w.rows_counted;
	tmp.span_first = w.span_first;
	tmp.span_last = w.span_last;
	in->dup_bytes += w.dup_bytes;
	if (st == HH_OK)
		st = ingest_absorb(in, &tmp);
	ingest_free(&tmp); /* what it still holds; a part never frees the tables */
	return st;
}

/* Step 2: every rank's results to rank 0, in rounds (a month's repeats
 * can run to millions). */
static hh_status results(engine *e, hh_err *err)
{
	strbuf *send = buffers(e);
	hh_status st = send ? HH_OK : hh_fail(err, HH_EINTERNAL, "out of memory");
	size_t rej[SRC_COUNT] = {0}, fnd[SRC_COUNT] = {0};
	for (int s = 0; st == HH_OK && e->rank == 0 && s < SRC_COUNT; s++) {
		ingest *in = &e->in[s], *own = e->own[s];
		if (!own)
			continue;
		in->dup_bytes += own->dup_bytes;
		st = ingest_absorb(in, own);
		if (st != HH_OK)
			*err = in->err;
	}
	for (int round = 0;; round++) {
		int more = 0;
		if (send)
			buffers_reset(e, send);
		for (int s = 0; st == HH_OK && e->rank != 0 && s < SRC_COUNT; s++) {
			ingest *own = e->own[s];
			if (!own)
				continue;
			put_results(&send[0], own, round, &rej[s], &fnd[s]);
			more |= rej[s] < own->rejects.n || fnd[s] < own->findings.n;
		}
		const uint8_t *buf;
		const size_t *off, *len;
		st = comm_round(e->comm, st, &more, send, &buf, &off, &len, err);
		/* each rank's buffer: its sources in order */
		for (int j = 1; st == HH_OK && e->rank == 0 && j < e->nranks; j++) {
			const uint8_t *at = buf + off[j], *end = at + len[j];
			for (int s = 0; st == HH_OK && s < SRC_COUNT; s++)
				if (e->own[s] && (st = take_results(&e->in[s], &at, end)) != HH_OK)
					*err = e->in[s].err;
		}
		if (st != HH_OK || !more)
			break;
	}
	/* what forwarded rows add to the counts is sent after them (late_counts) */
	for (int s = 0; e->rank != 0 && s < SRC_COUNT; s++)
		if (e->own[s]) {
			e->own[s]->rows_counted = 0;
			e->own[s]->span_first = e->own[s]->span_last = 0;
		}
	for (int s = 0; st == HH_OK && e->rank == 0 && s < SRC_COUNT; s++)
		if (e->own[s])
			ingest_order_reasons(&e->in[s]);
	buffers_free(e, send);
	return comm_agree(e->comm, st, NULL, err);
}

/* --- 4. the roster's persons -------------------------------------------- */

typedef struct {
	uint8_t pid[32];
	uint8_t counted;          /* a household counts the person */
} wire_member;

/* An owner's answer: for each asked person and every source given, a
 * byte saying whether the person has a record there, then the record. */
static hh_status answer(engine *e, const uint8_t *at, const uint8_t *end, strbuf *out,
			hh_err *err)
{
	if (!e->roster_persons &&
	    !(e->roster_persons = ptab_new(sizeof(roster_person), 0, 0)))
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	while (at < end) {
		wire_member m;
		if ((size_t)(end - at) < sizeof m)
			return garbled(err, "roster persons");
		memcpy(&m, at, sizeof m);
		at += sizeof m;
		roster_person *p = ptab_upsert(e->roster_persons, m.pid, NULL);
		if (!p)
			return hh_fail(err, HH_EINTERNAL, "out of memory");
		p->home = m.counted;
		for (int s = SRC_EDUCATION; s < SRC_COUNT; s++) {
			if (!e->in[s].agg)
				continue;
			const void *rec = ptab_find(e->in[s].agg, m.pid);
			sb_addc(out, rec != NULL);
			if (rec)
				sb_add(out, rec, engine_agg_size[s]);
		}
	}
	return out->oom ? hh_fail(err, HH_EINTERNAL, "out of memory") : HH_OK;
}

/* Rank 0 keeps the records an owner sent for the persons it asked about
 * (asked: what it sent, in that order). */
static hh_status keep_answers(engine *e, const strbuf *asked, const uint8_t *at,
			      const uint8_t *end, hh_err *err)
{
	for (size_t i = 0; i + sizeof(wire_member) <= asked->len; i += sizeof(wire_member)) {
		const uint8_t *pid = (const uint8_t *)asked->buf + i;
		for (int s = SRC_EDUCATION; s < SRC_COUNT; s++) {
			if (!e->in[s].agg)
				continue;
			if (at >= end)
				return garbled(err, "roster persons' records");
			if (!*at++)
				continue;
			if ((size_t)(end - at) < engine_agg_size[s])
				return garbled(err, "roster persons' records");
			void *rec = ptab_upsert(e->in[s].agg, pid, NULL);
			if (!rec)
				return hh_fail(err, HH_EINTERNAL, "out of memory");
			memcpy(rec, at, engine_agg_size[s]);
			at += engine_agg_size[s];
		}
	}
	return HH_OK;
}

static hh_status roster_facts(engine *e, hh_err *err)
{
	strbuf *ask = buffers(e), *reply = buffers(e);
	hh_status st = ask && reply ? HH_OK : hh_fail(err, HH_EINTERNAL, "out of memory");
	size_t next = 0;            /* rank 0: the roster row to look at next */
	int more = 1;
	for (;;) {
		/* rank 0: the next round's persons, to their owners, each at
		 * their first roster row: in roster order, not in key order, which
		 * would fill one end of the owners' tables first and pile the
		 * entries up there (ptab.c: homes follow the key) */
		if (st == HH_OK && e->rank == 0) {
			buffers_reset(e, ask);
			size_t taken = 0;
			for (; taken < FACTS_ROUND && next < e->roster.n; next++) {
				const roster_row *r = vec_at(&e->roster, next);
				int o = dist_owner(e, r->pid);
				if (o == 0)
					continue;
				const roster_person *p = ptab_find(e->roster_persons, r->pid);
				if (p->first_row != next)
					continue;
				wire_member m;
				memcpy(m.pid, r->pid, 32);
				m.counted = p->home != 0;
				sb_add(&ask[o], &m, sizeof m);
				taken++;
			}
			if (buffers_oom(e, ask))
				st = hh_fail(err, HH_EINTERNAL, "out of memory");
		}
		more = e->rank == 0 && next < e->roster.n;
		const uint8_t *buf;
		const size_t *off, *len;
		st = comm_round(e->comm, st, &more, ask, &buf, &off, &len, err);
		if (st != HH_OK)
			break;
		buffers_reset(e, reply);
		if (e->rank != 0)
			st = answer(e, buf + off[0], buf + off[0] + len[0], &reply[0], err);
		st = comm_round(e->comm, st, NULL, reply, &buf, &off, &len, err);
		for (int j = 1; st == HH_OK && e->rank == 0 && j < e->nranks; j++)
			st = keep_answers(e, &ask[j], buf + off[j], buf + off[j] + len[j], err);
		if (st != HH_OK || !more)
			break;
	}
	buffers_free(e, ask);
	buffers_free(e, reply);
	return comm_agree(e->comm, st, NULL, err);
}

/* --- the findings of step 4, and each rank's figures ------------------- */

typedef struct {
	comm_stats cs;
	uint64_t peak_rss_kb, parsed, persons, nfindings;
} wire_tally;

static uint64_t peak_rss_kb(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) ? 0 : (uint64_t)ru.ru_maxrss;
}

static void log_tally(const engine *e, int j, const wire_tally *t)
{
	log_info("mpi: rank %d of %d: sent %" PRIu64 " bytes, received %" PRIu64
		 " bytes in %" PRIu64 " exchanges, peak RSS %" PRIu64 " MB, parsed %" PRIu64
		 " rows, persons %" PRIu64,
		 j, e->nranks, t->cs.bytes_sent, t->cs.bytes_received, t->cs.exchanges,
		 t->peak_rss_kb / 1024, t->parsed, t->persons);
}

/* The findings of step 4, in rounds, and each rank's figures (with the
 * first round), to rank 0. */
static hh_status final_findings(engine *e, hh_err *err)
{
	strbuf *send = buffers(e);
	hh_status st = send ? HH_OK : hh_fail(err, HH_EINTERNAL, "out of memory");
	wire_tally t;
	memset(&t, 0, sizeof t);
	comm_stats_get(e->comm, &t.cs);
	t.peak_rss_kb = peak_rss_kb();
	t.persons = e->persons_held;
	for (int s = 0; s < SRC_COUNT; s++)
		if (e->own[s])
			t.parsed += e->own[s]->rows_read;
	size_t sent = 0, mine = e->rank != 0 ? e->findings.n : 0;
	for (int round = 0;; round++) {
		if (st == HH_OK && e->rank != 0) {
			buffers_reset(e, send);
			t.nfindings = mine - sent < FINDINGS_ROUND ? mine - sent : FINDINGS_ROUND;
			sb_add(&send[0], &t, sizeof t);
			put_findings_from(&send[0], &e->findings, sent, (size_t)t.nfindings);
			sent += (size_t)t.nfindings;
		}
		int more = sent < mine;
		const uint8_t *buf;
		const size_t *off, *len;
		st = comm_round(e->comm, st, &more, send, &buf, &off, &len, err);
		if (st == HH_OK && e->rank == 0 && round == 0)
			log_tally(e, 0, &t);
		for (int j = 1; st == HH_OK && e->rank == 0 && j < e->nranks; j++) {
			const uint8_t *at = buf + off[j], *end = at + len[j];
			wire_tally o;
			if (len[j] < sizeof o) {
				st = garbled(err, "findings");
				break;
			}
			memcpy(&o, at, sizeof o);
			at += sizeof o;
			int got = get_findings(&at, end, o.nfindings, &e->findings);
			if (got <= 0)
				st = got < 0 ? hh_fail(err, HH_EINTERNAL, "out of memory")
					     : garbled(err, "findings");
			if (round == 0)
				log_tally(e, j, &o);
		}
		if (st != HH_OK || !more)
			break;
	}
	buffers_free(e, send);
	return comm_agree(e->comm, st, NULL, err);
}

/* --- the run ------------------------------------------------------------ */

/* What a rank read of a source: its records and their digest. */
typedef struct {
	uint64_t records;
	char sha256[65];
} wire_input;

/* Every rank must have read the same source: the same file on every
 * node, a table nobody changed while the ranks read it.  Otherwise rows
 * would be parsed twice or never, and the outputs would be wrong without
 * a sign; the run stops instead. */
static hh_status same_input(ingest *in, hh_err *err)
{
	engine *e = in->eng;
	strbuf *send = buffers(e);
	hh_status st = send ? HH_OK : hh_fail(err, HH_EINTERNAL, "out of memory");
	wire_input mine;
	memset(&mine, 0, sizeof mine);
	mine.records = atomic_load(&in->prog_rows);
	memcpy(mine.sha256, in->sha256, sizeof mine.sha256);
	if (send)
		sb_add(&send[0], &mine, sizeof mine);
	const uint8_t *buf;
	const size_t *off, *len;
	st = comm_round(e->comm, st, NULL, send, &buf, &off, &len, err);
	for (int j = 1; st == HH_OK && e->rank == 0 && j < e->nranks; j++) {
		wire_input o;
		if (len[j] != sizeof o) {
			st = garbled(err, in->src->name);
			break;
		}
		memcpy(&o, buf + off[j], sizeof o);
		o.sha256[64] = '\0';
		if (o.records != mine.records || strcmp(o.sha256, mine.sha256))
			st = hh_fail(err, HH_EINPUT,
				     "%s: %s: rank %d read other data than rank 0 (%llu records, "
				     "SHA-256 %.16s... against %llu, %.16s...): every rank must "
				     "see the same source (the same file on every node, a table "
				     "nobody changes during the run)",
				     in->src->name, in->display_path, j,
				     (unsigned long long)o.records, o.sha256,
				     (unsigned long long)mine.records, mine.sha256);
	}
	buffers_free(e, send);
	return comm_agree(e->comm, st, NULL, err);
}

typedef struct {
	engine *e;
	hh_status st;
	hh_err err;
} roster_job;

static void *roster_thread(void *arg)
{
	roster_job *j = arg;
	j->st = engine_ingest_local(j->e, &j->err);
	return NULL;
}

hh_status dist_run(engine *e, hh_err *err)
{
	double t = fs_now_seconds();
	hh_status st = HH_OK;
	/* rank 0 reads the roster with its workers meanwhile (it shares
	 * nothing with the other sources until the repairs) */
	roster_job rj = {.e = e};
	pthread_t th;
	int threaded = e->rank == 0 && !pthread_create(&th, NULL, roster_thread, &rj);
	if (e->rank == 0 && !threaded)
		roster_thread(&rj);
	/* rank 0's chunk size, whatever the others' environment says: they
	 * must cut the same chunks */
	uint64_t chunk = e->chunk_rows;
	st = comm_bcast(e->comm, &chunk, sizeof chunk, 0, err);
	e->chunk_rows = (size_t)chunk;
	for (int s = 0; st == HH_OK && s < SRC_COUNT; s++) {
		ingest *in = &e->in[s];
		if (!in->path || !in->dist)
			continue;
		if (ingest_source(in) != HH_OK) {
			*err = in->err;
			st = in->status; /* agreed by every rank (dist_read) */
		} else {
			st = same_input(in, err);
		}
	}
	if (threaded)
		pthread_join(th, NULL);
	/* the roster's failure first, as one process reports it */
	hh_err rerr = rj.err;
	hh_status rst = comm_agree(e->comm, rj.st, NULL, &rerr);
	if (rst != HH_OK) {
		*err = rerr;
		return rst;
	}
	HH_TRY(st);
	e->t_ingest = fs_now_seconds() - t;

	/* the reasons rows were rejected for are ordered as the sources were
	 * read, before repairs add theirs (as in one process) */
	HH_TRY(results(e, err));

	t = fs_now_seconds();
	st = engine_check_cancel(e, err);
	if (st == HH_OK && e->rank == 0)
		st = engine_repair(e, err);
	HH_TRY(comm_agree(e->comm, st, NULL, err));
	HH_TRY(forward(e, err));
	HH_TRY(late_counts(e, err));
	e->t_repair = fs_now_seconds() - t;
	st = e->rank == 0 ? engine_checks(e, err) : HH_OK;
	if (st == HH_OK)
		st = engine_check_cancel(e, err);
	HH_TRY(comm_agree(e->comm, st, NULL, err));

	t = fs_now_seconds();
	HH_TRY(roster_facts(e, err));
	if (e->rank == 0) {
		st = engine_gather_findings(e, err);
		if (st == HH_OK)
			st = household_evaluate(e, err);
	} else {
		st = household_discover(e, err);
	}
	HH_TRY(comm_agree(e->comm, st, NULL, err));
	HH_TRY(final_findings(e, err));
	e->t_households = fs_now_seconds() - t;
	return HH_OK;
}

void dist_free(engine *e)
{
	for (int s = 0; s < SRC_COUNT; s++) {
		ingest *own = e->own[s];
		if (!own)
			continue;
		ingest_free(own);
		free(own);
		e->own[s] = NULL;
	}
	buffers_free(e, e->fwd);
	e->fwd = NULL;
}
