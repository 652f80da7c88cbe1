/*
 * workbook.c - caseworkers.xlsx (workbook.h), written with
 * connectors/xlsxw.h from a run's folder as history/runread.h reads it
 * back.
 *
 * The flagged households (flags.csv) are grouped by county (present.h),
 * each joined with its row of explain.csv for the facts behind its
 * reasons; households.csv gives the counted households per county for
 * the summary, report.json the key_id.  With decisions in the state
 * (history/reviews.h), each household's last decision and whether it is
 * in the backlog, and the backlog by county in the summary.  Every word a
 * person reads comes from domain/labels.h in Chinese (groups column,
 * level, reason, category, fact, workbook, decision).
 *
 * xlsxw streams: a sheet's column widths go before its rows, so a county
 * sheet is gone through twice, once to measure its cells and once to
 * write them.  The measuring pass keeps the texts it had to make (the
 * reasons' labels and the facts: a few hundred KB per county) for the
 * writing pass; the sheet's XML is never held, only its deflated bytes.
 *
 * The county sheets are most of the time (the measuring pass, the XML,
 * deflate), and they are independent: each is made apart from the
 * workbook (xlsxw_part_open: its XML deflated into memory as it comes),
 * by cfg->threads workers taking the sheets in order, and the calling
 * thread adds the finished ones to the workbook in sheet order.  One
 * thread makes and adds them one after the other with the same calls, so
 * the bytes never depend on the thread count.  A worker does not start a
 * sheet more than SHEETS_AHEAD sheets past the last one added, so at most
 * that many compressed sheets wait in memory.  Everything the workers
 * share (the tables read back, the orders, the labels, the styles) is
 * read-only once gather has made it.
 */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/strbuf.h"
#include "connectors/xlsxw.h"
#include "domain/labels.h"
#include "domain/period.h"
#include "domain/rules.h"
#include "history/reviews.h"
#include "history/runread.h"
#include "present/workbook.h"

/* flags.csv's columns (the contract's households.csv columns). */
enum { F_HH, F_REGION, F_CATEGORY, F_MEMBERS, F_INCOME, F_IPC, F_OOP, F_EDU, F_SCORE,
       F_LEVEL, F_REASONS, F_COUNT };
static const char *const flag_cols[F_COUNT] = {
	"household_id", "region_code", "category", "members", "household_income",
	"income_per_capita", "oop_12m", "edu_net_fees", "risk_score", "risk_level", "reasons"};

/* A county sheet's columns, left to right: what to act on first (the
 * level, score, reasons and their facts), then the household's figures. */
typedef enum { K_TEXT, K_INT, K_MONEY, K_LEVEL, K_CATEGORY, K_REASONS, K_FACTS } cell_kind;
static const struct {
	const char *label;   /* in labels group "column", or "workbook" for facts */
	int col;             /* flags.csv column (F_*), -1 for the facts */
	cell_kind kind;
} sheet_cols[] = {
	{"household_id", F_HH, K_TEXT},         {"region_code", F_REGION, K_TEXT},
	{"risk_level", F_LEVEL, K_LEVEL},       {"risk_score", F_SCORE, K_INT},
	{"reasons", F_REASONS, K_REASONS},      {"facts", -1, K_FACTS},
	{"category", F_CATEGORY, K_CATEGORY},   {"members", F_MEMBERS, K_INT},
	{"household_income", F_INCOME, K_MONEY}, {"income_per_capita", F_IPC, K_MONEY},
	{"oop_12m", F_OOP, K_MONEY},            {"edu_net_fees", F_EDU, K_MONEY},
};
#define NSHEET_COLS (sizeof sheet_cols / sizeof *sheet_cols)

/* Column widths in Excel's units (a Latin digit is 1, a CJK character
 * about 2): the widest cell plus a margin, within these bounds. */
#define WIDTH_MIN 8.0
#define WIDTH_MAX 70.0

typedef struct {
	char code[16];
	long counted;               /* households.csv rows */
	long flagged;
	long level[4];              /* flagged, by rr_level */
	long reason[R_COUNT];       /* flagged, by reason */
	long backlog;               /* flagged, in the caseworkers' backlog */
} county;

typedef struct {
	size_t county;              /* index into counties */
	long score;
	const char *hh;
	size_t row;                 /* flags.csv row */
	size_t ex_row;              /* its explain.csv row */
} flag_ref;

typedef struct {
	const char *hh;
	size_t row;                 /* explain.csv row */
} explain_ref;

typedef struct {
	const char *dir;
	const present_cfg *cfg;
	char path[PATH_MAX];        /* the workbook's */
	rr_table *flags, *explain, *households;
	rr_report *report;
	labels *lab;
	int fcol[F_COUNT];
	int ex_value[R_COUNT], ex_threshold[R_COUNT];
	county *counties;
	size_t ncounties;
	county *last_county;        /* find_county's last answer, or NULL */
	flag_ref *refs;             /* flags rows by county, score desc, household */
	explain_ref *ex;            /* explain rows by household */
	int lowest_level;           /* the lowest level among flagged (min medium) */
	/* the labels a county sheet repeats on every row, looked up once */
	const char *zh_reason[R_COUNT], *zh_fact[R_COUNT], *zh_level[4];
	xlsxw *wb;
	int f_title, f_bold, f_head, f_text, f_int, f_money, f_pct; /* xlsxw styles */
	int nstyles;
	int64_t row;                /* the summary's current row, -1: none yet */
	reviews_status *rs;         /* the decisions in the state, or NULL */
} wb_ctx;

/* A county sheet being made: what is its own, not shared. */
typedef struct {
	xlsxw *part;                /* the sheet, apart from the workbook */
	strbuf texts;               /* its reasons and facts */
	size_t text_at;             /* the writing pass's place in texts */
} sheet_ctx;

static const char *zh(const wb_ctx *w, const char *group, const char *code)
{
	return labels_text(w->lab, group, code, LANG_ZH);
}

/* Starts row r of the sheet (with a height in points, 0: the default)
 * unless it is the current one: the summary's tables put their cells
 * row by row, and left to right. */
static void to_row(wb_ctx *w, uint32_t r, double height)
{
	if ((int64_t)r != w->row)
		xlsxw_row(w->wb, r, height);
	w->row = r;
}

static void put_str(wb_ctx *w, uint32_t r, uint32_t c, const char *s, int f)
{
	to_row(w, r, 0);
	xlsxw_text(w->wb, c, s, f);
}

static void put_num(wb_ctx *w, uint32_t r, uint32_t c, double v, int f)
{
	to_row(w, r, 0);
	xlsxw_number(w->wb, c, v, f);
}

/* The display width of UTF-8 text: 2 for a wide (CJK) character, else 1. */
static double text_width(const char *s)
{
	double wd = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			wd += *p >= 0xE0 ? 2 : 1;
	return wd;
}

/* A number as caseworkers read money: thousands grouped, cents kept only
 * when there are some ("4092.00" -> "4,092", "5966.4" -> "5,966.40").
 * Text that is not a plain non-negative amount is kept as it is. */
static void add_yuan(strbuf *b, const char *s)
{
	size_t ni = strspn(s, "0123456789");
	const char *frac = s + ni;
	int plain = ni > 0 && (!*frac || (*frac == '.' && strspn(frac + 1, "0123456789") ==
								     strlen(frac + 1)));
	if (!plain) {
		sb_adds(b, s);
		return;
	}
	for (size_t i = 0; i < ni; i++) {
		if (i && (ni - i) % 3 == 0)
			sb_addc(b, ',');
		sb_addc(b, s[i]);
	}
	if (*frac == '.' && strspn(frac + 1, "0") != strlen(frac + 1)) {
		sb_addc(b, '.');
		sb_add(b, frac + 1, strlen(frac + 1) == 1 ? 1 : 2);
		if (strlen(frac + 1) == 1)
			sb_addc(b, '0');
	}
}

static int cmp_county(const void *a, const void *b)
{
	return strcmp(((const county *)a)->code, ((const county *)b)->code);
}

static int cmp_flag(const void *a, const void *b)
{
	const flag_ref *x = a, *y = b;
	if (x->county != y->county)
		return x->county < y->county ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->hh, y->hh);
}

static int cmp_explain(const void *a, const void *b)
{
	return strcmp(((const explain_ref *)a)->hh, ((const explain_ref *)b)->hh);
}

static county *find_county(wb_ctx *w, const char *region)
{
	county key;
	present_county(region, w->cfg->county_digits, key.code, sizeof key.code);
	/* the rows come in household_id order, mostly a county at a time */
	if (w->last_county && !strcmp(w->last_county->code, key.code))
		return w->last_county;
	county *c = bsearch(&key, w->counties, w->ncounties, sizeof key, cmp_county);
	if (c)
		w->last_county = c;
	return c;
}

static int rule_of(const char *code, size_t len)
{
	for (int r = 0; r < R_COUNT; r++)
		if (strlen(rules_code_name(r)) == len && !strncmp(rules_code_name(r), code, len))
			return r;
	return -1;
}

static hh_status load(wb_ctx *w, const char *name, rr_table **t, hh_err *err)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/%s", w->dir, name) >= (int)sizeof path)
		return hh_fail(err, HH_EINTERNAL, "%s: run folder name too long", w->dir);
	if (rr_table_load(path, t, err) != HH_OK)
		return hh_wrap(err, HH_EINTERNAL, "caseworkers.xlsx");
	return HH_OK;
}

static hh_status need_col(const rr_table *t, const char *file, const char *col, int *out,
			  hh_err *err)
{
	*out = rr_col(t, col);
	if (*out < 0)
		return hh_fail(err, HH_EINTERNAL,
			       "caseworkers.xlsx: %s has no column '%s', which the run writes", file,
			       col);
	return HH_OK;
}

/* Reads the run's files and builds the counties and the two orders. */
static hh_status gather(wb_ctx *w, hh_err *err)
{
	char path[PATH_MAX];
	HH_TRY(load(w, "flags.csv", &w->flags, err));
	HH_TRY(load(w, "explain.csv", &w->explain, err));
	HH_TRY(load(w, "households.csv", &w->households, err));
	snprintf(path, sizeof path, "%s/report.json", w->dir);
	if (rr_report_load(path, &w->report, err) != HH_OK)
		return hh_wrap(err, HH_EINTERNAL, "caseworkers.xlsx");
	for (int c = 0; c < F_COUNT; c++)
		HH_TRY(need_col(w->flags, "flags.csv", flag_cols[c], &w->fcol[c], err));
	int h_region, ex_hh;
	HH_TRY(need_col(w->households, "households.csv", "region_code", &h_region, err));
	HH_TRY(need_col(w->explain, "explain.csv", "household_id", &ex_hh, err));
	for (int r = 0; r < R_COUNT; r++) {
		char name[64];
		snprintf(name, sizeof name, "%s_value", rules_code_name(r));
		HH_TRY(need_col(w->explain, "explain.csv", name, &w->ex_value[r], err));
		snprintf(name, sizeof name, "%s_threshold", rules_code_name(r));
		HH_TRY(need_col(w->explain, "explain.csv", name, &w->ex_threshold[r], err));
	}

	/* Counties: every county of a counted household, and of a flagged
	 * one (the same set, unless the files disagree). */
	size_t nh = w->households->nrows, nf = w->flags->nrows;
	w->counties = calloc(nh + nf + 1, sizeof *w->counties);
	w->refs = calloc(nf + 1, sizeof *w->refs);
	w->ex = calloc(w->explain->nrows + 1, sizeof *w->ex);
	if (!w->counties || !w->refs || !w->ex)
		return hh_fail(err, HH_EINTERNAL, "caseworkers.xlsx: out of memory");
	/* A code equal to the one before is not kept: both files are in
	 * household_id order, which mostly follows the region, so what is
	 * sorted is a few hundred codes instead of every row's. */
	size_t n = 0;
	for (size_t i = 0; i < nh + nf; i++) {
		const char *region = i < nh ? rr_cell(w->households, i, h_region)
					    : rr_cell(w->flags, i - nh, w->fcol[F_REGION]);
		present_county(region, w->cfg->county_digits, w->counties[n].code,
			       sizeof w->counties->code);
		if (!n || strcmp(w->counties[n].code, w->counties[n - 1].code))
			n++;
	}
	qsort(w->counties, n, sizeof *w->counties, cmp_county);
	w->ncounties = 0;
	for (size_t i = 0; i < n; i++)
		if (!w->ncounties ||
		    strcmp(w->counties[w->ncounties - 1].code, w->counties[i].code))
			w->counties[w->ncounties++] = w->counties[i];
	for (size_t i = 0; i < nh; i++)
		find_county(w, rr_cell(w->households, i, h_region))->counted++;

	w->lowest_level = 2; /* medium: the contract's flag level */
	for (size_t i = 0; i < nf; i++) {
		const char *hh = rr_cell(w->flags, i, w->fcol[F_HH]);
		county *c = find_county(w, rr_cell(w->flags, i, w->fcol[F_REGION]));
		int lv = rr_level(rr_cell(w->flags, i, w->fcol[F_LEVEL]));
		if (lv < 0)
			return hh_fail(err, HH_EINTERNAL,
				       "caseworkers.xlsx: flags.csv line %llu: unknown risk_level '%s'",
				       (unsigned long long)w->flags->lines[i],
				       rr_cell(w->flags, i, w->fcol[F_LEVEL]));
		c->flagged++;
		c->level[lv]++;
		if (lv < w->lowest_level)
			w->lowest_level = lv;
		const char *rs = rr_cell(w->flags, i, w->fcol[F_REASONS]);
		while (*rs) {
			size_t len = strcspn(rs, ";");
			int r = rule_of(rs, len);
			if (r >= 0)
				c->reason[r]++;
			rs += len + (rs[len] == ';');
		}
		w->refs[i] = (flag_ref){(size_t)(c - w->counties),
					strtol(rr_cell(w->flags, i, w->fcol[F_SCORE]), NULL, 10), hh, i,
					0};
	}
	qsort(w->refs, nf, sizeof *w->refs, cmp_flag);
	int sorted = 1;
	for (size_t i = 0; i < w->explain->nrows; i++) {
		w->ex[i] = (explain_ref){rr_cell(w->explain, i, ex_hh), i};
		if (i && sorted && cmp_explain(&w->ex[i - 1], &w->ex[i]) > 0)
			sorted = 0;
	}
	/* the run writes explain.csv in household_id order already */
	if (!sorted)
		qsort(w->ex, w->explain->nrows, sizeof *w->ex, cmp_explain);
	for (size_t i = 0; i < nf; i++) {
		explain_ref key = {w->refs[i].hh, 0};
		const explain_ref *ex =
			bsearch(&key, w->ex, w->explain->nrows, sizeof key, cmp_explain);
		if (!ex)
			return hh_fail(err, HH_EINTERNAL,
				       "caseworkers.xlsx: explain.csv has no row for household %s of "
				       "flags.csv line %llu", w->refs[i].hh,
				       (unsigned long long)w->flags->lines[w->refs[i].row]);
		w->refs[i].ex_row = ex->row;
	}
	for (int r = 0; r < R_COUNT; r++) {
		w->zh_reason[r] = zh(w, "reason", rules_code_name(r));
		w->zh_fact[r] = zh(w, "fact", rules_code_name(r));
	}
	for (int lv = 0; lv < 4; lv++)
		w->zh_level[lv] = zh(w, "level", rules_level_name((risk_level)lv));
	return HH_OK;
}

/* The facts behind a flagged household's reasons (flags.csv row frow,
 * explain.csv row exrow), "；"-joined, appended to out: the money rules
 * as "LABEL value < threshold" (R_INCOME) or "LABEL value ≥ threshold",
 * the 0/1 rules as the fact's label. */
static void facts(const wb_ctx *w, size_t frow, size_t exrow, strbuf *out)
{
	const char *rs = rr_cell(w->flags, frow, w->fcol[F_REASONS]);
	for (const char *first = rs; *rs;) {
		size_t len = strcspn(rs, ";");
		int r = rule_of(rs, len);
		if (rs != first)
			sb_adds(out, "；");
		if (r < 0) {
			sb_add(out, rs, len); /* a code this hhmatch does not know */
		} else {
			sb_adds(out, w->zh_fact[r]);
			if (r == R_INCOME || r == R_MEDICAL || r == R_EDUCATION) {
				sb_addc(out, ' ');
				add_yuan(out, rr_cell(w->explain, exrow, w->ex_value[r]));
				sb_adds(out, r == R_INCOME ? " < " : " ≥ ");
				add_yuan(out, rr_cell(w->explain, exrow, w->ex_threshold[r]));
			}
		}
		rs += len + (rs[len] == ';');
	}
}

/* The reasons' Chinese labels, "；"-joined, appended to out. */
static void reason_labels(const wb_ctx *w, const char *rs, strbuf *out)
{
	for (const char *first = rs; *rs;) {
		size_t len = strcspn(rs, ";");
		int r = rule_of(rs, len);
		if (rs != first)
			sb_adds(out, "；");
		if (r >= 0)
			sb_adds(out, w->zh_reason[r]);
		else
			sb_add(out, rs, len);
		rs += len + (rs[len] == ';');
	}
}

/* A number cell from a CSV amount or count (text when it is not one),
 * written into x unless it is NULL; returns its displayed width: the digits,
 * the thousands separators and, as money, the two decimals. */
static double number_cell(const wb_ctx *w, xlsxw *x, uint32_t c, const char *s, int money)
{
	char *end;
	double v = strtod(s, &end);
	if (!*s || *end) {
		if (x)
			xlsxw_text(x, c, s, w->f_text);
		return text_width(s);
	}
	if (x)
		xlsxw_number(x, c, v, money ? w->f_money : w->f_int);
	size_t ni = strcspn(s, ".");
	return money ? (double)(ni + (ni ? (ni - 1) / 3 : 0) + 3) : (double)strlen(s);
}

/* A household's last decision ("误报（2026-05-25）") and backlog mark in
 * the two columns after the others, written into x unless it is NULL;
 * width grows to fit them. */
static void decision_cells(const wb_ctx *w, xlsxw *x, const char *hh, double *width)
{
	const review *rv = reviews_status_last(w->rs, hh);
	char text[160] = "", date[PERIOD_ISO_SIZE];
	if (rv) {
		period_day_iso(rv->decided_on, date);
		snprintf(text, sizeof text, "%s（%s）",
			 zh(w, "decision", reviews_decision_code(rv->decision)), date);
	}
	const char *late = reviews_status_backlog(w->rs, hh) ? zh(w, "workbook", "backlog_yes")
							     : "";
	if (x) {
		xlsxw_text(x, NSHEET_COLS, text, 0);
		xlsxw_text(x, NSHEET_COLS + 1, late, 0);
	}
	if (text_width(text) > width[NSHEET_COLS])
		width[NSHEET_COLS] = text_width(text);
	if (text_width(late) > width[NSHEET_COLS + 1])
		width[NSHEET_COLS + 1] = text_width(late);
}

/* A flagged household as row r of its county's sheet: each cell's width
 * into width (the widest so far), and with write the cells themselves
 * into sc->part.  The measuring pass (write 0) keeps the reasons' and
 * facts' texts it makes in sc->texts, and the writing pass takes them
 * from there, in the same order. */
static hh_status household_row(const wb_ctx *w, sheet_ctx *sc, const flag_ref *ref,
			       uint32_t r, int write, double *width, hh_err *err)
{
	size_t frow = ref->row, ex_row = ref->ex_row;
	xlsxw *x = write ? sc->part : NULL;
	if (x)
		xlsxw_row(x, r, 0);
	for (uint32_t k = 0; k < NSHEET_COLS; k++) {
		const char *v = sheet_cols[k].col >= 0
					? rr_cell(w->flags, frow, w->fcol[sheet_cols[k].col])
					: "";
		const char *t = NULL; /* a text cell's text */
		int style = 0;
		double wd = 0;
		switch (sheet_cols[k].kind) {
		case K_TEXT:
			t = v;
			style = w->f_text;
			break;
		case K_INT:
			wd = number_cell(w, x, k, v, 0);
			break;
		case K_MONEY:
			wd = number_cell(w, x, k, v, 1);
			break;
		case K_LEVEL:
			t = w->zh_level[rr_level(v)]; /* gather checked every level */
			break;
		case K_CATEGORY:
			t = zh(w, "category", v);
			break;
		case K_REASONS:
		case K_FACTS:
			if (write) {
				t = sc->texts.buf + sc->text_at;
				sc->text_at += strlen(t) + 1;
				break;
			}
			size_t at = sc->texts.len;
			if (sheet_cols[k].kind == K_REASONS)
				reason_labels(w, v, &sc->texts);
			else
				facts(w, frow, ex_row, &sc->texts);
			sb_addc(&sc->texts, '\0');
			if (sc->texts.oom)
				return hh_fail(err, HH_EINTERNAL, "caseworkers.xlsx: out of memory");
			t = sc->texts.buf + at;
			break;
		}
		if (t) {
			if (x)
				xlsxw_text(x, k, t, style);
			wd = text_width(t);
		}
		if (wd > width[k])
			width[k] = wd;
	}
	if (w->rs)
		decision_cells(w, x, rr_cell(w->flags, frow, w->fcol[F_HH]), width);
	return HH_OK;
}

/* One county's sheet, the workbook's sheet number index: refs[from, to)
 * are its flagged households.  Made apart, into sc->part, which is the
 * caller's on success and on failure (to add, or to close). */
static hh_status county_sheet(const wb_ctx *w, sheet_ctx *sc, const county *c, size_t index,
			      size_t from, size_t to, hh_err *err)
{
	/* with decisions, two columns more: the last one, and the backlog */
	uint32_t ncols = NSHEET_COLS + (w->rs ? 2 : 0);
	double width[NSHEET_COLS + 2], scratch[NSHEET_COLS + 2] = {0}; /* the write pass's widths: unused */
	const char *head[NSHEET_COLS + 2];
	for (uint32_t k = 0; k < ncols; k++) {
		const char *group = k >= NSHEET_COLS || sheet_cols[k].kind == K_FACTS ? "workbook"
										       : "column";
		head[k] = zh(w, group, k == NSHEET_COLS       ? "decision"
				       : k == NSHEET_COLS + 1 ? "backlog"
							      : sheet_cols[k].label);
		width[k] = text_width(head[k]);
	}
	sb_reset(&sc->texts);
	sc->text_at = 0;
	for (size_t i = from; i < to; i++)
		HH_TRY(household_row(w, sc, &w->refs[i], 0, 0, width, err));
	for (uint32_t k = 0; k < ncols; k++) {
		double wd = width[k] + 2;
		width[k] = wd < WIDTH_MIN ? WIDTH_MIN : wd > WIDTH_MAX ? WIDTH_MAX : wd;
	}
	/* the header frozen; printed landscape on A4, one page wide, the
	 * header on every page */
	xlsxw_sheet opts = {.widths = width, .nwidths = ncols, .freeze_rows = 1, .landscape = 1,
			    .paper = 9, .fit_width = 1, .repeat_rows = 1};
	HH_TRY(xlsxw_part_open(w->path, index, w->nstyles, c->code, &opts, &sc->part, err));
	xlsxw_row(sc->part, 0, 0);
	for (uint32_t k = 0; k < ncols; k++)
		xlsxw_text(sc->part, k, head[k], w->f_head);
	for (size_t i = from; i < to; i++)
		HH_TRY(household_row(w, sc, &w->refs[i], (uint32_t)(i - from + 1), 1, scratch,
				     err));
	xlsxw_autofilter(sc->part, 0, 0, (uint32_t)(to - from), ncols - 1);
	return HH_OK;
}

/* The summary's head: label in column A, value in column B. */
static uint32_t summary_head(wb_ctx *w, long counted, long flagged)
{
	char period[32];
	snprintf(period, sizeof period, "%04d年%02d月", w->cfg->period / 100,
		 w->cfg->period % 100);
	put_str(w, 0, 0, zh(w, "workbook", "title"), w->f_title);
	put_str(w, 2, 0, zh(w, "workbook", "period"), w->f_bold);
	put_str(w, 2, 1, period, w->f_text);
	put_str(w, 3, 0, zh(w, "workbook", "key_id"), w->f_bold);
	put_str(w, 3, 1, w->report->key_id, w->f_text);
	put_str(w, 4, 0, zh(w, "workbook", "county_digits"), w->f_bold);
	put_num(w, 4, 1, w->cfg->county_digits, w->f_int);
	put_str(w, 5, 0, zh(w, "workbook", "counted"), w->f_bold);
	put_num(w, 5, 1, (double)counted, w->f_int);
	put_str(w, 6, 0, zh(w, "workbook", "flagged"), w->f_bold);
	put_num(w, 6, 1, (double)flagged, w->f_int);
	put_str(w, 7, 0, zh(w, "workbook", "note"), w->f_bold);
	put_str(w, 7, 1, zh(w, "workbook", "note_sheets"), 0);
	return 9;
}

static void put_share(wb_ctx *w, uint32_t r, uint32_t c, long part,
		      long whole)
{
	if (whole > 0)
		put_num(w, r, c, (double)part / (double)whole, w->f_pct);
	else
		put_str(w, r, c, "-", 0);
}

/* Table 1: per county, the counted and the flagged households by level
 * (high down to the lowest level flagged), their total and share. */
static uint32_t table_levels(wb_ctx *w, uint32_t r, const county *all)
{
	put_str(w, r++, 0, zh(w, "workbook", "by_level"), w->f_bold);
	uint32_t k = 0;
	put_str(w, r, k++, zh(w, "workbook", "county"), w->f_head);
	put_str(w, r, k++, zh(w, "workbook", "counted"), w->f_head);
	for (int lv = 3; lv >= w->lowest_level; lv--)
		put_str(w, r, k++, zh(w, "level", rules_level_name((risk_level)lv)), w->f_head);
	put_str(w, r, k++, zh(w, "workbook", "flagged"), w->f_head);
	put_str(w, r++, k, zh(w, "workbook", "share"), w->f_head);
	for (size_t i = 0; i <= w->ncounties; i++, r++) {
		const county *c = i < w->ncounties ? &w->counties[i] : all;
		k = 0;
		put_str(w, r, k++, i < w->ncounties ? c->code : zh(w, "workbook", "total"),
			i < w->ncounties ? w->f_text : w->f_bold);
		put_num(w, r, k++, (double)c->counted, w->f_int);
		for (int lv = 3; lv >= w->lowest_level; lv--)
			put_num(w, r, k++, (double)c->level[lv], w->f_int);
		put_num(w, r, k++, (double)c->flagged, w->f_int);
		put_share(w, r, k, c->flagged, c->counted);
	}
	return r + 1;
}

/* Table 2: flagged households by reason, and their share of the flagged. */
static uint32_t table_reasons(wb_ctx *w, uint32_t r, const county *all)
{
	put_str(w, r++, 0, zh(w, "workbook", "by_reason"), w->f_bold);
	put_str(w, r, 0, zh(w, "column", "reason"), w->f_head);
	put_str(w, r, 1, zh(w, "workbook", "flagged"), w->f_head);
	put_str(w, r++, 2, zh(w, "workbook", "share_flagged"), w->f_head);
	for (int rc = 0; rc < R_COUNT; rc++, r++) {
		put_str(w, r, 0, zh(w, "reason", rules_code_name(rc)), 0);
		put_num(w, r, 1, (double)all->reason[rc], w->f_int);
		put_share(w, r, 2, all->reason[rc], all->flagged);
	}
	put_str(w, r++, 0, zh(w, "workbook", "reason_note"), 0);
	return r + 1;
}

/* Table 3: flagged households by county (rows) and reason (columns). */
static uint32_t table_county_reasons(wb_ctx *w, uint32_t r,
				      const county *all)
{
	put_str(w, r++, 0, zh(w, "workbook", "by_county_reason"), w->f_bold);
	to_row(w, r, 48); /* the reasons' labels wrap in the header */
	put_str(w, r, 0, zh(w, "workbook", "county"), w->f_head);
	for (int rc = 0; rc < R_COUNT; rc++)
		put_str(w, r, (uint32_t)(rc + 1), zh(w, "reason", rules_code_name(rc)),
			w->f_head);
	r++;
	for (size_t i = 0; i <= w->ncounties; i++, r++) {
		const county *c = i < w->ncounties ? &w->counties[i] : all;
		put_str(w, r, 0, i < w->ncounties ? c->code : zh(w, "workbook", "total"),
			i < w->ncounties ? w->f_text : w->f_bold);
		for (int rc = 0; rc < R_COUNT; rc++)
			put_num(w, r, (uint32_t)(rc + 1), (double)c->reason[rc], w->f_int);
	}
	return r;
}

/* Table 4, with decisions: flagged households by their last decision,
 * then per county the flagged and those in the backlog. */
static uint32_t table_decisions(wb_ctx *w, uint32_t r,
				 const county *all)
{
	long by[RV_COUNT + 1] = {0};
	for (size_t i = 0; i < w->flags->nrows; i++) {
		const review *rv = reviews_status_last(w->rs, rr_cell(w->flags, i, w->fcol[F_HH]));
		by[rv ? (int)rv->decision : RV_COUNT]++;
	}
	put_str(w, r++, 0, zh(w, "workbook", "by_decision"), w->f_bold);
	put_str(w, r, 0, zh(w, "workbook", "decision"), w->f_head);
	put_str(w, r++, 1, zh(w, "workbook", "flagged"), w->f_head);
	for (int d = 0; d <= RV_COUNT; d++, r++) {
		put_str(w, r, 0, d < RV_COUNT ? zh(w, "decision", reviews_decision_code(
								 (review_decision)d))
						  : zh(w, "workbook", "undecided"), 0);
		put_num(w, r, 1, (double)by[d], w->f_int);
	}
	r++;
	put_str(w, r++, 0, zh(w, "workbook", "by_county_backlog"), w->f_bold);
	put_str(w, r, 0, zh(w, "workbook", "county"), w->f_head);
	put_str(w, r, 1, zh(w, "workbook", "flagged"), w->f_head);
	put_str(w, r++, 2, zh(w, "workbook", "backlog"), w->f_head);
	for (size_t i = 0; i <= w->ncounties; i++, r++) {
		const county *c = i < w->ncounties ? &w->counties[i] : all;
		put_str(w, r, 0, i < w->ncounties ? c->code : zh(w, "workbook", "total"),
			i < w->ncounties ? w->f_text : w->f_bold);
		put_num(w, r, 1, (double)c->flagged, w->f_int);
		put_num(w, r, 2, (double)c->backlog, w->f_int);
	}
	return r;
}

static hh_status summary_sheet(wb_ctx *w, hh_err *err)
{
	county all = {.code = ""};
	for (size_t i = 0; i < w->ncounties; i++) {
		const county *c = &w->counties[i];
		all.counted += c->counted;
		all.flagged += c->flagged;
		for (int lv = 0; lv < 4; lv++)
			all.level[lv] += c->level[lv];
		for (int rc = 0; rc < R_COUNT; rc++)
			all.reason[rc] += c->reason[rc];
		all.backlog += c->backlog;
	}
	/* Column A holds the reasons' labels and the captions; B on the
	 * counts (and the head's values, the note overflowing to the right). */
	double width[R_COUNT + 1] = {36};
	for (int k = 1; k <= R_COUNT; k++)
		width[k] = 12;
	xlsxw_sheet opts = {.widths = width, .nwidths = R_COUNT + 1};
	HH_TRY(xlsxw_sheet_begin(w->wb, zh(w, "workbook", "summary"), &opts, err));
	w->row = -1;
	uint32_t r = summary_head(w, all.counted, all.flagged);
	r = table_levels(w, r, &all);
	r = table_reasons(w, r, &all);
	r = table_county_reasons(w, r, &all);
	if (w->rs)
		table_decisions(w, r + 1, &all);
	return xlsxw_sheet_end(w->wb, err);
}

static void add_formats(wb_ctx *w)
{
	w->f_title = xlsxw_add_style(w->wb, &(xlsxw_style){.bold = 1, .font_size = 14});
	w->f_bold = xlsxw_add_style(w->wb, &(xlsxw_style){.bold = 1});
	w->f_head = xlsxw_add_style(w->wb, &(xlsxw_style){.bold = 1, .fill = 1,
							  .fill_rgb = 0xDDEBF7, .border = 1,
							  .wrap = 1, .valign_center = 1});
	/* "@": a code stays text when a caseworker edits the cell, too */
	w->f_text = xlsxw_add_style(w->wb, &(xlsxw_style){.num_format = "@"});
	w->f_int = xlsxw_add_style(w->wb, &(xlsxw_style){.num_format = "0"});
	w->f_money = xlsxw_add_style(w->wb, &(xlsxw_style){.num_format = "#,##0.00"});
	w->f_pct = xlsxw_add_style(w->wb, &(xlsxw_style){.num_format = "0.0%"});
	w->nstyles = w->f_pct;
}

/* How many county sheets past the last one added a worker may start:
 * the compressed sheets waiting in memory stay that few. */
#define SHEETS_AHEAD 4

/* The county sheets' workers and the thread that adds their sheets.
 * Sheet i (0-based among the county sheets) is refs[from[i], from[i+1]). */
typedef struct {
	const wb_ctx *w;
	size_t nsheets;
	const size_t *from;
	xlsxw **done;               /* by sheet: made, waiting to be added */
	pthread_mutex_t mu;
	pthread_cond_t cv;          /* a sheet made or added, or a failure */
	size_t next;                /* the next sheet a worker takes */
	size_t added;               /* sheets added to the workbook */
	int stop;                   /* a failure: nobody starts a sheet */
	hh_status st;               /* the first failure's */
	hh_err err;
} sheet_pool;

static void pool_fail(sheet_pool *p, hh_status st, const hh_err *err)
{
	if (!p->stop) {
		p->stop = 1;
		p->st = st;
		p->err = *err;
	}
	pthread_cond_broadcast(&p->cv);
}

/* Makes county sheet i into sc->part; refused once cfg->stop is set. */
static hh_status make_sheet(const sheet_pool *p, sheet_ctx *sc, size_t i, hh_err *err)
{
	const wb_ctx *w = p->w;
	if (w->cfg->stop && atomic_load(w->cfg->stop))
		return hh_fail(err, HH_EINTERNAL, "caseworkers.xlsx: stopped, as report.html "
			       "failed beside it");
	const county *c = &w->counties[w->refs[p->from[i]].county];
	hh_status st = county_sheet(w, sc, c, i + 2, p->from[i], p->from[i + 1], err);
	if (st != HH_OK) {
		xlsxw_close(sc->part, NULL);
		sc->part = NULL;
	}
	return st;
}

static void *sheet_worker(void *arg)
{
	sheet_pool *p = arg;
	sheet_ctx sc = {.texts = STRBUF_INIT};
	pthread_mutex_lock(&p->mu);
	while (!p->stop && p->next < p->nsheets) {
		if (p->next >= p->added + SHEETS_AHEAD) {
			pthread_cond_wait(&p->cv, &p->mu);
			continue;
		}
		size_t i = p->next++;
		pthread_mutex_unlock(&p->mu);
		hh_err err;
		hh_status st = make_sheet(p, &sc, i, &err);
		pthread_mutex_lock(&p->mu);
		if (st != HH_OK) {
			pool_fail(p, st, &err);
		} else {
			p->done[i] = sc.part;
			pthread_cond_broadcast(&p->cv);
		}
		sc.part = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	sb_release(&sc.texts);
	return NULL;
}

/* Adds the county sheets to the workbook in order as the workers finish
 * them; on a failure (a worker's, or adding's) stops the workers.  The
 * caller joins them. */
static void add_sheets(sheet_pool *p, xlsxw *wb)
{
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->nsheets && !p->stop; i++) {
		while (!p->done[i] && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		xlsxw *part = p->done[i];
		if (!part)
			break;
		p->done[i] = NULL;
		pthread_mutex_unlock(&p->mu);
		hh_err err;
		hh_status st = xlsxw_part_add(wb, part, &err);
		pthread_mutex_lock(&p->mu);
		if (st != HH_OK)
			pool_fail(p, st, &err);
		p->added = i + 1;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
}

/* The county sheets made and added one after the other by this thread. */
static hh_status sheets_in_turn(const sheet_pool *p, xlsxw *wb, hh_err *err)
{
	sheet_ctx sc = {.texts = STRBUF_INIT};
	hh_status st = HH_OK;
	for (size_t i = 0; st == HH_OK && i < p->nsheets; i++) {
		st = make_sheet(p, &sc, i, err);
		if (st == HH_OK)
			st = xlsxw_part_add(wb, sc.part, err);
		sc.part = NULL;
	}
	sb_release(&sc.texts);
	return st;
}

/* The county sheets, by up to threads workers (one, or no thread to be
 * had: this thread, one after the other). */
static hh_status county_sheets(const wb_ctx *w, int threads, hh_err *err)
{
	size_t nf = w->flags->nrows, n = 0;
	for (size_t i = 0; i < nf; i++)
		n += !i || w->refs[i].county != w->refs[i - 1].county;
	sheet_pool p = {.w = w, .nsheets = n};
	size_t *from = calloc(n + 1, sizeof *from);
	p.done = calloc(n + 1, sizeof *p.done);
	if (!from || !p.done) {
		free(from);
		free(p.done);
		return hh_fail(err, HH_EINTERNAL, "caseworkers.xlsx: out of memory");
	}
	for (size_t i = 0, k = 0; i < nf; i++)
		if (!i || w->refs[i].county != w->refs[i - 1].county)
			from[k++] = i;
	from[n] = nf;
	p.from = from;
	hh_status st = HH_OK;
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	size_t nw = (size_t)threads < n ? (size_t)threads : n, started = 0;
	pthread_t tid[64];
	if (nw > sizeof tid / sizeof *tid)
		nw = sizeof tid / sizeof *tid;
	while (threads > 1 && n > 1 && started < nw &&
	       !pthread_create(&tid[started], NULL, sheet_worker, &p))
		started++;
	if (started) {
		add_sheets(&p, w->wb);
		for (size_t i = 0; i < started; i++)
			pthread_join(tid[i], NULL);
		for (size_t i = 0; i < n; i++)
			xlsxw_close(p.done[i], NULL); /* made, not added: after a failure */
		if (p.stop) {
			st = p.st;
			if (err)
				*err = p.err;
		}
	} else {
		st = sheets_in_turn(&p, w->wb, err);
	}
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	free(from);
	free(p.done);
	return st;
}

static hh_status write_book(wb_ctx *w, hh_err *err)
{
	add_formats(w);
	HH_TRY(summary_sheet(w, err));
	return county_sheets(w, w->cfg->threads, err);
}

hh_status workbook_write(const char *run_dir, const present_cfg *cfg, hh_err *err)
{
	wb_ctx w = {.dir = run_dir, .cfg = cfg};
	char *path = w.path;
	if (snprintf(path, sizeof w.path, "%s/%s", run_dir, WORKBOOK_FILE) >= (int)sizeof w.path)
		return hh_fail(err, HH_EINTERNAL, "%s: run folder name too long", run_dir);
	hh_status st = labels_new(&w.lab, err);
	if (st == HH_OK)
		st = gather(&w, err);
	if (st == HH_OK && cfg->state_dir)
		st = reviews_status_load(cfg->state_dir, cfg->period, run_dir, &w.rs, err);
	for (size_t i = 0; st == HH_OK && w.rs && i < w.flags->nrows; i++) {
		county *c = find_county(&w, rr_cell(w.flags, i, w.fcol[F_REGION]));
		if (c && reviews_status_backlog(w.rs, rr_cell(w.flags, i, w.fcol[F_HH])))
			c->backlog++;
	}
	if (st == HH_OK) {
		char title[96];
		snprintf(title, sizeof title, "%s %04d年%02d月", zh(&w, "workbook", "title"),
			 cfg->period / 100, cfg->period % 100);
		/* The created time is the period's first day, so the same run
		 * gives the same bytes. */
		struct tm tm = {.tm_year = cfg->period / 100 - 1900,
				.tm_mon = cfg->period % 100 - 1,
				.tm_mday = 1};
		xlsxw_props props = {.title = title, .author = "hhmatch", .created = timegm(&tm)};
		size_t nsheets = 1; /* the summary, and a county's per change of county */
		for (size_t i = 0; i < w.flags->nrows; i++)
			nsheets += !i || w.refs[i].county != w.refs[i - 1].county;
		st = xlsxw_open(path, &props, nsheets, &w.wb, err);
	}
	if (st == HH_OK)
		st = write_book(&w, err);
	if (w.wb) {
		/* xlsxw_close frees the workbook whatever happened; it finishes
		 * the file, so its error matters only when all else went well. */
		hh_err cerr;
		hh_status cst = xlsxw_close(w.wb, &cerr);
		if (st == HH_OK && cst != HH_OK) {
			if (err)
				*err = cerr;
			st = cst;
		}
	}
	reviews_status_free(w.rs);
	free(w.ex);
	free(w.refs);
	free(w.counties);
	rr_report_free(w.report);
	rr_table_free(w.households);
	rr_table_free(w.explain);
	rr_table_free(w.flags);
	labels_free(w.lab);
	return st;
}
