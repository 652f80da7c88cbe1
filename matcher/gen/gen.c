/*
 * gen.c - `hhmatch gen`: a deterministic synthetic month (see gen.h).
 *
 * Design, in the order the work happens:
 *
 * 1. Population.  One PRNG stream (xoshiro256** seeded by splitmix64 from
 *    the seed; never rand() or the clock) draws the households one after
 *    another: county, size, relations, ages, category, income, and after
 *    each household 0-3 people who are not on the roster (they appear only
 *    in hr, housing and medical, so the engine has persons to discover).
 *    Every person gets a unique, valid ID number (county + birth date +
 *    sequence with the sex's parity + check character); an open-addressing
 *    set over the 17 digits keeps them unique and later answers "is this
 *    candidate repair on the roster, with this name?".
 *
 * 2. Planted cases.  Household slots chosen by index alone (every 4th of
 *    the first 4 x NPLANS, then every 50th) get a plan instead of random
 *    data: a small, fully controlled family whose rows are stored in
 *    per-source "planned row" vectors and that fires exactly the rule or
 *    finding the plan is about (or, for boundary plans, must not fire it).
 *    A plan writes its expectation into truth.csv.  Planted rows never get
 *    random dirt, so their outcome does not depend on the dirt's dice.
 *
 * 3. Extracts.  Each source is written by walking the households in order:
 *    planted households emit their planned rows, the others draw their
 *    rows from a per-person PRNG stream (seed, person, source), so one
 *    source's draws never shift another's.  Every row passes through one
 *    emitter that, in dirty mode, may alter it (ID spelling variants that
 *    are still valid, repairable and unrepairable typos, exact duplicates
 *    emitted a few rows later, extra malformed rows) and records every
 *    such alteration, with its physical line, in truth.csv.  Rows go into
 *    a 1 MB buffer, transcoded to GB18030 (iconv) or deflated (zlib level
 *    1, fixed header, so output bytes depend only on the zlib version)
 *    when it is flushed; nothing is allocated per row.
 *
 * 4. truth.csv and hhmatch.conf.
 *
 * Column names, aliases and Chinese labels come from the schema module
 * (schemas/sources.schema), never from literals here; the generator only
 * names canonical columns and codes.  The one column it spells itself is
 * the deliberately unknown `address` column of the dirty roster.
 *
 * Money is handled as integer fen throughout and no libm function is used,
 * so the same seed gives the same bytes on every machine.
 */
#include "gen/gen.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "domain/idnum.h"
#include "domain/schema.h"
#include "base/vec.h"

/* ------------------------------------------------------------------ */
/* PRNG: splitmix64 seeds xoshiro256** (public-domain algorithms by     */
/* Vigna and Blackman).                                                  */

typedef struct {
	uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Independent streams: the stream number is mixed into the seed. */
static void rng_seed(rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n), n < 2^32 (multiply-shift; the bias is < 2^-32). */
static uint32_t rnd(rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static int64_t rnd_in(rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)rnd(r, (uint32_t)(hi - lo + 1));
}

/* True with probability ppm / 1,000,000. */
static int chance(rng *r, uint32_t ppm) { return rnd(r, 1000000) < ppm; }

/* Index drawn from integer weights. */
static int pick(rng *r, const unsigned *w, int n)
{
	unsigned total = 0;
	for (int i = 0; i < n; i++)
		total += w[i];
	unsigned x = rnd(r, total);
	for (int i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}
#define PICK(r, w) pick((r), (w), (int)(sizeof(w) / sizeof((w)[0])))

/* ------------------------------------------------------------------ */
/* Calendar (proleptic Gregorian; H. Hinnant's days_from_civil).         */

static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int civil_from_days(int64_t z)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	return (int)(y * 10000 + m * 100 + d);
}

static int64_t ymd_days(int ymd)
{
	return days_from_civil(ymd / 10000, ymd / 100 % 100, ymd % 100);
}

static int month_len(int y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : len[m - 1];
}

/* period + months (months may be negative). */
static int period_add(int period, int months)
{
	int idx = (period / 100) * 12 + (period % 100 - 1) + months;
	return (idx / 12) * 100 + idx % 12 + 1;
}

/* Day d (clamped to the month's length) of a period, as YYYYMMDD. */
static int period_day(int period, int d)
{
	int y = period / 100, m = period % 100;
	int n = month_len(y, m);
	return period * 100 + (d > n ? n : d);
}

/* Whole years on date of someone born on birth. */
static int age_on(int birth, int date)
{
	int a = date / 10000 - birth / 10000;
	if (date % 10000 < birth % 10000)
		a--;
	return a;
}

enum { BIRTH_ANY, BIRTH_OLDEST, BIRTH_TODAY };

/* A birth date giving exactly `age` on `end`.  BIRTH_OLDEST: turns age+1
 * the day after end; BIRTH_TODAY: the birthday is end itself.  These two
 * give the sharp boundary cases (15/16, 59/60, 79/80). */
static int birth_for_age(rng *r, int age, int end, int where)
{
	int y = end / 10000 - age, m = end / 100 % 100, d = end % 100;
	int dh = d > month_len(y, m) ? month_len(y, m) : d;
	int dl = d > month_len(y - 1, m) ? month_len(y - 1, m) : d;
	int64_t hi = days_from_civil(y, m, dh);
	int64_t lo = days_from_civil(y - 1, m, dl) + 1;
	if (where == BIRTH_TODAY)
		return civil_from_days(hi);
	if (where == BIRTH_OLDEST)
		return civil_from_days(lo);
	return civil_from_days(lo + rnd(r, (uint32_t)(hi - lo + 1)));
}

/* ------------------------------------------------------------------ */
/* Static tables: Ningxia counties, names.                               */

static const struct {
	int code;
	const char *name;
} counties[] = {
	{640104, "银川市兴庆区"}, {640105, "银川市西夏区"}, {640106, "银川市金凤区"},
	{640121, "永宁县"},       {640122, "贺兰县"},       {640181, "灵武市"},
	{640202, "大武口区"},     {640205, "惠农区"},       {640221, "平罗县"},
	{640302, "利通区"},       {640303, "红寺堡区"},     {640323, "盐池县"},
	{640324, "同心县"},       {640381, "青铜峡市"},     {640402, "原州区"},
	{640422, "西吉县"},       {640423, "隆德县"},       {640424, "泾源县"},
	{640425, "彭阳县"},       {640502, "沙坡头区"},     {640521, "中宁县"},
	{640522, "海原县"},
};
#define NCOUNTIES (sizeof counties / sizeof counties[0])

/* Birthplaces outside Ningxia, for the few members born elsewhere. */
static const int other_regions[] = {622921, 610102, 152921, 620102, 410102};

/* Surnames common in Ningxia (马 and other Hui surnames weigh in). */
static const char *const surnames[] = {
	"马", "王", "李", "张", "刘", "杨", "田", "海", "丁", "金", "白", "陈",
	"赵", "周", "吴", "孙", "胡", "郭", "何", "高", "罗", "冯", "韩", "苏",
	"魏", "贺", "米", "哈", "纳", "穆", "沙", "锁", "虎", "黑", "拜", "余",
};
#define NSURNAMES (sizeof surnames / sizeof surnames[0])

static const char *const given_m[] = {
	"伟", "强", "军", "平", "刚", "勇", "杰", "涛", "明", "超", "辉", "华",
	"建", "国", "文", "斌", "海", "鹏", "林", "志", "福", "德", "成", "龙",
	"俊", "宏", "忠", "学", "义", "兵",
};
static const char *const given_f[] = {
	"芳", "娟", "敏", "静", "丽", "艳", "霞", "燕", "玲", "桂", "英", "兰",
	"梅", "红", "萍", "雪", "琳", "慧", "婷", "娜", "秀", "花", "凤", "琴",
	"莉", "颖", "洁", "蓉", "月", "珍",
};
#define NGIVEN 30

/* ------------------------------------------------------------------ */
/* Enumeration values, in the order of schemas/sources.schema (checked   */
/* against the schema at start-up, so a reordered schema cannot silently */
/* shift them).                                                          */

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

enum { E_CATEGORY, E_CA_STATUS, E_RELATION, E_STAGE, E_EDU_STATUS, E_EMP,
       E_EMPLOYER, E_RATING, E_DAMAGE, E_INSURED, NENUMS };

static const struct {
	const char *name;
	const char *codes[7];
} enum_expect[NENUMS] = {
	{"category", {"dibao", "tekun", "dibao_edge", "monitored", "lifted", "other"}},
	{"ca_status", {"active", "gradual_exit", "exited"}},
	{"relation", {"head", "spouse", "child", "parent", "grandchild", "other"}},
	{"stage", {"preschool", "primary", "junior", "senior", "vocational",
		   "college", "graduate"}},
	{"edu_status", {"enrolled", "suspended", "dropped_out", "graduated"}},
	{"employment_status", {"employed", "flexible", "unemployed", "retired"}},
	{"employer_type", {"enterprise", "public_sector", "none"}},
	{"dangerous_rating", {"none", "A", "B", "C", "D"}},
	{"disaster_damage", {"none", "minor", "severe", "collapsed"}},
	{"insured_status", {"active", "terminated", "deceased"}},
};

/* ------------------------------------------------------------------ */
/* Sources and their columns (canonical names; the header text comes     */
/* from the schema).                                                     */

enum { SRC_CA, SRC_EDU, SRC_HR, SRC_HOUSE, SRC_MED, NSRC };

static const char *const src_name[NSRC] = {"civil_affairs", "education", "hr",
					    "housing", "medical"};

/* Column order written, after the identity columns (id_number, name; or
 * pid, birth_date, sex).  The roster has household_id first. */
static const char *const src_cols[NSRC][8] = {
	{"region_code", "category", "household_income", "relation",
	 "disability_grade", "status", NULL},
	{"stage", "status", "annual_fees", "aid_amount", NULL},
	{"period", "employment_status", "employer_type", "monthly_wage",
	 "unemployment_benefit", "pension_monthly", NULL},
	{"property_count", "dangerous_rating", "disaster_damage",
	 "public_rental", NULL},
	{"settle_date", "out_of_pocket", "total_cost", "inpatient",
	 "major_disease", "insured_status", NULL},
};

/* ------------------------------------------------------------------ */
/* Population.                                                           */

enum { PF_PLANTED = 1, PF_ALIAS = 2 };

typedef struct {
	char id[18];          /* normalised ID number (no NUL) */
	int32_t birth;        /* YYYYMMDD */
	int32_t hh;           /* household index; -1 off the roster */
	int64_t income;       /* roster row's household_income in fen; -1 = household's */
	uint8_t sname, g1, g2; /* name: surname, given chars (g2 0xff: none) */
	uint8_t sex;          /* 1 male, 2 female */
	uint8_t relation, status, disability, flags;
} person;

/* Planned (and background) rows, one struct per source. */
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

enum { SP_NONE, SP_DUP, SP_TYPO };

typedef struct {
	uint32_t first, nmem, nextra; /* persons [first, first+nmem) on the
					 roster, then nextra off it */
	int64_t income;               /* fen */
	int16_t plan;                 /* -1: background */
	uint8_t county, category, region_len, town, village;
	uint32_t row0[NSRC], nrows[NSRC]; /* planned rows per source */
} household;

typedef struct {
	uint32_t *slot;       /* person index + 1; 0 empty */
	size_t mask, n;
} idset;

typedef struct {
	char *p;
	size_t n, cap;
} sbuf;

typedef struct {
	const gen_opts *o;
	int period, end;      /* run period YYYYMM and its last day */
	int win_lo;           /* first day of the 12-month medical window */
	int hist_lo;          /* first day of the 15 months of settlements */
	int dirty, pidsrc;
	rng r;
	vec persons, hhs, prow[NSRC];
	idset ids;
	uint8_t (*pids)[PID_BYTES]; /* per person, with pid_sources */
	sbuf truth;
	int oom;
	uint32_t multi_src;   /* person copied by the D_MULTI_HOUSEHOLD pair */
	schema *sc;
	const schema_source *src[NSRC];
	const schema_enum *en[NENUMS];
	hh_err *err;
} gen;

#define P(g, i) (((person *)(g)->persons.items)[i])
#define H(g, i) (((household *)(g)->hhs.items)[i])

/* vec_push, noting a failure in g->oom (checked once per phase). */
static void *push(gen *g, vec *v)
{
	void *e = vec_push(v);
	if (!e)
		g->oom = 1;
	return e;
}

static void sb_put(gen *g, sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 65536;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			g->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

static void sb_puts(gen *g, sbuf *b, const char *s) { sb_put(g, b, s, strlen(s)); }

/* --- the ID set ---------------------------------------------------- */

static uint64_t id_hash(const char *id)
{
	uint64_t v = 0;
	for (int i = 0; i < 17; i++)
		v = v * 10 + (uint64_t)(id[i] - '0');
	v ^= (uint64_t)(unsigned char)id[17] << 60;
	v *= 0x9e3779b97f4a7c15ULL;
	return v ^ (v >> 29);
}

static int64_t idset_find(gen *g, const char *id)
{
	if (!g->ids.slot)
		return -1;
	for (size_t i = id_hash(id) & g->ids.mask;; i = (i + 1) & g->ids.mask) {
		uint32_t s = g->ids.slot[i];
		if (!s)
			return -1;
		if (!memcmp(P(g, s - 1).id, id, 18))
			return s - 1;
	}
}

static void idset_put_slot(gen *g, uint32_t pi)
{
	size_t i = id_hash(P(g, pi).id) & g->ids.mask;
	while (g->ids.slot[i])
		i = (i + 1) & g->ids.mask;
	g->ids.slot[i] = pi + 1;
}

static int idset_add(gen *g, uint32_t pi)
{
	if ((g->ids.n + 1) * 2 > g->ids.mask + 1 || !g->ids.slot) {
		size_t ncap = g->ids.slot ? (g->ids.mask + 1) * 2 : 1 << 16;
		uint32_t *old = g->ids.slot;
		size_t ocap = old ? g->ids.mask + 1 : 0;
		g->ids.slot = calloc(ncap, sizeof *g->ids.slot);
		if (!g->ids.slot) {
			g->ids.slot = old;
			g->oom = 1;
			return -1;
		}
		g->ids.mask = ncap - 1;
		for (size_t i = 0; i < ocap; i++)
			if (old[i])
				idset_put_slot(g, old[i] - 1);
		free(old);
	}
	idset_put_slot(g, pi);
	g->ids.n++;
	return 0;
}

/* --- persons ------------------------------------------------------- */

static void put_digits(char *out, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* A new person with a unique valid ID.  region: 6-digit code of birth
 * registration.  Returns the index, or UINT32_MAX on no memory. */
static uint32_t new_person(gen *g, int32_t hh, int birth, int sex, int region)
{
	person *p = push(g, &g->persons);
	if (!p)
		return UINT32_MAX;
	uint32_t pi = (uint32_t)(g->persons.n - 1);
	p->hh = hh;
	p->birth = birth;
	p->sex = (uint8_t)sex;
	p->income = -1;
	p->sname = (uint8_t)rnd(&g->r, NSURNAMES);
	p->g1 = (uint8_t)rnd(&g->r, NGIVEN);
	/* two-character given names are the commoner form */
	p->g2 = chance(&g->r, 650000) ? (uint8_t)rnd(&g->r, NGIVEN) : 0xff;
	for (;;) {
		put_digits(p->id, (unsigned)region, 6);
		put_digits(p->id + 6, (unsigned)birth, 8);
		unsigned seq = sex == 1 ? rnd(&g->r, 500) * 2 + 1 : rnd(&g->r, 499) * 2 + 2;
		put_digits(p->id + 14, seq, 3);
		p->id[17] = idnum_check_char(p->id);
		if (idset_find(g, p->id) < 0)
			break;
	}
	if (idset_add(g, pi))
		return UINT32_MAX;
	return pi;
}

static int person_region(gen *g, int county)
{
	unsigned r = rnd(&g->r, 100);
	if (r < 85)
		return counties[county].code;
	if (r < 97)
		return counties[rnd(&g->r, NCOUNTIES)].code;
	return other_regions[rnd(&g->r, sizeof other_regions / sizeof other_regions[0])];
}

static size_t name_utf8(const person *p, char *out)
{
	size_t n = 0;
	const char *const *given = p->sex == 1 ? given_m : given_f;
	const char *parts[3] = {surnames[p->sname], given[p->g1],
				p->g2 == 0xff ? "" : given[p->g2]};
	for (int i = 0; i < 3; i++) {
		size_t l = strlen(parts[i]);
		memcpy(out + n, parts[i], l);
		n += l;
	}
	out[n] = 0;
	return n;
}

static void household_id(const gen *g, size_t hi, char out[32])
{
	const household *h = &((const household *)g->hhs.items)[hi];
	snprintf(out, 32, "H%06d%06zu", counties[h->county].code, hi + 1);
}

/* --- truth --------------------------------------------------------- */

/* One truth.csv row.  hi: household index or -1; pi: person or -1;
 * line: 0 when not relevant.  detail must not hold a comma or quote. */
static void truth(gen *g, const char *kind, const char *code, int src,
		  int64_t hi, int64_t pi, long line, const char *detail)
{
	char buf[512], hid[32] = "", id[19] = "", pidhex[PID_HEX + 1] = "";
	char ln[24] = "";
	if (hi >= 0)
		household_id(g, (size_t)hi, hid);
	if (pi >= 0) {
		memcpy(id, P(g, pi).id, 18);
		id[18] = 0;
		if (g->o->key) {
			uint8_t bin[PID_BYTES];
			pid_compute(g->o->key, id, bin);
			pid_to_hex(bin, pidhex);
		}
	}
	if (line > 0)
		snprintf(ln, sizeof ln, "%ld", line);
	snprintf(buf, sizeof buf, "%s,%s,%s,%s,%s,%s,%s,%s\n", kind, code,
		 src >= 0 ? src_name[src] : "", hid, id, pidhex, ln, detail);
	sb_puts(g, &g->truth, buf);
}

/* ------------------------------------------------------------------ */
/* Background households.                                                */

/* Per-capita income medians (yuan a year) by category.  dibao and tekun
 * sit below the 6000 line, the edge and monitored groups just above it,
 * so a fair share of households falls below the line without all of them
 * doing so. */
static const int64_t percap_median[6] = {4800, 5200, 7200, 7800, 10500, 12500};

static int64_t draw_income(gen *g, int cat, int members)
{
	/* A sum of three uniforms: a hump around 1.0 between 0.35 and 1.7,
	 * integer arithmetic only. */
	int64_t f = 350 + rnd(&g->r, 451) + rnd(&g->r, 451) + rnd(&g->r, 451);
	int64_t fen = percap_median[cat] * 100 * f / 1000 * members;
	if (chance(&g->r, 50000)) /* a few much better-off households */
		fen *= 2 + rnd(&g->r, 2);
	/* most incomes are whole yuan; some carry fen */
	return chance(&g->r, 300000) ? fen : fen / 100 * 100;
}

static uint8_t draw_disability(gen *g, int age)
{
	static const unsigned grade_w[4] = {15, 25, 30, 30};
	if (!chance(&g->r, age >= 65 ? 120000 : 45000))
		return 0;
	return (uint8_t)(1 + PICK(&g->r, grade_w));
}

static uint32_t bg_member(gen *g, uint32_t hi, int rel, int age, int sex)
{
	household *h = &H(g, hi);
	if (age < 0)
		age = 0;
	int birth = birth_for_age(&g->r, age, g->end, BIRTH_ANY);
	uint32_t pi = new_person(g, (int32_t)hi, birth, sex, person_region(g, h->county));
	if (pi == UINT32_MAX)
		return pi;
	person *p = &P(g, pi);
	p->relation = (uint8_t)rel;
	p->disability = draw_disability(g, age);
	/* Most members are active; gradual exit and exit are the dynamic
	 * management of the policy, a few per cent a month. */
	static const unsigned st_w[3] = {950, 25, 25};
	p->status = rel == REL_HEAD ? (chance(&g->r, 980000) ? ST_ACTIVE : ST_GRADUAL)
				    : (uint8_t)PICK(&g->r, st_w);
	return pi;
}

static void bg_household(gen *g, uint32_t hi)
{
	household *h = &H(g, hi);
	static const unsigned cat_w[6] = {30, 5, 15, 15, 30, 5};
	static const unsigned size_w[7] = {18, 22, 22, 20, 10, 5, 3}; /* mean ~3.1 */
	h->category = (uint8_t)PICK(&g->r, cat_w);
	int size = 1 + PICK(&g->r, size_w);
	int head_age, head_dis = 0;
	if (h->category == CAT_TEKUN) {
		/* tekun: mostly single elderly, some disabled adults alone */
		size = chance(&g->r, 850000) ? 1 : 2;
		if (chance(&g->r, 700000)) {
			head_age = (int)rnd_in(&g->r, 60, 95);
		} else {
			head_age = (int)rnd_in(&g->r, 25, 70);
			head_dis = 1 + (int)rnd(&g->r, 2);
		}
	} else if (size == 1) {
		head_age = chance(&g->r, 600000) ? (int)rnd_in(&g->r, 60, 92)
						 : (int)rnd_in(&g->r, 20, 59);
	} else if (size == 2) {
		head_age = chance(&g->r, 500000) ? (int)rnd_in(&g->r, 60, 85)
						 : (int)rnd_in(&g->r, 25, 59);
	} else {
		head_age = (int)rnd_in(&g->r, 28, 62);
	}
	int head_sex = chance(&g->r, 800000) ? 1 : 2;
	uint32_t head = bg_member(g, hi, REL_HEAD, head_age, head_sex);
	if (head == UINT32_MAX)
		return;
	if (head_dis)
		P(g, head).disability = (uint8_t)head_dis;
	int left = size - 1;
	int men_surname = P(g, head).sname;
	if (left > 0 && chance(&g->r, 850000)) {
		int sa = head_age + (head_sex == 1 ? -(int)rnd(&g->r, 6) : (int)rnd(&g->r, 6));
		uint32_t sp = bg_member(g, hi, REL_SPOUSE, sa < 18 ? 18 : sa, 3 - head_sex);
		if (sp == UINT32_MAX)
			return;
		if (head_sex == 2)
			men_surname = P(g, sp).sname;
		left--;
	}
	/* Young heads may live with their parents; old heads with
	 * grandchildren.  Everyone else is a child of the head. */
	int parents = 0, grand = 0;
	if (head_age < 50 && left >= 3)
		parents = (int)rnd(&g->r, 3);
	if (head_age >= 55 && left >= 2)
		grand = 1 + (int)rnd(&g->r, (uint32_t)left - 1);
	for (int i = 0; i < left; i++) {
		int rel, age;
		if (i < parents) {
			rel = REL_PARENT;
			age = head_age + (int)rnd_in(&g->r, 22, 35);
			if (age > 98)
				age = 98;
		} else if (i < parents + grand) {
			rel = REL_GRANDCHILD;
			age = (int)rnd(&g->r, (uint32_t)(head_age - 40 > 1 ? head_age - 40 : 1));
		} else {
			rel = REL_CHILD;
			int lo = head_age - 40 < 0 ? 0 : head_age - 40;
			int hi2 = head_age - 20 < lo ? lo : head_age - 20;
			age = (int)rnd_in(&g->r, lo, hi2);
		}
		uint32_t c = bg_member(g, hi, rel, age, 1 + (int)rnd(&g->r, 2));
		if (c == UINT32_MAX)
			return;
		if (rel != REL_PARENT)
			P(g, c).sname = (uint8_t)men_surname;
	}
	h->nmem = (uint32_t)g->persons.n - h->first;
	h->income = draw_income(g, h->category, (int)h->nmem);
}

/* People who are not on the roster: adults of any age, most from the same
 * county.  About 0.45 per roster member. */
static void bg_extras(gen *g, uint32_t hi)
{
	household *h = &H(g, hi);
	static const unsigned n_w[4] = {25, 30, 25, 20};
	int n = PICK(&g->r, n_w);
	for (int i = 0; i < n; i++) {
		int age = chance(&g->r, 750000) ? (int)rnd_in(&g->r, 18, 59)
						: (int)rnd_in(&g->r, 60, 90);
		int birth = birth_for_age(&g->r, age, g->end, BIRTH_ANY);
		uint32_t pi = new_person(g, -1, birth, 1 + (int)rnd(&g->r, 2),
					 person_region(g, h->county));
		if (pi == UINT32_MAX)
			return;
		H(g, hi).nextra++;
	}
}

/* ------------------------------------------------------------------ */
/* Planted cases.                                                        */

static uint32_t m_add(gen *g, uint32_t hi, int rel, int age, int where, int sex,
		      int status)
{
	household *h = &H(g, hi);
	int birth = birth_for_age(&g->r, age, g->end, where);
	uint32_t pi = new_person(g, (int32_t)hi, birth, sex, counties[h->county].code);
	if (pi == UINT32_MAX)
		return 0;
	person *p = &P(g, pi);
	p->relation = (uint8_t)rel;
	p->status = (uint8_t)status;
	p->flags = PF_PLANTED;
	h = &H(g, hi);
	h->nmem++;
	return pi;
}

/* A planted person off the roster (discovery cases). */
static uint32_t x_add(gen *g, uint32_t hi, int age)
{
	household *h = &H(g, hi);
	int birth = birth_for_age(&g->r, age, g->end, BIRTH_ANY);
	uint32_t pi = new_person(g, -1, birth, 1 + (int)rnd(&g->r, 2),
				 counties[h->county].code);
	if (pi == UINT32_MAX)
		return 0;
	P(g, pi).flags = PF_PLANTED;
	H(g, hi).nextra++;
	return pi;
}

#define YUAN(y) ((int64_t)(y) * 100)

static void p_edu(gen *g, uint32_t pi, int stage, int status, int64_t fees, int64_t aid)
{
	edu_row *e = push(g, &g->prow[SRC_EDU]);
	if (!e)
		return;
	e->person = pi;
	e->stage = (uint8_t)stage;
	e->status = (uint8_t)status;
	e->fees = fees;
	e->aid = aid;
}

/* One hr row `back` months before the run period (-1: no period). */
static hr_row *p_hr(gen *g, uint32_t pi, int back, int emp, int employer,
		    int64_t wage, int64_t benefit, int64_t pension)
{
	hr_row *r = push(g, &g->prow[SRC_HR]);
	if (!r)
		return NULL;
	r->person = pi;
	r->period = back < 0 ? 0 : period_add(g->period, -back);
	r->emp = (uint8_t)emp;
	r->employer = (uint8_t)employer;
	r->wage = wage;
	r->benefit = benefit;
	r->pension = pension;
	return r;
}

/* The three latest periods, unchanged. */
static void p_hr3(gen *g, uint32_t pi, int emp, int employer, int64_t wage,
		  int64_t benefit, int64_t pension)
{
	for (int back = 2; back >= 0; back--)
		p_hr(g, pi, back, emp, employer, wage, benefit, pension);
}

static void p_house(gen *g, uint32_t pi, int props, int rating, int damage)
{
	house_row *r = push(g, &g->prow[SRC_HOUSE]);
	if (!r)
		return;
	r->person = pi;
	r->props = props;
	r->rating = (uint8_t)rating;
	r->damage = (uint8_t)damage;
}

static void p_med(gen *g, uint32_t pi, int date, int64_t oop, int inpatient, int insured)
{
	med_row *r = push(g, &g->prow[SRC_MED]);
	if (!r)
		return;
	r->person = pi;
	r->date = date;
	r->oop = oop;
	r->total = inpatient ? oop * 3 : oop + oop / 2;
	r->inpatient = (uint8_t)inpatient;
	r->major = (uint8_t)(inpatient && oop >= YUAN(10000));
	r->insured = (uint8_t)insured;
}

/* A date `back` months before the run period, day d. */
static int mdate(const gen *g, int back, int d)
{
	return period_day(period_add(g->period, -back), d);
}

/* The neutral planted family, which fires nothing: head 45 employed
 * (3000 a month), spouse 43 in flexible work (2000), child 12 at primary
 * school; income 60000 for three, category monitored.  Plans start from
 * it and change one thing.  rows = 0 leaves out the hr and education rows
 * so the plan can write its own. */
static void family(gen *g, uint32_t hi, int rows, uint32_t m[3])
{
	household *h = &H(g, hi);
	h->category = CAT_MONITORED;
	h->income = YUAN(60000);
	m[0] = m_add(g, hi, REL_HEAD, 45, BIRTH_ANY, 1, ST_ACTIVE);
	m[1] = m_add(g, hi, REL_SPOUSE, 43, BIRTH_ANY, 2, ST_ACTIVE);
	m[2] = m_add(g, hi, REL_CHILD, 12, BIRTH_ANY, 1 + (int)rnd(&g->r, 2), ST_ACTIVE);
	if (g->oom)
		return;
	P(g, m[2]).sname = P(g, m[0]).sname;
	if (rows) {
		p_hr3(g, m[0], EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3000), -1, -1);
		p_hr3(g, m[1], EMP_FLEXIBLE, ER_NONE, YUAN(2000), -1, -1);
		p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	}
}

/* A one-member household (R_CARE cases). */
static uint32_t single(gen *g, uint32_t hi, int age, int where, int cat)
{
	household *h = &H(g, hi);
	h->category = (uint8_t)cat;
	h->income = YUAN(9000);
	return m_add(g, hi, REL_HEAD, age, where, 1 + (int)rnd(&g->r, 2), ST_ACTIVE);
}

typedef void (*plan_fn)(gen *g, uint32_t hi);

#define R(code, d) truth(g, "reason", code, -1, hi, -1, 0, d)
#define A(code, d) truth(g, "absent", code, -1, hi, -1, 0, d)

static void pl_income(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	H(g, hi).category = CAT_DIBAO;
	H(g, hi).income = YUAN(12000);
	p_hr3(g, m[0], EMP_FLEXIBLE, ER_NONE, YUAN(800), -1, -1);
	p_hr3(g, m[1], EMP_FLEXIBLE, ER_NONE, YUAN(400), -1, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	R("R_INCOME", "12000/3 members = 4000 per capita");
}

static void pl_income_edge(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	H(g, hi).income = YUAN(18000);
	m_add(g, hi, REL_PARENT, 74, BIRTH_ANY, 2, ST_EXITED);
	A("R_INCOME", "18000/3 counted members = 6000 exactly (not below); the exited 4th member does not count");
}

static void pl_medical(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	p_med(g, m[1], mdate(g, 9, 3), YUAN(4000), 1, INS_ACTIVE);
	p_med(g, m[1], mdate(g, 5, 17), YUAN(5000), 1, INS_ACTIVE);
	p_med(g, m[1], mdate(g, 1, 28), YUAN(3000) + 50, 0, INS_ACTIVE);
	p_med(g, m[1], mdate(g, 13, 11), YUAN(20000), 1, INS_ACTIVE);
	R("R_MEDICAL", "oop_12m 12000.50 (a 20000 settlement 13 months back is outside the window)");
}

static void pl_medical_window(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	p_med(g, m[0], g->win_lo, YUAN(6000), 1, INS_ACTIVE);
	p_med(g, m[0], g->end, YUAN(4000), 1, INS_ACTIVE);
	R("R_MEDICAL", "settlements on the first and last day of the window sum to 10000 exactly");
}

static void pl_medical_outside(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	p_med(g, m[0], mdate(g, 8, 10), YUAN(9000), 1, INS_ACTIVE);
	p_med(g, m[0], civil_from_days(ymd_days(g->win_lo) - 1), YUAN(5000), 1, INS_ACTIVE);
	A("R_MEDICAL", "oop_12m 9000; a 5000 settlement the day before the window must be ignored");
}

static void pl_medical_ratio(gen *g, uint32_t hi)
{
	household *h = &H(g, hi);
	h->category = CAT_LIFTED;
	h->income = YUAN(14000);
	uint32_t a = m_add(g, hi, REL_HEAD, 50, BIRTH_ANY, 1, ST_ACTIVE);
	uint32_t b = m_add(g, hi, REL_SPOUSE, 48, BIRTH_ANY, 2, ST_ACTIVE);
	p_hr3(g, a, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(800), -1, -1);
	p_hr3(g, b, EMP_FLEXIBLE, ER_NONE, YUAN(300), -1, -1);
	p_med(g, b, mdate(g, 4, 20), YUAN(7000), 1, INS_ACTIVE);
	R("R_MEDICAL", "oop_12m 7000 = 0.5 x household_income 14000");
}

static void pl_education(gen *g, uint32_t hi)
{
	household *h = &H(g, hi);
	h->category = CAT_EDGE;
	h->income = YUAN(25000);
	uint32_t a = m_add(g, hi, REL_HEAD, 44, BIRTH_ANY, 1, ST_ACTIVE);
	uint32_t b = m_add(g, hi, REL_SPOUSE, 42, BIRTH_ANY, 2, ST_ACTIVE);
	uint32_t c = m_add(g, hi, REL_CHILD, 17, BIRTH_ANY, 1, ST_ACTIVE);
	uint32_t d = m_add(g, hi, REL_CHILD, 14, BIRTH_ANY, 2, ST_ACTIVE);
	p_hr3(g, a, EMP_FLEXIBLE, ER_NONE, YUAN(900), -1, -1);
	p_hr3(g, b, EMP_FLEXIBLE, ER_NONE, YUAN(500), -1, -1);
	p_edu(g, c, STG_SENIOR, ED_ENROLLED, YUAN(9000), YUAN(1000));
	p_edu(g, d, STG_JUNIOR, ED_ENROLLED, YUAN(500), YUAN(2500));
	R("R_EDUCATION", "net fees 8000 (9000-1000; the other child's aid above fees counts 0) >= 0.3 x 25000");
}

static void pl_education_edge(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	H(g, hi).income = YUAN(40000);
	uint32_t c = m_add(g, hi, REL_CHILD, 17, BIRTH_ANY, 1, ST_ACTIVE);
	uint32_t d = m_add(g, hi, REL_CHILD, 20, BIRTH_ANY, 2, ST_ACTIVE);
	p_edu(g, c, STG_SENIOR, ED_ENROLLED, YUAN(5000), YUAN(2000));
	p_edu(g, d, STG_COLLEGE, ED_SUSPENDED, YUAN(15000), 0);
	A("R_EDUCATION", "enrolled net fees 3000 < 0.3 x 40000; a suspended student's 15000 must not count");
}

static void pl_dropout_at(gen *g, uint32_t hi, int age, int where, int stage, int fire)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	uint32_t c = m_add(g, hi, REL_CHILD, age, where, 1, ST_ACTIVE);
	p_edu(g, c, stage, ED_DROPPED, -1, -1);
	if (fire == 1)
		R("R_DROPOUT", age == 15 ? "dropout aged 15 (16 the day after the period)"
					 : "dropout aged 13");
	else
		A("R_DROPOUT", "dropout aged 16 (birthday on the last day of the period)");
}
static void pl_dropout(gen *g, uint32_t hi) { pl_dropout_at(g, hi, 13, BIRTH_ANY, STG_JUNIOR, 1); }
static void pl_dropout15(gen *g, uint32_t hi) { pl_dropout_at(g, hi, 15, BIRTH_OLDEST, STG_SENIOR, 1); }
static void pl_dropout16(gen *g, uint32_t hi) { pl_dropout_at(g, hi, 16, BIRTH_TODAY, STG_SENIOR, 0); }

static void pl_jobloss(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	p_hr3(g, m[0], EMP_UNEMPLOYED, ER_NONE, -1, YUAN(1650), -1);
	p_hr3(g, m[1], EMP_EMPLOYED, ER_ENTERPRISE, YUAN(2500), -1, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	R("R_JOBLOSS", "head unemployed with unemployment benefit");
}

/* A household whose head (age, where) is unemployed; spouse employed. */
static void pl_jobloss_head(gen *g, uint32_t hi, int age, int where, int fire)
{
	household *h = &H(g, hi);
	h->category = CAT_LIFTED;
	h->income = YUAN(40000);
	uint32_t a = m_add(g, hi, REL_HEAD, age, where, 1, ST_ACTIVE);
	uint32_t b = m_add(g, hi, REL_SPOUSE, 55, BIRTH_ANY, 2, ST_ACTIVE);
	p_hr3(g, a, EMP_UNEMPLOYED, ER_NONE, -1, YUAN(1500), -1);
	p_hr3(g, b, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(2600), -1, -1);
	if (fire)
		R("R_JOBLOSS", "unemployed head aged 59 (60 the day after the period)");
	else
		A("R_JOBLOSS", "unemployed head aged 60 (birthday on the last day of the period): not working age");
}
static void pl_jobloss59(gen *g, uint32_t hi) { pl_jobloss_head(g, hi, 59, BIRTH_OLDEST, 1); }
static void pl_jobloss60(gen *g, uint32_t hi) { pl_jobloss_head(g, hi, 60, BIRTH_TODAY, 0); }

static void pl_jobloss_young(gen *g, uint32_t hi, int age, int where, int fire)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	uint32_t c = m_add(g, hi, REL_CHILD, age, where, 1, ST_ACTIVE);
	p_hr3(g, c, EMP_UNEMPLOYED, ER_NONE, -1, 0, -1);
	if (fire)
		R("R_JOBLOSS", "unemployed member aged 16 (birthday on the last day of the period)");
	else
		A("R_JOBLOSS", "unemployed member aged 15 (16 the day after the period)");
}
static void pl_jobloss16(gen *g, uint32_t hi) { pl_jobloss_young(g, hi, 16, BIRTH_TODAY, 1); }
static void pl_jobloss15(gen *g, uint32_t hi) { pl_jobloss_young(g, hi, 15, BIRTH_OLDEST, 0); }

static void pl_jobloss_recovered(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	/* written newest first: the latest period counts, not the last row */
	p_hr(g, m[0], 0, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3000), 0, -1);
	p_hr(g, m[0], 2, EMP_UNEMPLOYED, ER_NONE, 0, YUAN(1600), -1);
	p_hr(g, m[0], 1, EMP_UNEMPLOYED, ER_NONE, 0, YUAN(1600), -1);
	p_hr3(g, m[1], EMP_FLEXIBLE, ER_NONE, YUAN(2000), -1, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	A("R_JOBLOSS", "head unemployed two months back but employed without benefit in the latest period");
}

static void pl_income_drop_to(gen *g, uint32_t hi, int64_t latest, int fire)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	p_hr(g, m[0], 3, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(4000), -1, -1);
	p_hr(g, m[0], 2, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(4200), -1, -1);
	p_hr(g, m[0], 1, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3900), -1, -1);
	p_hr(g, m[0], 0, EMP_EMPLOYED, ER_ENTERPRISE, latest, -1, -1);
	p_hr3(g, m[1], EMP_FLEXIBLE, ER_NONE, YUAN(2000), -1, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	if (fire)
		R("R_INCOME_DROP", "latest wage 2100.00 = half of the highest earlier wage 4200.00");
	else
		A("R_INCOME_DROP", "latest wage 2100.01 is more than half of 4200.00");
}
static void pl_income_drop(gen *g, uint32_t hi) { pl_income_drop_to(g, hi, YUAN(2100), 1); }
static void pl_income_drop_edge(gen *g, uint32_t hi) { pl_income_drop_to(g, hi, YUAN(2100) + 1, 0); }

static void pl_income_drop_noperiod(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	/* written first, so "the last row wins" would get it wrong too */
	p_hr(g, m[0], -1, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(1500), -1, -1);
	p_hr(g, m[0], 2, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(4000), -1, -1);
	p_hr(g, m[0], 1, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(4000), -1, -1);
	p_hr3(g, m[1], EMP_FLEXIBLE, ER_NONE, YUAN(2000), -1, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	R("R_INCOME_DROP", "a row without period (the run period: 1500) after 4000 in the two months before");
}

static void pl_zerojob(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	H(g, hi).category = CAT_DIBAO;
	H(g, hi).income = YUAN(30000);
	p_hr3(g, m[0], EMP_UNEMPLOYED, ER_NONE, -1, 0, -1);
	p_hr3(g, m[1], EMP_UNEMPLOYED, ER_NONE, -1, 0, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	R("R_ZEROJOB", "both able working-age members unemployed");
	R("R_JOBLOSS", "both able working-age members unemployed");
}

static void pl_zerojob_missing(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	H(g, hi).income = YUAN(30000);
	p_hr3(g, m[0], EMP_UNEMPLOYED, ER_NONE, -1, 0, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	A("R_ZEROJOB", "the able working-age spouse is not present in hr");
	R("R_JOBLOSS", "head unemployed");
}

static void pl_zerojob_disabled(gen *g, uint32_t hi)
{
	household *h = &H(g, hi);
	h->category = CAT_DIBAO;
	h->income = YUAN(20000);
	uint32_t a = m_add(g, hi, REL_HEAD, 50, BIRTH_ANY, 1, ST_ACTIVE);
	uint32_t b = m_add(g, hi, REL_SPOUSE, 63, BIRTH_ANY, 2, ST_ACTIVE);
	P(g, a).disability = 1;
	p_hr3(g, a, EMP_UNEMPLOYED, ER_NONE, -1, 0, -1);
	p_hr3(g, b, EMP_RETIRED, ER_NONE, -1, -1, YUAN(200));
	A("R_ZEROJOB", "the only working-age member has disability grade 1 (not able)");
	R("R_JOBLOSS", "working-age head unemployed (ability does not matter)");
}

static void pl_disaster(gen *g, uint32_t hi, int who, int rating, int damage, int fire)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	p_house(g, m[who], 1, rating, damage);
	if (fire == 1)
		R("R_DISASTER", "spouse's housing: disaster_damage severe");
	else if (fire == 2)
		R("R_DISASTER", "head's housing: dangerous_rating C");
	else
		A("R_DISASTER", "dangerous_rating B and disaster_damage minor only");
}
static void pl_disaster_damage(gen *g, uint32_t hi) { pl_disaster(g, hi, 1, DR_NONE, DD_SEVERE, 1); }
static void pl_disaster_rating(gen *g, uint32_t hi) { pl_disaster(g, hi, 0, DR_C, DD_NONE, 2); }
static void pl_disaster_minor(gen *g, uint32_t hi) { pl_disaster(g, hi, 0, DR_B, DD_MINOR, 0); }

static void pl_care(gen *g, uint32_t hi)
{
	single(g, hi, 84, BIRTH_ANY, CAT_TEKUN);
	R("R_CARE", "one member aged 84");
}
static void pl_care80(gen *g, uint32_t hi)
{
	single(g, hi, 80, BIRTH_TODAY, CAT_TEKUN);
	R("R_CARE", "one member aged 80 (birthday on the last day of the period)");
}
static void pl_care79(gen *g, uint32_t hi)
{
	single(g, hi, 79, BIRTH_OLDEST, CAT_TEKUN);
	A("R_CARE", "one member aged 79 (80 the day after the period)");
}
static void pl_care_disabled(gen *g, uint32_t hi)
{
	uint32_t a = single(g, hi, 45, BIRTH_ANY, CAT_TEKUN);
	P(g, a).disability = 2;
	R("R_CARE", "one member with disability grade 2");
}
static void pl_care_exited(gen *g, uint32_t hi)
{
	uint32_t a = single(g, hi, 85, BIRTH_ANY, CAT_DIBAO);
	P(g, a).status = ST_GRADUAL;
	m_add(g, hi, REL_SPOUSE, 83, BIRTH_ANY, 2 - (P(g, a).sex == 2), ST_EXITED);
	R("R_CARE", "one counted member (gradual_exit) aged 85; the spouse has exited");
}

static void pl_deceased(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	uint32_t p = m_add(g, hi, REL_PARENT, 78, BIRTH_ANY, 1, ST_ACTIVE);
	p_med(g, p, mdate(g, 2, 14), YUAN(300), 0, INS_DECEASED);
	truth(g, "finding", "A_DECEASED", SRC_MED, hi, p, 0, "insured_status deceased");
}

static void pl_public_sector(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	H(g, hi).category = CAT_LIFTED;
	p_hr3(g, m[0], EMP_EMPLOYED, ER_PUBLIC, YUAN(5200), -1, -1);
	p_hr3(g, m[1], EMP_FLEXIBLE, ER_NONE, YUAN(2000), -1, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	truth(g, "finding", "A_PUBLIC_SECTOR", SRC_HR, hi, m[0], 0, "employer_type public_sector");
}

static void pl_multi_property(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	p_house(g, m[0], 2, DR_NONE, DD_NONE);
	truth(g, "finding", "A_MULTI_PROPERTY", SRC_HOUSE, hi, m[0], 0, "property_count 2");
}

static void pl_high_income_at(gen *g, uint32_t hi, int cat, int64_t pension, int fire)
{
	household *h = &H(g, hi);
	h->category = (uint8_t)cat;
	h->income = YUAN(20000);
	uint32_t a = m_add(g, hi, REL_HEAD, 52, BIRTH_ANY, 1, ST_ACTIVE);
	uint32_t b = m_add(g, hi, REL_SPOUSE, 61, BIRTH_ANY, 2, ST_ACTIVE);
	p_hr3(g, a, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(1500), -1, -1);
	p_hr3(g, b, EMP_RETIRED, ER_NONE, -1, -1, pension);
	if (fire)
		truth(g, "finding", "A_HIGH_INCOME", SRC_HR, hi, -1, 0,
		      "dibao: 12 x (1500 + 1500) / 2 = 18000 = 3 x income_line");
	else if (cat == CAT_DIBAO)
		A("A_HIGH_INCOME", "dibao: 12 x (1500 + 1499.99) / 2 < 18000");
	else
		A("A_HIGH_INCOME", "category dibao_edge: the finding is for dibao and tekun only");
}
static void pl_high_income(gen *g, uint32_t hi) { pl_high_income_at(g, hi, CAT_DIBAO, YUAN(1500), 1); }
static void pl_high_income_below(gen *g, uint32_t hi) { pl_high_income_at(g, hi, CAT_DIBAO, YUAN(1500) - 1, 0); }
static void pl_high_income_edge(gen *g, uint32_t hi) { pl_high_income_at(g, hi, CAT_EDGE, YUAN(3000), 0); }

static void pl_dup_row(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	p_hr(g, m[0], 2, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3000), -1, -1);
	p_hr(g, m[0], 1, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3000), -1, -1);
	hr_row *r = p_hr(g, m[0], 0, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3000), -1, -1);
	if (r)
		r->special = SP_DUP; /* truth is written with the line numbers */
	p_hr3(g, m[1], EMP_FLEXIBLE, ER_NONE, YUAN(2000), -1, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
}

static void pl_multi_household(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	g->multi_src = m[2]; /* the partner household (next) lists this child too */
}

/* The household after pl_multi_household: a neutral family that also
 * lists that household's child (same ID, same name) as a grandchild. */
static void pl_multi_partner(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	person *p = push(g, &g->persons);
	if (!p)
		return;
	*p = P(g, g->multi_src);
	p->hh = (int32_t)hi;
	p->relation = REL_GRANDCHILD;
	p->flags = PF_PLANTED | PF_ALIAS;
	H(g, hi).nmem++;
	char d[96], a[32], b[32];
	household_id(g, (size_t)P(g, g->multi_src).hh, a);
	household_id(g, hi, b);
	snprintf(d, sizeof d, "active on %s and %s", a, b);
	truth(g, "finding", "D_MULTI_HOUSEHOLD", SRC_CA, -1, g->multi_src, 0, d);
}

static void pl_id_repaired(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	p_hr(g, m[0], 2, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3000), -1, -1);
	p_hr(g, m[0], 1, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3000), -1, -1);
	hr_row *r = p_hr(g, m[0], 0, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3000), -1, -1);
	if (r && !g->pidsrc)
		r->special = SP_TYPO; /* truth is written with the line number */
	p_hr3(g, m[1], EMP_FLEXIBLE, ER_NONE, YUAN(2000), -1, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
}

static void pl_inconsistent(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	H(g, hi).income = YUAN(19500);
	P(g, m[0]).income = YUAN(15000);
	truth(g, "finding", "D_INCONSISTENT_INCOME", SRC_CA, hi, -1, 0,
	      "household_income 15000 / 19500 / 19500");
	A("R_INCOME", "the largest household_income (19500 / 3 = 6500) is used; the smallest would fire");
}

static void pl_inconsistent_exited(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	uint32_t p = m_add(g, hi, REL_PARENT, 76, BIRTH_ANY, 2, ST_EXITED);
	P(g, p).income = YUAN(66000);
	truth(g, "finding", "D_INCONSISTENT_INCOME", SRC_CA, hi, -1, 0,
	      "only the exited member's row differs: 60000 / 66000");
}

static void pl_discovery_medical(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	uint32_t x = x_add(g, hi, 55);
	p_med(g, x, mdate(g, 7, 2), YUAN(15000), 1, INS_ACTIVE);
	p_med(g, x, mdate(g, 3, 19), YUAN(11000), 1, INS_ACTIVE);
	p_med(g, x, mdate(g, 14, 5), YUAN(9000), 1, INS_ACTIVE);
	truth(g, "finding", "X_DISCOVERY", SRC_MED, -1, x, 0,
	      "not on the roster; oop_12m 26000 (plus 9000 outside the window)");
}

static void pl_discovery_collapsed(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	uint32_t x = x_add(g, hi, 67);
	p_house(g, x, 1, DR_D, DD_COLLAPSED);
	truth(g, "finding", "X_DISCOVERY", SRC_HOUSE, -1, x, 0,
	      "not on the roster; disaster_damage collapsed");
}

static void pl_discovery_exited(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	uint32_t p = m_add(g, hi, REL_PARENT, 71, BIRTH_ANY, 1, ST_EXITED);
	p_med(g, p, mdate(g, 6, 9), YUAN(30000), 1, INS_ACTIVE);
	truth(g, "finding", "X_DISCOVERY", SRC_MED, -1, p, 0,
	      "on the roster only as exited; oop_12m 30000");
	A("R_MEDICAL", "the 30000 belongs to an exited member who does not count");
}

static void pl_discovery_below(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	uint32_t x = x_add(g, hi, 58);
	p_med(g, x, mdate(g, 4, 4), YUAN(26000) - 1, 1, INS_ACTIVE);
	p_med(g, x, civil_from_days(ymd_days(g->win_lo) - 1), YUAN(5000), 1, INS_ACTIVE);
	truth(g, "absent", "X_DISCOVERY", -1, -1, x, 0,
	      "oop_12m 25999.99; 5000 the day before the window must be ignored");
}

static void pl_none(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
}

static const struct {
	const char *name;
	plan_fn fn;
} plans[] = {
	{"income", pl_income},
	{"income_edge", pl_income_edge},
	{"medical", pl_medical},
	{"medical_window", pl_medical_window},
	{"medical_outside", pl_medical_outside},
	{"medical_ratio", pl_medical_ratio},
	{"education", pl_education},
	{"education_edge", pl_education_edge},
	{"dropout", pl_dropout},
	{"dropout15", pl_dropout15},
	{"dropout16", pl_dropout16},
	{"jobloss", pl_jobloss},
	{"jobloss59", pl_jobloss59},
	{"jobloss60", pl_jobloss60},
	{"jobloss16", pl_jobloss16},
	{"jobloss15", pl_jobloss15},
	{"jobloss_recovered", pl_jobloss_recovered},
	{"income_drop", pl_income_drop},
	{"income_drop_edge", pl_income_drop_edge},
	{"income_drop_noperiod", pl_income_drop_noperiod},
	{"zerojob", pl_zerojob},
	{"zerojob_missing", pl_zerojob_missing},
	{"zerojob_disabled", pl_zerojob_disabled},
	{"disaster_damage", pl_disaster_damage},
	{"disaster_rating", pl_disaster_rating},
	{"disaster_minor", pl_disaster_minor},
	{"care", pl_care},
	{"care80", pl_care80},
	{"care79", pl_care79},
	{"care_disabled", pl_care_disabled},
	{"care_exited", pl_care_exited},
	{"deceased", pl_deceased},
	{"public_sector", pl_public_sector},
	{"multi_property", pl_multi_property},
	{"high_income", pl_high_income},
	{"high_income_below", pl_high_income_below},
	{"high_income_edge", pl_high_income_edge},
	{"dup_row", pl_dup_row},
	{"multi_household", pl_multi_household},
	{"id_repaired", pl_id_repaired},
	{"inconsistent", pl_inconsistent},
	{"inconsistent_exited", pl_inconsistent_exited},
	{"discovery_medical", pl_discovery_medical},
	{"discovery_collapsed", pl_discovery_collapsed},
	{"discovery_exited", pl_discovery_exited},
	{"discovery_below", pl_discovery_below},
};
#define NPLANS ((int)(sizeof plans / sizeof plans[0]))
#define PLAN_MULTI_PARTNER NPLANS
#define PLAN_NONE (NPLANS + 1)

/* Which plan household i gets, by index alone: the first 4 x NPLANS
 * households hold every plan once (so 200 households cover them all),
 * then one household in 50 cycles through them again. */
static int plan_for(gen *g, uint32_t i)
{
	int prev = i > 0 ? H(g, i - 1).plan : -1;
	if (prev >= 0 && prev < NPLANS && plans[prev].fn == pl_multi_household)
		return PLAN_MULTI_PARTNER;
	if (i % 4 == 1 && i / 4 < (uint32_t)NPLANS)
		return (int)(i / 4);
	if (i >= 4u * NPLANS && i % 50 == 25)
		return (int)((i / 50) % NPLANS);
	return -1;
}

static hh_status build_population(gen *g)
{
	for (uint32_t i = 0; i < g->o->households; i++) {
		household *h = push(g, &g->hhs);
		if (!h)
			break;
		h->first = (uint32_t)g->persons.n;
		h->county = (uint8_t)rnd(&g->r, NCOUNTIES);
		h->region_len = chance(&g->r, 800000) ? 12 : 9;
		h->town = (uint8_t)rnd(&g->r, 20);
		h->village = (uint8_t)rnd(&g->r, 40);
		int plan = plan_for(g, i);
		/* the pair needs the next household: the last one gets none */
		if (plan >= 0 && plan < NPLANS && plans[plan].fn == pl_multi_household &&
		    i + 1 >= g->o->households)
			plan = PLAN_NONE;
		h->plan = (int16_t)plan;
		if (plan < 0) {
			bg_household(g, i);
			if (!g->oom)
				bg_extras(g, i);
		} else {
			size_t n0[NSRC];
			for (int s = 0; s < NSRC; s++)
				n0[s] = g->prow[s].n;
			if (plan < NPLANS)
				plans[plan].fn(g, i);
			else if (plan == PLAN_MULTI_PARTNER)
				pl_multi_partner(g, i);
			else
				pl_none(g, i);
			h = &H(g, i);
			for (int s = 0; s < NSRC; s++) {
				h->row0[s] = (uint32_t)n0[s];
				h->nrows[s] = (uint32_t)(g->prow[s].n - n0[s]);
			}
		}
		if (g->oom)
			break;
	}
	if (g->oom)
		return hh_fail(g->err, HH_EINTERNAL, "gen: out of memory building the population");
	return HH_OK;
}

/* ------------------------------------------------------------------ */
/* Output: buffered sinks with optional GB18030 and gzip.                */

#define SINK_FLUSH (1u << 20)

typedef struct {
	FILE *f;
	char path[4096];
	char *buf;
	size_t len;
	int gz;
	z_stream zs;
	gz_header gzh;
	unsigned char *zout;
	iconv_t cd;
	char *conv;
	int failed;
	long line;            /* physical lines written */
} sink;

static hh_status sink_open(gen *g, sink *s, const char *dir, const char *name,
			   int gz, int gb18030)
{
	memset(s, 0, sizeof *s);
	s->cd = (iconv_t)-1;
	snprintf(s->path, sizeof s->path, "%s/%s", dir, name);
	s->buf = malloc(SINK_FLUSH + 65536);
	if (!s->buf)
		return hh_fail(g->err, HH_EINTERNAL, "gen: out of memory");
	if (gb18030) {
		s->cd = iconv_open("GB18030", "UTF-8");
		if (s->cd == (iconv_t)-1)
			return hh_fail(g->err, HH_EINTERNAL,
				       "gen: cannot convert to GB18030 for %s: %s", s->path,
				       strerror(errno));
		s->conv = malloc(2 * (SINK_FLUSH + 65536));
		if (!s->conv)
			return hh_fail(g->err, HH_EINTERNAL, "gen: out of memory");
	}
	if (gz) {
		s->gz = 1;
		s->zout = malloc(1 << 18);
		if (!s->zout)
			return hh_fail(g->err, HH_EINTERNAL, "gen: out of memory");
		/* level 1: the writer is the bottleneck, not the disk */
		if (deflateInit2(&s->zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return hh_fail(g->err, HH_EINTERNAL, "gen: zlib initialisation failed");
		s->gzh.os = 3; /* fixed header (Unix, no time) for stable bytes */
		deflateSetHeader(&s->zs, &s->gzh);
	}
	s->f = fopen(s->path, "wb");
	if (!s->f)
		return hh_fail(g->err, HH_EINTERNAL, "gen: cannot create %s: %s", s->path,
			       strerror(errno));
	return HH_OK;
}

static void sink_raw(sink *s, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, s->f) != n)
		s->failed = errno ? errno : EIO;
}

static void sink_deflate(sink *s, const void *p, size_t n, int flush)
{
	s->zs.next_in = (unsigned char *)(uintptr_t)p;
	s->zs.avail_in = (uInt)n;
	int rc;
	do {
		s->zs.next_out = s->zout;
		s->zs.avail_out = 1 << 18;
		rc = deflate(&s->zs, flush);
		sink_raw(s, s->zout, (1 << 18) - s->zs.avail_out);
	} while (s->zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
}

static void sink_flush(sink *s)
{
	const char *p = s->buf;
	size_t n = s->len;
	if (s->cd != (iconv_t)-1 && n) {
		char *in = s->buf, *out = s->conv;
		size_t inl = n, outl = 2 * (SINK_FLUSH + 65536);
		if (iconv(s->cd, &in, &inl, &out, &outl) == (size_t)-1)
			s->failed = EILSEQ;
		p = s->conv;
		n = (size_t)(out - s->conv);
	}
	if (s->gz)
		sink_deflate(s, p, n, Z_NO_FLUSH);
	else
		sink_raw(s, p, n);
	s->len = 0;
}

static void sink_put(sink *s, const char *p, size_t n)
{
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	for (size_t i = 0; i < n; i++)
		s->line += p[i] == '\n';
	if (s->len >= SINK_FLUSH)
		sink_flush(s);
}

/* Ends the current gzip member and starts another (multi-member .gz, as
 * bgzip and pigz write). */
static void sink_member_break(sink *s)
{
	sink_flush(s);
	sink_deflate(s, "", 0, Z_FINISH);
	deflateReset(&s->zs);
	deflateSetHeader(&s->zs, &s->gzh);
}

static hh_status sink_close(gen *g, sink *s, hh_status st)
{
	if (s->f && st == HH_OK) {
		sink_flush(s);
		if (s->gz)
			sink_deflate(s, "", 0, Z_FINISH);
	}
	if (s->gz)
		deflateEnd(&s->zs);
	if (s->f && fclose(s->f) && !s->failed)
		s->failed = errno ? errno : EIO;
	if (s->cd != (iconv_t)-1)
		iconv_close(s->cd);
	free(s->buf);
	free(s->conv);
	free(s->zout);
	if (st == HH_OK && s->failed)
		st = hh_fail(g->err, HH_EINTERNAL, "gen: cannot write %s: %s", s->path,
			     strerror(s->failed));
	return st;
}

/* ------------------------------------------------------------------ */
/* Rows: fields assembled in a scratch buffer, then joined and quoted.   */

#define MAXF 16

typedef struct {
	char buf[2048];
	uint16_t off[MAXF], len[MAXF];
	int n;
	size_t used;
} row;

static void row_reset(row *r) { r->n = 0, r->used = 0; }

static void row_add(row *r, const char *s, size_t n)
{
	r->off[r->n] = (uint16_t)r->used;
	r->len[r->n] = (uint16_t)n;
	memcpy(r->buf + r->used, s, n);
	r->used += n;
	r->n++;
}

static void row_adds(row *r, const char *s) { row_add(r, s, strlen(s)); }

static void row_addu(row *r, uint64_t v)
{
	char t[24];
	int i = 24;
	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	row_add(r, t + i, (size_t)(24 - i));
}

/* Fen as yuan with two decimals ("1234.50"); plain: "1234" for whole
 * yuan (dirty files mix both).  -1 is an empty field. */
static void row_money(row *r, int64_t fen, int plain)
{
	if (fen < 0) {
		row_add(r, "", 0);
		return;
	}
	char t[32];
	int n;
	if (plain && fen % 100 == 0)
		n = snprintf(t, sizeof t, "%lld", (long long)(fen / 100));
	else
		n = snprintf(t, sizeof t, "%lld.%02lld", (long long)(fen / 100),
			     (long long)(fen % 100));
	row_add(r, t, (size_t)n);
}

static void row_date(row *r, int ymd, int compact)
{
	char t[16];
	int n = compact ? snprintf(t, sizeof t, "%08d", ymd)
			: snprintf(t, sizeof t, "%04d-%02d-%02d", ymd / 10000,
				   ymd / 100 % 100, ymd % 100);
	row_add(r, t, (size_t)n);
}

/* Copy of r with field i replaced (n < 0: removed). */
static void row_replace(row *dst, const row *src, int i, const char *s, int n)
{
	row_reset(dst);
	for (int k = 0; k < src->n; k++) {
		if (k != i)
			row_add(dst, src->buf + src->off[k], src->len[k]);
		else if (n >= 0)
			row_add(dst, s, (size_t)n);
	}
}

/* Joins fields with sep, quoting per RFC 4180 where needed, adds eol.
 * Returns the length written into out (sized 2 x 2048 + slack). */
static size_t row_join(const row *r, char sep, const char *eol, char *out)
{
	size_t o = 0;
	for (int k = 0; k < r->n; k++) {
		const char *f = r->buf + r->off[k];
		size_t n = r->len[k];
		if (k)
			out[o++] = sep;
		int q = 0;
		if (sep == ',')
			for (size_t i = 0; i < n; i++)
				if (f[i] == ',' || f[i] == '"' || f[i] == '\n' || f[i] == '\r')
					q = 1;
		if (!q) {
			memcpy(out + o, f, n);
			o += n;
			continue;
		}
		out[o++] = '"';
		for (size_t i = 0; i < n; i++) {
			if (f[i] == '"')
				out[o++] = '"';
			out[o++] = f[i];
		}
		out[o++] = '"';
	}
	size_t el = strlen(eol);
	memcpy(out + o, eol, el);
	return o + el;
}

/* ------------------------------------------------------------------ */
/* Source writers and dirt.                                              */

#define NPENDING 32

typedef struct {
	gen *g;
	int src;
	sink sk;
	rng dirt;
	int dirty;            /* random dirt in this file */
	int address;          /* the roster's extra address column */
	int zh;               /* Chinese enumeration labels */
	char sep;
	const char *eol;
	int ncol;             /* fields per row */
	int idcol;            /* identity field */
	int moneycol, enumcol, datecol; /* fields dirt may break; -1 none */
	const char *bad_enum;
	char out[8192];
	/* exact duplicates waiting to be written a few rows later */
	struct {
		char text[4400];
		size_t n;
		int countdown;
		int64_t hh, person;
	} pend[NPENDING];
	uint64_t rows;
} srcw;

/* Rates of dirt per row in dirty mode, per million.  Together about
 * 0.8% of rows: real extracts have a few per thousand. */
enum {
	RATE_ID_VARIANT = 4000,  /* valid after normalisation */
	RATE_TYPO_REPAIR = 1000, /* one substitution, on the roster, same name */
	RATE_BAD_ID = 500,       /* fails and cannot be repaired */
	RATE_DUP = 1000,         /* exact repeat */
	RATE_MALFORMED = 1500,   /* extra broken row */
};

static const char *enum_text(const srcw *w, int e, int v)
{
	const schema_enum *en = w->g->en[e];
	if (w->zh)
		for (size_t i = 0; i < en->nlabels; i++)
			if (en->label_value[i] == v)
				return en->labels[i];
	return en->codes[v];
}

/* The identity fields of a person: id_number and name, or pid,
 * birth_date and sex. */
static void row_ident(srcw *w, row *r, uint32_t pi)
{
	gen *g = w->g;
	const person *p = &P(g, pi);
	if (g->pidsrc) {
		char hex[PID_HEX + 1];
		pid_to_hex(g->pids[pi], hex);
		row_add(r, hex, PID_HEX);
		row_date(r, p->birth, 1);
		row_addu(r, p->sex);
	} else {
		char name[32];
		row_add(r, p->id, 18);
		row_add(r, name, name_utf8(p, name));
	}
}

/* The ID written in a still-valid variant: lower-case x, full-width
 * characters, surrounding spaces, or the 15-digit legacy form. */
static void id_variant(srcw *w, row *r)
{
	char id[18], t[96];
	size_t n = 0;
	memcpy(id, r->buf + r->off[w->idcol], 18);
	int birth_year = (id[6] - '0') * 1000 + (id[7] - '0') * 100;
	switch (rnd(&w->dirt, 4)) {
	case 0:
		if (id[17] == 'X') {
			memcpy(t, id, 17);
			t[17] = 'x';
			n = 18;
			break;
		}
		/* no X to lower: a spaced variant instead */
		/* fall through */
	case 1:
		t[n++] = ' ';
		memcpy(t + n, id, 18);
		n += 18;
		if (rnd(&w->dirt, 2)) {
			memcpy(t + n, "\xe3\x80\x80", 3); /* U+3000 */
			n += 3;
		} else {
			t[n++] = ' ';
		}
		break;
	case 2:
		for (int i = 0; i < 18; i++) {
			/* U+FF10..FF19, U+FF38 */
			t[n++] = (char)0xef;
			t[n++] = (char)0xbc;
			t[n++] = (char)(id[i] == 'X' ? 0xb8 : 0x90 + (id[i] - '0'));
		}
		break;
	default:
		if (birth_year != 1900) {
			memcpy(t, id, 18);
			for (int i = 0; i < 18; i++)
				if (t[i] == 'X')
					t[i] = 'x';
			n = 18;
			break;
		}
		memcpy(t, id, 6);
		memcpy(t + 6, id + 8, 9);
		n = 15;
		break;
	}
	row tmp;
	row_replace(&tmp, r, w->idcol, t, (int)n);
	*r = tmp;
}

typedef struct {
	gen *g;
	const person *who;
	int hits;
} repair_ctx;

static int repair_cb(const char cand[19], void *ctx)
{
	repair_ctx *c = ctx;
	int64_t pi = idset_find(c->g, cand);
	if (pi >= 0) {
		const person *q = &P(c->g, pi);
		if (q->hh >= 0 && q->sname == c->who->sname && q->g1 == c->who->g1 &&
		    q->g2 == c->who->g2 && q->sex == c->who->sex)
			c->hits++;
	}
	return 0;
}

/* Roster persons with the same name as `who` among the repairs of bad. */
static int repair_hits(gen *g, const char bad[18], const person *who)
{
	repair_ctx c = {g, who, 0};
	idnum_repairs(bad, g->period, repair_cb, &c);
	return c.hits;
}

/* A typo of id: repairable (one substitution in the region or sequence
 * digits, so the date stays valid and the check fails) or not (two
 * substitutions far apart).  Verified against the roster so the truth is
 * exact.  Returns 0 and the reason code, or -1 when no typo was found. */
static int make_typo(srcw *w, const person *p, int repairable, char out[18],
		     const char **reason)
{
	static const int pos[9] = {0, 1, 2, 3, 4, 5, 14, 15, 16};
	for (int tries = 0; tries < 20; tries++) {
		memcpy(out, p->id, 18);
		int a = pos[rnd(&w->dirt, repairable ? 9 : 6)];
		out[a] = (char)('0' + (out[a] - '0' + 1 + (int)rnd(&w->dirt, 9)) % 10);
		if (!repairable) {
			int b = pos[6 + rnd(&w->dirt, 3)];
			out[b] = (char)('0' + (out[b] - '0' + 1 + (int)rnd(&w->dirt, 9)) % 10);
		}
		char norm[19];
		id_result res = idnum_normalize(out, 18, w->g->period, norm);
		if (res != ID_BAD_CHECK)
			continue;
		if (repair_hits(w->g, out, p) != (repairable ? 1 : 0))
			continue;
		*reason = idnum_reason(res);
		return 0;
	}
	return -1;
}

static void wr_text(srcw *w, const char *t, size_t n)
{
	sink_put(&w->sk, t, n);
	w->rows++;
}

static void pending_tick(srcw *w)
{
	for (int i = 0; i < NPENDING; i++) {
		if (!w->pend[i].countdown || --w->pend[i].countdown)
			continue;
		long line = w->sk.line + 1;
		wr_text(w, w->pend[i].text, w->pend[i].n);
		truth(w->g, "reject", "duplicate_row", w->src, -1, -1, line, "exact repeat");
		truth(w->g, "finding", "D_DUP_ROW", w->src, w->pend[i].hh, w->pend[i].person,
		      line, "exact repeat of an earlier row");
	}
}

/* A broken copy of r: one malformation the reader must reject. */
static void malformed(srcw *w, const row *r)
{
	static const char *const bad_money[] = {"12O0.50", "8OO", "一千二"};
	row m;
	const char *code;
	char t[48];
	int kind = (int)rnd(&w->dirt, 5);
	if (kind == 1 && w->moneycol < 0)
		kind = 0;
	if (kind == 2 && w->moneycol < 0)
		kind = 3;
	if (kind == 4 && w->datecol < 0)
		kind = rnd(&w->dirt, 2) ? 0 : 3;
	switch (kind) {
	case 1: {
		const char *f = r->buf + r->off[w->moneycol];
		int n = snprintf(t, sizeof t, "-%.*s", (int)r->len[w->moneycol], f);
		if (r->len[w->moneycol] == 0)
			n = snprintf(t, sizeof t, "-120.00");
		row_replace(&m, r, w->moneycol, t, n);
		code = "negative_money";
		break;
	}
	case 2: {
		const char *s = bad_money[rnd(&w->dirt, 3)];
		row_replace(&m, r, w->moneycol, s, (int)strlen(s));
		code = "bad_money";
		break;
	}
	case 3:
		row_replace(&m, r, w->enumcol, w->bad_enum, (int)strlen(w->bad_enum));
		code = "bad_enum";
		break;
	case 4: {
		int compact = r->len[w->datecol] == 8;
		const char *s = rnd(&w->dirt, 2) ? (compact ? "20260230" : "2026-02-30")
						 : (compact ? "20250431" : "2025-04-31");
		row_replace(&m, r, w->datecol, s, (int)strlen(s));
		code = "bad_date";
		break;
	}
	default:
		if (rnd(&w->dirt, 2)) {
			row_replace(&m, r, r->n - 1, NULL, -1);
		} else {
			m = *r;
			row_add(&m, "1", 1);
		}
		code = "column_count";
		break;
	}
	long line = w->sk.line + 1;
	size_t n = row_join(&m, w->sep, w->eol, w->out);
	wr_text(w, w->out, n);
	truth(w->g, "reject", code, w->src, -1, -1, line, "malformed row");
}

/* Writes one row.  bg: a background row that dirt may touch; special:
 * SP_DUP / SP_TYPO for planted rows. */
static void emit(srcw *w, row *r, uint32_t pi, int bg, int special)
{
	gen *g = w->g;
	const person *p = &P(g, pi);
	int64_t hh = p->hh;
	int repaired = 0;
	const char *reject = NULL;
	int idmode = !g->pidsrc;
	if (special == SP_TYPO || (bg && w->dirty && idmode)) {
		int roster_named = p->hh >= 0 && w->src != SRC_CA && w->src != SRC_HOUSE;
		uint32_t x = special == SP_TYPO ? 0 : rnd(&w->dirt, 1000000);
		char typo[18];
		if (special == SP_TYPO || (roster_named && x < RATE_TYPO_REPAIR)) {
			if (!make_typo(w, p, 1, typo, &reject)) {
				row tmp;
				row_replace(&tmp, r, w->idcol, typo, 18);
				*r = tmp;
				repaired = 1;
			}
			reject = NULL;
		} else if (w->src != SRC_CA && x < RATE_TYPO_REPAIR + RATE_BAD_ID) {
			if (rnd(&w->dirt, 5) == 0) {
				row tmp;
				row_replace(&tmp, r, w->idcol, p->id, 17);
				*r = tmp;
				reject = "bad_id_length";
			} else if (!make_typo(w, p, 0, typo, &reject)) {
				row tmp;
				row_replace(&tmp, r, w->idcol, typo, 18);
				*r = tmp;
			} else {
				reject = NULL;
			}
		} else if (x < RATE_TYPO_REPAIR + RATE_BAD_ID + RATE_ID_VARIANT) {
			id_variant(w, r);
		}
	}
	long line = w->sk.line + 1;
	size_t n = row_join(r, w->sep, w->eol, w->out);
	wr_text(w, w->out, n);
	if (repaired)
		truth(g, "finding", "D_ID_REPAIRED", w->src, hh, pi, line,
		      "one-digit typo; the roster has exactly one match with this name");
	if (reject)
		truth(g, "reject", reject, w->src, -1, -1, line, "ID number fails validation");
	if (special == SP_DUP) {
		long l2 = w->sk.line + 1;
		wr_text(w, w->out, n);
		truth(g, "reject", "duplicate_row", w->src, -1, -1, l2, "exact repeat");
		truth(g, "finding", "D_DUP_ROW", w->src, hh, pi, l2,
		      "exact repeat of the row before");
	}
	if (bg && w->dirty && !reject && !repaired) {
		uint32_t x = rnd(&w->dirt, 1000000);
		if (x < RATE_DUP) {
			for (int i = 0; i < NPENDING; i++)
				if (!w->pend[i].countdown && n <= sizeof w->pend[i].text) {
					memcpy(w->pend[i].text, w->out, n);
					w->pend[i].n = n;
					w->pend[i].countdown = 1 + (int)rnd(&w->dirt, 40);
					w->pend[i].hh = hh;
					w->pend[i].person = pi;
					break;
				}
		} else if (x < RATE_DUP + RATE_MALFORMED) {
			malformed(w, r);
		}
	}
	pending_tick(w);
}

static void flush_pending(srcw *w)
{
	for (int round = 0; round < 64; round++)
		pending_tick(w);
}

/* The header: canonical names, or the first Chinese alias. */
static void write_header(srcw *w, const char *const *cols, int ncols)
{
	row r;
	row_reset(&r);
	const schema_source *src = w->g->src[w->src];
	for (int i = 0; i < ncols; i++) {
		const char *name = cols[i];
		int ci = schema_col_index(src, cols[i]);
		if (w->zh && ci >= 0) {
			const schema_col *c = &src->cols[ci];
			for (size_t a = 0; a < c->naliases; a++)
				if ((unsigned char)c->aliases[a][0] >= 0x80) {
					name = c->aliases[a];
					break;
				}
		} else if (w->zh && !strcmp(name, "address")) {
			name = "住址"; /* not in the schema on purpose */
		}
		row_adds(&r, name);
	}
	size_t n = row_join(&r, w->sep, w->eol, w->out);
	sink_put(&w->sk, w->out, n);
}

/* Opens a source file and writes its header.  extra: a column inserted
 * after the identity columns (the dirty roster's address), or NULL. */
static hh_status src_open(gen *g, srcw *w, int src, const char *file, int gz,
			  int gb, int zh, int crlf, int bom, const char *extra)
{
	memset(w, 0, sizeof *w);
	w->g = g;
	w->src = src;
	w->dirty = g->dirty;
	w->zh = zh;
	w->sep = strstr(file, ".tsv") ? '\t' : ',';
	w->eol = crlf ? "\r\n" : "\n";
	rng_seed(&w->dirt, g->o->seed, 0xd1e7000000ULL + (uint64_t)src);
	HH_TRY(sink_open(g, &w->sk, g->o->out_dir, file, gz, gb));
	if (bom)
		sink_put(&w->sk, "\xef\xbb\xbf", 3);
	const char *cols[MAXF];
	int n = 0;
	if (src == SRC_CA)
		cols[n++] = "household_id";
	w->idcol = n;
	if (g->pidsrc) {
		cols[n++] = "pid";
		cols[n++] = "birth_date";
		cols[n++] = "sex";
	} else {
		cols[n++] = "id_number";
		cols[n++] = "name";
	}
	if (extra) {
		cols[n++] = extra;
		w->address = 1;
	}
	w->moneycol = w->enumcol = w->datecol = -1;
	for (int i = 0; src_cols[src][i]; i++) {
		const char *c = src_cols[src][i];
		if (!strcmp(c, "household_income") || !strcmp(c, "annual_fees") ||
		    !strcmp(c, "monthly_wage") || !strcmp(c, "out_of_pocket"))
			w->moneycol = n;
		if (!strcmp(c, "category") || (src == SRC_EDU && !strcmp(c, "status")) ||
		    !strcmp(c, "employment_status") || !strcmp(c, "disaster_damage") ||
		    !strcmp(c, "insured_status"))
			w->enumcol = n;
		if (!strcmp(c, "settle_date"))
			w->datecol = n;
		cols[n++] = c;
	}
	w->ncol = n;
	/* values that are no code and no label of their enumeration */
	static const char *const bad_enum[NSRC] = {"低收入", "transferred", "part_time",
						   "flood", "suspended"};
	w->bad_enum = bad_enum[src];
	write_header(w, cols, n);
	return HH_OK;
}

static hh_status src_close(srcw *w, hh_status st)
{
	if (st == HH_OK)
		flush_pending(w);
	return sink_close(w->g, &w->sk, st);
}

/* Per-person stream for one source: background rows do not depend on
 * what other sources drew. */
static void person_rng(const gen *g, rng *r, uint32_t pi, int src)
{
	rng_seed(r, g->o->seed, ((uint64_t)pi << 4) | (uint64_t)(src + 1));
}

static int age_of(const gen *g, const person *p) { return age_on(p->birth, g->end); }

/* --- civil_affairs ------------------------------------------------- */

static void ca_address(srcw *w, row *r, const household *h)
{
	static const char *const towns[] = {"习岗", "金贵", "立岗", "洪广", "常信",
					    "暖泉", "望远", "杨和", "李俊", "胜利"};
	static const char *const villages[] = {"新平", "光明", "丰登", "红旗", "永安",
					       "兴隆", "团结", "和平", "幸福", "金星"};
	unsigned f = rnd(&w->dirt, 1000);
	int form = f < 900 ? 0 : f < 985 ? 1 : f < 999 ? 2 : 3;
	char t[256];
	int n;
	const char *cn = counties[h->county].name, *tn = towns[h->town % 10],
		   *vn = villages[h->village % 10];
	unsigned grp = 1 + h->village % 9, num = 1 + (unsigned)rnd(&w->dirt, 60);
	switch (form) {
	case 0: n = snprintf(t, sizeof t, "%s%s镇%s村%u组%u号", cn, tn, vn, grp, num); break;
	case 1: n = snprintf(t, sizeof t, "宁夏回族自治区%s,%s镇,%s村%u组%u号", cn, tn, vn, grp, num); break;
	case 2: n = snprintf(t, sizeof t, "%s%s镇\"%s\"新村%u组%u号", cn, tn, vn, grp, num); break;
	default: n = snprintf(t, sizeof t, "%s%s镇%s村\n%u组%u号", cn, tn, vn, grp, num); break;
	}
	row_add(r, t, (size_t)n);
}

static void ca_row(srcw *w, row *r, uint32_t hi, uint32_t pi)
{
	gen *g = w->g;
	const household *h = &H(g, hi);
	const person *p = &P(g, pi);
	char hid[32], region[16];
	row_reset(r);
	household_id(g, hi, hid);
	row_adds(r, hid);
	row_ident(w, r, pi);
	if (w->address)
		ca_address(w, r, h);
	int n = snprintf(region, sizeof region, "%06d1%02u", counties[h->county].code,
			 (unsigned)h->town);
	if (h->region_len == 12)
		n += snprintf(region + n, sizeof region - (size_t)n, "2%02u", (unsigned)h->village);
	row_add(r, region, (size_t)n);
	row_adds(r, enum_text(w, E_CATEGORY, h->category));
	int plain = w->dirty && rnd(&w->dirt, 10) == 0;
	row_money(r, p->income >= 0 ? p->income : h->income, plain);
	row_adds(r, enum_text(w, E_RELATION, p->relation));
	row_addu(r, p->disability);
	row_adds(r, enum_text(w, E_CA_STATUS, p->status));
}

static hh_status write_civil_affairs(gen *g, const char *file)
{
	srcw *w = malloc(sizeof *w);
	if (!w)
		return hh_fail(g->err, HH_EINTERNAL, "gen: out of memory");
	/* dirty: Chinese headers and labels, CRLF, a BOM, and an unknown
	 * address column whose quoted values hold commas, quotes and now
	 * and then a line break */
	hh_status st = src_open(g, w, SRC_CA, file, 0, 0, g->dirty, g->dirty, g->dirty,
				g->dirty ? "address" : NULL);
	row r;
	for (uint32_t hi = 0; st == HH_OK && hi < g->hhs.n; hi++) {
		const household *h = &H(g, hi);
		for (uint32_t k = 0; k < h->nmem; k++) {
			uint32_t pi = h->first + k;
			ca_row(w, &r, hi, pi);
			emit(w, &r, pi, h->plan < 0, SP_NONE);
		}
	}
	st = src_close(w, st);
	free(w);
	return st;
}

/* --- education ----------------------------------------------------- */

static int bg_edu(const gen *g, const person *p, rng *r, edu_row *e)
{
	int age = age_of(g, p);
	int stage;
	uint32_t rate;
	if (age < 3 || age > 24)
		return 0;
	if (age <= 5) {
		stage = STG_PRE, rate = 850000;
	} else if (age <= 11) {
		stage = STG_PRIMARY, rate = 995000;
	} else if (age <= 14) {
		stage = STG_JUNIOR, rate = 990000;
	} else if (age <= 17) {
		stage = chance(r, 300000) ? STG_VOC : STG_SENIOR, rate = 880000;
	} else if (age <= 21) {
		stage = STG_COLLEGE, rate = 400000;
	} else {
		stage = chance(r, 400000) ? STG_GRAD : STG_COLLEGE, rate = 100000;
	}
	if (!chance(r, rate))
		return 0;
	static const unsigned st_w[4] = {965, 12, 10, 13};
	e->stage = (uint8_t)stage;
	e->status = (uint8_t)PICK(r, st_w);
	if (e->status == ED_DROPPED && age > 17)
		e->status = ED_SUSPENDED;
	e->fees = e->aid = -1;
	/* compulsory schooling is free; senior, vocational and college
	 * students pay fees and many get national grants */
	switch (stage) {
	case STG_PRE:
		if (chance(r, 400000))
			e->fees = YUAN(rnd_in(r, 12, 48) * 100);
		break;
	case STG_SENIOR:
		e->fees = YUAN(rnd_in(r, 8, 30) * 100);
		break;
	case STG_VOC:
		e->fees = YUAN(rnd_in(r, 0, 25) * 100);
		break;
	case STG_COLLEGE:
		e->fees = YUAN(rnd_in(r, 40, 120) * 100);
		break;
	case STG_GRAD:
		e->fees = YUAN(rnd_in(r, 80, 160) * 100);
		break;
	}
	if (e->fees >= 0)
		e->aid = chance(r, 500000) ? YUAN(rnd_in(r, 10, 33) * 100) : 0;
	return 1;
}

static void edu_row_fill(srcw *w, row *r, const edu_row *e)
{
	int plain = w->dirty && rnd(&w->dirt, 10) == 0;
	row_reset(r);
	row_ident(w, r, e->person);
	row_adds(r, enum_text(w, E_STAGE, e->stage));
	row_adds(r, enum_text(w, E_EDU_STATUS, e->status));
	row_money(r, e->fees, plain);
	row_money(r, e->aid, plain);
}

/* --- hr ------------------------------------------------------------ */

static int bg_hr(const gen *g, const person *p, rng *r, hr_row *out)
{
	int age = age_of(g, p);
	int roster = p->hh >= 0;
	if (age < 16)
		return 0;
	int old = age >= 60;
	/* Rural roster members are often outside the social insurance
	 * records; the rest of the population mostly inside them. */
	uint32_t cover = roster ? (old ? 300000 : 550000) : (old ? 550000 : 750000);
	if (!chance(r, cover))
		return 0;
	int cat = roster ? ((const household *)g->hhs.items)[p->hh].category : -1;
	int emp, employer = ER_NONE;
	int64_t wage = -1, benefit = -1, pension = -1;
	if (old) {
		static const unsigned w_old[4] = {5, 10, 0, 85};
		emp = PICK(r, w_old);
	} else if (roster) {
		static const unsigned w_ro[4] = {40, 38, 12, 2};
		emp = PICK(r, w_ro);
	} else {
		static const unsigned w_nr[4] = {68, 22, 6, 2};
		emp = PICK(r, w_nr);
	}
	if (emp == EMP_RETIRED && !old && !(p->sex == 2 && age >= 50))
		emp = EMP_FLEXIBLE;
	switch (emp) {
	case EMP_EMPLOYED:
		employer = chance(r, roster ? 5000 : 180000) ? ER_PUBLIC : ER_ENTERPRISE;
		if (!roster)
			wage = YUAN(rnd_in(r, 2800, 9000));
		else if (cat == CAT_DIBAO || cat == CAT_TEKUN)
			wage = YUAN(rnd_in(r, 1000, 2000));
		else
			wage = YUAN(rnd_in(r, 1800, 4200));
		break;
	case EMP_FLEXIBLE:
		/* dibao and tekun households are on assistance because their
		 * earnings are small: keep A_HIGH_INCOME a rare audit finding */
		wage = cat == CAT_DIBAO || cat == CAT_TEKUN ? YUAN(rnd_in(r, 400, 1500))
							    : YUAN(rnd_in(r, 600, 3000));
		break;
	case EMP_UNEMPLOYED:
		benefit = chance(r, 550000) ? YUAN(rnd_in(r, 1600, 1800)) : 0;
		break;
	default:
		/* rural basic pensions are a couple of hundred yuan, urban
		 * enterprise pensions a few thousand */
		pension = roster && chance(r, cat == CAT_DIBAO || cat == CAT_TEKUN ? 950000 : 700000)
				  ? YUAN(rnd_in(r, 150, 400))
						      : YUAN(rnd_in(r, 1800, 4500));
		break;
	}
	int n = chance(r, 600000) ? 3 : 6;
	int lag = chance(r, 80000); /* extract a month behind */
	/* a few people lose their job or part of their pay in the latest
	 * month: the background also has some R_JOBLOSS / R_INCOME_DROP */
	int change = emp == EMP_EMPLOYED && chance(r, 25000) ? 1 + (int)rnd(r, 2) : 0;
	for (int k = 0; k < n; k++) {
		hr_row *h = &out[k];
		memset(h, 0, sizeof *h);
		h->period = period_add(g->period, -(n - 1 - k) - lag);
		h->emp = (uint8_t)emp;
		h->employer = (uint8_t)employer;
		/* wages vary a little from month to month */
		h->wage = wage < 0 ? -1 : wage + YUAN((int64_t)rnd(r, 301) - 150);
		h->benefit = benefit;
		h->pension = pension;
		if (k == n - 1 && change == 1) {
			h->emp = EMP_UNEMPLOYED;
			h->employer = ER_NONE;
			h->wage = -1;
			h->benefit = YUAN(1700);
		} else if (k == n - 1 && change == 2) {
			h->wage = wage * 2 / 5 / 100 * 100;
		}
	}
	return n;
}

static void hr_row_fill(srcw *w, row *r, const hr_row *h)
{
	int plain = w->dirty && rnd(&w->dirt, 10) == 0;
	row_reset(r);
	row_ident(w, r, h->person);
	if (h->period)
		row_addu(r, (uint64_t)h->period);
	else
		row_add(r, "", 0);
	row_adds(r, enum_text(w, E_EMP, h->emp));
	row_adds(r, enum_text(w, E_EMPLOYER, h->employer));
	row_money(r, h->wage, plain);
	row_money(r, h->benefit, plain);
	row_money(r, h->pension, plain);
}

/* --- housing ------------------------------------------------------- */

static int bg_house(const gen *g, const person *p, rng *r, house_row *h)
{
	int roster = p->hh >= 0;
	if (age_of(g, p) < 18 || !chance(r, roster ? 350000 : 400000))
		return 0;
	static const unsigned props_ro[4] = {350, 635, 12, 3}, props_nr[4] = {20, 55, 18, 7};
	static const unsigned rate_ro[5] = {820, 70, 60, 40, 10}, rate_nr[5] = {930, 40, 20, 8, 2};
	static const unsigned dmg_ro[4] = {930, 45, 20, 5}, dmg_nr[4] = {970, 23, 5, 2};
	h->props = roster ? PICK(r, props_ro) : PICK(r, props_nr);
	h->rating = (uint8_t)(roster ? PICK(r, rate_ro) : PICK(r, rate_nr));
	h->damage = (uint8_t)(roster ? PICK(r, dmg_ro) : PICK(r, dmg_nr));
	h->rental = (uint8_t)chance(r, roster ? 60000 : 30000);
	return 1;
}

static void house_row_fill(srcw *w, row *r, const house_row *h)
{
	row_reset(r);
	row_ident(w, r, h->person);
	row_addu(r, (uint64_t)h->props);
	row_adds(r, enum_text(w, E_RATING, h->rating));
	row_adds(r, enum_text(w, E_DAMAGE, h->damage));
	row_addu(r, h->rental);
}

/* --- medical ------------------------------------------------------- */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int bg_med(const gen *g, const person *p, rng *r, med_row *out)
{
	static const unsigned n_w[7] = {58, 20, 10, 6, 3, 2, 1};
	int n = PICK(r, n_w);
	if (age_of(g, p) >= 60 && chance(r, 400000))
		n++;
	if (!n)
		return 0;
	/* distinct dates over the 15 months, so no two rows are equal */
	int days[8];
	int64_t lo = ymd_days(g->hist_lo), span = ymd_days(g->end) - lo + 1;
	for (int k = 0; k < n; k++) {
		int d;
		int again;
		do {
			d = (int)(lo + rnd(r, (uint32_t)span));
			again = 0;
			for (int j = 0; j < k; j++)
				again |= days[j] == d;
		} while (again);
		days[k] = d;
	}
	qsort(days, (size_t)n, sizeof days[0], cmp_int);
	for (int k = 0; k < n; k++) {
		med_row *m = &out[k];
		memset(m, 0, sizeof *m);
		m->date = civil_from_days(days[k]);
		m->inpatient = (uint8_t)chance(r, 180000);
		int64_t total;
		uint32_t share; /* out-of-pocket share, per mille */
		if (m->inpatient) {
			m->major = (uint8_t)chance(r, 80000);
			total = m->major ? YUAN(rnd_in(r, 40000, 250000)) : YUAN(rnd_in(r, 3000, 40000));
			share = m->major ? 150 + rnd(r, 200) : 200 + rnd(r, 250);
		} else {
			total = (int64_t)rnd_in(r, 3000, 150000);
			share = 300 + rnd(r, 701);
		}
		m->total = total;
		m->oop = total * share / 1000;
		m->insured = INS_ACTIVE;
	}
	uint32_t x = rnd(r, 1000000);
	int old = age_of(g, p) >= 75;
	if (x < (old ? 6000u : 1500u))
		out[n - 1].insured = INS_DECEASED;
	else if (x < 4500)
		out[n - 1].insured = INS_TERMINATED;
	return n;
}

static void med_row_fill(srcw *w, row *r, const med_row *m)
{
	int plain = w->dirty && rnd(&w->dirt, 10) == 0;
	int compact = w->dirty && rnd(&w->dirt, 7) == 0;
	row_reset(r);
	row_ident(w, r, m->person);
	row_date(r, m->date, compact);
	row_money(r, m->oop, plain);
	row_money(r, m->total, plain);
	row_addu(r, m->inpatient);
	row_addu(r, m->major);
	row_adds(r, enum_text(w, E_INSURED, m->insured));
}

/* --- the four person sources, one walker ---------------------------- */

typedef union {
	edu_row e[1];
	hr_row h[8];
	house_row o[1];
	med_row m[8];
} any_rows;

static int bg_rows(const gen *g, int src, const person *p, rng *r, any_rows *u)
{
	switch (src) {
	case SRC_EDU: return p->hh >= 0 ? bg_edu(g, p, r, u->e) : 0;
	case SRC_HR: return bg_hr(g, p, r, u->h);
	case SRC_HOUSE: return bg_house(g, p, r, u->o);
	default: return bg_med(g, p, r, u->m);
	}
}

static void fill_any(srcw *w, row *r, int src, const void *rows, size_t k)
{
	switch (src) {
	case SRC_EDU: edu_row_fill(w, r, (const edu_row *)rows + k); break;
	case SRC_HR: hr_row_fill(w, r, (const hr_row *)rows + k); break;
	case SRC_HOUSE: house_row_fill(w, r, (const house_row *)rows + k); break;
	default: med_row_fill(w, r, (const med_row *)rows + k); break;
	}
}

static uint32_t row_person(int src, const void *rows, size_t k)
{
	switch (src) {
	case SRC_EDU: return ((const edu_row *)rows)[k].person;
	case SRC_HR: return ((const hr_row *)rows)[k].person;
	case SRC_HOUSE: return ((const house_row *)rows)[k].person;
	default: return ((const med_row *)rows)[k].person;
	}
}

static int row_special(int src, const void *rows, size_t k)
{
	switch (src) {
	case SRC_EDU: return ((const edu_row *)rows)[k].special;
	case SRC_HR: return ((const hr_row *)rows)[k].special;
	case SRC_HOUSE: return ((const house_row *)rows)[k].special;
	default: return ((const med_row *)rows)[k].special;
	}
}

static hh_status write_person_source(gen *g, int src, const char *file, int gz,
				     int gb, int zh, int split)
{
	srcw *w = malloc(sizeof *w);
	if (!w)
		return hh_fail(g->err, HH_EINTERNAL, "gen: out of memory");
	hh_status st = src_open(g, w, src, file, gz, gb, zh, 0, 0, NULL);
	row r;
	any_rows u;
	for (uint32_t hi = 0; st == HH_OK && hi < g->hhs.n; hi++) {
		const household *h = &H(g, hi);
		if (split && hi == g->hhs.n / 2)
			sink_member_break(&w->sk);
		if (h->plan >= 0) {
			const void *rows = (const char *)g->prow[src].items;
			for (uint32_t k = 0; k < h->nrows[src]; k++) {
				size_t j = h->row0[src] + k;
				fill_any(w, &r, src, rows, j);
				emit(w, &r, row_person(src, rows, j), 0, row_special(src, rows, j));
			}
			continue;
		}
		for (uint32_t k = 0; k < h->nmem + h->nextra; k++) {
			uint32_t pi = h->first + k;
			rng pr;
			person_rng(g, &pr, pi, src);
			memset(&u, 0, sizeof u);
			int n = bg_rows(g, src, &P(g, pi), &pr, &u);
			for (int j = 0; j < n; j++) {
				switch (src) {
				case SRC_EDU: u.e[j].person = pi; break;
				case SRC_HR: u.h[j].person = pi; break;
				case SRC_HOUSE: u.o[j].person = pi; break;
				default: u.m[j].person = pi; break;
				}
				fill_any(w, &r, src, &u, (size_t)j);
				emit(w, &r, pi, 1, SP_NONE);
			}
		}
	}
	st = src_close(w, st);
	free(w);
	return st;
}

/* ------------------------------------------------------------------ */
/* Config, truth, and the driver.                                        */

typedef struct {
	const char *ca, *edu, *hr, *house, *med;
} file_names;

static hh_status write_text_file(gen *g, const char *name, const char *text, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", g->o->out_dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return hh_fail(g->err, HH_EINTERNAL, "gen: cannot create %s: %s", path,
			       strerror(errno));
	int bad = fwrite(text, 1, n, f) != n;
	bad |= fclose(f) != 0;
	if (bad)
		return hh_fail(g->err, HH_EINTERNAL, "gen: cannot write %s: %s", path,
			       strerror(errno));
	return HH_OK;
}

static hh_status write_conf(gen *g, const file_names *fn)
{
	char t[2048];
	int n = snprintf(t, sizeof t,
			 "# hhmatch.conf written by `hhmatch gen` (seed %llu, %llu households%s).\n"
			 "# Paths are relative to this file's folder.  Run with:\n"
			 "#   hhmatch run --config hhmatch.conf --key KEYFILE --out DIR\n"
			 "period = %d\n"
			 "civil-affairs = %s\n"
			 "education = %s\n"
			 "hr = %s\n"
			 "housing = %s\n"
			 "medical = %s\n"
			 "%s",
			 (unsigned long long)g->o->seed, (unsigned long long)g->o->households,
			 g->dirty ? "" : ", clean", g->period, fn->ca, fn->edu, fn->hr,
			 fn->house, fn->med,
			 g->dirty ? "encoding = housing=gb18030\n" : "");
	return write_text_file(g, "hhmatch.conf", t, (size_t)n);
}

static hh_status check_schema(gen *g)
{
	HH_TRY(schema_new(&g->sc, g->err));
	for (int s = 0; s < NSRC; s++) {
		g->src[s] = schema_source_by_name(g->sc, src_name[s]);
		if (!g->src[s])
			return hh_fail(g->err, HH_EINTERNAL, "gen: the schema has no source %s",
				       src_name[s]);
	}
	/* enumerations hang off columns; find each by name */
	for (int s = 0; s < NSRC; s++)
		for (size_t c = 0; c < g->src[s]->ncols; c++) {
			const schema_enum *en = g->src[s]->cols[c].en;
			if (!en)
				continue;
			for (int e = 0; e < NENUMS; e++)
				if (!strcmp(en->name, enum_expect[e].name))
					g->en[e] = en;
		}
	for (int e = 0; e < NENUMS; e++) {
		if (!g->en[e])
			return hh_fail(g->err, HH_EINTERNAL, "gen: the schema has no enumeration %s",
				       enum_expect[e].name);
		for (int v = 0; v < 7 && enum_expect[e].codes[v]; v++)
			if (schema_enum_code(g->en[e], enum_expect[e].codes[v]) != v)
				return hh_fail(g->err, HH_EINTERNAL,
					       "gen: enumeration %s of the schema no longer has %s in place %d",
					       enum_expect[e].name, enum_expect[e].codes[v], v);
	}
	return HH_OK;
}

static hh_status make_dirs(gen *g, const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof path)
		return hh_fail(g->err, HH_EUSAGE, "gen: bad output folder name");
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != 0)
			continue;
		char c = path[i];
		path[i] = 0;
		if (mkdir(path, 0777) && errno != EEXIST)
			return hh_fail(g->err, HH_EINTERNAL, "gen: cannot create folder %s: %s",
				       path, strerror(errno));
		path[i] = c;
	}
	struct stat sb;
	if (stat(dir, &sb) || !S_ISDIR(sb.st_mode))
		return hh_fail(g->err, HH_EINTERNAL, "gen: %s is not a folder", dir);
	return HH_OK;
}

static hh_status gen_run(gen *g)
{
	const gen_opts *o = g->o;
	HH_TRY(check_schema(g));
	HH_TRY(make_dirs(g, o->out_dir));
	HH_TRY(build_population(g));
	if (g->pidsrc) {
		g->pids = malloc(g->persons.n * sizeof *g->pids);
		if (!g->pids)
			return hh_fail(g->err, HH_EINTERNAL, "gen: out of memory");
		for (size_t i = 0; i < g->persons.n; i++)
			pid_compute(o->key, P(g, i).id, g->pids[i]);
	}
	/* dirty mode varies every form the contract allows */
	file_names fn = {"civil_affairs.csv", "education.csv", "hr.csv.gz",
			 g->dirty ? "housing.tsv" : "housing.csv",
			 "medical.csv.gz"};
	HH_TRY(write_civil_affairs(g, fn.ca));
	HH_TRY(write_person_source(g, SRC_EDU, fn.edu, 0, 0, 0, 0));
	HH_TRY(write_person_source(g, SRC_HR, fn.hr, 1, 0, 0, 0));
	/* dirty housing: GB18030 TSV with Chinese headers and labels */
	HH_TRY(write_person_source(g, SRC_HOUSE, fn.house, 0, g->dirty, g->dirty, 0));
	HH_TRY(write_person_source(g, SRC_MED, fn.med, 1, 0, 0, g->dirty));
	HH_TRY(write_conf(g, &fn));
	if (g->oom)
		return hh_fail(g->err, HH_EINTERNAL, "gen: out of memory");
	sbuf t = {0};
	sb_puts(g, &t, "kind,code,source,household_id,id_number,pid,line,detail\n");
	if (g->truth.n)
		sb_put(g, &t, g->truth.p, g->truth.n);
	if (g->oom) {
		free(t.p);
		return hh_fail(g->err, HH_EINTERNAL, "gen: out of memory");
	}
	hh_status st = write_text_file(g, "truth.csv", t.p, t.n);
	free(t.p);
	return st;
}

hh_status gen_month(const gen_opts *opts, hh_err *err)
{
	if (!opts || !opts->out_dir || !*opts->out_dir)
		return hh_fail(err, HH_EUSAGE, "gen: an output folder is required");
	if (opts->households == 0 || opts->households > 20000000)
		return hh_fail(err, HH_EUSAGE,
			       "gen: households must be between 1 and 20000000, not %llu",
			       (unsigned long long)opts->households);
	int period = opts->period ? opts->period : 202611;
	if (period / 100 < 2000 || period / 100 > 2099 || period % 100 < 1 || period % 100 > 12)
		return hh_fail(err, HH_EUSAGE, "gen: period %d is not a YYYYMM between 200001 and 209912",
			       period);
	if (opts->pid_sources && !opts->key)
		return hh_fail(err, HH_EUSAGE, "gen: pid sources need a key");
	gen *g = calloc(1, sizeof *g);
	if (!g)
		return hh_fail(err, HH_EINTERNAL, "gen: out of memory");
	g->o = opts;
	g->err = err;
	g->period = period;
	g->end = period_day(period, 31);
	g->win_lo = period_day(period_add(period, -11), 1);
	g->hist_lo = period_day(period_add(period, -14), 1);
	g->dirty = !opts->clean;
	g->pidsrc = opts->pid_sources;
	rng_seed(&g->r, opts->seed, 0);
	vec_init(&g->persons, sizeof(person));
	vec_init(&g->hhs, sizeof(household));
	vec_init(&g->prow[SRC_EDU], sizeof(edu_row));
	vec_init(&g->prow[SRC_HR], sizeof(hr_row));
	vec_init(&g->prow[SRC_HOUSE], sizeof(house_row));
	vec_init(&g->prow[SRC_MED], sizeof(med_row));
	vec_init(&g->prow[SRC_CA], 1);
	hh_status st = gen_run(g);
	schema_free(g->sc);
	vec_free(&g->persons);
	vec_free(&g->hhs);
	for (int s = 0; s < NSRC; s++)
		vec_free(&g->prow[s]);
	free(g->ids.slot);
	free(g->pids);
	free(g->truth.p);
	free(g);
	return st;
}
