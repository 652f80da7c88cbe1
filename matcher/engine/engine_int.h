/*
 * engine_int.h - the engine's internal structures, shared by engine.c
 * (orchestration), ingest.c (one source's rows), dedup.c (row
 * fingerprints), household.c (households,
 * rules and findings), conflict.c (one pid, several identities) and
 * output.c (files).  Not for connectors or
 * commands: they see engine.h only.
 */
#ifndef HH_ENGINE_INT_H
#define HH_ENGINE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "domain/ptab.h"
#include "domain/hashset.h"
#include "base/strbuf.h"
#include "base/vec.h"
#include "connectors/comm.h"

/* Column indexes and enumeration values the engine needs, resolved from
 * the schema once so the row path never compares names. */
typedef struct {
	/* civil_affairs */
	int household_id, region_code, category, household_income, relation,
		disability_grade, ca_status;
	int cat_dibao, cat_tekun, st_active, st_gradual_exit;
	/* education */
	int stage, edu_status, annual_fees, aid_amount;
	int edu_enrolled, edu_dropped_out;
	/* hr */
	int employment_status, employer_type, monthly_wage,
		unemployment_benefit, pension_monthly, hr_period;
	int emp_employed, emp_flexible, emp_unemployed, emp_public_sector;
	/* housing */
	int property_count, dangerous_rating, disaster_damage, public_rental;
	int dmg_severe, dmg_collapsed, rating_c, rating_d;
	/* medical */
	int settle_date, out_of_pocket, insured_status;
	int ins_deceased;
} engine_cols;

/* Per-person aggregates, one table per source, keyed by pid.
 *
 * name, names_differ (every source): the smallest keyed digest of the
 * names on the person's rows (0 none given) and whether another, different
 * one was seen; whatever the row order, the same two values
 * (conflict.c, D_ID_CONFLICT). */
typedef struct {
	int64_t net_fen;     /* enrolled rows: sum of max(fees - aid, 0) */
	uint64_t name;
	uint8_t dropout;     /* a row with status dropped_out */
	uint8_t enrolled;
	uint8_t names_differ;
} edu_agg;

typedef struct {
	int32_t period;           /* latest period seen */
	uint8_t status;           /* employment_status of the latest row */
	uint8_t employer;         /* employer_type + 1; 0 = not given */
	uint64_t line;            /* the latest row (ties: the later line) */
	int64_t wage, benefit, pension;
	int64_t latest_wage_max;  /* highest wage among rows of that period */
	int64_t earlier_wage_max; /* highest wage of earlier periods */
	uint64_t name;
	uint8_t names_differ;
} hr_agg;

/* id_region (housing, medical): the 6-digit region of the person's ID
 * (idnum_region, or a pid extract's id_region), the smallest seen so
 * that row order never decides it; 0 unknown.  It places persons off the
 * roster (X_DISCOVERY) in findings.csv's region_code. */
typedef struct {
	int32_t property_count;   /* highest given; -1 none given */
	int32_t id_region;
	uint64_t name;
	uint8_t rating;           /* highest dangerous_rating + 1; 0 none */
	uint8_t damage;           /* highest disaster_damage + 1; 0 none */
	uint8_t public_rental;
	uint8_t names_differ;
} housing_agg;

typedef struct {
	int64_t oop_12m_fen;
	uint32_t settlements_12m;
	uint32_t id_region : 20;  /* < 1000000 */
	uint32_t deceased : 1;
	uint32_t names_differ : 1;
	uint64_t name;
} med_agg;

/* One roster row that was accepted. */
typedef struct {
	uint8_t pid[32];
	uint64_t line;
	int64_t income_fen;
	uint64_t name_hash;     /* 0: no name given */
	uint64_t name_key;      /* pid_name_key of the name, 0: none: what a
				 * pid extract's name_key is compared with */
	uint32_t household;     /* index into engine.households */
	uint32_t next_same_pid; /* chain of rows of one person; UINT32_MAX ends */
	int32_t birth;          /* YYYYMMDD; 0 unknown */
	int8_t category, relation, status, disability; /* -1: not given */
	int8_t sex;             /* a pid extract's sex column; 0 not given */
} roster_row;

typedef struct {
	const char *id;         /* NUL-terminated, in the engine's string arena */
	const char *region;     /* of the household's first row */
	int8_t category;        /* of the household's first row */
} household;

/* Per roster person (ptab record), kept by household_link_row as rows
 * arrive.  `home` holds the household's index as read (before
 * household_evaluate renumbers households by id): only whether it is
 * zero, or equal to another row's, is ever asked. */
typedef struct {
	uint32_t first_row;       /* head of the next_same_pid chain */
	uint32_t last_row;        /* its tail */
	uint32_t home;            /* first household counting the person, + 1;
				   * 0: not counted anywhere */
	uint8_t multi;            /* counted in another household as well */
} roster_person;

typedef struct {
	uint8_t source;
	uint8_t col;             /* schema column + 1; 0 = none */
	uint64_t line;
	const char *reason;      /* static string */
} reject_rec;

typedef struct {
	uint8_t code;            /* finding_code */
	uint8_t has_pid;
	uint8_t source;          /* source_id; SRC_COUNT = several (detail) */
	const char *household;   /* NULL or arena string */
	uint8_t pid[32];
	char *detail;            /* malloc'ed */
	int32_t id_region;       /* the ID's region (pid without household), 0 none */
	const char *source_text; /* overrides source when not NULL */
} finding_rec;

typedef struct {
	const char *reason;
	uint64_t count;
	uint64_t first_line;     /* the smallest line rejected for it */
} reason_count;

#define MAX_REASONS 32

/* A row set aside for repair or linkage after the roster is complete. */
typedef struct {
	char *buf;               /* the record's fields, NUL-separated */
	size_t nfields;
	uint64_t line;
	uint32_t *offsets;
	char bad_id[19];
	const char *reason;      /* the reject reason if neither repaired nor linked */
	uint64_t name_hash;
	int32_t link_birth;      /* linkage key (with name_hash): birth date, */
	int8_t link_sex;         /* sex; link_birth 0: not linkable */
	uint8_t repairable;      /* bad_id may be a typo (ingest_repairs) */
	uint8_t by_key;          /* a pid extract's row: name_hash is its
				  * name_key, the candidates its repair_pids */
	uint8_t done;            /* repaired, or rejected by ingest_repairs */
} deferred_row;

/* The linkage index (ingest_link_index): roster rows by (name digest,
 * birth date, sex), one slot per distinct triple; `ambiguous` when rows
 * of two persons share it.  Each row goes in twice, by name_hash and by
 * name_key (a pid extract's rows look up the latter): the two are
 * independent 64-bit digests, so one posing as the other is a 2^-64
 * chance. */
typedef struct {
	uint64_t name_hash;      /* 0: empty slot */
	int32_t birth;
	int8_t sex;
	uint8_t ambiguous;
	uint32_t row;            /* a roster row of the person */
} link_slot;

struct engine;

/* A valid row held back one step so its table probes can be prefetched
 * (ingest.c, handle_record).  fold() reads only row.val and row.present. */
typedef struct pending_row {
	int full;
	uint64_t lo, hi;   /* the row's fingerprint */
	uint64_t line;
	uint8_t pid[32];
	schema_row row;
	/* roster rows only: what needed the row's text */
	uint32_t household;
	int32_t birth;
	uint64_t name_hash; /* every source: the keyed digest of the name */
	uint64_t name_key;  /* roster rows: pid_name_key of the name */
	int32_t id_region;  /* the ID's region; 0 unknown */
	int8_t sex;
} pending_row;

/* A non-roster source's aggregate table has 2^INGEST_PART_BITS parts
 * (ptab.h), whatever the number of threads, so that its contents and
 * iteration never depend on it. */
#define INGEST_PART_BITS 4
#define INGEST_PARTS (1 << INGEST_PART_BITS)

/* Morsel-driven reading (ingest.c): a large local source is read by any
 * worker that is free.  Workers take turns with the reader (read_lock):
 * each takes the next morsel of records (a copy of their fields, in file
 * order, numbered), parses and validates it without any lock (typed
 * values, pid, fingerprint: the row's pure part).  Then it settles the
 * morsel's valid rows part by part (split_part: the duplicate check and
 * the fold of the persons of one part, in morsel order within the part,
 * while other workers settle other parts) and hands the morsel back; the
 * rest (rows that are rejected or set aside, counts, progress) is applied
 * by one worker at a time strictly in morsel order.  A person's rows all
 * fall in one part, and exact repeats are rows of one person, so each
 * person's rows meet the duplicate set and the fold in file order, as a
 * single worker would apply them: every output and count is the same
 * whatever the number of workers and the morsel size.
 * Records are split by the one reader (csv.c, RFC 4180 quoted newlines
 * included) and inflated by it: nothing is guessed about record
 * boundaries. */
typedef struct {
	uint32_t first, n;       /* fields[first .. first + n) */
	uint64_t line;
	uint8_t malformed, bad_encoding;
} morsel_rec;

typedef struct {
	int ready;               /* parsed, waiting for its turn to settle */
	int oom;                 /* a record could not be prepared: no memory */
	uint64_t seq;            /* the morsel's number in the source */
	size_t n;                /* records */
	morsel_rec *rec;
	size_t rec_cap;
	hh_field *fields;
	uint32_t *foff;          /* fields[i]'s offset in text, while reading */
	size_t nfields, fields_cap;
	char *text;
	size_t text_len, text_cap;
	struct pending_row *rows; /* rows[i].full: record i parsed valid */
	uint32_t *by_part;       /* the valid rows' indexes, part after part */
	uint32_t part_start[INGEST_PARTS + 1]; /* part p: by_part[start[p]..start[p+1]) */
	uint64_t raw_done;       /* the stream's raw offset after the morsel */
	hh_status end;           /* a read error after the n records */
	hh_err end_err;
	int last;                /* nothing after it: end of input or error */
} morsel;

#define MORSEL_RING 16

/* One part of a source read in morsels: the persons whose pid falls in
 * the part (ptab_part) and their rows' duplicate set.  The valid rows of
 * morsel k settle into it after those of morsel k - 1 (next): in file
 * order within the part, which is all a person's rows need, while other
 * workers settle other parts.  `in` is the part's own ingest (slice -1):
 * its counts, rejects and D_DUP_ROW findings, absorbed into the source
 * once it is read; it shares the source's aggregate table. */
typedef struct {
	pthread_mutex_t lock;
	pthread_cond_t turn;     /* next moved on */
	uint64_t next;           /* the morsel whose rows settle next */
	struct ingest *in;
} split_part;

typedef struct {
	pthread_mutex_t read_lock; /* the reader, next_read's increments and
				    * reading_done */
	pthread_mutex_t lock;    /* the ring's bookkeeping below */
	pthread_cond_t cond;     /* a morsel settled */
	struct csv_reader *r;
	int rowcol;
	uint64_t total;          /* the stream's raw size */
	size_t rows_per_morsel;
	int ring;                /* slots used, <= MORSEL_RING */
	uint64_t next_read, next_settle;
	int reading_done, settling, failed;
	hh_status st;            /* the first failure (in->err says it) */
	_Atomic int state;       /* 0 not open yet, 1 open to helpers, 2 done */
	_Atomic int part_failed; /* a part could not settle: skip the rest */
	hh_err part_err;         /* its error (the first), under `lock` */
	int nparts_ready;        /* parts whose lock and condition exist */
	morsel slot[MORSEL_RING];
	split_part parts[INGEST_PARTS];
} split_read;

/* One source, or one slice of a source, being read by one worker.  A
 * source read in slices (PostgreSQL) has one ingest per slice; slice 0 is
 * engine.in[source] and owns the aggregate table and duplicate set, which
 * the other slices share under `lock`.  After the workers are joined, the
 * other slices' counts, rejects, findings and set-aside rows are moved
 * into slice 0. */
typedef struct ingest {
	struct engine *eng;
	source_id sid;
	int slice, nslices;
	pthread_mutex_t *lock;   /* NULL when the source is read in one piece */
	split_read *split;       /* morsel-driven reading, or NULL */
	int dist;                /* read across the ranks of a job (dist.c) */
	const schema_source *src;
	int name_col, birth_col, sex_col; /* this source's name, birth_date, sex */
	int key_id_col;           /* key_id (pid extracts), or -1 */
	int repair_pids_col, name_key_col; /* a pid extract's repair material */
	int id_region_col;        /* id_region (pid extracts), or -1 */
	const char *path;
	const char *display_path; /* path, or the URI without password */
	hh_encoding encoding;
	int remote;              /* PostgreSQL: no local file */
	uint64_t size_hint;
	char display_buf[512];
	/* results */
	hh_status status;
	hh_err err;
	uint64_t rows_read, rows_accepted, rows_rejected;
	uint64_t rows_duplicate;  /* of rows_rejected: duplicate_row */
	/* Accepted rows the run counts, for the delivery guards: hr rows at
	 * or before the run period (or without one), medical settlements in
	 * the window; and the range of the periods (hr, YYYYMM) or
	 * settlement dates (medical, YYYYMMDD) accepted, 0 when none. */
	uint64_t rows_counted;
	int32_t span_first, span_last;
	reason_count reasons[MAX_REASONS];
	size_t nreasons;
	vec rejects;             /* reject_rec */
	vec findings;            /* finding_rec */
	vec deferred;            /* deferred_row */
	ptab *agg;               /* per-person aggregates (other sources); slice 0's */
	void *last_rec;          /* fold(): the last row's record, and its pid */
	uint8_t last_pid[32];
	rowset *dups;            /* slice 0's; freed once the source is read */
	size_t dup_bytes;        /* its size, for report.json */
	pending_row pend;
	char delim;              /* the reader's, for row fingerprints */
	int row_col;             /* field of hh_row (PostgreSQL), or -1 */
	char *scratch;           /* fingerprint buffer (dedup.c) */
	size_t scratch_cap;
	/* dedup.c's plan, made at the first row: the columns the file maps,
	 * in schema order, with how each is packed */
	uint8_t fp_col[SCHEMA_MAX_COLS], fp_kind[SCHEMA_MAX_COLS];
	uint8_t fp_n, fp_planned;
	char sha256[65];
	char encoding_used[16];
	schema_map map;
	double seconds;
	/* progress, read by the progress thread */
	_Atomic uint64_t prog_rows, prog_bytes, prog_total;
	_Atomic int prog_state;  /* 0 waiting, 1 reading, 2 done */
	_Atomic uint64_t prog_start_ns, prog_end_ns; /* CLOCK_MONOTONIC */
} ingest;

#define MAX_SLICES 16

typedef struct engine {
	const engine_cfg *cfg;
	engine_cols c;
	const char *const *category_codes; /* the category enumeration */
	int period_end;           /* YYYYMMDD */
	int window_start;         /* YYYYMMDD, first day of the medical window */
	ingest in[SRC_COUNT];
	ingest *slices[SRC_COUNT];  /* slices 1.. of a sliced source, or NULL */
	pthread_mutex_t locks[SRC_COUNT];
	/* roster, built by the roster worker (and repairs) */
	vec households;           /* household */
	strtab *household_ids;
	ptab *roster_persons;     /* roster_person */
	vec roster;               /* roster_row */
	int64_t last_household;   /* of the last roster row read; -1 none */
	arena *strings;
	uint64_t name_seed;       /* keys the names' digests (engine_new) */
	link_slot *link_tab;      /* the linkage index, NULL unless needed */
	size_t link_mask;
	/* outputs */
	vec findings;             /* finding_rec, all sources */
	vec out_households;       /* household_out, in evaluation order */
	uint32_t *out_order;      /* out_households' indexes in household_id order */
	size_t on_roster[SRC_COUNT]; /* roster persons found in each source */
	engine_summary *sum;
	double t_ingest, t_repair, t_households, t_output;
	/* a run across ranks (dist.c); comm NULL: one process */
	comm *comm;
	int rank, nranks;
	size_t chunk_rows;        /* records a rank parses per turn */
	struct ingest *own[SRC_COUNT]; /* the persons this rank owns, per source */
	strbuf *fwd;              /* rank 0's repaired rows, per owner */
	uint64_t persons_held;    /* for the rank's closing line */
	size_t persons[SRC_COUNT]; /* rank 0: every rank's persons, per source */
} engine;

/* One row of households.csv: the facts the rules saw and their verdict.
 * The compared values and thresholds (explain.csv) are recomputed from
 * the facts when written, which keeps this small: there is one per
 * household. */
typedef struct {
	uint32_t household;
	uint16_t fired;          /* bit r: rule r fired */
	int16_t score;
	uint8_t level;           /* risk_level */
	uint8_t flagged;
	rules_facts f;           /* region, members, income, oop, fees... */
} household_out;

/* ingest.c */
hh_status ingest_source(ingest *in);
/* Sets up morsel-driven reading of in (rows: records per morsel, ring:
 * morsels in flight at most); HH_EINTERNAL on no memory. */
hh_status ingest_split_init(ingest *in, size_t rows, int ring);
/* A worker with nothing else to do helps read the sources being read in
 * morsels (scratch, cap: its own fingerprint buffer).  0 when there is
 * nothing left to help with. */
int ingest_help(engine *e, char **scratch, size_t *cap);
/* Makes `to` (zeroed) another reader of from's source: a PostgreSQL
 * slice (slice > 0: from's settings, aggregate table and duplicate set)
 * or a part (slice -1: of a source read in morsels or across ranks; it
 * reads nothing itself, so it also takes from's header as read, and no
 * duplicate set: the caller gives it one if it needs one), with results
 * of its own. */
void ingest_share(ingest *to, const ingest *from, int slice);
/* Moves slice `from`'s results into slice 0 `to` (after the join);
 * HH_EINTERNAL (no memory) moves nothing. */
hh_status ingest_absorb(ingest *to, ingest *from);
/* Orders the reasons rows were rejected for by the first line each was
 * met at, as one reader going through the file meets them, whatever
 * read which rows (slices, parts) and whatever order the lines are in
 * (a file's own hh_row column). */
void ingest_order_reasons(ingest *in);
/* ingest.c's row helpers that repair.c shares: accept a resolved row as
 * the person's, the row's own household id (roster rows), "line" or
 * "hh_row" for messages, and the out-of-memory error of a source. */
hh_status ingest_accept_row(ingest *in, const schema_row *row, const uint8_t pid[32],
			    int32_t birth, int8_t sex, uint64_t line);
const char *ingest_household_of(ingest *in, const schema_row *row);
const char *ingest_where(const ingest *in);
hh_status ingest_oom(ingest *in);
hh_status ingest_repairs(engine *e, ingest *in);
/* Builds the linkage index from the roster as it stands (every roster
 * row, exited included), when some source set a row aside that could be
 * linked; ingest_links then links or rejects every such row.  The index
 * is built once, before any row is linked, so that no linked row changes
 * another's outcome. */
hh_status ingest_link_index(engine *e, hh_err *err);
hh_status ingest_links(engine *e, ingest *in);
void ingest_free(ingest *in);
/* Row line rejected for reason (col: the failing column, -1 none): into
 * rejects and the counts, or HH_EINTERNAL (out of memory) counting nothing. */
hh_status ingest_count_reject(ingest *in, uint64_t line, const char *reason,
			      int col);
hh_status engine_add_finding(vec *v, finding_code code, source_id src,
			     const char *household_id, const uint8_t *pid,
			     const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Gives the finding engine_add_finding added last to v the region of its
 * person's ID, for a person findings.csv cannot place by household. */
void engine_finding_region(vec *v, int32_t id_region);

/* dedup.c: a row's 128-bit fingerprint for the duplicate set.  Typed:
 * from a valid parse (norm_id: the normalised ID when the ID is valid,
 * else NULL).  Text: from the fields as read, for a row whose values do
 * not parse.  Both use in->scratch; no allocation once it has grown. */
hh_status dedup_fingerprint_typed(ingest *in, const schema_row *row,
				  const char *norm_id, uint64_t *lo, uint64_t *hi);
hh_status dedup_fingerprint_text(ingest *in, const hh_record *rec, uint64_t *lo,
				 uint64_t *hi);
/* The typed fingerprint's plan, made once from the header's map before
 * any worker shares the ingest; dedup_typed_into then only reads `in`
 * and writes into the caller's scratch buffer (*scratch, *cap: grown with
 * realloc), so workers parsing morsels of one source in parallel each
 * pass their own.  -1 on no memory. */
void dedup_plan(ingest *in);
int dedup_typed_into(const ingest *in, char **scratch, size_t *cap,
		     const schema_row *row, const char *norm_id, uint64_t *lo,
		     uint64_t *hi);

/* The size of a source's per-person record (0: the roster has none). */
extern const size_t engine_agg_size[SRC_COUNT];

/* A roster person's records in the four other sources (NULL: absent). */
typedef struct {
	const edu_agg *ed;
	const hr_agg *hr;
	const housing_agg *ho;
	const med_agg *md;
} person_aggs;

/* Keeps in *kept the smallest nonzero name digest given; 1 when nh is a
 * digest other than one seen before (the same answer in any row order). */
static inline int engine_note_name(uint64_t *kept, uint64_t nh)
{
	if (!nh || nh == *kept)
		return 0;
	int differs = *kept != 0;
	if (!*kept || nh < *kept)
		*kept = nh;
	return differs;
}

/* conflict.c: D_ID_CONFLICT, and which facts of a conflicted person
 * count.  The birth date the rules use for person p (row r is one of
 * theirs): the earliest of their roster rows'. */
int32_t conflict_birth(const engine *e, const roster_person *p,
		       const roster_row *r);
/* Adds to v the D_ID_CONFLICT finding of roster person p (pa: their other
 * records), if their rows disagree; called once per person. */
hh_status conflict_roster_person(const engine *e, vec *v, const roster_person *p,
				 const person_aggs *pa, hh_err *err);
/* D_ID_CONFLICT for persons off the roster whose names disagree. */
hh_status conflict_off_roster(engine *e, hh_err *err);

/* ingest.c's steps that dist.c runs in its own order: parse a record
 * (its pure part: a valid row into *p, p->full 1; 0 anything else; -1 no
 * memory), settle a valid row into a table of persons, decide any other
 * record in file order, fold a resolved row, and a record's line or
 * hh_row number. */
void ingest_prepare(const ingest *in, char **scratch, size_t *cap,
		    const hh_record *rec, pending_row *p);
hh_status ingest_settle_row(ingest *in, const pending_row *p);
hh_status ingest_handle(ingest *in, const hh_record *rec);
hh_status ingest_fold(ingest *in, const schema_row *row, const uint8_t pid[32],
		      uint64_t line, int32_t id_region, uint64_t nh);
uint64_t ingest_row_number(const hh_record *rec, int col);
/* A morsel's records: ingest_morsel_add copies one in (0: no memory; rows:
 * the most it will hold), ingest_morsel_point points the fields at the
 * text once every record is in, ingest_morsel_record gives record i back,
 * ingest_morsel_free frees what the morsel holds. */
int ingest_morsel_add(morsel *m, size_t rows, const hh_record *rec);
void ingest_morsel_point(morsel *m);
hh_record ingest_morsel_record(const morsel *m, size_t i);
void ingest_morsel_free(morsel *m);
/* The reason a row repeating another is rejected for. */
extern const char ingest_dup_reason[];

/* engine.c's phases that dist.c runs between its exchanges: the local
 * sources read by this process's workers, ID repair and linkage, and the
 * checks on the counts. */
hh_status engine_ingest_local(engine *e, hh_err *err);
hh_status engine_repair(engine *e, hh_err *err);
hh_status engine_checks(engine *e, hh_err *err);
hh_status engine_gather_findings(engine *e, hh_err *err);

/* Records a rank parses at a turn (HH_MPI_CHUNK_ROWS overrides it): a
 * round of exchanges moves about this many rows per rank, which bounds
 * the buffers, and is large enough that the exchanges' latency is small
 * beside the parsing. */
#define DIST_CHUNK_ROWS 8192
/* Text a round reads at most (about), whatever the records' sizes: its
 * exchange stays well under MPI's 2 GiB counts even when every record
 * goes to rank 0. */
#define DIST_ROUND_BYTES ((size_t)256 << 20)

/* dist.c: the run across the ranks of an MPI job (docs/distributed.md).
 * dist_owner: the rank that owns a pid's person (every source's records
 * of them, and their repeats); dist_owns: this rank does (always, in one
 * process).  dist_read: a source's records after its header (st: how
 * opening it went; every rank calls it whatever st is, so that the
 * exchanges stay in step).  dist_forward_row: a repaired or linked row
 * of a person another rank owns, sent there after the repairs.
 * dist_run: the whole run but the outputs; every rank returns the same
 * status, and rank 0 then holds what one process would have. */
int dist_owner(const engine *e, const uint8_t pid[32]);
int dist_owns(const engine *e, const uint8_t pid[32]);
hh_status dist_read(ingest *in, struct csv_reader *r, int rowcol, hh_status st);
hh_status dist_forward_row(ingest *in, const schema_row *row, const uint8_t pid[32],
			   uint64_t line, uint64_t nh);
hh_status dist_run(engine *e, hh_err *err);
void dist_free(engine *e);

/* household.c */
/* Links roster row i into its person's record p (created: p is new)
 * and notes the households that count the person. */
void household_link_row(engine *e, uint32_t i, roster_person *p, int created);
hh_status household_evaluate(engine *e, hh_err *err);
/* X_DISCOVERY and D_ID_CONFLICT of persons off the roster, among the
 * persons this rank owns (household_evaluate runs it; the other ranks of
 * a job run it alone). */
hh_status household_discover(engine *e, hh_err *err);

/* output.c */
hh_status output_write_all(engine *e, const char *dir, hh_err *err);

#endif
