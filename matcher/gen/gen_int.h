/*
 * gen_int.h - what the files of `hhmatch gen` share: the generator's
 * state, the population's types, and each file's entry points.  Private
 * to matcher/gen/ (callers use gen.h).
 *
 * Reading order, which is also the order the work happens in:
 *
 *   gen.c             gen_month: checks the options and the schema, then
 *                     runs the phases below and frees everything
 *   rng.h, days.h     random numbers (every draw), day arithmetic
 *   population.c      1. households and persons with unique valid IDs;
 *                        background households drawn at random
 *   plans.c           2. planted cases: small controlled households that
 *                        must fire (or, at a boundary, must not fire) one
 *                        rule or finding.  A new case goes here.
 *   roster.c,         3. the extracts: civil_affairs.csv, then education,
 *   person_sources.c     hr, housing and medical, household by household
 *   extract.c            one extract file: forms, header, identity fields
 *   row.c                one row: fields, quoting, joining
 *   dirt.c               every row goes through dirt_emit, which in dirty
 *                        mode spoils some (ID variants, typos, duplicates,
 *                        malformed rows) and records each in truth.csv
 *   truth.c           4. truth.csv and hhmatch.conf
 *
 * Random streams (rng.h): g->r draws the population and the plans, in
 * household order; each background person has one stream per source
 * (person_source_rng), so a source's draws never shift another's; each
 * extract has one stream for its dirt (extract_open).  Planted rows never
 * get random dirt, so a plan's outcome does not depend on the dice.
 *
 * Money is integer fen throughout and no libm function is used, so the
 * same seed gives the same bytes on every machine.
 *
 * Memory: the generator's vecs and tables are freed by gen_month; a
 * failed allocation sets g->oom (gen_push) or the truth buffer's oom,
 * checked once per phase.  Thread safety: one gen per call of gen_month;
 * nothing is global.
 */
#ifndef HH_GEN_INT_H
#define HH_GEN_INT_H

#include <stdint.h>

#include "base/strbuf.h"
#include "base/vec.h"
#include "connectors/outstream.h"
#include "domain/pid.h"
#include "domain/schema.h"
#include "domain/sources.h"
#include "gen/gen.h"
#include "gen/rng.h"
#include "gen/row.h"

/* ------------------------------------------------------------------ */
/* Enumeration values, in the order of schemas/sources.schema (gen.c     */
/* checks them against the schema at start-up, so a reordered schema     */
/* cannot silently shift them).                                          */

enum { CAT_DIBAO, CAT_TEKUN, CAT_EDGE, CAT_MONITORED, CAT_LIFTED, CAT_OTHER };
enum { ST_ACTIVE, ST_GRADUAL, ST_EXITED };
enum { REL_HEAD, REL_SPOUSE, REL_CHILD, REL_PARENT, REL_GRANDCHILD, REL_OTHER };
enum { STG_PRE, STG_PRIMARY, STG_JUNIOR, STG_SENIOR, STG_VOC, STG_COLLEGE, STG_GRAD };
enum { ED_ENROLLED, ED_SUSPENDED, ED_DROPPED, ED_GRADUATED };
enum { EMP_EMPLOYED, EMP_FLEXIBLE, EMP_UNEMPLOYED, EMP_RETIRED };
enum { ER_ENTERPRISE, ER_PUBLIC, ER_NONE };
enum { DR_NONE, DR_A, DR_B, DR_C, DR_D };
enum { DD_NONE, DD_MINOR, DD_SEVERE, DD_COLLAPSED };
enum { INS_ACTIVE, INS_TERMINATED, INS_DECEASED };

/* The enumerations above, as indexes of gen.en[]. */
enum { E_CATEGORY, E_CA_STATUS, E_RELATION, E_STAGE, E_EDU_STATUS, E_EMP,
       E_EMPLOYER, E_RATING, E_DAMAGE, E_INSURED, NENUMS };

#define YUAN(y) ((int64_t)(y) * 100)

/* ------------------------------------------------------------------ */
/* The population.                                                       */

typedef struct {
	char id[18];          /* normalised ID number (no NUL) */
	int32_t birth;        /* YYYYMMDD */
	int32_t hh;           /* household index; -1 off the roster */
	int64_t income;       /* roster row's household_income in fen; -1 = household's */
	uint8_t sname, g1, g2; /* name: surname, given chars (g2 0xff: none) */
	uint8_t sex;          /* 1 male, 2 female */
	uint8_t relation, status, disability;
} person;

/* What a planted row asks of the emitter (dirt_emit). */
enum { SP_NONE, SP_DUP, SP_TYPO };

/* Planned (and background) rows, one struct per person source. */
typedef struct {
	uint32_t person;
	uint8_t special, stage, status;
	int64_t fees, aid;    /* fen; -1 empty */
} edu_row;

typedef struct {
	uint32_t person;
	uint8_t special, emp, employer;
	int32_t period;       /* YYYYMM; 0 empty (counts as the run period) */
	int64_t wage, benefit, pension; /* fen; -1 empty */
} hr_row;

typedef struct {
	uint32_t person;
	uint8_t special, rating, damage, rental;
	int32_t props;
} house_row;

typedef struct {
	uint32_t person;
	uint8_t special, inpatient, major, insured;
	int32_t date;         /* YYYYMMDD */
	int64_t oop, total;   /* fen; total -1 empty */
} med_row;

typedef struct {
	uint32_t first, nmem, nextra; /* persons [first, first+nmem) on the
					 roster, then nextra off it */
	int64_t income;               /* fen */
	int16_t plan;                 /* -1: background (plans.c) */
	uint8_t county, category, region_len, town, village;
	uint32_t row0[SRC_COUNT], nrows[SRC_COUNT]; /* planned rows per source */
} household;

/* Open-addressing set of the persons' IDs (population.c). */
typedef struct {
	uint32_t *slot;       /* person index + 1; 0 empty */
	size_t mask, n;
} pop_idset;

/* A truth.csv row naming a line of a shuffled extract: the text before
 * and after its line field. */
typedef struct {
	int src;
	long line;
	long first;           /* a repeat's other line (truth_add_repeat), or 0 */
	char pre[320];
	char post[200];
} truth_moved;

typedef struct gen {
	const gen_opts *o;
	int period, end;      /* run period YYYYMM and its last day */
	int win_lo;           /* first day of the 12-month medical window */
	int hist_lo;          /* first day of the 15 months of settlements */
	int dirty, pidsrc;
	rng r;                /* the population's stream */
	vec persons, hhs;     /* person, household */
	vec prow[SRC_COUNT];  /* planned rows: edu_row, hr_row, ... (none
				 for the roster, whose rows are the persons) */
	pop_idset ids;
	uint8_t (*pids)[PID_BYTES]; /* per person, with pid_sources */
	strbuf truth;         /* truth.csv, header first */
	/* GEN_SHAPE_SKEWED (gen.h): whether each extract's data rows are
	 * shuffled; truth.csv rows about a line of one (truth_moved), kept
	 * until the line has its place; and each shuffled extract's new line
	 * of every data line as written (moved_to[src][line - 2]). */
	int skewed;
	int shuffled[SRC_COUNT];
	vec truth_moved;      /* truth_moved */
	uint32_t *moved_to[SRC_COUNT];
	int oom;
	uint32_t multi_src;   /* person copied by the D_MULTI_HOUSEHOLD pair */
	schema *sc;
	const schema_source *src[SRC_COUNT];
	const schema_enum *en[NENUMS];
	hh_err *err;
} gen;

#define P(g, i) (((person *)(g)->persons.items)[i])
#define H(g, i) (((household *)(g)->hhs.items)[i])

/* vec_push, noting a failure in g->oom (checked once per phase). */
static inline void *gen_push(gen *g, vec *v)
{
	void *e = vec_push(v);
	if (!e)
		g->oom = 1;
	return e;
}

/* --- population.c -------------------------------------------------- */

/* Draws the households and persons, planted or background, in order. */
hh_status pop_build(gen *g);

/* A new person with a unique valid ID, born on birth (YYYYMMDD), sex 1
 * male or 2 female, birth registered in region (6 digits); hh: household
 * index or -1.  Returns the index, or UINT32_MAX on no memory. */
uint32_t pop_new_person(gen *g, int32_t hh, int birth, int sex, int region);

/* Where pop_birth_for_age puts the birthday in the year that gives age. */
enum { BIRTH_ANY, BIRTH_OLDEST, BIRTH_TODAY };

/* A birth date giving exactly `age` on `end`.  BIRTH_OLDEST: turns age+1
 * the day after end; BIRTH_TODAY: the birthday is end itself.  These two
 * give the sharp boundary cases (15/16, 59/60, 79/80). */
int pop_birth_for_age(rng *r, int age, int end, int where);

/* The person whose ID is id (18 characters), or -1. */
int64_t pop_find_id(const gen *g, const char *id);

/* The person's name in UTF-8 into out (at least 16 bytes); its length. */
size_t pop_name_utf8(const person *p, char *out);

/* "H" + county code + household number, as the roster writes it. */
void pop_household_id(const gen *g, size_t hi, char out[32]);

/* The county's 6-digit code and its name. */
int pop_county_code(int county);
const char *pop_county_name(int county);

/* --- plans.c ------------------------------------------------------- */

/* The plan household i gets (-1: none, a background household); the
 * households before i must be built. */
int plan_pick(const gen *g, uint32_t i);

/* Builds household hi as its plan (H(g, hi).plan >= 0) says: members,
 * planned rows (recorded in row0/nrows) and truth.csv lines. */
void plan_plant(gen *g, uint32_t hi);

/* --- extract.c: one extract file ------------------------------------ */

/* How an extract is written (gen.c chooses, per source and mode). */
typedef struct {
	const char *file;     /* name in the output folder; ".tsv" in it: tabs */
	int gzip;             /* gzip-compressed */
	int split;            /* gzip: two members, cut half way */
	int gb18030;          /* stored as GB18030 */
	int zh;               /* Chinese header and enumeration labels */
	int crlf, bom;
	int address;          /* the roster's unknown address column */
} extract_form;

#define EXTRACT_PENDING 32

/* An extract being written.  Lines are counted as they are written, so
 * truth.csv can name the physical line of every row it talks about. */
typedef struct {
	gen *g;
	source_id src;
	outstream *os;
	long line;            /* physical lines written */
	rng dirt;             /* this file's dirt stream */
	int dirty;            /* random dirt in this file */
	int address;          /* the roster's extra address column */
	int zh;               /* Chinese enumeration labels */
	char sep;
	const char *eol;
	int idcol;            /* identity field */
	int moneycol, enumcol, datecol; /* fields dirt may break; -1 none */
	const char *bad_enum; /* no code and no label of enumcol's enumeration */
	int shuffle;          /* g->shuffled[src]: data rows held in `rows`
			       * and written in a random order at close */
	strbuf rows;
	char out[8192];       /* the joined row */
	/* exact duplicates waiting to be written a few rows later (dirt.c) */
	struct {
		char text[4400];
		size_t n;
		int countdown;
		int64_t hh, person;
	} pend[EXTRACT_PENDING];
} extract;

/* Creates form->file in the output folder and writes its header. */
hh_status extract_open(gen *g, extract *w, source_id src, const extract_form *form);

/* Writes the duplicates still pending and closes; st: the status so far
 * (returned unless closing fails too). */
hh_status extract_close(extract *w, hh_status st);

/* Writes text (whole lines) and counts its lines. */
void extract_put(extract *w, const char *text, size_t n);

/* The identity fields of person pi: id_number and name, or pid,
 * birth_date and sex. */
void extract_ident(extract *w, row *r, uint32_t pi);

/* Value v of enumeration e (E_*) as this file writes it: code or label. */
const char *extract_enum_text(const extract *w, int e, int v);

/* --- dirt.c -------------------------------------------------------- */

/* Writes row r of person pi.  bg: a background row that dirt may touch;
 * special: SP_DUP / SP_TYPO for planted rows.  r may be changed. */
void dirt_emit(extract *w, row *r, uint32_t pi, int bg, int special);

/* Writes the duplicates still waiting (at the end of the file). */
void dirt_flush(extract *w);

/* --- roster.c, person_sources.c ------------------------------------ */

/* civil_affairs: one row per roster member. */
hh_status roster_write(gen *g, const extract_form *form);

/* education, hr, housing or medical: planned rows of planted households,
 * drawn rows of the others. */
hh_status person_source_write(gen *g, source_id src, const extract_form *form);

/* --- truth.c ------------------------------------------------------- */

/* One truth.csv row.  src: a source or -1; hi: household index or -1;
 * pi: person or -1; line: physical line in the extract, 0 when not
 * relevant.  detail must not hold a comma or quote. */
void truth_add(gen *g, const char *kind, const char *code, int src,
	       int64_t hi, int64_t pi, long line, const char *detail);

/* truth_add for the repeat at line of the row at line first: in a
 * shuffled extract, whichever of the two ends later is the repeat. */
void truth_add_repeat(gen *g, const char *kind, const char *code, int src,
		      int64_t hi, int64_t pi, long first, long line, const char *detail);

/* Writes hhmatch.conf, naming the extracts written as forms[] says, then
 * truth.csv. */
hh_status truth_write(gen *g, const extract_form forms[SRC_COUNT]);

#endif
