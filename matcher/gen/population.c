/*
 * population.c - phase 1 of `hhmatch gen` (see gen_int.h): the households
 * and persons of the synthetic month.
 *
 * One stream (g->r) draws the households one after another: county, town
 * and village, then either a plan (plans.c builds it) or a background
 * household: size, relations, ages, category, income, and 0-3 people who
 * are not on the roster (they appear only in hr, housing and medical, so
 * the engine has persons to discover).
 *
 * Every person gets a unique, valid ID number: county of birth
 * registration + birth date + a sequence with the sex's parity + the check
 * character.  An open-addressing set over the IDs keeps them unique and
 * later answers dirt.c's "is this candidate repair on the roster?".
 * A name is three indexes into the tables below, so a person is 40 bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/idnum.h"
#include "domain/period.h"
#include "gen/days.h"
#include "gen/gen_int.h"

/* --- tables: Ningxia counties, names ------------------------------- */

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

int64_t pop_find_id(const gen *g, const char *id)
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

uint32_t pop_new_person(gen *g, int32_t hh, int birth, int sex, int region)
{
	person *p = gen_push(g, &g->persons);
	if (!p)
		return UINT32_MAX;
	uint32_t pi = (uint32_t)(g->persons.n - 1);
	p->hh = hh;
	p->birth = birth;
	p->sex = (uint8_t)sex;
	p->income = -1;
	p->sname = (uint8_t)rng_below(&g->r, NSURNAMES);
	p->g1 = (uint8_t)rng_below(&g->r, NGIVEN);
	/* two-character given names are the commoner form */
	p->g2 = rng_chance(&g->r, 650000) ? (uint8_t)rng_below(&g->r, NGIVEN) : 0xff;
	for (;;) {
		put_digits(p->id, (unsigned)region, 6);
		put_digits(p->id + 6, (unsigned)birth, 8);
		unsigned seq = sex == 1 ? rng_below(&g->r, 500) * 2 + 1
					: rng_below(&g->r, 499) * 2 + 2;
		put_digits(p->id + 14, seq, 3);
		p->id[17] = idnum_check_char(p->id);
		if (pop_find_id(g, p->id) < 0)
			break;
	}
	if (idset_add(g, pi))
		return UINT32_MAX;
	return pi;
}

static int person_region(gen *g, int county)
{
	unsigned r = rng_below(&g->r, 100);
	if (r < 85)
		return counties[county].code;
	if (r < 97)
		return counties[rng_below(&g->r, NCOUNTIES)].code;
	return other_regions[rng_below(&g->r, sizeof other_regions / sizeof other_regions[0])];
}

size_t pop_name_utf8(const person *p, char *out)
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

void pop_household_id(const gen *g, size_t hi, char out[32])
{
	const household *h = &((const household *)g->hhs.items)[hi];
	snprintf(out, 32, "H%06d%06zu", counties[h->county].code, hi + 1);
}

int pop_county_code(int county) { return counties[county].code; }

const char *pop_county_name(int county) { return counties[county].name; }

/* --- birth dates --------------------------------------------------- */

int pop_birth_for_age(rng *r, int age, int end, int where)
{
	int y = end / 10000 - age, m = end / 100 % 100, d = end % 100;
	int dh = d > period_month_days(y, m) ? period_month_days(y, m) : d;
	int dl = d > period_month_days(y - 1, m) ? period_month_days(y - 1, m) : d;
	int64_t hi = days_from_civil(y, m, dh);
	int64_t lo = days_from_civil(y - 1, m, dl) + 1;
	if (where == BIRTH_TODAY)
		return days_to_ymd(hi);
	if (where == BIRTH_OLDEST)
		return days_to_ymd(lo);
	return days_to_ymd(lo + rng_below(r, (uint32_t)(hi - lo + 1)));
}

/* --- background households ----------------------------------------- */

/* Per-capita income medians (yuan a year) by category.  dibao and tekun
 * sit below the 6000 line, the edge and monitored groups just above it,
 * so a fair share of households falls below the line without all of them
 * doing so. */
static const int64_t percap_median[6] = {4800, 5200, 7200, 7800, 10500, 12500};

static int64_t draw_income(gen *g, int cat, int members)
{
	/* A sum of three uniforms: a hump around 1.0 between 0.35 and 1.7,
	 * integer arithmetic only. */
	int64_t f = 350 + rng_below(&g->r, 451) + rng_below(&g->r, 451) +
		    rng_below(&g->r, 451);
	int64_t fen = percap_median[cat] * 100 * f / 1000 * members;
	if (rng_chance(&g->r, 50000)) /* a few much better-off households */
		fen *= 2 + rng_below(&g->r, 2);
	/* most incomes are whole yuan; some carry fen */
	return rng_chance(&g->r, 300000) ? fen : fen / 100 * 100;
}

static uint8_t draw_disability(gen *g, int age)
{
	static const unsigned grade_w[4] = {15, 25, 30, 30};
	if (!rng_chance(&g->r, age >= 65 ? 120000 : 45000))
		return 0;
	return (uint8_t)(1 + RNG_PICK(&g->r, grade_w));
}

static uint32_t bg_member(gen *g, uint32_t hi, int rel, int age, int sex)
{
	household *h = &H(g, hi);
	if (age < 0)
		age = 0;
	int birth = pop_birth_for_age(&g->r, age, g->end, BIRTH_ANY);
	uint32_t pi = pop_new_person(g, (int32_t)hi, birth, sex, person_region(g, h->county));
	if (pi == UINT32_MAX)
		return pi;
	person *p = &P(g, pi);
	p->relation = (uint8_t)rel;
	p->disability = draw_disability(g, age);
	/* Most members are active; gradual exit and exit are the dynamic
	 * management of the policy, a few per cent a month. */
	static const unsigned st_w[3] = {950, 25, 25};
	p->status = rel == REL_HEAD ? (rng_chance(&g->r, 980000) ? ST_ACTIVE : ST_GRADUAL)
				    : (uint8_t)RNG_PICK(&g->r, st_w);
	return pi;
}

static void bg_household(gen *g, uint32_t hi)
{
	household *h = &H(g, hi);
	static const unsigned cat_w[6] = {30, 5, 15, 15, 30, 5};
	static const unsigned size_w[7] = {18, 22, 22, 20, 10, 5, 3}; /* mean ~3.1 */
	h->category = (uint8_t)RNG_PICK(&g->r, cat_w);
	int size = 1 + RNG_PICK(&g->r, size_w);
	int head_age, head_dis = 0;
	if (h->category == CAT_TEKUN) {
		/* tekun: mostly single elderly, some disabled adults alone */
		size = rng_chance(&g->r, 850000) ? 1 : 2;
		if (rng_chance(&g->r, 700000)) {
			head_age = (int)rng_range(&g->r, 60, 95);
		} else {
			head_age = (int)rng_range(&g->r, 25, 70);
			head_dis = 1 + (int)rng_below(&g->r, 2);
		}
	} else if (size == 1) {
		head_age = rng_chance(&g->r, 600000) ? (int)rng_range(&g->r, 60, 92)
						     : (int)rng_range(&g->r, 20, 59);
	} else if (size == 2) {
		head_age = rng_chance(&g->r, 500000) ? (int)rng_range(&g->r, 60, 85)
						     : (int)rng_range(&g->r, 25, 59);
	} else {
		head_age = (int)rng_range(&g->r, 28, 62);
	}
	int head_sex = rng_chance(&g->r, 800000) ? 1 : 2;
	uint32_t head = bg_member(g, hi, REL_HEAD, head_age, head_sex);
	if (head == UINT32_MAX)
		return;
	if (head_dis)
		P(g, head).disability = (uint8_t)head_dis;
	int left = size - 1;
	int men_surname = P(g, head).sname;
	if (left > 0 && rng_chance(&g->r, 850000)) {
		int sa = head_age + (head_sex == 1 ? -(int)rng_below(&g->r, 6)
						   : (int)rng_below(&g->r, 6));
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
		parents = (int)rng_below(&g->r, 3);
	if (head_age >= 55 && left >= 2)
		grand = 1 + (int)rng_below(&g->r, (uint32_t)left - 1);
	for (int i = 0; i < left; i++) {
		int rel, age;
		if (i < parents) {
			rel = REL_PARENT;
			age = head_age + (int)rng_range(&g->r, 22, 35);
			if (age > 98)
				age = 98;
		} else if (i < parents + grand) {
			rel = REL_GRANDCHILD;
			age = (int)rng_below(&g->r, (uint32_t)(head_age - 40 > 1 ? head_age - 40 : 1));
		} else {
			rel = REL_CHILD;
			int lo = head_age - 40 < 0 ? 0 : head_age - 40;
			int hi2 = head_age - 20 < lo ? lo : head_age - 20;
			age = (int)rng_range(&g->r, lo, hi2);
		}
		uint32_t c = bg_member(g, hi, rel, age, 1 + (int)rng_below(&g->r, 2));
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
	int n = RNG_PICK(&g->r, n_w);
	for (int i = 0; i < n; i++) {
		int age = rng_chance(&g->r, 750000) ? (int)rng_range(&g->r, 18, 59)
						    : (int)rng_range(&g->r, 60, 90);
		int birth = pop_birth_for_age(&g->r, age, g->end, BIRTH_ANY);
		uint32_t pi = pop_new_person(g, -1, birth, 1 + (int)rng_below(&g->r, 2),
					     person_region(g, h->county));
		if (pi == UINT32_MAX)
			return;
		H(g, hi).nextra++;
	}
}

/* --- the households, in order -------------------------------------- */

hh_status pop_build(gen *g)
{
	for (uint32_t i = 0; i < g->o->households; i++) {
		household *h = gen_push(g, &g->hhs);
		if (!h)
			break;
		h->first = (uint32_t)g->persons.n;
		h->county = (uint8_t)rng_below(&g->r, NCOUNTIES);
		h->region_len = rng_chance(&g->r, 800000) ? 12 : 9;
		h->town = (uint8_t)rng_below(&g->r, 20);
		h->village = (uint8_t)rng_below(&g->r, 40);
		h->plan = (int16_t)plan_pick(g, i);
		if (h->plan >= 0) {
			plan_plant(g, i);
		} else {
			bg_household(g, i);
			if (!g->oom)
				bg_extras(g, i);
		}
		if (g->oom)
			break;
	}
	if (g->oom)
		return hh_fail(g->err, HH_EINTERNAL, "gen: out of memory building the population");
	return HH_OK;
}
