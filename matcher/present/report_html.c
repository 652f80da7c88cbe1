/*
 * report_html.c - report.html's second half: the page written from the
 * counts report_read.c made (report_int.h; the contract is in
 * report_html.h).
 *
 * The page is built in one strbuf, section by section, and saved with
 * one write.  Nothing is listed per household, so it stays small (about
 * the number of counties times the number of reasons), whatever the size
 * of the month; charts and tables of counties are capped besides.
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
 * attributes naming its county, source, period, kind or code, and each
 * number a data-k naming it, so that a test (it_report_html) can read
 * the page.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "domain/sources.h"
#include "present/report_html.h"
#include "present/report_int.h"

/* A chart of counties draws at most this many bars, a table lists at most
 * this many counties (the most flagged), so that a long --county-digits
 * cannot make the page list households. */
#define CHART_MAX_BARS 40
#define TABLE_MAX 200

/* ---- the page's words, in both languages ---- */

typedef enum {
	W_TITLE, W_PERIOD, W_KEY_ID, W_VERSION, W_RULES_SHA, W_HOUSEHOLDS, W_FLAGGED,
	W_SHARE_FLAGGED, W_ALERTS, W_FINDINGS, W_COUNTY, W_TOTAL, W_NONE,
	W_S_LEVELS, W_S_REASONS, W_S_TREND, W_S_QUALITY, W_S_FINDINGS, W_S_FACTS,
	W_COUNTY_NOTE, W_CHART_CAP, W_TABLE_CAP, W_REASONS_NOTE, W_ALL_COUNTIES, W_BY_COUNTY,
	W_NO_STATE, W_NO_EARLIER, W_TREND_NOTE, W_UNREADABLE, W_ALERTS_BY_KIND,
	W_KIND, W_COUNT, W_NO_ALERTS, W_SOURCE, W_ROWS_READ, W_ACCEPTED, W_REJECTED,
	W_REJECT_SHARE, W_PERSONS, W_ON_ROSTER, W_ROSTER_SHARE, W_ABSENT,
	W_REJECTS_BY_REASON, W_NO_REJECTS, W_REASON, W_QUALITY_NOTE, W_CODE,
	W_FINDING, W_NO_FINDINGS, W_INPUTS, W_FILE, W_ENCODING, W_RULES,
	W_FOOTER, W_NO_FLAGGED, W_S_DECISIONS, W_DECISION, W_UNDECIDED, W_BACKLOG,
	W_BACKLOG_NOTE
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
	[W_TABLE_CAP] = {"表中只列出预警家庭最多的 {} 个区县（共 {} 个）；合计包括全部区县。",
			 "The table lists the {} counties with the most flagged households "
			 "(of {}); the total covers them all."},
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
	[W_S_DECISIONS] = {"核查结论与待核查积压", "Caseworkers' decisions and backlog"},
	[W_DECISION] = {"最近一次核查结论", "Last decision"},
	[W_UNDECIDED] = {"未核查", "no decision"},
	[W_BACKLOG] = {"待核查积压", "Backlog"},
	[W_BACKLOG_NOTE] = {"待核查积压：预警家庭的最近一次预警（新增、升级或回访）发出超过 {} 天仍没有核查结论。",
			    "Backlog: flagged households whose latest alert (new, escalated or "
			    "follow-up) has had no decision for {} days or more."},
};

/* Colours of the charts: levels by rr_level, then the other series. */
static const char *const level_colour[4] = {"#9e9e9e", "#f2c14e", "#f28c28", "#c62828"};
static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
				      "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
#define PALETTE_N (sizeof palette / sizeof palette[0])

static const char *W(const rp_page *pg, word w)
{
	return words[w][pg->lang];
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

/* Appends each string up to the NULL: the page's own markup and words,
 * never text from a file (that goes through esc). */
static void put(strbuf *b, ...) __attribute__((sentinel));
static void put(strbuf *b, ...)
{
	va_list ap;
	va_start(ap, b);
	for (const char *s; (s = va_arg(ap, const char *));)
		sb_adds(b, s);
	va_end(ap);
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

/* A number of tenths of a unit as SVG text ("12.5"). */
static void tenths(strbuf *b, long long v)
{
	sb_addf(b, "%lld.%lld", v / 10, v % 10);
}

static void period_text(const rp_page *pg, strbuf *b, int period)
{
	if (pg->lang == LANG_ZH)
		sb_addf(b, "%d年%d月", period / 100, period % 100);
	else
		sb_addf(b, "%04d-%02d", period / 100, period % 100);
}

static const char *level_label(const rp_page *pg, int lv)
{
	return labels_text(pg->lb, "level", rules_level_name((risk_level)lv), pg->lang);
}

static const char *source_label(const rp_page *pg, int s)
{
	return labels_text(pg->lb, "source", source_name((source_id)s), pg->lang);
}

static void section(rp_page *pg, const char *id, word heading)
{
	put(&pg->b, "<section id=\"", id, "\">\n<h2>", W(pg, heading), "</h2>\n", NULL);
}

static void note(rp_page *pg, word w)
{
	put(&pg->b, "<p class=\"note\">", W(pg, w), "</p>\n", NULL);
}

/* A note whose words hold "{}" where the numbers go, in order (the words
 * are data, so not printf formats). */
static void note_n(rp_page *pg, word w, long a, long b)
{
	const char *s = W(pg, w);
	long args[2] = {a, b};
	int used = 0;
	sb_adds(&pg->b, "<p class=\"note\">");
	for (const char *hole; (hole = strstr(s, "{}")); s = hole + 2) {
		sb_add(&pg->b, s, (size_t)(hole - s));
		sb_addf(&pg->b, "%ld", args[used < 2 ? used++ : 1]);
	}
	put(&pg->b, s, "</p>\n", NULL);
}

static void legend(strbuf *b, size_t n, const char *const *colours, const char *const *names)
{
	sb_adds(b, "<p class=\"legend\">");
	for (size_t i = 0; i < n; i++) {
		put(b, "<span><i style=\"background:", colours[i], "\"></i>", NULL);
		esc(b, names[i]);
		sb_adds(b, "</span>");
	}
	sb_adds(b, "</p>\n");
}

/* Tables: table_open, th per column, table_body, then the rows. */
static void table_open(strbuf *b, const char *id)
{
	put(b, "<div class=\"scroll\"><table id=\"", id, "\">\n<thead><tr>", NULL);
}

/* A column's header (labels.schema's text too, so escaped). */
static void th(strbuf *b, const char *text, int number)
{
	sb_adds(b, number ? "<th class=\"n\">" : "<th>");
	esc(b, text);
	sb_adds(b, "</th>");
}

static void table_body(strbuf *b)
{
	sb_adds(b, "</tr></thead>\n<tbody>\n");
}

/* One row of a table keyed by CODE (data-ATTR="CODE"), its header cell
 * LABEL (escaped). */
static void row_open(strbuf *b, const char *attr, const char *code, const char *label)
{
	put(b, "<tr data-", attr, "=\"", NULL);
	esc(b, code);
	sb_adds(b, "\"><th scope=\"row\">");
	esc(b, label);
	sb_adds(b, "</th>");
}

/* A number cell named KEY (data-k, for readers such as the tests). */
static void td_n(strbuf *b, const char *key, long v)
{
	sb_addf(b, "<td class=\"n\" data-k=\"%s\">%ld</td>", key, v);
}

/* A table's total row and its end. */
static void table_total(rp_page *pg, const char *attr, long v)
{
	sb_adds(&pg->b, "</tbody>\n<tfoot>");
	if (attr)
		put(&pg->b, "\n<tr data-", attr, "=\"*\">", NULL);
	else
		sb_adds(&pg->b, "<tr>");
	put(&pg->b, "<th>", W(pg, W_TOTAL), "</th>", NULL);
	if (v >= 0)
		sb_addf(&pg->b, "<td></td><td class=\"n\">%ld</td></tr></tfoot>\n</table></div>\n", v);
}

typedef struct {
	const char *label;     /* plain text, escaped here */
	const long *v;         /* nseg values */
	const char *colour;    /* NULL, or one series: v[0] in this colour, named label */
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
		if (label_w)
			sb_addf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w, y + 14);
		else
			sb_addf(b, "<text x=\"0\" y=\"%d\">", y + 12);
		esc(b, rows[i].label);
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
			sb_addf(b, "\" height=\"%d\" fill=\"%s\"><title>", bar_h,
				rows[i].colour ? rows[i].colour : colours[s]);
			esc(b, rows[i].colour ? rows[i].label : names[s]);
			sb_addf(b, ": %ld</title></rect>", v);
			x += w;
		}
		sb_adds(b, "<text x=\"");
		tenths(b, x + 40);
		sb_addf(b, "\" y=\"%d\">%ld</text>\n", by + 11, t);
	}
	sb_adds(b, "</svg>\n");
}

static void head(rp_page *pg)
{
	strbuf *b = &pg->b;
	put(b, "<!DOCTYPE html>\n<html lang=\"", pg->lang == LANG_ZH ? "zh-CN" : "en",
	    "\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<title>", W(pg, W_TITLE), " ", NULL);
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

static const char *report_str(const rp_page *pg, const char *key)
{
	const char *s = hj_str(pg->report, key);
	return s ? s : "";
}

static void card(rp_page *pg, const char *key, const char *style, const char *label, long v)
{
	put(&pg->b, "<div class=\"card\" data-k=\"", key, "\"", style ? " style=\"" : "",
	    style ? style : "", style ? "\"" : "", "><small>", NULL);
	esc(&pg->b, label);
	sb_addf(&pg->b, "</small><b>%ld</b>", v);
}

static void header(rp_page *pg)
{
	strbuf *b = &pg->b;
	put(b, "<header>\n<h1>", W(pg, W_TITLE), "</h1>\n<p class=\"facts\"><span>",
	    W(pg, W_PERIOD), " <b>", NULL);
	period_text(pg, b, pg->cfg->period);
	put(b, "</b></span><span>", W(pg, W_KEY_ID), " <code>", NULL);
	esc(b, report_str(pg, "key_id"));
	put(b, "</code></span><span>", W(pg, W_VERSION), " ", NULL);
	esc(b, report_str(pg, "hhmatch_version"));
	sb_adds(b, "</span></p>\n</header>\n<div class=\"cards\">\n");
	card(pg, "households", NULL, W(pg, W_HOUSEHOLDS), pg->all.households);
	sb_adds(b, "</div>\n");
	card(pg, "flagged", NULL, W(pg, W_FLAGGED), pg->all.flagged);
	pct(b, pg->all.flagged, pg->all.households);
	sb_adds(b, "</div>\n");
	for (size_t i = 0; i < pg->nl; i++) {
		char style[64];
		snprintf(style, sizeof style, "border-left:6px solid %s", level_colour[pg->lv[i]]);
		card(pg, rules_level_name((risk_level)pg->lv[i]), style, level_label(pg, pg->lv[i]),
		     pg->all.level[pg->lv[i]]);
		sb_adds(b, "</div>\n");
	}
	if (pg->have_state) {
		card(pg, "alerts", NULL, W(pg, W_ALERTS), pg->alerts);
		sb_adds(b, "</div>\n");
	}
	long nf = 0;
	for (size_t i = 0; i < pg->codes.n; i++)
		nf += pg->codes.v[i].n;
	card(pg, "findings", NULL, W(pg, W_FINDINGS), nf);
	sb_adds(b, "</div>\n</div>\n");
}

/* ---- counties ---- */

static int by_flagged(const void *a, const void *b)
{
	const rp_county *x = *(const rp_county *const *)a, *y = *(const rp_county *const *)b;
	if (x->flagged != y->flagged)
		return x->flagged > y->flagged ? -1 : 1;
	return strcmp(x->code, y->code);
}

static int by_code(const void *a, const void *b)
{
	return strcmp((*(const rp_county *const *)a)->code, (*(const rp_county *const *)b)->code);
}

/* The counties a chart or table shows, into pg->sel: those with flagged
 * households (or all), in code order; when there are more than most, the
 * most flagged of them (ties by code).  *of gets how many there were. */
static size_t select_counties(rp_page *pg, int flagged_only, size_t most, size_t *of)
{
	size_t n = 0;
	for (size_t i = 0; i < pg->nc; i++)
		if (!flagged_only || pg->c[i].flagged)
			pg->sel[n++] = &pg->c[i];
	*of = n;
	if (n > most) {
		qsort(pg->sel, n, sizeof *pg->sel, by_flagged);
		n = most;
		qsort(pg->sel, n, sizeof *pg->sel, by_code);
	}
	return n;
}

/* Bars for the selected counties; label_w fits the longest code (about
 * 8 units a digit at the charts' font size). */
static void county_bars(rp_page *pg, word title, size_t n, long (*vals)[R_COUNT], size_t nseg,
			const char *const *colours, const char *const *names)
{
	bar_row rows[CHART_MAX_BARS];
	size_t longest = 2;
	for (size_t i = 0; i < n; i++) {
		rows[i] = (bar_row){pg->sel[i]->code, vals[i], NULL};
		if (strlen(pg->sel[i]->code) > longest)
			longest = strlen(pg->sel[i]->code);
	}
	legend(&pg->b, nseg, colours, names);
	svg_hbars(&pg->b, W(pg, title), rows, n, nseg, colours, names, (int)longest * 8 + 4);
}

/* The rows of a table of counties (tbody, the total row, the end): each
 * the selected county's name and cells(). */
static void county_rows(rp_page *pg, size_t n, size_t of, void (*cells)(rp_page *, const rp_county *))
{
	strbuf *b = &pg->b;
	for (size_t i = 0; i <= n; i++) {
		const rp_county *c = i < n ? pg->sel[i] : &pg->all;
		if (i == n)
			table_total(pg, "county", -1);
		else
			row_open(b, "county", c->code, *c->code ? c->code : W(pg, W_NONE));
		cells(pg, c);
		sb_adds(b, "</tr>\n");
	}
	sb_adds(b, "</tfoot>\n</table></div>\n");
	if (n < of)
		note_n(pg, W_TABLE_CAP, (long)n, (long)of);
}

static void level_cells(rp_page *pg, const rp_county *c)
{
	td_n(&pg->b, "households", c->households);
	td_n(&pg->b, "flagged", c->flagged);
	for (size_t k = 0; k < pg->nl; k++)
		td_n(&pg->b, rules_level_name((risk_level)pg->lv[k]), c->level[pg->lv[k]]);
	sb_adds(&pg->b, "<td class=\"n\">");
	pct(&pg->b, c->flagged, c->households);
	sb_adds(&pg->b, "</td>");
}

static void reason_cells(rp_page *pg, const rp_county *c)
{
	td_n(&pg->b, "flagged", c->flagged);
	for (int k = 0; k < R_COUNT; k++)
		td_n(&pg->b, rules_code_name((rule_code)k), c->reason[k]);
}

static void section_levels(rp_page *pg)
{
	strbuf *b = &pg->b;
	const char *colours[4], *names[4];
	long vals[CHART_MAX_BARS][R_COUNT];
	size_t of;
	section(pg, "levels", W_S_LEVELS);
	note_n(pg, W_COUNTY_NOTE, pg->cfg->county_digits, 0);
	if (!pg->all.flagged)
		note(pg, W_NO_FLAGGED);
	for (size_t k = 0; k < pg->nl; k++) {
		colours[k] = level_colour[pg->lv[k]];
		names[k] = level_label(pg, pg->lv[k]);
	}
	size_t n = select_counties(pg, 1, CHART_MAX_BARS, &of);
	if (n) {
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < pg->nl; k++)
				vals[i][k] = pg->sel[i]->level[pg->lv[k]];
		county_bars(pg, W_S_LEVELS, n, vals, pg->nl, colours, names);
		if (n < of)
			note_n(pg, W_CHART_CAP, (long)n, (long)of);
	}
	table_open(b, "county-levels");
	th(b, W(pg, W_COUNTY), 0);
	th(b, W(pg, W_HOUSEHOLDS), 1);
	th(b, W(pg, W_FLAGGED), 1);
	for (size_t k = 0; k < pg->nl; k++)
		th(b, names[k], 1);
	th(b, W(pg, W_SHARE_FLAGGED), 1);
	table_body(b);
	n = select_counties(pg, 0, TABLE_MAX, &of);
	county_rows(pg, n, of, level_cells);
	sb_adds(b, "</section>\n");
}

static void section_reasons(rp_page *pg)
{
	strbuf *b = &pg->b;
	const char *names[R_COUNT], *colours[R_COUNT];
	bar_row rows[R_COUNT];
	size_t of;
	for (int k = 0; k < R_COUNT; k++) {
		names[k] = labels_text(pg->lb, "reason", rules_code_name((rule_code)k), pg->lang);
		colours[k] = palette[(size_t)k % PALETTE_N];
		rows[k] = (bar_row){names[k], &pg->all.reason[k], colours[k]};
	}
	section(pg, "reasons", W_S_REASONS);
	note(pg, W_REASONS_NOTE);
	put(b, "<h3>", W(pg, W_ALL_COUNTIES), "</h3>\n", NULL);
	svg_hbars(b, W(pg, W_ALL_COUNTIES), rows, R_COUNT, 1, NULL, NULL, 0);
	size_t n = select_counties(pg, 1, CHART_MAX_BARS, &of);
	if (n) {
		long vals[CHART_MAX_BARS][R_COUNT];
		for (size_t i = 0; i < n; i++)
			memcpy(vals[i], pg->sel[i]->reason, sizeof vals[i]);
		put(b, "<h3>", W(pg, W_BY_COUNTY), "</h3>\n", NULL);
		county_bars(pg, W_BY_COUNTY, n, vals, R_COUNT, colours, names);
		if (n < of)
			note_n(pg, W_CHART_CAP, (long)n, (long)of);
	}
	table_open(b, "county-reasons");
	th(b, W(pg, W_COUNTY), 0);
	th(b, W(pg, W_FLAGGED), 1);
	for (int k = 0; k < R_COUNT; k++)
		th(b, names[k], 1);
	table_body(b);
	n = select_counties(pg, 1, TABLE_MAX, &of);
	county_rows(pg, n, of, reason_cells);
	sb_adds(b, "</section>\n");
}

/* ---- the trend and the alerts ---- */

/* Vertical stacked bars: one column per period of the trend. */
static void svg_trend(rp_page *pg)
{
	strbuf *b = &pg->b;
	const int width = 420, top = 16, plot_h = 150;
	size_t n = pg->ntrend;
	/* more than 6 periods: the labels slanted (upright past 12), with
	 * room on the left for the first one */
	int rotate = n > 12 ? 90 : n > 6 ? 45 : 0, left = rotate == 45 ? 40 : 4;
	long max = 1;
	for (size_t i = 0; i < n; i++) {
		long t = 0;
		for (size_t k = 0; k < pg->nl; k++)
			t += pg->trend[i].level[pg->lv[k]];
		if (t > max)
			max = t;
	}
	int slot = (width - left) / (int)(n > 4 ? n : 4);
	int bw = slot * 6 / 10;
	sb_addf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", width,
		top + plot_h + (rotate == 90 ? 58 : rotate ? 52 : 22));
	sb_adds(b, W(pg, W_S_TREND));
	sb_addf(b, "\">\n<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n",
		top + plot_h, width, top + plot_h);
	for (size_t i = 0; i < n; i++) {
		const rp_point *p = &pg->trend[i];
		int x = left + (int)i * slot + (slot - bw) / 2;
		long long y = (long long)(top + plot_h) * 10;
		long t = 0;
		for (size_t k = 0; p->readable && k < pg->nl; k++) {
			int lv = pg->lv[k];
			long v = p->level[lv];
			t += v;
			if (!v)
				continue;
			long long h = (long long)plot_h * 10 * v / max;
			y -= h;
			sb_addf(b, "<rect x=\"%d\" y=\"", x);
			tenths(b, y);
			sb_addf(b, "\" width=\"%d\" height=\"", bw);
			tenths(b, h > 0 ? h : 1);
			put(b, "\" fill=\"", level_colour[lv], "\"><title>", level_label(pg, lv), NULL);
			sb_addf(b, ": %ld</title></rect>", v);
		}
		int cx = x + bw / 2, ly = top + plot_h + (rotate == 90 ? 6 : 14);
		sb_addf(b, "<text x=\"%d\" y=\"", cx);
		tenths(b, y - 30);
		/* many columns: smaller totals, so that they do not overlap */
		sb_adds(b, rotate == 90 ? "\" text-anchor=\"middle\" style=\"font-size:9px\">"
					: "\" text-anchor=\"middle\">");
		if (p->readable)
			sb_addf(b, "%ld", t);
		else
			sb_adds(b, "?");
		sb_adds(b, "</text>");
		if (rotate)
			sb_addf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" "
				   "transform=\"rotate(-%d %d %d)\"%s>", cx + 4, ly, rotate, cx + 4, ly,
				rotate == 90 ? " style=\"font-size:11px\"" : "");
		else
			sb_addf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", cx, ly);
		sb_addf(b, "%04d-%02d</text>\n", p->period / 100, p->period % 100);
	}
	sb_adds(b, "</svg>\n");
}

static const char *const kind_order[] = {"new", "escalated", "de-escalated", "resolved",
					 "retracted", "finding"};
#define KIND_ORDER_N (sizeof kind_order / sizeof kind_order[0])
#define KINDS_MAX 16

/* This run's alerts by kind: the known kinds in their order, then any
 * other in code order. */
static void alerts_by_kind(rp_page *pg)
{
	strbuf *b = &pg->b;
	const char *keys[KINDS_MAX];
	size_t nk = 0;
	put(b, "<h3>", W(pg, W_ALERTS_BY_KIND), "</h3>\n", NULL);
	if (!pg->alerts) {
		note(pg, W_NO_ALERTS);
		return;
	}
	for (size_t i = 0; i < KIND_ORDER_N; i++)
		if (rp_tally_get(&pg->kinds, kind_order[i]))
			keys[nk++] = kind_order[i];
	for (size_t i = 0; i < pg->kinds.n && nk < KINDS_MAX; i++) {
		size_t k = 0;
		while (k < KIND_ORDER_N && strcmp(pg->kinds.v[i].key, kind_order[k]))
			k++;
		if (k == KIND_ORDER_N)
			keys[nk++] = pg->kinds.v[i].key;
	}
	bar_row rows[KINDS_MAX];
	long vals[KINDS_MAX];
	for (size_t i = 0; i < nk; i++) {
		vals[i] = rp_tally_get(&pg->kinds, keys[i]);
		rows[i] = (bar_row){labels_text(pg->lb, "kind", keys[i], pg->lang), &vals[i],
				    palette[i % PALETTE_N]};
	}
	svg_hbars(b, W(pg, W_ALERTS_BY_KIND), rows, nk, 1, NULL, NULL, 0);
	table_open(b, "alerts");
	th(b, W(pg, W_KIND), 0);
	th(b, W(pg, W_CODE), 0);
	th(b, W(pg, W_COUNT), 1);
	table_body(b);
	for (size_t i = 0; i < nk; i++) {
		row_open(b, "kind", keys[i], rows[i].label);
		sb_adds(b, "<td><code>");
		esc(b, keys[i]);
		sb_adds(b, "</code></td>");
		td_n(b, "count", vals[i]);
		sb_adds(b, "</tr>\n");
	}
	table_total(pg, NULL, pg->alerts);
}

static void section_trend(rp_page *pg)
{
	strbuf *b = &pg->b;
	const char *colours[4], *names[4];
	section(pg, "trend", W_S_TREND);
	if (!pg->have_state) {
		note(pg, W_NO_STATE);
		sb_adds(b, "</section>\n");
		return;
	}
	for (size_t k = 0; k < pg->nl; k++) {
		colours[k] = level_colour[pg->lv[k]];
		names[k] = level_label(pg, pg->lv[k]);
	}
	note_n(pg, W_TREND_NOTE, RP_TREND_MAX, 0);
	if (pg->ntrend == 1)
		note(pg, W_NO_EARLIER);
	legend(b, pg->nl, colours, names);
	svg_trend(pg);
	table_open(b, "trend");
	th(b, W(pg, W_PERIOD), 0);
	th(b, W(pg, W_FLAGGED), 1);
	for (size_t k = 0; k < pg->nl; k++)
		th(b, names[k], 1);
	table_body(b);
	for (size_t i = 0; i < pg->ntrend; i++) {
		const rp_point *p = &pg->trend[i];
		sb_addf(b, "<tr data-period=\"%06d\"><th scope=\"row\">", p->period);
		period_text(pg, b, p->period);
		sb_adds(b, "</th>");
		if (!p->readable) {
			sb_addf(b, "<td colspan=\"%zu\">", pg->nl + 1);
			put(b, W(pg, W_UNREADABLE), "</td></tr>\n", NULL);
			continue;
		}
		long t = 0;
		for (size_t k = 0; k < pg->nl; k++)
			t += p->level[pg->lv[k]];
		td_n(b, "flagged", t);
		for (size_t k = 0; k < pg->nl; k++)
			td_n(b, rules_level_name((risk_level)pg->lv[k]), p->level[pg->lv[k]]);
		sb_adds(b, "</tr>\n");
	}
	sb_adds(b, "</tbody>\n</table></div>\n");
	alerts_by_kind(pg);
	sb_adds(b, "</section>\n");
}

/* ---- data quality, findings, facts ---- */

static long jnum(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}

/* report.json's block of source s, or NULL when the source was absent. */
static json_t *source_block(const rp_page *pg, int s)
{
	json_t *src = json_object_get(json_object_get(pg->report, "sources"),
				      source_name((source_id)s));
	return json_is_object(src) && !json_is_true(json_object_get(src, "absent")) ? src : NULL;
}

/* A source's row; 0 (after a cell saying so) when it was absent. */
static int source_row(rp_page *pg, int s, int cols)
{
	row_open(&pg->b, "source", source_name((source_id)s), source_label(pg, s));
	if (source_block(pg, s))
		return 1;
	sb_addf(&pg->b, "<td colspan=\"%d\">", cols);
	put(&pg->b, W(pg, W_ABSENT), "</td></tr>\n", NULL);
	return 0;
}

static void rejects_by_reason(rp_page *pg)
{
	strbuf *b = &pg->b;
	rp_tallies reasons = {0};
	for (int s = 0; s < SRC_COUNT; s++) {
		const char *reason;
		json_t *cnt;
		json_object_foreach(json_object_get(source_block(pg, s), "rejects_by_reason"), reason, cnt)
			if (rp_tally_add(&reasons, reason))
				b->oom = 1;
	}
	put(b, "<h3>", W(pg, W_REJECTS_BY_REASON), "</h3>\n", NULL);
	if (!reasons.n)
		note(pg, W_NO_REJECTS);
	if (reasons.n) {
		table_open(b, "rejects");
		th(b, W(pg, W_REASON), 0);
		for (int s = 0; s < SRC_COUNT; s++)
			th(b, source_label(pg, s), 1);
		th(b, W(pg, W_TOTAL), 1);
		table_body(b);
	}
	for (size_t i = 0; i < reasons.n; i++) {
		const char *r = reasons.v[i].key;
		long total = 0;
		row_open(b, "reason", r, labels_text(pg->lb, "reject", r, pg->lang));
		for (int s = 0; s < SRC_COUNT; s++) {
			long v = jnum(json_object_get(source_block(pg, s), "rejects_by_reason"), r);
			total += v;
			td_n(b, source_name((source_id)s), v);
		}
		td_n(b, "total", total);
		sb_adds(b, "</tr>\n");
	}
	if (reasons.n)
		sb_adds(b, "</tbody>\n</table></div>\n");
	rp_tallies_free(&reasons);
}

static void section_quality(rp_page *pg)
{
	strbuf *b = &pg->b;
	static const word cols[] = {W_ROWS_READ, W_ACCEPTED, W_REJECTED, W_REJECT_SHARE,
				    W_PERSONS, W_ON_ROSTER, W_ROSTER_SHARE};
	section(pg, "quality", W_S_QUALITY);
	note(pg, W_QUALITY_NOTE);
	table_open(b, "sources");
	th(b, W(pg, W_SOURCE), 0);
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
		th(b, W(pg, cols[i]), 1);
	table_body(b);
	for (int s = 0; s < SRC_COUNT; s++) {
		if (!source_row(pg, s, 7))
			continue;
		json_t *src = source_block(pg, s);
		long rd = jnum(src, "rows_read"), rj = jnum(src, "rows_rejected");
		long pe = jnum(src, "persons"), on = jnum(src, "persons_on_roster");
		td_n(b, "rows_read", rd);
		td_n(b, "rows_accepted", jnum(src, "rows_accepted"));
		td_n(b, "rows_rejected", rj);
		sb_adds(b, "<td class=\"n\">");
		pct(b, rj, rd);
		sb_adds(b, "</td>");
		td_n(b, "persons", pe);
		td_n(b, "persons_on_roster", on);
		sb_adds(b, "<td class=\"n\">");
		pct(b, on, pe);
		sb_adds(b, "</td></tr>\n");
	}
	sb_adds(b, "</tbody>\n</table></div>\n");
	rejects_by_reason(pg);
	sb_adds(b, "</section>\n");
}

static void section_findings(rp_page *pg)
{
	strbuf *b = &pg->b;
	section(pg, "findings", W_S_FINDINGS);
	if (!pg->codes.n) {
		note(pg, W_NO_FINDINGS);
		sb_adds(b, "</section>\n");
		return;
	}
	table_open(b, "finding-codes");
	th(b, W(pg, W_CODE), 0);
	th(b, W(pg, W_FINDING), 0);
	th(b, W(pg, W_COUNT), 1);
	table_body(b);
	long total = 0;
	for (size_t i = 0; i < pg->codes.n; i++) {
		const rp_tally *t = &pg->codes.v[i];
		total += t->n;
		sb_adds(b, "<tr data-code=\"");
		esc(b, t->key);
		sb_adds(b, "\"><th scope=\"row\"><code>");
		esc(b, t->key);
		sb_adds(b, "</code></th><td>");
		esc(b, labels_text(pg->lb, "finding", t->key, pg->lang));
		sb_adds(b, "</td>");
		td_n(b, "count", t->n);
		sb_adds(b, "</tr>\n");
	}
	table_total(pg, NULL, total);
	sb_adds(b, "</section>\n");
}

static void backlog_cells(rp_page *pg, const rp_county *c)
{
	td_n(&pg->b, "flagged", c->flagged);
	td_n(&pg->b, "backlog", c->backlog);
}

/* The flagged households by their last decision, and the backlog by
 * county: only when the state holds decisions (history/reviews.h). */
static void section_decisions(rp_page *pg)
{
	strbuf *b = &pg->b;
	size_t of;
	if (!pg->have_reviews)
		return;
	section(pg, "decisions", W_S_DECISIONS);
	table_open(b, "decisions");
	th(b, W(pg, W_DECISION), 0);
	th(b, W(pg, W_CODE), 0);
	th(b, W(pg, W_FLAGGED), 1);
	table_body(b);
	for (int d = 0; d <= RV_COUNT; d++) {
		const char *code = d < RV_COUNT ? reviews_decision_code((review_decision)d) : "none";
		row_open(b, "decision", code,
			 d < RV_COUNT ? labels_text(pg->lb, "decision", code, pg->lang)
				      : W(pg, W_UNDECIDED));
		sb_adds(b, "<td><code>");
		esc(b, code);
		sb_adds(b, "</code></td>");
		td_n(b, "flagged", pg->decided[d]);
		sb_adds(b, "</tr>\n");
	}
	table_total(pg, NULL, pg->all.flagged);
	const char *days = hj_str(json_object_get(pg->report, "rules"), "review_backlog_days");
	note_n(pg, W_BACKLOG_NOTE, days ? strtol(days, NULL, 10) : 30, 0);
	table_open(b, "county-backlog");
	th(b, W(pg, W_COUNTY), 0);
	th(b, W(pg, W_FLAGGED), 1);
	th(b, W(pg, W_BACKLOG), 1);
	table_body(b);
	size_t n = select_counties(pg, 1, TABLE_MAX, &of); /* sets of: not in one call */
	county_rows(pg, n, of, backlog_cells);
	sb_adds(b, "</section>\n");
}

/* A row of the facts table: LABEL, then VALUE (escaped) in a cell of class CLS. */
static void fact(rp_page *pg, word label, const char *cls, const char *value)
{
	put(&pg->b, "<tr><th>", W(pg, label), "</th><td", cls ? " class=\"" : "", cls ? cls : "",
	    cls ? "\">" : ">", NULL);
	esc(&pg->b, value);
	sb_adds(&pg->b, "</td></tr>\n");
}

static void section_facts(rp_page *pg)
{
	strbuf *b = &pg->b;
	char period[16];
	snprintf(period, sizeof period, "%06d", pg->cfg->period);
	section(pg, "facts", W_S_FACTS);
	sb_adds(b, "<div class=\"scroll\"><table id=\"run\">\n<tbody>\n");
	fact(pg, W_PERIOD, NULL, period);
	fact(pg, W_KEY_ID, "hash", report_str(pg, "key_id"));
	fact(pg, W_VERSION, NULL, report_str(pg, "hhmatch_version"));
	fact(pg, W_RULES_SHA, "hash", report_str(pg, "rules_sha256"));
	put(b, "</tbody>\n</table></div>\n<h3>", W(pg, W_INPUTS), "</h3>\n", NULL);
	table_open(b, "inputs");
	th(b, W(pg, W_SOURCE), 0);
	th(b, W(pg, W_FILE), 0);
	th(b, W(pg, W_ENCODING), 0);
	th(b, "SHA-256", 0);
	table_body(b);
	for (int s = 0; s < SRC_COUNT; s++) {
		if (!source_row(pg, s, 3))
			continue;
		json_t *src = source_block(pg, s);
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
	put(b, "</tbody>\n</table></div>\n<h3>", W(pg, W_RULES),
	    "</h3>\n<div class=\"rules\" id=\"rules\">\n", NULL);
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(pg->report, "rules"), key, v) {
		sb_adds(b, "<div><code>");
		esc(b, key);
		sb_adds(b, "</code> = ");
		esc(b, json_is_string(v) ? json_string_value(v) : "");
		sb_adds(b, "</div>\n");
	}
	put(b, "</div>\n</section>\n<footer>", W(pg, W_FOOTER), "</footer>\n</body>\n</html>\n",
	    NULL);
}

static hh_status build(rp_page *pg, const char *dir, hh_err *err)
{
	char path[4096];
	HH_TRY(rp_read(pg, dir, err));
	pg->sel = calloc(pg->nc ? pg->nc : 1, sizeof *pg->sel);
	if (!pg->sel)
		return hh_fail(err, HH_EINTERNAL, "report.html: out of memory");
	head(pg);
	header(pg);
	section_levels(pg);
	section_reasons(pg);
	section_trend(pg);
	section_decisions(pg);
	section_quality(pg);
	section_findings(pg);
	section_facts(pg);
	if (pg->b.oom)
		return hh_fail(err, HH_EINTERNAL, "report.html: out of memory");
	snprintf(path, sizeof path, "%s/%s", dir, REPORT_HTML_NAME);
	return fs_write_file(path, pg->b.buf, pg->b.len, 0666, err);
}

hh_status report_html_write(const char *dir, const present_cfg *cfg, hh_err *err)
{
	rp_page pg = {.cfg = cfg, .lang = cfg->lang};
	hh_status st = build(&pg, dir, err);
	rp_free(&pg);
	return st;
}
