/*
 * audit_int.h - inside `hhmatch audit`: what its files share.
 *
 *   cmd_audit.c     the command line, the order of work, the log record
 *   audit_query.c   the three queries (household, person, findings)
 *   audit_scan.c    re-reading the run's source files for rows of a person
 *   audit_answer.c  the answer and its text and JSON renderings
 *
 * A query reads the store (history/auditstore.h) and fills the answer;
 * it never asks which store it has.  The query members it adds to
 * c->query (the household, pid or code asked about) go into the audit
 * record and the JSON answer.
 *
 * Thread safety: one query, one thread.
 */
#ifndef HH_AUDIT_INT_H
#define HH_AUDIT_INT_H

#include <stdint.h>

#include "base/json.h"
#include "base/record.h"
#include "commands/audit_answer.h"
#include "domain/pid.h"
#include "domain/schema.h"
#include "domain/sources.h"
#include "history/auditstore.h"

typedef struct {
	const char *sub, *operator_, *purpose, *key;
	const char *id, *pid, *household, *code, *region;
	const char *expect_head;      /* verify-log --expect-head N:SHA256 */
	const char *audit_key;        /* --audit-key FILE, or NULL (then $HHMATCH_AUDIT_KEY) */
	auditstore_where where;
	int json;                     /* --json, --format json */
	int csv;                      /* --format csv */
} audit_opts;

typedef struct {
	const audit_opts *o;
	auditstore *store;
	const auditstore_info *info;  /* the store's */
	pid_key *key;                 /* --key, or NULL */
	pid_key *audit_key;           /* seals the record (never NULL once loaded) */
	schema *sc;
	answer *a;
	json_t *query;                /* the query's members */
} audit_ctx;

hh_status audit_household(audit_ctx *c, hh_err *err);
hh_status audit_person(audit_ctx *c, hh_err *err);
hh_status audit_findings(audit_ctx *c, hh_err *err);

/* One valid row of a re-read source, with its pid. */
typedef struct {
	source_id sid;
	const char *file;
	uint64_t line;
	const char *pid;          /* hex */
	const schema_map *map;
	const hh_record *rec;
	const schema_row *row;
} audit_src_row;

typedef void (*audit_row_fn)(audit_ctx *c, const audit_src_row *r, void *ctx);

/* Re-reads source sid of the run (c->info->sources, which must not be
 * NULL); fn sees each valid row.  Returns 0 when the source is absent or
 * could not be read (a warning says why), -1 when it carries raw IDs and
 * there is no key, 1 otherwise. */
int audit_scan_source(audit_ctx *c, source_id sid, audit_row_fn fn, void *ctx);

/* The row's values as "column=value ..." into buf, without the identity,
 * name, birth_date and sex columns; enumerations by their English code. */
void audit_row_values(const audit_src_row *r, char *buf, size_t cap);

/* The row's line number as text. */
void audit_row_line(const audit_src_row *r, char buf[24]);

#endif
