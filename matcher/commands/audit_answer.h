/*
 * audit_answer.h - the answer of an `hhmatch audit` query, built in
 * memory before anything is printed (the query is logged first), and its
 * two renderings.
 *
 * An answer is facts (key: value lines), warnings, and titled sections of
 * rows under named columns; it also collects the pids it shows, which
 * the audit record lists.  Every string added is copied.  Running out of
 * memory sets oom and drops what was being added; the caller checks oom
 * once, before logging.
 *
 * Renderings:
 *   text  facts aligned on their keys, then "warning: ..." lines, then
 *         each section as "title (n)" and an aligned table (display
 *         width aware: East Asian characters take two columns)
 *   JSON  {"query":Q,
 *         "facts":{...},
 *         "warnings":[...],
 *         "sections":{
 *         "title":[
 *           {column: value, ...}, ...]}}
 *         one document, broken into lines exactly there; every value a
 *         string, escaped by jansson (text that is not UTF-8 has its
 *         stray bytes shown as U+FFFD).
 *
 * Lifetime: answer_free releases everything (the struct is the
 * caller's).  Thread safety: one owner at a time.
 */
#ifndef HH_AUDIT_ANSWER_H
#define HH_AUDIT_ANSWER_H

#include <stdio.h>

#include "base/hh_error.h"

#define ANSWER_MAX_FACTS 32
#define ANSWER_MAX_WARNINGS 16
#define ANSWER_MAX_SECTIONS 12
#define ANSWER_MAX_COLS 12

typedef struct {
	const char *title;         /* static text */
	char colbuf[256];          /* the column names, NUL-separated */
	int ncols;
	const char *cols[ANSWER_MAX_COLS];
	char ***rows;
	size_t n, cap;
} answer_section;

typedef struct {
	char *facts[ANSWER_MAX_FACTS][2];
	int nfacts;
	char *warnings[ANSWER_MAX_WARNINGS];
	int nwarnings;
	answer_section sec[ANSWER_MAX_SECTIONS];
	int nsec;
	char **pids;               /* the pids shown, each once */
	size_t npids, cappids;
	int oom;
} answer;

/* A fact "key: value" (the value formatted, at most 1023 bytes); facts
 * past ANSWER_MAX_FACTS are dropped. */
void answer_fact(answer *a, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A warning (at most 1023 bytes; past ANSWER_MAX_WARNINGS dropped). */
void answer_warn(answer *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A new section titled title (static text) with the comma-separated
 * column names cols (at most ANSWER_MAX_COLS, 255 bytes).  Never NULL: a
 * section past ANSWER_MAX_SECTIONS replaces the last one and sets oom. */
answer_section *answer_section_new(answer *a, const char *title, const char *cols);

/* Adds a row of s->ncols strings (const char *) to s. */
void answer_row(answer *a, answer_section *s, ...);

/* Notes a pid the answer shows ("" and repeats are ignored). */
void answer_pid(answer *a, const char *pid);

void answer_free(answer *a);

/* The answer as text on f. */
void answer_print_text(const answer *a, FILE *f);

/* The answer as CSV blocks on f (RFC 4180, quoted where needed): the
 * facts (section,fact,value), the warnings (section,warning) and each
 * section (section, then its columns), a blank line between two blocks,
 * every row starting with the block's name so a spreadsheet can filter
 * them apart. */
void answer_print_csv(const answer *a, FILE *f);

/* The answer as one JSON document on f; query is the query object's text
 * (already JSON).  HH_EINTERNAL when out of memory. */
hh_status answer_print_json(const answer *a, const char *query, FILE *f, hh_err *err);

#endif
