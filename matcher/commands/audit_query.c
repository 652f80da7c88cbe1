/*
 * audit_query.c - the three questions of `hhmatch audit` (see
 * audit_int.h), each answered from the store's tables and, where the
 * store can re-read the run's source files, from those:
 *
 *   household   its households row, every rule's value, threshold and
 *               whether it fired (explain), its findings, its members
 *               (from the roster source) and every source row about a
 *               member; with --state, the caseworkers' decisions about
 *               it (history/reviews.h; notes are never shown)
 *   person      its roster and source rows (which sources hold the
 *               person), its households, its findings, and its history
 *               over every period the store keeps
 *   findings    the findings of one code, optionally within a region
 *
 * What the store cannot answer is said as a fact, in the store's words.
 * Every pid shown is noted in the answer for the audit record.  Columns
 * are looked up by name, never by position.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "commands/audit_int.h"
#include "domain/idnum.h"
#include "domain/labels.h"
#include "domain/period.h"
#include "domain/rules.h"
#include "engine/engine.h"
#include "history/reviews.h"

/* The rows of q into *t (freed first).  Where a gap is possible (what
 * not NULL) it leaves *t NULL and becomes a warning "what: gap"; where it
 * is not (the households and findings of the run asked about, which the
 * store reads when it opens), a gap is an error. */
static hh_status rows(audit_ctx *c, const auditstore_query *q, rr_table **t,
		      const char *what, hh_err *err)
{
	const char *gap = NULL;
	rr_table_free(*t);
	*t = NULL;
	HH_TRY(auditstore_rows(c->store, q, t, &gap, err));
	if (gap && !what)
		return hh_fail(err, HH_EINTERNAL, "%s", gap);
	if (gap)
		answer_warn(c->a, "%s%s%s", what, what[0] ? ": " : "", gap);
	return HH_OK;
}

/* The fact that says what the store cannot answer. */
static void not_available(audit_ctx *c, const char *what)
{
	char key[64];
	snprintf(key, sizeof key, "not available from the %s", c->info->kind);
	answer_fact(c->a, key, "%s (%s)", what, c->info->no_sources);
}

static int find_row(const rr_table *t, const char *col, const char *value)
{
	int c = t ? rr_col(t, col) : -1;
	for (size_t i = 0; c >= 0 && i < t->nrows; i++)
		if (!strcmp(rr_cell(t, i, c), value))
			return (int)i;
	return -1;
}

static void findings_section(audit_ctx *c, const char *title, const rr_table *fnd,
			     const char *by_col, const char *value)
{
	answer_section *s = answer_section_new(c->a, title, "code,source,household_id,pid,detail");
	int k = rr_col(fnd, by_col), code = rr_col(fnd, "code"), src = rr_col(fnd, "source");
	int hid = rr_col(fnd, "household_id"), pid = rr_col(fnd, "pid");
	int detail = rr_col(fnd, "detail");
	for (size_t i = 0; i < fnd->nrows; i++)
		if (!strcmp(rr_cell(fnd, i, k), value)) {
			answer_row(c->a, s, rr_cell(fnd, i, code), rr_cell(fnd, i, src),
				   rr_cell(fnd, i, hid), rr_cell(fnd, i, pid), rr_cell(fnd, i, detail));
			answer_pid(c->a, rr_cell(fnd, i, pid));
		}
}

/* --- household -------------------------------------------------------- */

typedef struct {
	answer_section *members, *rows;
	char **pids;              /* the household's members ... */
	unsigned char *counted;   /* ... and whether each counts (not only exited) */
	size_t n, cap;
	const char *household;
	int hid_col, status_col;  /* the roster's household_id and status */
	int exited;               /* the status code "exited" (-1: none) */
	int settle_col, oop_col;  /* medical's settle_date and out_of_pocket */
	int period_col;           /* hr's period */
	int64_t oop_fen;          /* out_of_pocket of the settlements that count */
	size_t settlements;       /* ... and their number */
} hh_ctx;

static void member_row(audit_ctx *c, const audit_src_row *r, void *ctx)
{
	hh_ctx *h = ctx;
	hh_field f = r->row->str[h->hid_col];
	if (f.len != strlen(h->household) || memcmp(f.ptr, h->household, f.len))
		return;
	char vals[1024], at[24];
	audit_row_values(r, vals, sizeof vals);
	audit_row_line(r, at);
	int sk = h->status_col;
	int counted = sk < 0 || !(r->row->present & (1u << sk)) || r->row->val[sk] != h->exited;
	answer_row(c->a, h->members, r->pid, counted ? "yes" : "no (exited)", r->file, at, vals);
	answer_pid(c->a, r->pid);
	for (size_t i = 0; i < h->n; i++)
		if (h->pids[i] && !strcmp(h->pids[i], r->pid)) {
			h->counted[i] |= counted; /* a repeated member row */
			return;
		}
	if (h->n == h->cap) {
		size_t nc = h->cap ? h->cap * 2 : 16;
		char **np = realloc(h->pids, nc * sizeof *np);
		if (np)
			h->pids = np;
		unsigned char *nk = np ? realloc(h->counted, nc) : NULL;
		if (!nk) {
			c->a->oom = 1;
			return;
		}
		h->counted = nk;
		h->cap = nc;
	}
	h->counted[h->n] = (unsigned char)counted;
	if (!(h->pids[h->n++] = strdup(r->pid)))
		c->a->oom = 1;
}

/* Whether the run counted a source row, as the contract says: a
 * settlement outside the medical window and an hr row dated after the
 * run period are read and ignored, and so is every row of a member who
 * has exited the roster.  Adds a counted settlement to the
 * household's sum, so the answer shows what oop_12m is made of. */
static const char *row_counts(audit_ctx *c, hh_ctx *h, size_t member, const audit_src_row *r,
			      char *buf, size_t cap)
{
	const schema_row *row = r->row;
	if (!h->counted[member])
		return "no (the member has exited the roster)";
	if (r->sid == SRC_HR && h->period_col >= 0 && (row->present & (1u << h->period_col)) &&
	    row->val[h->period_col] > c->info->period) {
		snprintf(buf, cap, "no (hr period %06d is after the run period)",
			 (int)row->val[h->period_col]);
		return buf;
	}
	if (r->sid != SRC_MEDICAL || h->settle_col < 0)
		return "yes";
	const rr_report *rep = c->info->sources;
	int first = rep ? rep->src[SRC_MEDICAL].window_first : 0;
	int last = rep ? rep->src[SRC_MEDICAL].window_last : 0;
	int64_t day = row->val[h->settle_col];
	if (!first || !last)
		return "yes (the run did not record its window)";
	if (day < first || day > last) {
		snprintf(buf, cap, "no (settled %08d, outside the window %08d-%08d)", (int)day,
			 first, last);
		return buf;
	}
	if (h->oop_col >= 0 && (row->present & (1u << h->oop_col)))
		h->oop_fen += row->val[h->oop_col];
	h->settlements++;
	return "yes";
}

static void contributing_row(audit_ctx *c, const audit_src_row *r, void *ctx)
{
	hh_ctx *h = ctx;
	for (size_t i = 0; i < h->n; i++)
		if (h->pids[i] && !strcmp(h->pids[i], r->pid)) {
			char vals[1024], at[24], why[96];
			audit_row_values(r, vals, sizeof vals);
			audit_row_line(r, at);
			const char *counted = row_counts(c, h, i, r, why, sizeof why);
			answer_row(c->a, h->rows, source_name(r->sid), r->pid, counted, r->file, at,
				   vals);
			return;
		}
}

/* The household's members from the roster source, then every row of the
 * other sources about one of them. */
static void household_sources(audit_ctx *c, const char *id)
{
	answer *a = c->a;
	const schema_source *ca = schema_source_by_name(c->sc, source_name(SRC_CIVIL_AFFAIRS));
	const schema_source *med = schema_source_by_name(c->sc, source_name(SRC_MEDICAL));
	const schema_source *hr = schema_source_by_name(c->sc, source_name(SRC_HR));
	hh_ctx h = {.household = id, .exited = -1};
	h.hid_col = schema_col_index(ca, "household_id");
	h.settle_col = schema_col_index(med, "settle_date");
	h.oop_col = schema_col_index(med, "out_of_pocket");
	h.period_col = schema_col_index(hr, "period");
	h.status_col = schema_col_index(ca, "status");
	if (h.status_col >= 0 && ca->cols[h.status_col].en)
		h.exited = schema_enum_code(ca->cols[h.status_col].en, "exited");
	h.members = answer_section_new(a, "members", "pid,counted,file,line,values");
	int got = audit_scan_source(c, SRC_CIVIL_AFFAIRS, member_row, &h);
	if (got < 0)
		answer_warn(a, "the civil_affairs source carries raw ID numbers: give --key to "
			    "list the members and their rows");
	if (got > 0 && h.n) {
		h.rows = answer_section_new(a, "source rows of the members",
					    "source,pid,counted,file,line,values");
		int med_read = 0;
		for (int s = SRC_EDUCATION; s < SRC_COUNT; s++) {
			int got_s = audit_scan_source(c, (source_id)s, contributing_row, &h);
			if (got_s < 0)
				answer_warn(a, "the %s source carries raw ID numbers: give --key to "
					    "match its rows", source_name((source_id)s));
			med_read |= s == SRC_MEDICAL && got_s > 0;
		}
		if (med_read)
			answer_fact(a, "out_of_pocket of the settlements that count",
				    "%lld.%02lld yuan in %zu settlements (oop_12m counts the "
				    "members' settlements in the window)",
				    (long long)(h.oop_fen / 100), (long long)(h.oop_fen % 100),
				    h.settlements);
	}
	for (size_t i = 0; i < h.n; i++)
		free(h.pids[i]);
	free(h.pids);
	free(h.counted);
}

/* 1 when code is one of the reasons ("R_A;R_B"). */
static int fired(const char *reasons, const char *code)
{
	size_t cl = strlen(code);
	for (const char *p = reasons; (p = strstr(p, code)); p += cl)
		if ((p == reasons || p[-1] == ';') && (p[cl] == ';' || !p[cl]))
			return 1;
	return 0;
}

/* The store's explain columns are the rule codes' in lower case. */
static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Every rule's value, threshold, verdict and weight from the household's
 * explain row (the verdict from households.csv's reasons when the run's
 * explain.csv predates the fired column), and the score they add up to. */
static void rules_section(audit_ctx *c, const rr_table *hh, int row, const rr_table *ex,
			  const char *id)
{
	answer *a = c->a;
	int er = find_row(ex, "household_id", id);
	if (er < 0 && c->info->explain_gap)
		answer_warn(a, "%s", c->info->explain_gap);
	answer_section *s = answer_section_new(a, "rules", "rule,value,threshold,fired,weight");
	const char *reasons = rr_cell(hh, (size_t)row, rr_col(hh, "reasons"));
	answer_fact(a, "income_line", "%s", rr_cell(ex, (size_t)er, rr_col(ex, "income_line")));
	for (int r = 0; er >= 0 && r < R_COUNT; r++) {
		const char *code = rules_code_name((rule_code)r);
		char vc[64], tc[64], fc[64], wc[64];
		snprintf(vc, sizeof vc, "%s_value", code);
		snprintf(tc, sizeof tc, "%s_threshold", code);
		snprintf(fc, sizeof fc, "%s_fired", code);
		snprintf(wc, sizeof wc, "%s_weight", code);
		lower(vc);
		lower(tc);
		lower(fc);
		lower(wc);
		int fcol = rr_col(ex, fc);
		int yes = fcol >= 0 ? !strcmp(rr_cell(ex, (size_t)er, fcol), "1")
				    : fired(reasons, code);
		answer_row(a, s, code, rr_cell(ex, (size_t)er, rr_col(ex, vc)),
			   rr_cell(ex, (size_t)er, rr_col(ex, tc)), yes ? "yes" : "no",
			   rr_cell(ex, (size_t)er, rr_col(ex, wc)));
	}
	if (er >= 0 && rr_col(ex, "risk_score") >= 0)
		answer_fact(a, "risk_score (sum of the weights that fired)", "%s",
			    rr_cell(ex, (size_t)er, rr_col(ex, "risk_score")));
}

/* The household's decisions kept in --state: who decided what, when,
 * about which alert, and what was reviewed. */
static hh_status decisions_section(audit_ctx *c, const char *id, hh_err *err)
{
	reviews *r = NULL;
	int exists;
	if (!c->o->where.state)
		return HH_OK;
	HH_TRY(reviews_load(c->o->where.state, &r, &exists, err));
	answer_section *s = answer_section_new(c->a, "decisions", "decided_on,decision,reviewer,"
					       "alert_id,period,risk_level,reasons,seq");
	for (size_t i = 0; i < reviews_count(r); i++) {
		const review *rv = reviews_at(r, i);
		char date[PERIOD_ISO_SIZE], per[16] = "", seq[24];
		if (strcmp(rv->household, id))
			continue;
		period_day_iso(rv->decided_on, date);
		if (rv->period)
			snprintf(per, sizeof per, "%06d", rv->period);
		snprintf(seq, sizeof seq, "%lu", rv->seq);
		answer_row(c->a, s, date, reviews_decision_code(rv->decision), rv->reviewer,
			   rv->alert_id, per, rv->level >= 0 ? rules_level_name((risk_level)rv->level) : "",
			   rv->reasons, seq);
	}
	reviews_free(r);
	return HH_OK;
}

/* The household's category, level and reasons as a caseworker reads
 * them (schemas/labels.schema): 类别, 风险等级, 风险原因. */
static hh_status labelled_facts(answer *a, const rr_table *hh, size_t row, hh_err *err)
{
	labels *lb = NULL;
	HH_TRY(labels_new(&lb, err));
	const char *cat = rr_cell(hh, row, rr_col(hh, "category"));
	const char *level = rr_cell(hh, row, rr_col(hh, "risk_level"));
	answer_fact(a, "救助类别", "%s", labels_text(lb, "category", cat, LANG_ZH));
	answer_fact(a, "风险等级", "%s", labels_text(lb, "level", level, LANG_ZH));
	strbuf why = STRBUF_INIT;
	labels_join(lb, "reason", rr_cell(hh, row, rr_col(hh, "reasons")), "；", LANG_ZH, &why);
	answer_fact(a, "风险原因", "%s", why.len ? sb_str(&why) : "无");
	hh_status st = why.oom ? hh_fail(err, HH_EINTERNAL, "out of memory") : HH_OK;
	sb_release(&why);
	labels_free(lb);
	return st;
}

hh_status audit_household(audit_ctx *c, hh_err *err)
{
	answer *a = c->a;
	const char *id = c->o->household;
	rr_table *hh = NULL, *fnd = NULL, *ex = NULL;
	if (hj_set_bytes(c->query, "household", id))
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	auditstore_query q = {.table = AUDITSTORE_HOUSEHOLDS, .by = AUDITSTORE_BY_HOUSEHOLD,
			      .values = &id, .n = 1};
	hh_status st = rows(c, &q, &hh, NULL, err);
	q.table = AUDITSTORE_FINDINGS;
	if (st == HH_OK)
		st = rows(c, &q, &fnd, NULL, err);
	q.table = AUDITSTORE_EXPLAIN;
	if (st == HH_OK)
		st = rows(c, &q, &ex, "", err);
	if (st != HH_OK)
		goto out;
	int row = find_row(hh, "household_id", id);
	answer_fact(a, "household", "%s", id);
	if (row < 0) {
		answer_fact(a, "in households.csv", "no (not a counted roster household in %06d)",
			    c->info->period);
	} else {
		for (size_t k = 1; k < hh->ncols; k++)
			answer_fact(a, hh->header[k], "%s", rr_cell(hh, (size_t)row, (int)k));
		st = labelled_facts(a, hh, (size_t)row, err);
		if (st != HH_OK)
			goto out;
	}
	if (row >= 0 && ex)
		rules_section(c, hh, row, ex, id);
	findings_section(c, "findings", fnd, "household_id", id);
	if (c->info->sources)
		household_sources(c, id);
	else
		not_available(c, "members and their roster rows, source rows of the members");
	st = decisions_section(c, id, err);
out:
	rr_table_free(hh);
	rr_table_free(fnd);
	rr_table_free(ex);
	return st;
}

/* --- person ----------------------------------------------------------- */

#define MAX_HOUSEHOLDS 16

typedef struct {
	const char *pid;
	answer_section *roster, *rows;
	int held[SRC_COUNT];
	char households[MAX_HOUSEHOLDS][64];
	int nh;
	int hid_col;              /* the roster's household_id */
} person_ctx;

static void add_household(person_ctx *p, const char *hid)
{
	for (int i = 0; i < p->nh; i++)
		if (!strcmp(p->households[i], hid))
			return;
	if (p->nh < MAX_HOUSEHOLDS)
		snprintf(p->households[p->nh++], sizeof p->households[0], "%s", hid);
}

static void person_row(audit_ctx *c, const audit_src_row *r, void *ctx)
{
	person_ctx *p = ctx;
	if (strcmp(r->pid, p->pid))
		return;
	char vals[1024], at[24];
	audit_row_values(r, vals, sizeof vals);
	audit_row_line(r, at);
	p->held[r->sid]++;
	if (r->sid == SRC_CIVIL_AFFAIRS) {
		hh_field f = r->row->str[p->hid_col];
		char hid[64];
		snprintf(hid, sizeof hid, "%.*s", (int)f.len, f.ptr);
		add_household(p, hid);
		answer_row(c->a, p->roster, hid, r->file, at, vals);
	} else
		answer_row(c->a, p->rows, source_name(r->sid), r->file, at, vals);
}

/* --id -: one line of stdin; on a terminal asked for on stderr and read
 * without echo, so the number is not left on the screen. */
static hh_status read_id(char *raw, size_t cap, hh_err *err)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &old);
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		fputs("ID number (not shown): ", stderr);
		fflush(stderr);
		tty = !tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	int got = fgets(raw, (int)cap, stdin) != NULL;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!got)
		return hh_fail(err, HH_EUSAGE, "--id -: nothing on stdin");
	raw[strcspn(raw, "\r\n")] = '\0';
	return HH_OK;
}

static hh_status person_pid(audit_ctx *c, char out[PID_HEX + 1], hh_err *err)
{
	const audit_opts *o = c->o;
	uint8_t pid[PID_BYTES];
	if (o->pid) {
		if (pid_from_hex(o->pid, strlen(o->pid), pid))
			return hh_fail(err, HH_EUSAGE, "--pid is not 64 hex characters");
		pid_to_hex(pid, out);
		return HH_OK;
	}
	if (!c->key)
		return hh_fail(err, HH_EUSAGE, "--id needs --key FILE (the run's key) to make the pid");
	char raw[128], id[19];
	if (!strcmp(o->id, "-")) {
		HH_TRY(read_id(raw, sizeof raw, err));
	} else
		snprintf(raw, sizeof raw, "%s", o->id);
	id_result r = idnum_normalize(raw, strlen(raw), 0, id);
	memset(raw, 0, sizeof raw);
	if (r != ID_OK)
		return hh_fail(err, HH_EUSAGE, "--id is not a valid ID number (%s)",
			       idnum_reason(r));
	pid_compute(c->key, id, pid);
	memset(id, 0, sizeof id);
	pid_to_hex(pid, out);
	return HH_OK;
}

/* The person's rows in the run's source files: roster and source rows,
 * which sources hold the person, the roster households. */
static hh_status person_sources(audit_ctx *c, person_ctx *p, hh_err *err)
{
	answer *a = c->a;
	const schema_source *ca = schema_source_by_name(c->sc, source_name(SRC_CIVIL_AFFAIRS));
	p->hid_col = schema_col_index(ca, "household_id");
	p->roster = answer_section_new(a, "roster rows", "household_id,file,line,values");
	p->rows = answer_section_new(a, "source rows", "source,file,line,values");
	int got[SRC_COUNT];
	for (int s = 0; s < SRC_COUNT; s++) {
		got[s] = audit_scan_source(c, (source_id)s, person_row, p);
		if (got[s] < 0)
			answer_warn(a, "the %s source carries raw ID numbers: give --key (with "
				    "--pid) or --id --key to match its rows", source_name((source_id)s));
	}
	char held[256] = "";
	for (int s = 0; s < SRC_COUNT; s++)
		if (p->held[s])
			snprintf(held + strlen(held), sizeof held - strlen(held), "%s%s (%d rows)",
				 held[0] ? ", " : "", source_name((source_id)s), p->held[s]);
	answer_fact(a, "sources holding the person", "%s", held[0] ? held : "none");
	answer_fact(a, "on the roster", "%s", p->held[SRC_CIVIL_AFFAIRS] ? "yes"
					     : got[SRC_CIVIL_AFFAIRS] > 0 ? "no" : "unknown");
	const char *hids[MAX_HOUSEHOLDS];
	for (int k = 0; k < p->nh; k++)
		hids[k] = p->households[k];
	rr_table *hh = NULL;
	auditstore_query q = {.table = AUDITSTORE_HOUSEHOLDS, .by = AUDITSTORE_BY_HOUSEHOLD,
			      .values = hids, .n = (size_t)p->nh};
	HH_TRY(rows(c, &q, &hh, "", err));
	answer_section *hs = answer_section_new(a, "households", "household_id,risk_level,reasons");
	int lc = hh ? rr_col(hh, "risk_level") : -1, rc = hh ? rr_col(hh, "reasons") : -1;
	for (int i = 0; i < p->nh; i++) {
		int r = find_row(hh, "household_id", p->households[i]);
		answer_row(a, hs, p->households[i],
			   r >= 0 ? rr_cell(hh, (size_t)r, lc) : "(not counted)",
			   r >= 0 ? rr_cell(hh, (size_t)r, rc) : "");
	}
	rr_table_free(hh);
	return HH_OK;
}

/* The person over every period the store keeps: the households' levels
 * and reasons, and the person's finding codes. */
static hh_status person_history(audit_ctx *c, const person_ctx *p, hh_err *err)
{
	answer *a = c->a;
	answer_section *hist = answer_section_new(a, "history",
						  "period,household_id,risk_level,reasons,findings");
	int *ps;
	size_t n;
	HH_TRY(auditstore_periods(c->store, &ps, &n, err));
	const char *hids[MAX_HOUSEHOLDS];
	for (int k = 0; k < p->nh; k++)
		hids[k] = p->households[k];
	hh_status st = HH_OK;
	rr_table *hh = NULL, *fnd = NULL;
	for (size_t i = 0; st == HH_OK && i < n; i++) {
		char per[16];
		snprintf(per, sizeof per, "%06d", ps[i]);
		auditstore_query q = {.table = AUDITSTORE_HOUSEHOLDS, .period = ps[i],
				      .by = AUDITSTORE_BY_HOUSEHOLD, .values = hids,
				      .n = (size_t)p->nh};
		st = rows(c, &q, &hh, "history", err);
		if (st != HH_OK || !hh)
			continue;
		q = (auditstore_query){.table = AUDITSTORE_FINDINGS, .period = ps[i],
				       .by = AUDITSTORE_BY_PID, .values = &p->pid, .n = 1};
		st = rows(c, &q, &fnd, "history", err);
		if (st != HH_OK || !fnd)
			continue;
		char codes[512] = "";
		int fp = rr_col(fnd, "pid"), fc = rr_col(fnd, "code");
		for (size_t f = 0; f < fnd->nrows; f++)
			if (!strcmp(rr_cell(fnd, f, fp), p->pid))
				snprintf(codes + strlen(codes), sizeof codes - strlen(codes), "%s%s",
					 codes[0] ? ";" : "", rr_cell(fnd, f, fc));
		int any = 0;
		for (int k = 0; k < p->nh; k++) {
			int r = find_row(hh, "household_id", p->households[k]);
			if (r < 0)
				continue;
			answer_row(a, hist, per, p->households[k],
				   rr_cell(hh, (size_t)r, rr_col(hh, "risk_level")),
				   rr_cell(hh, (size_t)r, rr_col(hh, "reasons")), codes);
			any = 1;
		}
		if (!any && codes[0])
			answer_row(a, hist, per, "", "", "", codes);
	}
	rr_table_free(hh);
	rr_table_free(fnd);
	free(ps);
	return st;
}

hh_status audit_person(audit_ctx *c, hh_err *err)
{
	answer *a = c->a;
	char pid[PID_HEX + 1];
	HH_TRY(person_pid(c, pid, err));
	if (hj_set_bytes(c->query, "pid", pid) ||
	    (c->o->id && json_object_set_new(c->query, "by", json_string("id"))))
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	answer_pid(a, pid);
	answer_fact(a, "pid", "%s", pid);
	person_ctx p = {.pid = pid};
	const char *pids[1] = {pid};
	rr_table *fnd = NULL;
	if (c->info->sources)
		HH_TRY(person_sources(c, &p, err));
	else
		not_available(c, "roster rows, source rows, which sources hold the person, the "
			      "person's roster households");
	auditstore_query q = {.table = AUDITSTORE_FINDINGS, .by = AUDITSTORE_BY_PID,
			      .values = pids, .n = 1};
	HH_TRY(rows(c, &q, &fnd, NULL, err));
	findings_section(c, "findings", fnd, "pid", pid);
	/* households named by findings join the history */
	int pc = rr_col(fnd, "pid"), hc = rr_col(fnd, "household_id");
	for (size_t i = 0; i < fnd->nrows; i++) {
		const char *h = rr_cell(fnd, i, hc);
		if (!strcmp(rr_cell(fnd, i, pc), pid) && h[0])
			add_household(&p, h);
	}
	rr_table_free(fnd);
	return c->info->history ? person_history(c, &p, err) : HH_OK;
}

/* --- findings --------------------------------------------------------- */

/* --code must be a code the run writes: an unknown one is an error that
 * lists them, not "findings: 0".  Only a code-shaped value is echoed (the
 * option might hold anything, an ID number included). */
static hh_status check_code(const char *code, hh_err *err)
{
	strbuf all = STRBUF_INIT;
	for (int f = 0; f < F_COUNT; f++) {
		const char *name = engine_finding_name((finding_code)f);
		if (!strcmp(code, name)) {
			sb_release(&all);
			return HH_OK;
		}
		sb_addf(&all, "%s%s", f ? ", " : "", name);
	}
	int shaped = strlen(code) <= 32 && strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == strlen(code);
	hh_status st = hh_fail(err, HH_EUSAGE, "unknown finding code%s%s%s: the codes are %s",
			       shaped ? " '" : "", shaped ? code : "", shaped ? "'" : "",
			       all.oom ? "(out of memory listing them)" : sb_str(&all));
	sb_release(&all);
	return st;
}

/* Leading characters a and b share. */
static size_t common_prefix(const char *a, const char *b)
{
	size_t k = 0;
	while (a[k] && a[k] == b[k])
		k++;
	return k;
}

/* --region must be 2-12 digits and the start of some counted household's
 * region code in the period asked about; otherwise an error that lists
 * the regions of that length nearest to it (those sharing the most
 * leading digits), so a typo is not answered with "findings: 0".  The
 * list reads every household, but only on this error path. */
static hh_status check_region(audit_ctx *c, const char *region, hh_err *err)
{
	size_t n = strlen(region);
	if (n < 2 || n > 12 || strspn(region, "0123456789") != n)
		return hh_fail(err, HH_EUSAGE, "bad --region: expected the first 2 to 12 digits "
			       "of a region code");
	rr_table *hh = NULL;
	auditstore_query q = {.table = AUDITSTORE_HOUSEHOLDS, .by = AUDITSTORE_BY_REGION,
			      .values = &region, .n = 1};
	HH_TRY(rows(c, &q, &hh, NULL, err));
	size_t found = hh->nrows;
	rr_table_free(hh);
	hh = NULL;
	if (found)
		return HH_OK;
	const char *all = "";
	q.values = &all;
	HH_TRY(rows(c, &q, &hh, NULL, err));
	int rc = rr_col(hh, "region_code");
	size_t best = 0;
	for (size_t i = 0; i < hh->nrows; i++) {
		size_t k = common_prefix(rr_cell(hh, i, rc), region);
		best = k > best ? k : best;
	}
	char near[30][13];
	size_t listed = 0;
	for (size_t i = 0; i < hh->nrows && listed < 30; i++) {
		const char *r = rr_cell(hh, i, rc);
		if (strlen(r) < n || common_prefix(r, region) != best)
			continue;
		size_t k = 0;
		while (k < listed && strncmp(near[k], r, n))
			k++;
		if (k == listed)
			snprintf(near[listed++], sizeof near[0], "%.*s", (int)n, r);
	}
	rr_table_free(hh);
	strbuf shown = STRBUF_INIT;
	for (size_t k = 0; k < listed; k++)
		sb_addf(&shown, "%s%s", k ? ", " : "", near[k]);
	hh_status st = hh_fail(err, HH_EUSAGE,
			       "no counted household in region %s* in period %06d; %s%s", region,
			       c->info->period,
			       listed ? "the nearest regions of that length with households: "
				      : "the run has no household with a region code that long",
			       shown.oom ? "(out of memory listing them)" : sb_str(&shown));
	sb_release(&shown);
	return st;
}

hh_status audit_findings(audit_ctx *c, hh_err *err)
{
	answer *a = c->a;
	const char *code = c->o->code, *region = c->o->region;
	HH_TRY(check_code(code, err));
	if (region)
		HH_TRY(check_region(c, region, err));
	if (hj_set_bytes(c->query, "code", code) ||
	    (region && hj_set_bytes(c->query, "region", region)))
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	rr_table *fnd = NULL;
	auditstore_query q = {.table = AUDITSTORE_FINDINGS, .by = AUDITSTORE_BY_CODE,
			      .values = &code, .n = 1, .region = region};
	HH_TRY(rows(c, &q, &fnd, NULL, err));
	answer_section *s = answer_section_new(a, "findings",
					       "code,source,household_id,region_code,pid,detail");
	int src = rr_col(fnd, "source"), hid = rr_col(fnd, "household_id");
	int reg = rr_col(fnd, "region_code"), pid = rr_col(fnd, "pid");
	int detail = rr_col(fnd, "detail");
	for (size_t i = 0; i < fnd->nrows; i++) {
		answer_row(a, s, code, rr_cell(fnd, i, src), rr_cell(fnd, i, hid),
			   rr_cell(fnd, i, reg), rr_cell(fnd, i, pid), rr_cell(fnd, i, detail));
		answer_pid(a, rr_cell(fnd, i, pid));
	}
	rr_table_free(fnd);
	answer_fact(a, "code", "%s", code);
	if (region)
		answer_fact(a, "region", "%s*", region);
	answer_fact(a, "findings", "%zu", s->n);
	return HH_OK;
}
