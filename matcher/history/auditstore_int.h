/*
 * auditstore_int.h - inside the audit store: the backend interface that
 * auditstore.c dispatches to, and the helpers both backends share.  Only
 * auditstore.c, auditstore_files.c and auditstore_pg.c include it.
 *
 * A backend allocates its own struct with `struct auditstore` as its
 * first member, fills base.be and base.info, and frees everything in its
 * close.  auditstore.c owns what is common: the file log (--log, or
 * --state's audit.log) that goes with either backend.
 */
#ifndef HH_AUDITSTORE_INT_H
#define HH_AUDITSTORE_INT_H

#include <stdint.h>

#include "history/auditlog.h"
#include "history/auditstore.h"

struct auditstore_be {
	const char *name;   /* "files", "postgresql" */
	hh_status (*periods)(auditstore *st, int **out, size_t *n, hh_err *err);
	hh_status (*rows)(auditstore *st, const auditstore_query *q, rr_table **out,
			  const char **gap, hh_err *err);
	int (*describe)(const auditstore *st, json_t *query);
	/* The backend's own log (NULL: the file log is its only log): the
	 * record with its members text (auditrec_members), sealed under key,
	 * its new head into *head; and the chain's verdict, with every
	 * record's seal checked (auditrec_seal_check with seals), against the
	 * backend's own anchor and expect (may be NULL) (a broken chain or
	 * seal is HH_EINPUT). */
	hh_status (*log_append)(auditstore *st, const auditrec *rec, const char *members,
				size_t len, const pid_key *key, auditrec_anchor *head,
				hh_err *err);
	hh_status (*log_verify)(auditstore *st, auditrec_seals *seals,
				const auditrec_anchor *expect, auditstore_verdict *out,
				hh_err *err);
	void (*close)(auditstore *st);
};

struct auditstore {
	const struct auditstore_be *be;
	auditstore_info info;
	char *log_path;     /* the file log, or NULL; set by auditstore.c */
};

/* Backends: open what w names (logs_only: only the log, see
 * auditstore_open_logs).  *out is NULL on failure. */
hh_status auditstore_files_open(const auditstore_where *w, int logs_only, auditstore **out,
				hh_err *err);
hh_status auditstore_pg_open(const auditstore_where *w, int logs_only, auditstore **out,
			     hh_err *err);

/* 1 when uri can name the PostgreSQL store (a connection string as
 * connectors/pg/pg_uri.h recognises it: URI or key=value). */
int auditstore_pg_uri_ok(const char *uri);

/* The text of --period: HH_EUSAGE unless it is YYYYMM. */
hh_status auditstore_parse_period(const char *text, int *period, hh_err *err);

/* An empty table with the given header (copied); NULL on no memory. */
rr_table *auditstore_table_new(const char *const *header, size_t ncols);

/* Appends a row of t->ncols cells (copied) that started at line of its
 * file (0: none); -1 on no memory (t is unchanged). */
int auditstore_table_add(rr_table *t, const char *const *cells, uint64_t line);

/* Adds the names (from) of the n anchors a log matched to out->anchors. */
void auditstore_anchors_named(auditstore_verdict *out, const auditrec_anchor *a, size_t n);

/* Copies what the seals showed into out (legacy, sealed, unchecked). */
void auditstore_seals_said(auditstore_verdict *out, const auditrec_seals *s);

/* The column `by` filters on. */
const char *auditstore_by_column(auditstore_by by);

#endif
