/*
 * reviews.h - caseworkers' decisions about flagged households: imported
 * into the state (`hhmatch review import`), kept there, and read back by
 * the alerts of the next runs (history/alerts.c).
 *
 * A decision file (CSV, UTF-8 or GB18030, comma or tab; columns and
 * labels in schemas/reviews.schema) or the store's table
 * hhmatch.review_inbox (schemas/sql/009_reviews.sql) is read row by row.
 * A row is accepted when its columns parse, its note holds nothing shaped
 * like an ID number, its date is not after today, and the state has
 * alerted or flagged its household (and, with an alert_id, has that
 * alert, of that household).  Each accepted decision is kept with a
 * snapshot of what was reviewed: the period, risk level and reasons of
 * the alert it answers, or else of the latest period at or before the
 * decision in which the state lists the household as flagged.
 *
 * Layout in the state: DIR/reviews.jsonl, one decision per line, in the
 * order imported, never rewritten (an import writes the old lines and
 * its new ones to DIR/reviews.jsonl.tmp, fsync'ed, and renames it over
 * the old file, under the state's lock; a .tmp that a killed import left
 * is overwritten by the next and read by nothing):
 *   {"seq":N,"import":"<16 hex>","household_id":..,["alert_id":..,]
 *    "decision":..,"reviewer":..,"decided_on":"YYYY-MM-DD",["note":..,]
 *    "period":"YYYYMM","risk_level":..,"reasons":"R_A;R_B"[,"code":..]}
 * seq is the line's position; import the first 16 hex of the SHA-256 of
 * the file (or inbox rows) it came in.  A decision already kept (same
 * household, alert, decision, reviewer, date and note) is not added
 * again, so importing a file twice leaves the file byte for byte.
 *
 * Which decisions a run of period P applies (docs/semantics.md,
 * "Decisions"): those dated on or before the last day of P, among the
 * first K lines of reviews.jsonl, where K is what the first run of P knew
 * (report.json "reviews"."decisions_known", carried by every rerun; the
 * whole file for a first run).  So a rerun of P gives the same alerts
 * whatever was imported since.  Of those, a household's last decision
 * (latest decided_on, then latest seq) counts.
 *
 * Lifetime: reviews_load / reviews_free (NULL is a no-op); a review
 * lives as long as its set.  Thread safety: none kept; one set per
 * thread, or shared read-only.
 */
#ifndef HH_REVIEWS_H
#define HH_REVIEWS_H

#include <stddef.h>

#include "base/hh_error.h"
#include "domain/pid.h"

/* The decisions, in the order of schemas/reviews.schema's enumeration. */
typedef enum {
	RV_CONFIRMED,
	RV_FALSE_POSITIVE,
	RV_MOVED,
	RV_DECEASED,
	RV_UNREACHABLE,
	RV_DECLINED,
	RV_DUPLICATE,
	RV_COUNT
} review_decision;

/* The English code of d ("false_positive"). */
const char *reviews_decision_code(review_decision d);

/* One decision as kept in the state.  Strings are owned by the set. */
typedef struct {
	unsigned long seq;
	const char *household, *alert_id; /* alert_id "" when none */
	review_decision decision;
	const char *reviewer, *note;      /* note "" when none */
	int decided_on;                   /* YYYYMMDD */
	int period;                       /* YYYYMM reviewed, 0 when unknown */
	int level;                        /* rr_level of the level reviewed */
	const char *reasons;              /* ';'-joined reasons reviewed */
	const char *code;                 /* the finding reviewed, or "" */
} review;

typedef struct reviews reviews;

/* The file's name in the state folder. */
#define REVIEWS_FILE "reviews.jsonl"

/* Reads state_dir/reviews.jsonl (none: an empty set, *exists = 0).  A
 * line that is not a decision is HH_EINPUT naming the file and line. */
hh_status reviews_load(const char *state_dir, reviews **out, int *exists, hh_err *err);
void reviews_free(reviews *r);

size_t reviews_count(const reviews *r);
const review *reviews_at(const reviews *r, size_t i);

/* The household's last decision that a run of period applies when
 * `known` lines were known (see the top), or NULL. */
const review *reviews_last(const reviews *r, const char *household, int period,
			   unsigned long known);

/* 1 when a false_positive decision rv keeps a household that is flagged
 * in period at level (rr_level) with reasons (';'-joined) from being
 * alerted as new or escalated: fewer than months months after the
 * decision's month, at no higher level than reviewed and with no reason
 * that was not reviewed.  0 for any other decision. */
int reviews_suppresses(const review *rv, int period, int months, int level,
		       const char *reasons);

/* 1 when a confirmed decision rv is due a follow_up in period, the
 * previous period compared with being prev (0: none): every months
 * months after the decision's month, the first period at or past each
 * such mark (periods between runs are not lost).  0 for other
 * decisions. */
int reviews_follow_up(const review *rv, int period, int prev, int months);

/* 1 when rv keeps finding code of its household from being alerted
 * again in period: deceased for A_DECEASED, moved for
 * D_MULTI_HOUSEHOLD (whenever), and a false_positive on that very
 * finding within months months (as reviews_suppresses). */
int reviews_suppresses_finding(const review *rv, int period, int months, const char *code);

/* What an import is told. */
typedef struct {
	const char *in;         /* a decisions file, or NULL with ... */
	const char *pg;         /* ... a store URI: its hhmatch.review_inbox */
	const char *operator_;  /* --operator, or NULL */
	const pid_key *audit_key;
	int today;              /* YYYYMMDD: later decisions are refused */
	/* each rejected row's message ("FILE line N: REASON"), in order */
	void (*reject)(void *ctx, const char *msg);
	void *ctx;
} reviews_import_opts;

/* What an import did. */
typedef struct {
	unsigned long read, accepted, rejected; /* read = accepted + rejected */
	unsigned long added;     /* of accepted: new to the state */
	unsigned long known;     /* decisions in the state after it */
	char sha256[65];         /* of the file (or the inbox rows' digest) */
	char head[96];           /* the audit log's head after the record */
} reviews_import_result;

/* Imports the decisions of o->in (or o->pg) into state_dir, under the
 * state's lock, and appends the import's record to state_dir/audit.log
 * (purpose "review import"; query: command, source, sha256, read,
 * accepted, added, rejected, known), sealed under o->audit_key.  Rows
 * rejected are reported through o->reject and counted; the accepted ones
 * are kept all the same.  Errors: a file or inbox that cannot be read or
 * lacks a required column (HH_EINPUT), no runs in the state
 * (HH_EINPUT), the state in use by a run (HH_EINTERNAL, fs_lock_take),
 * the audit log (auditlog_append's).  On error nothing is kept. */
hh_status reviews_import(const char *state_dir, const reviews_import_opts *o,
			 reviews_import_result *res, hh_err *err);

/* For the people who read a run (report.html, caseworkers.xlsx): each
 * household's last decision as the run of period applied it, and the
 * backlog.  A flagged household is in the backlog when its latest alert
 * that asks for a look (new, escalated or follow_up, in this run's
 * alerts.jsonl or an earlier period's in the state) has no decision dated
 * in or after that alert's period, and the alert's period ended at least
 * review_backlog_days days (report.json "rules"; default 30) before this
 * period's end.  The decisions known are report.json's
 * "reviews"."decisions_known" (alerts_write put it there). */
typedef struct reviews_status reviews_status;

/* Reads state_dir/reviews.jsonl, run_dir/report.json and the alerts;
 * *out is NULL (HH_OK) when the state has no reviews.jsonl: the caseworker
 * loop is not in use, and nothing is shown. */
hh_status reviews_status_load(const char *state_dir, int period, const char *run_dir,
			      reviews_status **out, hh_err *err);
void reviews_status_free(reviews_status *s);

/* The household's last decision applied, or NULL (s may be NULL). */
const review *reviews_status_last(const reviews_status *s, const char *household);

/* 1 when the household is in the backlog (s may be NULL: 0).  The caller
 * asks for flagged households only. */
int reviews_status_backlog(const reviews_status *s, const char *household);

#endif
