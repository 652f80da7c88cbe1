/*
 * guards.c - the delivery guards of `hhmatch run` (see guards.h).
 *
 * Every guard compares figures of report.json: the run's own (written by
 * the engine into the temporary folder) and the latest earlier period's
 * (kept in the state by history/state.c), both read through runread.h.
 * So the guards need nothing of the engine, and what they compare is
 * what anyone can read in the two reports.
 *
 * A guard that fires is either accepted (its name was in --accept: it is
 * noted, and goes into report.json and the audit log) or refuses the run.
 * All guards of a step are evaluated before it refuses, so one message
 * names every guard that fired and the operator can accept them together.
 * Shares are compared in integers (basis points, cross-multiplied), like
 * the rules, so a threshold is exact.
 */
#include "history/guards.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "base/vec.h"
#include "domain/period.h"
#include "domain/sources.h"
#include "history/auditlog.h"
#include "history/auditrec.h"
#include "history/runread.h"
#include "history/state.h"

const guards_name guards_names[GUARD_COUNT] = {
	{"period_gap", "the period is far after the latest period in --state "
		       "(guard_max_period_gap), or before it and never run"},
	{"household_drop", "roster households fell by more than guard_household_drop "
			   "since the latest earlier period"},
	{"source_missing", "a source delivered for the latest earlier period is absent"},
	{"roster_link_drop", "a source's share of roster persons fell by more than "
			     "guard_roster_link_drop"},
	{"hr_no_current", "hr has no row at or before the run period"},
	{"medical_no_window", "medical has no settlement in the medical window"},
};

__extension__ typedef __int128 i128;

/* How each refusal ends: when to accept it. */
static const char *const accept_when[GUARD_COUNT] = {
	"if --period is right", "if this delivery is right",
	"if the department did not deliver this month", "if this delivery is right",
	"if this delivery is right", "if this delivery is right",
};

typedef enum { NOTE_ACCEPTED, NOTE_WARNING } note_kind;

typedef struct {
	note_kind kind;
	const char *name;        /* guard or warning name (static) */
	const char *source;      /* source name (static) or NULL */
	char *text;              /* malloc'ed */
} note;

struct guards {
	unsigned accept;         /* bit g: guard g named in --accept */
	int want_new_key;        /* --new-key */
	int new_key;             /* this run starts a new baseline */
	unsigned fired;          /* guards that fired, accepted or not */
	unsigned accepted;       /* ... and were accepted */
	unsigned refused;        /* ... and were not */
	size_t nrefusals;        /* refusals of the current step (the key's included) */
	strbuf refusals;         /* their texts, one per line */
	vec notes;               /* note */
	int oom;
};

static hh_status no_memory(hh_err *err)
{
	return hh_fail(err, HH_EINTERNAL, "delivery guards: out of memory");
}

hh_status guards_new(const char *accept, int new_key, guards **out, hh_err *err)
{
	*out = NULL;
	guards *g = calloc(1, sizeof *g);
	if (!g)
		return no_memory(err);
	vec_init(&g->notes, sizeof(note));
	g->want_new_key = new_key;
	for (const char *p = accept ? accept : ""; *p;) {
		size_t len = strcspn(p, ",");
		const char *s = p, *e = p + len;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		int found = -1;
		for (int i = 0; i < GUARD_COUNT && s < e; i++)
			if (strlen(guards_names[i].name) == (size_t)(e - s) &&
			    !strncmp(guards_names[i].name, s, (size_t)(e - s)))
				found = i;
		if (found < 0 && s < e) {
			strbuf names = STRBUF_INIT;
			for (int i = 0; i < GUARD_COUNT; i++)
				sb_addf(&names, "%s%s", i ? ", " : "", guards_names[i].name);
			hh_fail(err, HH_EUSAGE, "--accept: unknown guard '%.*s' (the guards: %s)",
				(int)(e - s > 64 ? 64 : e - s), s, sb_str(&names));
			sb_release(&names);
			guards_free(g);
			return HH_EUSAGE;
		}
		if (found >= 0)
			g->accept |= 1u << found;
		p += len + (p[len] == ',');
	}
	*out = g;
	return HH_OK;
}

void guards_free(guards *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->notes.n; i++)
		free(((note *)vec_at(&g->notes, i))->text);
	vec_free(&g->notes);
	sb_release(&g->refusals);
	free(g);
}

int guards_new_key(const guards *g) { return g->new_key; }

static void add_note(guards *g, note_kind kind, const char *name, const char *source,
		     const char *text)
{
	note *n = vec_push(&g->notes);
	char *t = strdup(text);
	if (!n || !t) {
		free(t);
		g->oom = 1;
		return;
	}
	n->kind = kind;
	n->name = name;
	n->source = source;
	n->text = t;
}

static void add_refusal(guards *g, const char *text)
{
	if (g->nrefusals++)
		sb_adds(&g->refusals, "\n  ");
	sb_adds(&g->refusals, text);
}

/* Guard id fired for source (NULL: the run as a whole) with the text
 * fmt: noted when accepted, else a refusal that says how to accept it. */
static void fire(guards *g, guard_id id, const char *source, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fire(guards *g, guard_id id, const char *source, const char *fmt, ...)
{
	char text[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	g->fired |= 1u << id;
	if (g->accept & (1u << id)) {
		g->accepted |= 1u << id;
		add_note(g, NOTE_ACCEPTED, guards_names[id].name, source, text);
		return;
	}
	g->refused |= 1u << id;
	char full[1024];
	snprintf(full, sizeof full, "%s; %s, run again with --accept %s", text,
		 accept_when[id], guards_names[id].name);
	add_refusal(g, full);
}

static void warn(guards *g, const char *name, const char *source, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void warn(guards *g, const char *name, const char *source, const char *fmt, ...)
{
	char text[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	add_note(g, NOTE_WARNING, name, source, text);
}

/* The refusals of the step as one error (HH_OK when there are none). */
static hh_status verdict(guards *g, hh_err *err)
{
	hh_status st = HH_OK;
	if (g->oom || g->refusals.oom)
		st = no_memory(err);
	else if (g->nrefusals == 1)
		st = hh_fail(err, HH_EINPUT, "%s", sb_str(&g->refusals));
	else if (g->nrefusals > 1) {
		char names[256] = "";
		size_t used = 0;
		for (int i = 0; i < GUARD_COUNT; i++)
			if ((g->refused & (1u << i)) && used < sizeof names)
				used += (size_t)snprintf(names + used, sizeof names - used, "%s%s",
							 used ? "," : "", guards_names[i].name);
		st = hh_fail(err, HH_EINPUT, "%zu checks refused the run%s%s%s:\n  %s",
			     g->nrefusals, used ? " (to accept the deliveries: --accept " : "",
			     names, used ? ")" : "", sb_str(&g->refusals));
	}
	g->nrefusals = 0;
	sb_reset(&g->refusals);
	return st;
}

/* state_dir/runs/PERIOD/report.json, loaded. */
static hh_status load_kept(const char *state_dir, int period, rr_report **out, hh_err *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/runs/%06d/report.json", state_dir, period);
	hh_status st = rr_report_load(path, out, err);
	if (st != HH_OK)
		return hh_wrap(err, st, "cannot compare with the period %06d kept in the state",
			       period);
	return HH_OK;
}

/* The period against the periods kept: a period far after the latest is
 * most often a typo (209912 for 202612), one before the latest that was
 * never run a typo of the year (202511) or a late backfill; both are
 * refused unless accepted.  A rerun of a kept period is expected. */
static void check_period(guards *g, const int *ps, size_t n, int period, const rules *ru)
{
	int latest = n ? ps[n - 1] : 0, kept = 0;
	for (size_t i = 0; i < n; i++)
		kept |= ps[i] == period;
	if (!latest || kept)
		return;
	int gap = period_months_between(latest, period);
	if (gap > ru->guard_max_period_gap)
		fire(g, GUARD_PERIOD_GAP, NULL,
		     "period %06d is %d months after the latest period in the state (%06d), "
		     "more than the %d allowed (guard_max_period_gap)",
		     period, gap, latest, ru->guard_max_period_gap);
	else if (gap < 0)
		fire(g, GUARD_PERIOD_GAP, NULL,
		     "period %06d is before the latest period in the state (%06d) and was "
		     "never run; a run of it would enter the history behind later months",
		     period, latest);
}

/* The run's key against the run it is compared with (or, for a rerun,
 * the run it replaces).  Pids under two keys never match: without this,
 * every household would look new and every finding would alert. */
static hh_status check_key(guards *g, const char *state_dir, const int *ps, size_t n,
			   int period, const char *key_id, hh_err *err)
{
	int ref = 0, earlier = 0, later = 0;
	for (size_t i = 0; i < n; i++) {
		if (ps[i] == period)
			ref = period;
		else if (ps[i] < period)
			earlier = ps[i];
		else if (!later)
			later = ps[i];
	}
	if (!ref)
		ref = earlier ? earlier : later;
	if (!ref) {
		if (g->want_new_key)
			warn(g, "new_key_unused", NULL,
			     "--new-key: the state holds no other run to compare with; "
			     "nothing to start");
		return HH_OK;
	}
	rr_report *rep;
	HH_TRY(load_kept(state_dir, ref, &rep, err));
	if (!rep->key_id[0] || !strcmp(rep->key_id, key_id)) {
		/* a rerun of a period that started a baseline starts it again, so
		 * it gives the same alerts as its first run */
		g->new_key = ref == period && rep->new_key;
		if (g->want_new_key && !g->new_key)
			warn(g, "new_key_unused", NULL,
			     "--new-key: the key (key_id %s) is the key of %06d already; "
			     "alerts compare with the latest earlier period as usual",
			     key_id, ref);
	} else if (g->want_new_key) {
		g->new_key = 1;
	} else {
		char text[512];
		snprintf(text, sizeof text,
			 "this run's key (key_id %s) is not the key of %s %06d in the state "
			 "(key_id %s): pids under two keys never match; run with that key, or "
			 "with --new-key to start a new baseline (alerts will not compare "
			 "with earlier periods)",
			 key_id, ref == period ? "the kept run of" : "period", ref, rep->key_id);
		add_refusal(g, text);
	}
	rr_report_free(rep);
	return HH_OK;
}

hh_status guards_before(guards *g, const char *state_dir, int period, const char *key_id,
			const rules *ru, hh_err *err)
{
	if (!state_dir)
		return HH_OK;
	int *ps;
	size_t n;
	HH_TRY(state_periods(state_dir, &ps, &n, err));
	check_period(g, ps, n, period, ru);
	hh_status st = check_key(g, state_dir, ps, n, period, key_id, err);
	free(ps);
	return st != HH_OK ? st : verdict(g, err);
}

/* "12.5" for 1250 basis points as a percentage. */
static const char *pct(int64_t bp, char buf[32])
{
	snprintf(buf, 32, "%g", (double)bp / 100.0);
	return buf;
}

/* The checks that need no history: rows the run can use at all. */
static void check_usable(guards *g, const rr_report *cur, int period, const rules *ru)
{
	const char *name = source_name(SRC_HR);
	if (cur->src[SRC_HR].present && cur->src[SRC_HR].rows_counted == 0) {
		const char *f = cur->src[SRC_HR].given;
		if (cur->src[SRC_HR].rows_accepted > 0 && cur->src[SRC_HR].first[0])
			fire(g, GUARD_HR_NO_CURRENT, name,
			     "%s: %s: none of its %" PRId64 " accepted rows is dated at or "
			     "before the run period %06d (its periods run from %s to %s), so no "
			     "employment, wage or pension would count",
			     name, f, cur->src[SRC_HR].rows_accepted, period,
			     cur->src[SRC_HR].first, cur->src[SRC_HR].last);
		else
			fire(g, GUARD_HR_NO_CURRENT, name,
			     "%s: %s: no accepted row, so no employment, wage or pension "
			     "would count", name, f);
	}
	name = source_name(SRC_MEDICAL);
	if (cur->src[SRC_MEDICAL].present && cur->src[SRC_MEDICAL].rows_counted == 0) {
		const char *f = cur->src[SRC_MEDICAL].given;
		int from = period_day(period_add(period, 1 - ru->medical_window_months), 1);
		int to = period_end(period);
		char from_iso[PERIOD_ISO_SIZE], to_iso[PERIOD_ISO_SIZE], window[64];
		period_day_iso(from, from_iso);
		period_day_iso(to, to_iso);
		snprintf(window, sizeof window, "%s to %s", from_iso, to_iso);
		if (cur->src[SRC_MEDICAL].rows_accepted > 0 && cur->src[SRC_MEDICAL].first[0])
			fire(g, GUARD_MEDICAL_NO_WINDOW, name,
			     "%s: %s: none of its %" PRId64 " accepted settlements falls in the "
			     "window %s (they run from %s to %s), so no out-of-pocket cost "
			     "would count",
			     name, f, cur->src[SRC_MEDICAL].rows_accepted, window,
			     cur->src[SRC_MEDICAL].first, cur->src[SRC_MEDICAL].last);
		else
			fire(g, GUARD_MEDICAL_NO_WINDOW, name,
			     "%s: %s: no accepted settlement, so no out-of-pocket cost in the "
			     "window %s would count", name, f, window);
	}
}

/* The run against the latest earlier period's. */
static void check_against(guards *g, const rr_report *cur, const rr_report *prev,
			  int period, const rules *ru)
{
	char a[32], b[32];
	int64_t h0 = prev->households, h1 = cur->households;
	int64_t bp = ru->guard_household_drop_bp;
	if (h0 > 0 && h1 >= 0 && h1 * 10000 < h0 * (10000 - bp))
		fire(g, GUARD_HOUSEHOLD_DROP, NULL,
		     "roster households fell from %" PRId64 " (%06d) to %" PRId64 " (%06d), "
		     "%.1f %%, more than the %s %% allowed (guard_household_drop)",
		     h0, prev->period, h1, period, (double)(h1 - h0) * 100.0 / (double)h0,
		     pct(bp, a));
	for (int s = 0; s < SRC_COUNT; s++)
		if (prev->src[s].present && !cur->src[s].present)
			fire(g, GUARD_SOURCE_MISSING, source_name((source_id)s),
			     "%s: delivered for %06d (%s) and absent now",
			     source_name((source_id)s), prev->period, prev->src[s].given);
	int64_t p0 = prev->src[SRC_CIVIL_AFFAIRS].persons;
	int64_t p1 = cur->src[SRC_CIVIL_AFFAIRS].persons;
	bp = ru->guard_roster_link_drop_bp;
	for (int s = SRC_EDUCATION; s < SRC_COUNT && p0 > 0 && p1 > 0; s++) {
		int64_t o0 = prev->src[s].persons_on_roster, o1 = cur->src[s].persons_on_roster;
		if (!prev->src[s].present || !cur->src[s].present || o0 <= 0 || o1 < 0)
			continue;
		/* o1 / p1 < o0 / p0 x (1 - bp), in integers */
		if ((i128)o1 * p0 * 10000 < (i128)o0 * p1 * (10000 - bp))
			fire(g, GUARD_ROSTER_LINK_DROP, source_name((source_id)s),
			     "%s: %s: the roster persons it holds fell from %.1f %% of the "
			     "roster (%" PRId64 " of %" PRId64 ", %06d) to %.1f %% (%" PRId64
			     " of %" PRId64 ", %06d), by more than the %s %% allowed "
			     "(guard_roster_link_drop)",
			     source_name((source_id)s), cur->src[s].given,
			     (double)o0 * 100.0 / (double)p0, o0, p0, prev->period,
			     (double)o1 * 100.0 / (double)p1, o1, p1, period, pct(bp, b));
	}
	for (int s = 0; s < SRC_COUNT; s++)
		if (prev->src[s].present && cur->src[s].present && cur->src[s].sha256[0] &&
		    !strcmp(prev->src[s].sha256, cur->src[s].sha256))
			warn(g, "same_sha256", source_name((source_id)s),
			     "%s: %s: the same bytes (sha256 %.12s...) as the file delivered "
			     "for %06d; was last period's extract delivered again?",
			     source_name((source_id)s), cur->src[s].given, cur->src[s].sha256,
			     prev->period);
}

/* One note as a report.json object; NULL on no memory. */
static json_t *note_json(const note *n)
{
	json_t *o = json_object();
	if (!o || json_object_set_new(o, "name", json_string(n->name)) ||
	    (n->source && json_object_set_new(o, "source", json_string(n->source))) ||
	    json_object_set_new(o, "detail", hj_string_bytes(n->text, strlen(n->text), NULL))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Adds "accepted", "warnings" and "new_key" to run_dir/report.json,
 * keeping the file's mode. */
static hh_status rewrite_report(const guards *g, const char *run_dir, hh_err *err)
{
	char path[PATH_MAX];
	struct stat sb;
	json_t *top;
	snprintf(path, sizeof path, "%s/report.json", run_dir);
	if (stat(path, &sb) || hj_load_path(path, &top, err) != HH_OK)
		return hh_fail(err, HH_EINTERNAL, "cannot read back the run's %s", path);
	json_t *acc = json_array(), *warns = json_array();
	int bad = !acc || !warns;
	for (size_t i = 0; !bad && i < g->notes.n; i++) {
		const note *n = vec_at(&g->notes, i);
		bad = json_array_append_new(n->kind == NOTE_ACCEPTED ? acc : warns, note_json(n));
	}
	bad |= json_object_set_new(top, "accepted", acc) != 0;
	bad |= json_object_set_new(top, "warnings", warns) != 0;
	bad |= json_object_set_new(top, "new_key", json_boolean(g->new_key)) != 0;
	strbuf b = STRBUF_INIT;
	if (!bad)
		hj_dump(&b, top, HJ_PRETTY | JSON_REAL_PRECISION(9));
	json_decref(top);
	sb_addc(&b, '\n');
	hh_status st = bad || b.oom ? no_memory(err)
				    : fs_write_file(path, b.buf, b.len, sb.st_mode & 0777, err);
	sb_release(&b);
	return st;
}

hh_status guards_after(guards *g, const char *state_dir, int period, const char *run_dir,
		       const rules *ru, hh_err *err)
{
	char path[PATH_MAX];
	rr_report *cur = NULL, *prev = NULL;
	int previous = 0;
	snprintf(path, sizeof path, "%s/report.json", run_dir);
	hh_status st = rr_report_load(path, &cur, err);
	if (st != HH_OK)
		return hh_wrap(err, HH_EINTERNAL, "cannot read back the run's report");
	if (state_dir)
		st = state_previous(state_dir, period, &previous, err);
	if (st == HH_OK && previous)
		st = load_kept(state_dir, previous, &prev, err);
	if (st == HH_OK) {
		check_usable(g, cur, period, ru);
		if (prev)
			check_against(g, cur, prev, period, ru);
		st = verdict(g, err);
	}
	for (int i = 0; st == HH_OK && i < GUARD_COUNT; i++)
		if ((g->accept & (1u << i)) && !(g->fired & (1u << i)))
			warn(g, "accept_unused", NULL,
			     "--accept %s: the guard did not fire; nothing was accepted under it",
			     guards_names[i].name);
	if (st == HH_OK)
		st = g->oom ? no_memory(err) : rewrite_report(g, run_dir, err);
	rr_report_free(cur);
	rr_report_free(prev);
	return st;
}

size_t guards_nwarnings(const guards *g)
{
	size_t n = 0;
	for (size_t i = 0; i < g->notes.n; i++)
		n += ((const note *)vec_at(&g->notes, i))->kind == NOTE_WARNING;
	return n;
}

const char *guards_warning(const guards *g, size_t i)
{
	for (size_t k = 0; k < g->notes.n; k++) {
		const note *n = vec_at(&g->notes, k);
		if (n->kind == NOTE_WARNING && i-- == 0)
			return n->text;
	}
	return NULL;
}

hh_status guards_log(const guards *g, const char *state_dir, int period,
		     const pid_key *audit_key, hh_err *err)
{
	if (!state_dir || (!g->accepted && !g->new_key))
		return HH_OK;
	if (!audit_key)
		return hh_fail(err, HH_EUSAGE, "a run that accepts a guard or starts a new key "
			       "is logged, and " AUDITREC_KEY_NEEDED);
	char per[16], now[32], op[256], path[PATH_MAX];
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return hh_fail(err, HH_EINTERNAL, "cannot format the time of the audit record");
	snprintf(per, sizeof per, "%06d", period);
	json_t *q = json_object(), *acc = json_array();
	int bad = !q || !acc;
	for (int i = 0; !bad && i < GUARD_COUNT; i++)
		if (g->accepted & (1u << i))
			bad = json_array_append_new(acc, json_string(guards_names[i].name));
	bad |= json_object_set_new(q, "command", json_string("run")) != 0;
	bad |= json_object_set_new(q, "period", json_string(per)) != 0;
	bad |= json_object_set_new(q, "accepted", acc) != 0;
	bad |= json_object_set_new(q, "new_key", json_boolean(g->new_key)) != 0;
	strbuf qs = STRBUF_INIT, m = STRBUF_INIT;
	if (!bad)
		hj_dump(&qs, q, HJ_LINE);
	json_decref(q);
	/* a run has no --operator: the account is the operator, named in
	 * both members so that readers of either find it */
	const char *who = auditrec_os_user(op, sizeof op);
	auditrec rec = {.time = now, .os_user = who, .operator_ = who,
			.purpose = "run", .query = sb_str(&qs)};
	if (!bad && !qs.oom && who)
		auditrec_members(&m, &rec);
	hh_status st;
	if (!who) {
		st = hh_fail(err, HH_EINTERNAL, "cannot look up the account the run runs as "
			     "for the audit record: %s", strerror(errno));
	} else if (bad || qs.oom || m.oom) {
		st = no_memory(err);
	} else {
		snprintf(path, sizeof path, "%s/audit.log", state_dir);
		st = auditlog_append(path, sb_str(&m), audit_key, NULL, err);
	}
	sb_release(&qs);
	sb_release(&m);
	return st;
}
