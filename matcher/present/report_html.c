/*
 * report_html.c - report.html (see report_html.h).
 *
 * Two passes: the run's folder (and the state's earlier flags.csv) are
 * read back and counted into a `page` (counties, levels, reasons, alert
 * kinds, finding codes), then the page is written into one strbuf,
 * section by section, and saved with one write.  Nothing is listed per
 * household, so the page stays small (about the number of counties times
 * the number of reasons), whatever the size of the month.
 *
 * Determinism: every number is a count or an integer ratio (no floating
 * point formatting), every list is in a fixed order (the contract's order
 * of reasons and levels, counties and codes sorted bytewise, sources in
 * sources.h's order), and nothing comes from the clock, the thread count
 * or the folder's path.
 *
 * Charts are SVG drawn here from the counts: horizontal stacked bars
 * (counties by level, counties by reason, reasons, alert kinds) and
 * vertical stacked bars (the trend).  The legend is HTML beside them, so
 * it wraps on a narrow screen.  Each table row is one line with data-
 * attributes naming its county or source, so a test can read the page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "domain/labels.h"
#include "domain/rules.h"
#include "domain/sources.h"
#include "history/runread.h"
#include "history/state.h"
#include "present/report_html.h"

/* The trend shows at most this many periods (the latest, this one last). */
#define TREND_MAX 24
/* A chart of counties draws at most this many bars (the most flagged);
 * the tables list every county. */
#define CHART_MAX_BARS 40
/* report.json and alerts.jsonl are read whole; bigger ones are not hhmatch's. */
#define MAX_JSON_BYTES (256u << 20)

/* ---- the page's words, in both languages ---- */

typedef enum {
	W_TITLE, W_PERIOD, W_KEY_ID, W_VERSION, W_RULES_SHA, W_HOUSEHOLDS, W_FLAGGED,
	W_SHARE_FLAGGED, W_ALERTS, W_FINDINGS, W_COUNTY, W_TOTAL, W_NONE,
	W_S_LEVELS, W_S_REASONS, W_S_TREND, W_S_QUALITY, W_S_FINDINGS, W_S_FACTS,
	W_COUNTY_NOTE, W_CHART_CAP, W_REASONS_NOTE, W_ALL_COUNTIES, W_BY_COUNTY,
	W_NO_STATE, W_NO_EARLIER, W_TREND_NOTE, W_UNREADABLE, W_ALERTS_BY_KIND,
	W_KIND, W_COUNT, W_NO_ALERTS, W_SOURCE, W_ROWS_READ, W_ACCEPTED, W_REJECTED,
	W_REJECT_SHARE, W_PERSONS, W_ON_ROSTER, W_ROSTER_SHARE, W_ABSENT,
	W_REJECTS_BY_REASON, W_NO_REJECTS, W_REASON, W_QUALITY_NOTE, W_CODE,
	W_FINDING, W_NO_FINDINGS, W_INPUTS, W_FILE, W_ENCODING, W_RULES,
	W_FOOTER, W_NO_FLAGGED
} word;

static const char *const words[][2] = {
	[W_TITLE] = {"返贫风险监测报告", "Households at risk of falling back into poverty"},
	[W_PERIOD] = {"统计期", "Period"},
	[W_KEY_ID] = {"密钥标识", "Key id"},
	[W_VERSION] = {"hhmatch 版本", "hhmatch version"},
	[W_RULES_SHA] = {"规则 SHA-256", "Rules SHA-256"},
	[W_HOUSEHOLDS] = {"在册家庭", "Roster households"},
	[W_FLAGGED] = {"预警家庭", "Flagged households"},
	[W_SHARE_FLAGGED] = {"预警占比", "Share flagged"},
	[W_ALERTS] = {"本期预警变化", "Alerts this run"},
	[W_FINDINGS] = {"核查发现", "Findings"},
	[W_COUNTY] = {"区县", "County"},
	[W_TOTAL] = {"合计", "Total"},
	[W_NONE] = {"（无）", "(none)"},
	[W_S_LEVELS] = {"各区县预警家庭（按风险等级）", "Flagged households by county and level"},
	[W_S_REASONS] = {"各区县预警原因", "Reasons by county"},
	[W_S_TREND] = {"逐月趋势与本期预警变化", "Month over month, and this run's alerts"},
	[W_S_QUALITY] = {"数据质量（按数据来源）", "Data quality by source"},
	[W_S_FINDINGS] = {"核查发现（按类别）", "Findings by code"},
	[W_S_FACTS] = {"运行信息", "About this run"},
	[W_COUNTY_NOTE] = {"区县按行政区划代码的前 {} 位划分；在册家庭为本期计入的低保名单家庭。",
			   "A county is the first {} digits of the region code; roster "
			   "households are the households counted this period."},
	[W_CHART_CAP] = {"图中只画出预警家庭最多的 {} 个区县（共 {} 个），表中列出全部区县。",
			 "The chart draws the {} counties with the most flagged households "
			 "(of {}); the table lists them all."},
	[W_REASONS_NOTE] = {"一户可有多个原因，各原因的户数之和可大于预警户数。",
			    "A household may have several reasons, so the reasons add up "
			    "to more than the flagged households."},
	[W_ALL_COUNTIES] = {"全部区县：预警家庭的原因", "All counties: the reasons of the flagged households"},
	[W_BY_COUNTY] = {"各区县：预警家庭的原因", "Each county: the reasons of its flagged households"},
	[W_NO_STATE] = {"没有历史记录：本次运行未指定 --state，因此没有逐月趋势，也没有预警变化。",
			"No history: this run had no --state, so there is no trend and there "
			"are no alerts."},
	[W_NO_EARLIER] = {"历史记录中没有更早的统计期，下表只有本期。",
			  "The history holds no earlier period: the table holds this one only."},
	[W_TREND_NOTE] = {"各统计期的预警家庭数，取自历史记录中该期最近一次运行的结果（最多 {} 期）。",
			  "Flagged households of each period, from the latest run of that "
			  "period kept in the history (at most {} periods)."},
	[W_UNREADABLE] = {"无法读取", "unreadable"},
	[W_ALERTS_BY_KIND] = {"本期预警变化（按类型）", "This run's alerts by kind"},
	[W_KIND] = {"类型", "Kind"},
	[W_COUNT] = {"数量", "Count"},
	[W_NO_ALERTS] = {"本期没有预警变化。", "No alerts in this run."},
	[W_SOURCE] = {"数据来源", "Source"},
	[W_ROWS_READ] = {"读取行数", "Rows read"},
	[W_ACCEPTED] = {"接受", "Accepted"},
	[W_REJECTED] = {"拒绝", "Rejected"},
	[W_REJECT_SHARE] = {"拒绝率", "Rejected share"},
	[W_PERSONS] = {"人数", "Persons"},
	[W_ON_ROSTER] = {"其中在册", "On the roster"},
	[W_ROSTER_SHARE] = {"关联在册比例", "Share on the roster"},
	[W_ABSENT] = {"本期未提供", "not delivered"},
	[W_REJECTS_BY_REASON] = {"拒绝原因", "Rejected rows by reason"},
	[W_NO_REJECTS] = {"没有被拒绝的行。", "No row was rejected."},
	[W_REASON] = {"原因", "Reason"},
	[W_QUALITY_NOTE] = {"人数为该来源中不同的人；关联在册比例为其中在低保名单上的人所占比例。",
			    "Persons are the distinct persons of a source; the share on the "
			    "roster is the part of them on the civil affairs roster."},
	[W_CODE] = {"代码", "Code"},
	[W_FINDING] = {"说明", "Finding"},
	[W_NO_FINDINGS] = {"本次运行没有核查发现。", "This run has no findings."},
	[W_INPUTS] = {"输入文件", "Inputs"},
	[W_FILE] = {"文件", "File"},
	[W_ENCODING] = {"编码", "Encoding"},
	[W_RULES] = {"生效规则", "Rules in effect"},
		[W_FOOTER] = {"本页由 hhmatch 根据本次运行的输出文件生成，只含统计数字、代码和行政区划代码，"
		      "不含身份证号、姓名或个人标识。",
		      "Made by hhmatch from this run's output files: counts, codes and "
		      "region codes only, no ID number, name or pid."},
	[W_NO_FLAGGED] = {"本期没有预警家庭。", "No household is flagged this period."},
};

/* Levels from the highest down; colours of the charts. */
static const int level_order[] = {3, 2, 1, 0}; /* rr_level, from high down */
static const char *const level_colour[4] = {"#9e9e9e", "#f2c14e", "#f28c28", "#c62828"};
static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
				      "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
#define PALETTE_N (sizeof palette / sizeof palette[0])

/* ---- counting ---- */

typedef struct {
	char code[16];          /* the county: a region code's prefix */
	long households;        /* counted roster households */
	long level[4];          /* flagged households by rr_level */
	long flagged;
	long reason[R_COUNT];   /* flagged households citing each reason */
} county;

/* A count per text key (alert kinds, finding codes), sorted by key. */
typedef struct {
	char *key;
	long n;
} tally;

typedef struct {
	tally *v;
	size_t n, cap;
} tallies;

typedef struct {
	int period;
	int readable;
	long level[4];
} trend_point;

typedef struct {
	const present_cfg *cfg;
	hh_lang lang;
	labels *lb;
	json_t *report;           /* report.json */
	county *c;                /* sorted by code */
	size_t nc, capc;
	county all;               /* every county together */
	int min_level;            /* flag_level as rr_level: the lowest flagged */
	int have_state;
	trend_point trend[TREND_MAX];
	size_t ntrend;
	tallies kinds, codes;
	long alerts;
	strbuf b;
} page;

static const char *W(const page *pg, word w)
{
	return words[w][pg->lang];
}

/* The county of code, added (zeroed) when new; NULL on no memory. */
static county *county_get(page *pg, const char *code)
{
	size_t lo = 0, hi = pg->nc;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(pg->c[mid].code, code);
		if (!c)
			return &pg->c[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pg->nc == pg->capc) {
		size_t cap = pg->capc ? 2 * pg->capc : 64;
		county *v = realloc(pg->c, cap * sizeof *v);
		if (!v)
			return NULL;
		pg->c = v;
		pg->capc = cap;
	}
	memmove(&pg->c[lo + 1], &pg->c[lo], (pg->nc - lo) * sizeof *pg->c);
	pg->nc++;
	memset(&pg->c[lo], 0, sizeof *pg->c);
	snprintf(pg->c[lo].code, sizeof pg->c[lo].code, "%s", code);
	return &pg->c[lo];
}

static int tally_add(tallies *t, const char *key)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(t->v[mid].key, key);
		if (!c) {
			t->v[mid].n++;
			return 0;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		tally *v = realloc(t->v, cap * sizeof *v);
		if (!v)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	char *k = strdup(key);
	if (!k)
		return -1;
	memmove(&t->v[lo + 1], &t->v[lo], (t->n - lo) * sizeof *t->v);
	t->v[lo] = (tally){k, 1};
	t->n++;
	return 0;
}

static long tally_get(const tallies *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].key, key))
			return t->v[i].n;
	return 0;
}

static void tallies_free(tallies *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].key);
	free(t->v);
}

static hh_status load_table(const char *dir, const char *name, rr_table **t, hh_err *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (rr_table_load(path, t, err) != HH_OK)
		return hh_wrap(err, HH_EINTERNAL, "report.html: reading the run's %s", name);
	return HH_OK;
}

static hh_status need_col(const rr_table *t, const char *name, const char *file, int *col,
			  hh_err *err)
{
	*col = rr_col(t, name);
	if (*col < 0)
		return hh_fail(err, HH_EINTERNAL, "report.html: the run's %s has no column %s",
			       file, name);
	return HH_OK;
}

static hh_status count_households(page *pg, const char *dir, hh_err *err)
{
	rr_table *t;
	int rc;
	HH_TRY(load_table(dir, "households.csv", &t, err));
	hh_status st = need_col(t, "region_code", "households.csv", &rc, err);
	for (size_t i = 0; st == HH_OK && i < t->nrows; i++) {
		char code[16];
		county *c = county_get(pg, present_county(rr_cell(t, i, rc),
							  pg->cfg->county_digits, code, sizeof code));
		if (!c)
			st = hh_fail(err, HH_EINTERNAL, "report.html: out of memory");
		else
			c->households++;
	}
	pg->all.households = t ? (long)t->nrows : 0;
	rr_table_free(t);
	return st;
}

/* Adds the reasons of "R_INCOME;R_MEDICAL" to r (unknown codes are not
 * counted: the page lists the contract's reasons). */
static void add_reasons(const char *s, long r[R_COUNT])
{
	while (*s) {
		size_t n = strcspn(s, ";");
		for (int k = 0; k < R_COUNT; k++) {
			const char *name = rules_code_name((rule_code)k);
			if (strlen(name) == n && !strncmp(s, name, n))
				r[k]++;
		}
		s += n;
		if (*s)
			s++;
	}
}

static hh_status count_flags(page *pg, const char *dir, hh_err *err)
{
	rr_table *t;
	int rc, lc, rsc;
	HH_TRY(load_table(dir, "flags.csv", &t, err));
	hh_status st = need_col(t, "region_code", "flags.csv", &rc, err);
	if (st == HH_OK)
		st = need_col(t, "risk_level", "flags.csv", &lc, err);
	if (st == HH_OK)
		st = need_col(t, "reasons", "flags.csv", &rsc, err);
	for (size_t i = 0; st == HH_OK && i < t->nrows; i++) {
		char code[16];
		int lv = rr_level(rr_cell(t, i, lc));
		county *c = county_get(pg, present_county(rr_cell(t, i, rc),
							  pg->cfg->county_digits, code, sizeof code));
		if (!c) {
			st = hh_fail(err, HH_EINTERNAL, "report.html: out of memory");
			break;
		}
		if (lv < 0) {
			st = hh_fail(err, HH_EINTERNAL,
				     "report.html: the run's flags.csv line %llu: unknown risk_level",
				     (unsigned long long)t->lines[i]);
			break;
		}
		if (lv < pg->min_level)
			pg->min_level = lv;
		c->level[lv]++;
		c->flagged++;
		pg->all.level[lv]++;
		pg->all.flagged++;
		add_reasons(rr_cell(t, i, rsc), c->reason);
		add_reasons(rr_cell(t, i, rsc), pg->all.reason);
	}
	rr_table_free(t);
	return st;
}

static hh_status count_findings(page *pg, const char *dir, hh_err *err)
{
	rr_table *t;
	int cc;
	HH_TRY(load_table(dir, "findings.csv", &t, err));
	hh_status st = need_col(t, "code", "findings.csv", &cc, err);
	for (size_t i = 0; st == HH_OK && i < t->nrows; i++)
		if (tally_add(&pg->codes, rr_cell(t, i, cc)))
			st = hh_fail(err, HH_EINTERNAL, "report.html: out of memory");
	rr_table_free(t);
	return st;
}

/* alerts.jsonl, when the run wrote one: the number of alerts by kind. */
static hh_status count_alerts(page *pg, const char *dir, hh_err *err)
{
	char path[4096], *text = NULL;
	size_t len = 0;
	snprintf(path, sizeof path, "%s/alerts.jsonl", dir);
	if (access(path, F_OK))
		return HH_OK;
	HH_TRY(fs_read_file(path, MAX_JSON_BYTES, HH_EINTERNAL, &text, &len, err));
	hh_status st = HH_OK;
	long line = 0;
	for (char *s = text; st == HH_OK && *s;) {
		char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		line++;
		if (n) {
			json_error_t je;
			json_t *j = json_loadb(s, n, 0, &je);
			const char *kind = j ? hj_str(j, "kind") : NULL;
			if (!kind)
				st = hh_fail(err, HH_EINTERNAL,
					     "report.html: the run's alerts.jsonl line %ld: not an alert",
					     line);
			else if (tally_add(&pg->kinds, kind))
				st = hh_fail(err, HH_EINTERNAL, "report.html: out of memory");
			else
				pg->alerts++;
			json_decref(j);
		}
		s += n + (nl != NULL);
	}
	free(text);
	return st;
}

/* A period's flags.csv (path) by level; readable = 0 when the file
 * cannot be read (the trend says so rather than failing the run over an
 * old period). */
static void count_period(const char *path, trend_point *p)
{
	rr_table *t = NULL;
	hh_err ignored;
	p->readable = rr_table_load(path, &t, &ignored) == HH_OK && rr_col(t, "risk_level") >= 0;
	for (size_t i = 0; p->readable && i < t->nrows; i++) {
		int lv = rr_level(rr_cell(t, i, rr_col(t, "risk_level")));
		if (lv >= 0)
			p->level[lv]++;
	}
	rr_table_free(t);
}

/* The trend: the latest earlier periods of the state, then this run. */
static hh_status count_trend(page *pg, hh_err *err)
{
	const char *sd = pg->cfg->state_dir;
	pg->have_state = sd != NULL;
	if (!sd)
		return HH_OK;
	int *ps = NULL;
	size_t n = 0, first = 0, earlier = 0;
	HH_TRY(state_periods(sd, &ps, &n, err));
	while (earlier < n && ps[earlier] < pg->cfg->period)
		earlier++;
	if (earlier > TREND_MAX - 1)
		first = earlier - (TREND_MAX - 1);
	for (size_t i = first; i < earlier; i++) {
		char path[4096];
		trend_point *p = &pg->trend[pg->ntrend++];
		snprintf(path, sizeof path, "%s/runs/%06d/flags.csv", sd, ps[i]);
		p->period = ps[i];
		count_period(path, p);
	}
	free(ps);
	trend_point *cur = &pg->trend[pg->ntrend++];
	cur->period = pg->cfg->period;
	cur->readable = 1;
	memcpy(cur->level, pg->all.level, sizeof cur->level);
	return HH_OK;
}

/* ---- writing ---- */

/* Text from a file, escaped for HTML (elements and attributes); control
 * characters other than tab and newline become U+FFFD. */
static void esc(strbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': sb_adds(b, "&amp;"); break;
		case '<': sb_adds(b, "&lt;"); break;
		case '>': sb_adds(b, "&gt;"); break;
		case '"': sb_adds(b, "&quot;"); break;
		case '\'': sb_adds(b, "&#39;"); break;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				sb_adds(b, "\xef\xbf\xbd");
			else
				sb_addc(b, (char)c);
		}
	}
}

/* num / den as a percentage with one decimal, rounded half up ("12.5%");
 * "-" when den is 0.  Integer arithmetic: the same text everywhere. */
static void pct(strbuf *b, long num, long den)
{
	if (den <= 0) {
		sb_adds(b, "-");
		return;
	}
	long long t = ((long long)num * 1000 + den / 2) / den;
	sb_addf(b, "%lld.%lld%%", t / 10, t % 10);
}

static void period_text(const page *pg, strbuf *b, int period)
{
	if (pg->lang == LANG_ZH)
		sb_addf(b, "%d年%d月", period / 100, period % 100);
	else
		sb_addf(b, "%04d-%02d", period / 100, period % 100);
}

static const char *level_label(const page *pg, int lv)
{
	static const char *const names[] = {"none", "low", "medium", "high"};
	return labels_text(pg->lb, "level", names[lv], pg->lang);
}

/* The levels a household may be flagged at, from high down. */
static size_t flagged_levels(const page *pg, int out[4])
{
	size_t n = 0;
	for (size_t i = 0; i < 4; i++)
		if (level_order[i] >= pg->min_level)
			out[n++] = level_order[i];
	return n;
}

static void county_name(const page *pg, strbuf *b, const char *code)
{
	if (*code)
		esc(b, code);
	else
		sb_adds(b, W(pg, W_NONE));
}

static void legend(strbuf *b, size_t n, const char *const *colours, const char *const *names)
{
	sb_adds(b, "<p class=\"legend\">");
	for (size_t i = 0; i < n; i++) {
		sb_addf(b, "<span><i style=\"background:%s\"></i>", colours[i]);
		esc(b, names[i]);
		sb_adds(b, "</span>");
	}
	sb_adds(b, "</p>\n");
}

/* A number of tenths of a unit as SVG text ("12.5"). */
static void tenths(strbuf *b, long long v)
{
	sb_addf(b, "%lld.%lld", v / 10, v % 10);
}

typedef struct {
	const char *label;     /* plain text, escaped here */
	const long *v;         /* nseg values */
	int gap;               /* the county had no data (not drawn) */
} bar_row;

/* Horizontal stacked bars, one row per item.  label_w > 0: the label on
 * the left in that many units; 0: the label above its bar (long labels). */
static void svg_hbars(strbuf *b, const char *title, const bar_row *rows, size_t n, size_t nseg,
		      const char *const *colours, const char *const *names, int label_w)
{
	const int width = 420, right = 44;
	const int row_h = label_w ? 20 : 34, bar_h = 14;
	int x0 = label_w ? label_w + 6 : 0;
	long max = 1;
	for (size_t i = 0; i < n; i++) {
		long t = 0;
		for (size_t s = 0; s < nseg; s++)
			t += rows[i].v[s];
		if (t > max)
			max = t;
	}
	long long span = (long long)(width - x0 - right) * 10;
	sb_addf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %zu\" role=\"img\" aria-label=\"", width,
		n * (size_t)row_h + 4);
	esc(b, title);
	sb_adds(b, "\">\n");
	for (size_t i = 0; i < n; i++) {
		int y = (int)i * row_h + 2;
		int by = label_w ? y + 3 : y + 17;
		if (label_w) {
			sb_addf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w, y + 14);
			esc(b, rows[i].label);
		} else {
			sb_addf(b, "<text x=\"0\" y=\"%d\">", y + 12);
			esc(b, rows[i].label);
		}
		sb_adds(b, "</text>");
		long long x = (long long)x0 * 10;
		long t = 0;
		for (size_t s = 0; s < nseg; s++) {
			long v = rows[i].v[s];
			t += v;
			if (!v)
				continue;
			long long w = span * v / max;
			sb_adds(b, "<rect x=\"");
			tenths(b, x);
			sb_addf(b, "\" y=\"%d\" width=\"", by);
			tenths(b, w > 0 ? w : 1);
			sb_addf(b, "\" height=\"%d\" fill=\"%s\"><title>", bar_h, colours[s]);
			esc(b, names[s]);
			sb_addf(b, ": %ld</title></rect>", v);
			x += w;
		}
		sb_adds(b, "<text x=\"");
		tenths(b, x + 40);
		sb_addf(b, "\" y=\"%d\">%ld</text>\n", by + 11, t);
	}
	sb_adds(b, "</svg>\n");
}

static void section(page *pg, const char *id, word heading)
{
	sb_addf(&pg->b, "<section id=\"%s\">\n<h2>", id);
	sb_adds(&pg->b, W(pg, heading));
	sb_adds(&pg->b, "</h2>\n");
}

static void note(page *pg, const char *text)
{
	sb_adds(&pg->b, "<p class=\"note\">");
	sb_adds(&pg->b, text);
	sb_adds(&pg->b, "</p>\n");
}

/* A note whose words hold "{}" where the numbers go, in order (the words
 * are data, so not printf formats). */
static void note_n(page *pg, word w, long a, long b)
{
	const char *s = W(pg, w);
	long args[2] = {a, b};
	int used = 0;
	sb_adds(&pg->b, "<p class=\"note\">");
	for (const char *hole; (hole = strstr(s, "{}")); s = hole + 2) {
		sb_add(&pg->b, s, (size_t)(hole - s));
		sb_addf(&pg->b, "%ld", args[used < 2 ? used++ : 1]);
	}
	sb_adds(&pg->b, s);
	sb_adds(&pg->b, "</p>\n");
}

static void head(page *pg)
{
	strbuf *b = &pg->b;
	sb_addf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
		pg->lang == LANG_ZH ? "zh-CN" : "en");
	sb_adds(b, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		   "<title>");
	sb_adds(b, W(pg, W_TITLE));
	sb_adds(b, " ");
	period_text(pg, b, pg->cfg->period);
	sb_adds(b, "</title>\n<style>\n"
		"body{margin:0 auto;max-width:980px;padding:0 12px 24px;color:#1b1b1b;"
		"font:15px/1.5 system-ui,\"Noto Sans CJK SC\",\"WenQuanYi Micro Hei\","
		"\"Microsoft YaHei\",\"PingFang SC\",sans-serif}\n"
		"h1{font-size:1.5em;margin:.8em 0 .2em}h2{font-size:1.2em;margin:1.6em 0 .5em;"
		"padding-bottom:.2em;border-bottom:2px solid #c62828}h3{font-size:1.05em;margin:1em 0 .4em}\n"
		".facts{color:#555;margin:0 0 .8em}.facts span{margin-right:1.2em;white-space:nowrap}\n"
		".cards{display:flex;flex-wrap:wrap;gap:8px;margin:.8em 0}"
		".card{flex:1 1 130px;border:1px solid #ddd;border-radius:6px;padding:8px 10px}"
		".card b{display:block;font-size:1.6em;line-height:1.2}.card small{color:#555}\n"
		".scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.5em 0}\n"
		"table{border-collapse:collapse;font-size:.92em}"
		"th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}"
		"thead th{background:#f3f3f3}td.n,th.n{text-align:right;"
		"font-variant-numeric:tabular-nums;white-space:nowrap}\n"
		"tbody th{font-weight:normal;white-space:nowrap}tfoot td,tfoot th{font-weight:bold;"
		"background:#fafafa}\n"
		"tr>:first-child{position:sticky;left:0;background:#fff}"
		"thead tr>:first-child{background:#f3f3f3}tfoot tr>:first-child{background:#fafafa}\n"
		".chart{display:block;width:100%;max-width:600px;height:auto;margin:.4em 0}"
		".chart text{font-size:13px;fill:#333}\n"
		".legend span{display:inline-block;margin:0 1em .2em 0;white-space:nowrap}"
		".legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;"
		"vertical-align:-.1em;border-radius:2px}\n"
		".note{color:#555;font-size:.88em}.hash{font-family:monospace;font-size:.85em;"
		"word-break:break-all}code{font-size:.9em}\n"
		".rules{columns:2 16em}.rules div{break-inside:avoid}\n"
		"footer{margin-top:2em;color:#555;font-size:.85em;border-top:1px solid #ddd;"
		"padding-top:.5em}\n"
		"@media (max-width:480px){body{font-size:14px;padding:0 8px}.card b{font-size:1.3em}}\n"
		"@media print{body{max-width:none;font-size:10pt;padding:0}"
		"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
		".scroll{overflow:visible}tr>:first-child{position:static}"
		"h2{break-after:avoid}table,svg,.cards{break-inside:avoid}"
		".chart{max-width:15cm}}\n"
		"</style>\n</head>\n<body>\n");
}

static void header(page *pg)
{
	strbuf *b = &pg->b;
	sb_adds(b, "<header>\n<h1>");
	sb_adds(b, W(pg, W_TITLE));
	sb_adds(b, "</h1>\n<p class=\"facts\"><span>");
	sb_adds(b, W(pg, W_PERIOD));
	sb_adds(b, " <b>");
	period_text(pg, b, pg->cfg->period);
	sb_adds(b, "</b></span><span>");
	sb_adds(b, W(pg, W_KEY_ID));
	sb_adds(b, " <code>");
	esc(b, hj_str(pg->report, "key_id") ? hj_str(pg->report, "key_id") : "");
	sb_adds(b, "</code></span><span>");
	sb_adds(b, W(pg, W_VERSION));
	sb_adds(b, " ");
	esc(b, hj_str(pg->report, "hhmatch_version") ? hj_str(pg->report, "hhmatch_version") : "");
	sb_adds(b, "</span></p>\n</header>\n<div class=\"cards\">\n");

	sb_adds(b, "<div class=\"card\" data-k=\"households\"><small>");
	sb_adds(b, W(pg, W_HOUSEHOLDS));
	sb_addf(b, "</small><b>%ld</b></div>\n", pg->all.households);
	sb_adds(b, "<div class=\"card\" data-k=\"flagged\"><small>");
	sb_adds(b, W(pg, W_FLAGGED));
	sb_addf(b, "</small><b>%ld</b>", pg->all.flagged);
	pct(b, pg->all.flagged, pg->all.households);
	sb_adds(b, "</div>\n");
	int lv[4];
	size_t nl = flagged_levels(pg, lv);
	for (size_t i = 0; i < nl; i++) {
		sb_addf(b, "<div class=\"card\" data-k=\"%s\" style=\"border-left:6px solid %s\"><small>",
			rules_level_name((risk_level)lv[i]), level_colour[lv[i]]);
		sb_adds(b, level_label(pg, lv[i]));
		sb_addf(b, "</small><b>%ld</b></div>\n", pg->all.level[lv[i]]);
	}
	if (pg->have_state) {
		sb_adds(b, "<div class=\"card\" data-k=\"alerts\"><small>");
		sb_adds(b, W(pg, W_ALERTS));
		sb_addf(b, "</small><b>%ld</b></div>\n", pg->alerts);
	}
	long nf = 0;
	for (size_t i = 0; i < pg->codes.n; i++)
		nf += pg->codes.v[i].n;
	sb_adds(b, "<div class=\"card\" data-k=\"findings\"><small>");
	sb_adds(b, W(pg, W_FINDINGS));
	sb_addf(b, "</small><b>%ld</b></div>\n</div>\n", nf);
}

/* The counties in the order the charts draw them: by flagged households,
 * most first (ties by code), at most CHART_MAX_BARS. */
static int by_flagged(const void *a, const void *b)
{
	const county *x = *(const county *const *)a, *y = *(const county *const *)b;
	if (x->flagged != y->flagged)
		return x->flagged > y->flagged ? -1 : 1;
	return strcmp(x->code, y->code);
}

static size_t chart_counties(page *pg, const county **out)
{
	size_t n = 0;
	for (size_t i = 0; i < pg->nc; i++)
		if (pg->c[i].flagged)
			out[n++] = &pg->c[i];
	if (n > CHART_MAX_BARS) {
		qsort(out, n, sizeof *out, by_flagged);
		n = CHART_MAX_BARS;
	}
	return n;
}

/* The width of the county codes' labels in a chart (about 8 units a
 * digit at the charts' font size). */
static int code_label_w(const county *const *cc, size_t n)
{
	size_t most = 2;
	for (size_t i = 0; i < n; i++)
		if (strlen(cc[i]->code) > most)
			most = strlen(cc[i]->code);
	return (int)most * 8 + 4;
}

static void cap_note(page *pg, size_t shown)
{
	size_t with = 0;
	for (size_t i = 0; i < pg->nc; i++)
		with += pg->c[i].flagged > 0;
	if (shown < with)
		note_n(pg, W_CHART_CAP, CHART_MAX_BARS, (long)with);
}

static void section_levels(page *pg, const county **cc, long (*vals)[4])
{
	strbuf *b = &pg->b;
	int lv[4];
	size_t nl = flagged_levels(pg, lv);
	section(pg, "levels", W_S_LEVELS);
	note_n(pg, W_COUNTY_NOTE, pg->cfg->county_digits, 0);
	if (!pg->all.flagged)
		note(pg, W(pg, W_NO_FLAGGED));
	const char *colours[4], *names[4];
	for (size_t i = 0; i < nl; i++) {
		colours[i] = level_colour[lv[i]];
		names[i] = level_label(pg, lv[i]);
	}
	size_t n = chart_counties(pg, cc);
	bar_row *rows = calloc(n ? n : 1, sizeof *rows);
	char (*codes)[16] = calloc(n ? n : 1, sizeof *codes);
	if (rows && codes && n) {
		for (size_t i = 0; i < n; i++) {
			for (size_t k = 0; k < nl; k++)
				vals[i][k] = cc[i]->level[lv[k]];
			snprintf(codes[i], sizeof codes[i], "%s", cc[i]->code);
			rows[i] = (bar_row){codes[i], vals[i], 0};
		}
		legend(b, nl, colours, names);
		svg_hbars(b, W(pg, W_S_LEVELS), rows, n, nl, colours, names, code_label_w(cc, n));
		cap_note(pg, n);
	} else if (n) {
		b->oom = 1;
	}
	free(rows);
	free(codes);

	sb_adds(b, "<div class=\"scroll\"><table id=\"county-levels\">\n<thead><tr><th>");
	sb_adds(b, W(pg, W_COUNTY));
	sb_adds(b, "</th><th class=\"n\">");
	sb_adds(b, W(pg, W_HOUSEHOLDS));
	sb_adds(b, "</th><th class=\"n\">");
	sb_adds(b, W(pg, W_FLAGGED));
	sb_adds(b, "</th>");
	for (size_t k = 0; k < nl; k++) {
		sb_adds(b, "<th class=\"n\">");
		sb_adds(b, level_label(pg, lv[k]));
		sb_adds(b, "</th>");
	}
	sb_adds(b, "<th class=\"n\">");
	sb_adds(b, W(pg, W_SHARE_FLAGGED));
	sb_adds(b, "</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i <= pg->nc; i++) {
		const county *c = i < pg->nc ? &pg->c[i] : &pg->all;
		if (i == pg->nc) {
			sb_adds(b, "</tbody>\n<tfoot>\n<tr data-county=\"*\"><th>");
			sb_adds(b, W(pg, W_TOTAL));
		} else {
			sb_adds(b, "<tr data-county=\"");
			esc(b, c->code);
			sb_adds(b, "\"><th scope=\"row\">");
			county_name(pg, b, c->code);
		}
		sb_addf(b, "</th><td class=\"n\" data-k=\"households\">%ld</td>"
			   "<td class=\"n\" data-k=\"flagged\">%ld</td>", c->households, c->flagged);
		for (size_t k = 0; k < nl; k++)
			sb_addf(b, "<td class=\"n\" data-k=\"%s\">%ld</td>",
				rules_level_name((risk_level)lv[k]), c->level[lv[k]]);
		sb_adds(b, "<td class=\"n\">");
		pct(b, c->flagged, c->households);
		sb_adds(b, "</td></tr>\n");
	}
	sb_adds(b, "</tfoot>\n</table></div>\n</section>\n");
}

static void section_reasons(page *pg, const county **cc)
{
	strbuf *b = &pg->b;
	const char *names[R_COUNT], *colours[R_COUNT];
	for (int k = 0; k < R_COUNT; k++) {
		names[k] = labels_text(pg->lb, "reason", rules_code_name((rule_code)k), pg->lang);
		colours[k] = palette[(size_t)k % PALETTE_N];
	}
	section(pg, "reasons", W_S_REASONS);
	note(pg, W(pg, W_REASONS_NOTE));

	/* all counties: one bar per reason, labelled above it */
	bar_row rows[R_COUNT];
	long one[R_COUNT][R_COUNT];
	memset(one, 0, sizeof one);
	for (int k = 0; k < R_COUNT; k++) {
		one[k][k] = pg->all.reason[k];
		rows[k] = (bar_row){names[k], one[k], 0};
	}
	sb_adds(b, "<h3>");
	sb_adds(b, W(pg, W_ALL_COUNTIES));
	sb_adds(b, "</h3>\n");
	svg_hbars(b, W(pg, W_ALL_COUNTIES), rows, R_COUNT, R_COUNT, colours, names, 0);

	size_t n = chart_counties(pg, cc);
	if (n) {
		bar_row *cr = calloc(n, sizeof *cr);
		if (cr) {
			for (size_t i = 0; i < n; i++)
				cr[i] = (bar_row){cc[i]->code, cc[i]->reason, 0};
			sb_adds(b, "<h3>");
			sb_adds(b, W(pg, W_BY_COUNTY));
			sb_adds(b, "</h3>\n");
			legend(b, R_COUNT, colours, names);
			svg_hbars(b, W(pg, W_BY_COUNTY), cr, n, R_COUNT, colours, names, code_label_w(cc, n));
			cap_note(pg, n);
		} else {
			b->oom = 1;
		}
		free(cr);
	}

	sb_adds(b, "<div class=\"scroll\"><table id=\"county-reasons\">\n<thead><tr><th>");
	sb_adds(b, W(pg, W_COUNTY));
	sb_adds(b, "</th><th class=\"n\">");
	sb_adds(b, W(pg, W_FLAGGED));
	sb_adds(b, "</th>");
	for (int k = 0; k < R_COUNT; k++) {
		sb_adds(b, "<th class=\"n\">");
		esc(b, names[k]);
		sb_adds(b, "</th>");
	}
	sb_adds(b, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i <= pg->nc; i++) {
		const county *c = i < pg->nc ? &pg->c[i] : &pg->all;
		if (i < pg->nc && !c->flagged)
			continue;
		if (i == pg->nc) {
			sb_adds(b, "</tbody>\n<tfoot>\n<tr data-county=\"*\"><th>");
			sb_adds(b, W(pg, W_TOTAL));
		} else {
			sb_adds(b, "<tr data-county=\"");
			esc(b, c->code);
			sb_adds(b, "\"><th scope=\"row\">");
			county_name(pg, b, c->code);
		}
		sb_addf(b, "</th><td class=\"n\" data-k=\"flagged\">%ld</td>", c->flagged);
		for (int k = 0; k < R_COUNT; k++)
			sb_addf(b, "<td class=\"n\" data-k=\"%s\">%ld</td>",
				rules_code_name((rule_code)k), c->reason[k]);
		sb_adds(b, "</tr>\n");
	}
	sb_adds(b, "</tfoot>\n</table></div>\n</section>\n");
}

/* Vertical stacked bars: one column per period of the trend. */
static void svg_trend(page *pg, const int *lv, size_t nl)
{
	strbuf *b = &pg->b;
	const int width = 420, top = 16, plot_h = 150, left = 4;
	size_t n = pg->ntrend;
	int rotate = n > 6;
	int height = top + plot_h + (rotate ? 52 : 22);
	long max = 1;
	for (size_t i = 0; i < n; i++) {
		long t = 0;
		for (size_t k = 0; k < nl; k++)
			t += pg->trend[i].level[lv[k]];
		if (t > max)
			max = t;
	}
	int slot = (width - left) / (int)(n > 4 ? n : 4);
	int bw = slot * 6 / 10;
	sb_addf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", width,
		height);
	sb_adds(b, W(pg, W_S_TREND));
	sb_addf(b, "\">\n<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n",
		top + plot_h, width, top + plot_h);
	for (size_t i = 0; i < n; i++) {
		const trend_point *p = &pg->trend[i];
		int x = left + (int)i * slot + (slot - bw) / 2;
		long long y = (long long)(top + plot_h) * 10;
		long t = 0;
		for (size_t k = 0; p->readable && k < nl; k++) {
			long v = p->level[lv[k]];
			t += v;
			if (!v)
				continue;
			long long h = (long long)plot_h * 10 * v / max;
			y -= h;
			sb_addf(b, "<rect x=\"%d\" y=\"", x);
			tenths(b, y);
			sb_addf(b, "\" width=\"%d\" height=\"", bw);
			tenths(b, h > 0 ? h : 1);
			sb_addf(b, "\" fill=\"%s\"><title>", level_colour[lv[k]]);
			sb_adds(b, level_label(pg, lv[k]));
			sb_addf(b, ": %ld</title></rect>", v);
		}
		int cx = x + bw / 2;
		sb_addf(b, "<text x=\"%d\" y=\"", cx);
		tenths(b, y - 30);
		sb_adds(b, "\" text-anchor=\"middle\">");
		if (p->readable)
			sb_addf(b, "%ld", t);
		else
			sb_adds(b, "?");
		sb_adds(b, "</text>");
		int ly = top + plot_h + 14;
		if (rotate)
			sb_addf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" "
				   "transform=\"rotate(-45 %d %d)\">", cx + 4, ly, cx + 4, ly);
		else
			sb_addf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", cx, ly);
		sb_addf(b, "%04d-%02d</text>\n", p->period / 100, p->period % 100);
	}
	sb_adds(b, "</svg>\n");
}

static const char *const kind_order[] = {"new", "escalated", "de-escalated", "resolved",
					 "retracted", "finding"};
#define KIND_ORDER_N (sizeof kind_order / sizeof kind_order[0])

static int known_kind(const char *k)
{
	for (size_t i = 0; i < KIND_ORDER_N; i++)
		if (!strcmp(k, kind_order[i]))
			return 1;
	return 0;
}

static void section_trend(page *pg)
{
	strbuf *b = &pg->b;
	section(pg, "trend", W_S_TREND);
	if (!pg->have_state) {
		note(pg, W(pg, W_NO_STATE));
		sb_adds(b, "</section>\n");
		return;
	}
	int lv[4];
	size_t nl = flagged_levels(pg, lv);
	const char *colours[4], *names[4];
	for (size_t i = 0; i < nl; i++) {
		colours[i] = level_colour[lv[i]];
		names[i] = level_label(pg, lv[i]);
	}
	note_n(pg, W_TREND_NOTE, TREND_MAX, 0);
	if (pg->ntrend == 1)
		note(pg, W(pg, W_NO_EARLIER));
	legend(b, nl, colours, names);
	svg_trend(pg, lv, nl);
	sb_adds(b, "<div class=\"scroll\"><table id=\"trend\">\n<thead><tr><th>");
	sb_adds(b, W(pg, W_PERIOD));
	sb_adds(b, "</th><th class=\"n\">");
	sb_adds(b, W(pg, W_FLAGGED));
	sb_adds(b, "</th>");
	for (size_t k = 0; k < nl; k++) {
		sb_adds(b, "<th class=\"n\">");
		sb_adds(b, names[k]);
		sb_adds(b, "</th>");
	}
	sb_adds(b, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < pg->ntrend; i++) {
		const trend_point *p = &pg->trend[i];
		sb_addf(b, "<tr data-period=\"%06d\"><th scope=\"row\">", p->period);
		period_text(pg, b, p->period);
		sb_adds(b, "</th>");
		if (!p->readable) {
			sb_addf(b, "<td colspan=\"%zu\">", nl + 1);
			sb_adds(b, W(pg, W_UNREADABLE));
			sb_adds(b, "</td></tr>\n");
			continue;
		}
		long t = 0;
		for (size_t k = 0; k < nl; k++)
			t += p->level[lv[k]];
		sb_addf(b, "<td class=\"n\" data-k=\"flagged\">%ld</td>", t);
		for (size_t k = 0; k < nl; k++)
			sb_addf(b, "<td class=\"n\" data-k=\"%s\">%ld</td>",
				rules_level_name((risk_level)lv[k]), p->level[lv[k]]);
		sb_adds(b, "</tr>\n");
	}
	sb_adds(b, "</tbody>\n</table></div>\n<h3>");
	sb_adds(b, W(pg, W_ALERTS_BY_KIND));
	sb_adds(b, "</h3>\n");
	if (!pg->alerts) {
		note(pg, W(pg, W_NO_ALERTS));
		sb_adds(b, "</section>\n");
		return;
	}
	/* the known kinds in their order, then any other in code order */
	const char *keys[16];
	size_t nk = 0;
	for (size_t i = 0; i < KIND_ORDER_N; i++)
		if (tally_get(&pg->kinds, kind_order[i]))
			keys[nk++] = kind_order[i];
	for (size_t i = 0; i < pg->kinds.n && nk < 16; i++)
		if (!known_kind(pg->kinds.v[i].key))
			keys[nk++] = pg->kinds.v[i].key;
	bar_row rows[16];
	long vals[16];
	const char *knames[16], *kcolours[16];
	for (size_t i = 0; i < nk; i++) {
		vals[i] = tally_get(&pg->kinds, keys[i]);
		knames[i] = labels_text(pg->lb, "kind", keys[i], pg->lang);
		kcolours[i] = palette[i % PALETTE_N];
	}
	/* one series per row: each bar its own colour */
	long grid[16][16];
	memset(grid, 0, sizeof grid);
	for (size_t i = 0; i < nk; i++) {
		grid[i][i] = vals[i];
		rows[i] = (bar_row){knames[i], grid[i], 0};
	}
	svg_hbars(b, W(pg, W_ALERTS_BY_KIND), rows, nk, nk, kcolours, knames, 0);
	sb_adds(b, "<div class=\"scroll\"><table id=\"alerts\">\n<thead><tr><th>");
	sb_adds(b, W(pg, W_KIND));
	sb_adds(b, "</th><th>");
	sb_adds(b, W(pg, W_CODE));
	sb_adds(b, "</th><th class=\"n\">");
	sb_adds(b, W(pg, W_COUNT));
	sb_adds(b, "</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < nk; i++) {
		sb_adds(b, "<tr data-kind=\"");
		esc(b, keys[i]);
		sb_adds(b, "\"><th scope=\"row\">");
		esc(b, knames[i]);
		sb_adds(b, "</th><td><code>");
		esc(b, keys[i]);
		sb_addf(b, "</code></td><td class=\"n\" data-k=\"count\">%ld</td></tr>\n", vals[i]);
	}
	sb_addf(b, "</tbody>\n<tfoot><tr><th>%s</th><td></td><td class=\"n\">%ld</td></tr></tfoot>\n"
		   "</table></div>\n</section>\n", W(pg, W_TOTAL), pg->alerts);
}

static long jnum(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}

static void section_quality(page *pg)
{
	strbuf *b = &pg->b;
	json_t *sources = json_object_get(pg->report, "sources");
	section(pg, "quality", W_S_QUALITY);
	note(pg, W(pg, W_QUALITY_NOTE));
	sb_adds(b, "<div class=\"scroll\"><table id=\"sources\">\n<thead><tr><th>");
	sb_adds(b, W(pg, W_SOURCE));
	static const word cols[] = {W_ROWS_READ, W_ACCEPTED, W_REJECTED, W_REJECT_SHARE,
				    W_PERSONS, W_ON_ROSTER, W_ROSTER_SHARE};
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		sb_adds(b, "</th><th class=\"n\">");
		sb_adds(b, W(pg, cols[i]));
	}
	sb_adds(b, "</th></tr></thead>\n<tbody>\n");
	/* rejected rows by reason: reasons in code order, a column per source */
	tallies reasons = {0};
	for (int s = 0; s < SRC_COUNT; s++) {
		const char *name = source_name((source_id)s);
		json_t *src = json_object_get(sources, name);
		sb_addf(b, "<tr data-source=\"%s\"><th scope=\"row\">", name);
		sb_adds(b, labels_text(pg->lb, "source", name, pg->lang));
		sb_adds(b, "</th>");
		if (!json_is_object(src) || json_is_true(json_object_get(src, "absent"))) {
			sb_adds(b, "<td colspan=\"7\">");
			sb_adds(b, W(pg, W_ABSENT));
			sb_adds(b, "</td></tr>\n");
			continue;
		}
		long rd = jnum(src, "rows_read"), rj = jnum(src, "rows_rejected");
		long pe = jnum(src, "persons"), on = jnum(src, "persons_on_roster");
		sb_addf(b, "<td class=\"n\" data-k=\"rows_read\">%ld</td>"
			   "<td class=\"n\" data-k=\"rows_accepted\">%ld</td>"
			   "<td class=\"n\" data-k=\"rows_rejected\">%ld</td><td class=\"n\">",
			rd, jnum(src, "rows_accepted"), rj);
		pct(b, rj, rd);
		sb_addf(b, "</td><td class=\"n\" data-k=\"persons\">%ld</td>"
			   "<td class=\"n\" data-k=\"persons_on_roster\">%ld</td><td class=\"n\">",
			pe, on);
		pct(b, on, pe);
		sb_adds(b, "</td></tr>\n");
		const char *reason;
		json_t *cnt;
		json_object_foreach(json_object_get(src, "rejects_by_reason"), reason, cnt)
			if (tally_add(&reasons, reason))
				b->oom = 1;
	}
	sb_adds(b, "</tbody>\n</table></div>\n<h3>");
	sb_adds(b, W(pg, W_REJECTS_BY_REASON));
	sb_adds(b, "</h3>\n");
	if (!reasons.n) {
		note(pg, W(pg, W_NO_REJECTS));
	} else {
		sb_adds(b, "<div class=\"scroll\"><table id=\"rejects\">\n<thead><tr><th>");
		sb_adds(b, W(pg, W_REASON));
		for (int s = 0; s < SRC_COUNT; s++) {
			sb_adds(b, "</th><th class=\"n\">");
			sb_adds(b, labels_text(pg->lb, "source", source_name((source_id)s), pg->lang));
		}
		sb_adds(b, "</th><th class=\"n\">");
		sb_adds(b, W(pg, W_TOTAL));
		sb_adds(b, "</th></tr></thead>\n<tbody>\n");
		for (size_t i = 0; i < reasons.n; i++) {
			const char *r = reasons.v[i].key;
			long total = 0;
			sb_adds(b, "<tr data-reason=\"");
			esc(b, r);
			sb_adds(b, "\"><th scope=\"row\">");
			esc(b, labels_text(pg->lb, "reject", r, pg->lang));
			sb_adds(b, "</th>");
			for (int s = 0; s < SRC_COUNT; s++) {
				json_t *src = json_object_get(sources, source_name((source_id)s));
				long v = jnum(json_object_get(src, "rejects_by_reason"), r);
				total += v;
				sb_addf(b, "<td class=\"n\" data-k=\"%s\">%ld</td>",
					source_name((source_id)s), v);
			}
			sb_addf(b, "<td class=\"n\" data-k=\"total\">%ld</td></tr>\n", total);
		}
		sb_adds(b, "</tbody>\n</table></div>\n");
	}
	tallies_free(&reasons);
	sb_adds(b, "</section>\n");
}

static void section_findings(page *pg)
{
	strbuf *b = &pg->b;
	section(pg, "findings", W_S_FINDINGS);
	if (!pg->codes.n) {
		note(pg, W(pg, W_NO_FINDINGS));
		sb_adds(b, "</section>\n");
		return;
	}
	sb_adds(b, "<div class=\"scroll\"><table id=\"finding-codes\">\n<thead><tr><th>");
	sb_adds(b, W(pg, W_CODE));
	sb_adds(b, "</th><th>");
	sb_adds(b, W(pg, W_FINDING));
	sb_adds(b, "</th><th class=\"n\">");
	sb_adds(b, W(pg, W_COUNT));
	sb_adds(b, "</th></tr></thead>\n<tbody>\n");
	long total = 0;
	for (size_t i = 0; i < pg->codes.n; i++) {
		const tally *t = &pg->codes.v[i];
		total += t->n;
		sb_adds(b, "<tr data-code=\"");
		esc(b, t->key);
		sb_adds(b, "\"><th scope=\"row\"><code>");
		esc(b, t->key);
		sb_adds(b, "</code></th><td>");
		esc(b, labels_text(pg->lb, "finding", t->key, pg->lang));
		sb_addf(b, "</td><td class=\"n\" data-k=\"count\">%ld</td></tr>\n", t->n);
	}
	sb_addf(b, "</tbody>\n<tfoot><tr><th>%s</th><td></td><td class=\"n\">%ld</td></tr>"
		   "</tfoot>\n</table></div>\n</section>\n", W(pg, W_TOTAL), total);
}

static void section_facts(page *pg)
{
	strbuf *b = &pg->b;
	json_t *r = pg->report, *sources = json_object_get(r, "sources");
	const char *rs = hj_str(r, "rules_sha256");
	section(pg, "facts", W_S_FACTS);
	sb_adds(b, "<div class=\"scroll\"><table id=\"run\">\n<tbody>\n<tr><th>");
	sb_adds(b, W(pg, W_PERIOD));
	sb_addf(b, "</th><td>%06d</td></tr>\n<tr><th>", pg->cfg->period);
	sb_adds(b, W(pg, W_KEY_ID));
	sb_adds(b, "</th><td><code>");
	esc(b, hj_str(r, "key_id") ? hj_str(r, "key_id") : "");
	sb_adds(b, "</code></td></tr>\n<tr><th>");
	sb_adds(b, W(pg, W_VERSION));
	sb_adds(b, "</th><td>");
	esc(b, hj_str(r, "hhmatch_version") ? hj_str(r, "hhmatch_version") : "");
	sb_adds(b, "</td></tr>\n<tr><th>");
	sb_adds(b, W(pg, W_RULES_SHA));
	sb_adds(b, "</th><td class=\"hash\">");
	esc(b, rs ? rs : "");
	sb_adds(b, "</td></tr>\n</tbody>\n</table></div>\n<h3>");

	sb_adds(b, W(pg, W_INPUTS));
	sb_adds(b, "</h3>\n<div class=\"scroll\"><table id=\"inputs\">\n<thead><tr><th>");
	sb_adds(b, W(pg, W_SOURCE));
	sb_adds(b, "</th><th>");
	sb_adds(b, W(pg, W_FILE));
	sb_adds(b, "</th><th>");
	sb_adds(b, W(pg, W_ENCODING));
	sb_adds(b, "</th><th>SHA-256</th></tr></thead>\n<tbody>\n");
	for (int s = 0; s < SRC_COUNT; s++) {
		const char *name = source_name((source_id)s);
		json_t *src = json_object_get(sources, name);
		sb_addf(b, "<tr data-source=\"%s\"><th scope=\"row\">", name);
		sb_adds(b, labels_text(pg->lb, "source", name, pg->lang));
		sb_adds(b, "</th>");
		if (!json_is_object(src) || json_is_true(json_object_get(src, "absent"))) {
			sb_adds(b, "<td colspan=\"3\">");
			sb_adds(b, W(pg, W_ABSENT));
			sb_adds(b, "</td></tr>\n");
			continue;
		}
		const char *f = hj_str(src, "file"), *e = hj_str(src, "encoding"),
			   *h = hj_str(src, "sha256");
		sb_adds(b, "<td class=\"hash\">");
		esc(b, f ? f : "");
		sb_adds(b, "</td><td>");
		esc(b, e ? e : "");
		sb_adds(b, "</td><td class=\"hash\">");
		esc(b, h ? h : "");
		sb_adds(b, "</td></tr>\n");
	}
	sb_adds(b, "</tbody>\n</table></div>\n<h3>");

	sb_adds(b, W(pg, W_RULES));
	sb_adds(b, "</h3>\n<div class=\"rules\" id=\"rules\">\n");
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(r, "rules"), key, v) {
		sb_adds(b, "<div><code>");
		esc(b, key);
		sb_adds(b, "</code> = ");
		esc(b, json_is_string(v) ? json_string_value(v) : "");
		sb_adds(b, "</div>\n");
	}
	sb_adds(b, "</div>\n</section>\n<footer>");
	sb_adds(b, W(pg, W_FOOTER));
	sb_adds(b, "</footer>\n</body>\n</html>\n");
}

static hh_status build(page *pg, const char *dir, hh_err *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/report.json", dir);
	if (hj_load_path(path, &pg->report, err) != HH_OK)
		return hh_wrap(err, HH_EINTERNAL, "report.html: reading the run's report.json");
	if (!json_is_object(json_object_get(pg->report, "sources")))
		return hh_fail(err, HH_EINTERNAL,
			       "report.html: the run's report.json has no sources");
	const char *fl = hj_str(json_object_get(pg->report, "rules"), "flag_level");
	pg->min_level = fl && rr_level(fl) > 0 ? rr_level(fl) : 2;
	HH_TRY(labels_new(&pg->lb, err));
	HH_TRY(count_households(pg, dir, err));
	HH_TRY(count_flags(pg, dir, err));
	HH_TRY(count_findings(pg, dir, err));
	HH_TRY(count_alerts(pg, dir, err));
	HH_TRY(count_trend(pg, err));

	/* scratch for the charts' rows: one per county drawn */
	size_t most = pg->nc < CHART_MAX_BARS ? pg->nc : CHART_MAX_BARS;
	const county **cc = calloc(pg->nc ? pg->nc : 1, sizeof *cc);
	long(*vals)[4] = calloc(most ? most : 1, sizeof *vals);
	if (!cc || !vals) {
		free(cc);
		free(vals);
		return hh_fail(err, HH_EINTERNAL, "report.html: out of memory");
	}
	head(pg);
	header(pg);
	section_levels(pg, cc, vals);
	section_reasons(pg, cc);
	section_trend(pg);
	section_quality(pg);
	section_findings(pg);
	section_facts(pg);
	free(cc);
	free(vals);
	if (pg->b.oom)
		return hh_fail(err, HH_EINTERNAL, "report.html: out of memory");
	snprintf(path, sizeof path, "%s/%s", dir, REPORT_HTML_NAME);
	return fs_write_file(path, pg->b.buf, pg->b.len, 0666, err);
}

hh_status report_html_write(const char *dir, const present_cfg *cfg, hh_err *err)
{
	page pg = {.cfg = cfg, .lang = cfg->lang, .min_level = 3};
	hh_status st = build(&pg, dir, err);
	json_decref(pg.report);
	labels_free(pg.lb);
	free(pg.c);
	tallies_free(&pg.kinds);
	tallies_free(&pg.codes);
	sb_release(&pg.b);
	return st;
}
