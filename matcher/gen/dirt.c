/*
 * dirt.c - the emitter every row of `hhmatch gen` goes through, and the
 * dirt it adds in dirty mode (see gen_int.h).
 *
 * Dirt is what real extracts hold and the engine must cope with: ID
 * spellings that are still valid after normalisation (lower-case x,
 * full-width characters, spaces, the 15-digit legacy form), one-digit
 * typos the engine can repair (one roster person with that name among the
 * repairs) and typos it cannot, exact duplicates emitted a few rows later,
 * and extra malformed rows (bad money, a bad enumeration value, an
 * impossible date, a wrong column count).  Every alteration is recorded
 * in truth.csv with the physical line it was written on, so tests can
 * check the engine's rejects and findings line by line.
 *
 * Each extract draws its dirt from its own stream (extract.dirt), and
 * only background rows get random dirt: planted rows ask for what they
 * need (SP_DUP, SP_TYPO), so a plan's outcome does not depend on dice.
 */
#include <stdio.h>
#include <string.h>

#include "domain/idnum.h"
#include "gen/gen_int.h"

/* Rates of dirt per row in dirty mode, per million.  Together about
 * 0.8% of rows: real extracts have a few per thousand. */
enum {
	RATE_ID_VARIANT = 4000,  /* valid after normalisation */
	RATE_TYPO_REPAIR = 1000, /* one substitution, on the roster, same name */
	RATE_BAD_ID = 500,       /* fails and cannot be repaired */
	RATE_DUP = 1000,         /* exact repeat */
	RATE_MALFORMED = 1500,   /* extra broken row */
};

/* The ID written in a still-valid variant: lower-case x, full-width
 * characters, surrounding spaces, or the 15-digit legacy form. */
static void id_variant(extract *w, row *r)
{
	char id[18], t[96];
	size_t n = 0;
	memcpy(id, r->buf + r->off[w->idcol], 18);
	int birth_year = (id[6] - '0') * 1000 + (id[7] - '0') * 100;
	switch (rng_below(&w->dirt, 4)) {
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
		if (rng_below(&w->dirt, 2)) {
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
	const gen *g;
	const person *who;
	int hits;
} repair_ctx;

static int repair_cb(const char cand[19], void *ctx)
{
	repair_ctx *c = ctx;
	int64_t pi = pop_find_id(c->g, cand);
	if (pi >= 0) {
		const person *q = &P(c->g, pi);
		if (q->hh >= 0 && q->sname == c->who->sname && q->g1 == c->who->g1 &&
		    q->g2 == c->who->g2 && q->sex == c->who->sex)
			c->hits++;
	}
	return 0;
}

/* Roster persons with the same name as `who` among the repairs of bad. */
static int repair_hits(const gen *g, const char bad[18], const person *who)
{
	repair_ctx c = {g, who, 0};
	idnum_repairs(bad, g->period, repair_cb, &c);
	return c.hits;
}

/* A typo of id: repairable (one substitution in the region or sequence
 * digits, so the date stays valid and the check fails) or not (two
 * substitutions far apart).  Verified against the roster so the truth is
 * exact.  Returns 0 and the reason code, or -1 when no typo was found. */
static int make_typo(extract *w, const person *p, int repairable, char out[18],
		     const char **reason)
{
	static const int pos[9] = {0, 1, 2, 3, 4, 5, 14, 15, 16};
	for (int tries = 0; tries < 20; tries++) {
		memcpy(out, p->id, 18);
		int a = pos[rng_below(&w->dirt, repairable ? 9 : 6)];
		out[a] = (char)('0' + (out[a] - '0' + 1 + (int)rng_below(&w->dirt, 9)) % 10);
		if (!repairable) {
			int b = pos[6 + rng_below(&w->dirt, 3)];
			out[b] = (char)('0' + (out[b] - '0' + 1 + (int)rng_below(&w->dirt, 9)) % 10);
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

static void pending_tick(extract *w)
{
	for (int i = 0; i < EXTRACT_PENDING; i++) {
		if (!w->pend[i].countdown || --w->pend[i].countdown)
			continue;
		long line = w->line + 1;
		extract_put(w, w->pend[i].text, w->pend[i].n);
		truth_add(w->g, "reject", "duplicate_row", w->src, -1, -1, line, "exact repeat");
		truth_add(w->g, "finding", "D_DUP_ROW", w->src, w->pend[i].hh, w->pend[i].person,
			  line, "exact repeat of an earlier row");
	}
}

/* A broken copy of r: one malformation the reader must reject. */
static void malformed(extract *w, const row *r)
{
	static const char *const bad_money[] = {"12O0.50", "8OO", "一千二"};
	row m;
	const char *code;
	char t[48];
	int kind = (int)rng_below(&w->dirt, 5);
	if (kind == 1 && w->moneycol < 0)
		kind = 0;
	if (kind == 2 && w->moneycol < 0)
		kind = 3;
	if (kind == 4 && w->datecol < 0)
		kind = rng_below(&w->dirt, 2) ? 0 : 3;
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
		const char *s = bad_money[rng_below(&w->dirt, 3)];
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
		const char *s = rng_below(&w->dirt, 2) ? (compact ? "20260230" : "2026-02-30")
						       : (compact ? "20250431" : "2025-04-31");
		row_replace(&m, r, w->datecol, s, (int)strlen(s));
		code = "bad_date";
		break;
	}
	default:
		if (rng_below(&w->dirt, 2)) {
			row_replace(&m, r, r->n - 1, NULL, -1);
		} else {
			m = *r;
			row_add(&m, "1", 1);
		}
		code = "column_count";
		break;
	}
	long line = w->line + 1;
	size_t n = row_join(&m, w->sep, w->eol, w->out);
	extract_put(w, w->out, n);
	truth_add(w->g, "reject", code, w->src, -1, -1, line, "malformed row");
}

void dirt_emit(extract *w, row *r, uint32_t pi, int bg, int special)
{
	gen *g = w->g;
	const person *p = &P(g, pi);
	int64_t hh = p->hh;
	int repaired = 0;
	const char *reject = NULL;
	int idmode = !g->pidsrc;
	if (special == SP_TYPO || (bg && w->dirty && idmode)) {
		int roster_named = p->hh >= 0 && w->src != SRC_CIVIL_AFFAIRS &&
				   w->src != SRC_HOUSING;
		uint32_t x = special == SP_TYPO ? 0 : rng_below(&w->dirt, 1000000);
		char typo[18];
		if (special == SP_TYPO || (roster_named && x < RATE_TYPO_REPAIR)) {
			if (!make_typo(w, p, 1, typo, &reject)) {
				row tmp;
				row_replace(&tmp, r, w->idcol, typo, 18);
				*r = tmp;
				repaired = 1;
			}
			reject = NULL;
		} else if (w->src != SRC_CIVIL_AFFAIRS && x < RATE_TYPO_REPAIR + RATE_BAD_ID) {
			if (rng_below(&w->dirt, 5) == 0) {
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
	long line = w->line + 1;
	size_t n = row_join(r, w->sep, w->eol, w->out);
	extract_put(w, w->out, n);
	if (repaired)
		truth_add(g, "finding", "D_ID_REPAIRED", w->src, hh, pi, line,
			  "one-digit typo; the roster has exactly one match with this name");
	if (reject)
		truth_add(g, "reject", reject, w->src, -1, -1, line, "ID number fails validation");
	if (special == SP_DUP) {
		long l2 = w->line + 1;
		extract_put(w, w->out, n);
		truth_add_repeat(g, "reject", "duplicate_row", w->src, -1, -1, line, l2,
				 "exact repeat");
		truth_add_repeat(g, "finding", "D_DUP_ROW", w->src, hh, pi, line, l2,
				 "exact repeat of the row before");
	}
	if (bg && w->dirty && !reject && !repaired) {
		uint32_t x = rng_below(&w->dirt, 1000000);
		if (x < RATE_DUP) {
			for (int i = 0; i < EXTRACT_PENDING; i++)
				if (!w->pend[i].countdown && n <= sizeof w->pend[i].text) {
					memcpy(w->pend[i].text, w->out, n);
					w->pend[i].n = n;
					w->pend[i].countdown = 1 + (int)rng_below(&w->dirt, 40);
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

void dirt_flush(extract *w)
{
	for (int round = 0; round < 64; round++)
		pending_tick(w);
}

