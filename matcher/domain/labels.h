/*
 * labels.h - what a person reads for a code: the Chinese and English
 * labels of rule reasons, findings, risk levels, alert kinds, reject
 * reasons and output columns (schemas/labels.schema, embedded at build
 * time), and of the enumerations of schemas/sources.schema (category,
 * relation, ...: their first Chinese label, and the code in English).
 *
 * The CSV outputs keep the codes (the contract's bytes); report.html,
 * caseworkers.xlsx, the alerts' text and audit answers show labels.
 *
 * Lifetime: labels_new / labels_free (NULL is a no-op); every string
 * returned lives as long as the labels.  Immutable after labels_new, so
 * threads may share one.
 */
#ifndef HH_LABELS_H
#define HH_LABELS_H

#include "base/hh_error.h"
#include "base/strbuf.h"

typedef enum { LANG_ZH, LANG_EN } hh_lang;

/* "zh" or "en" (also "zh-CN", "chinese", "english"): 0, else -1. */
int labels_lang_parse(const char *s, hh_lang *out);

typedef struct labels labels;

/* Parses the embedded labels.schema and the sources schema's
 * enumerations. */
hh_status labels_new(labels **out, hh_err *err);

/* Parses TEXT (labels.schema's format; ORIGIN names it in errors) with
 * no enumerations: for tests. */
hh_status labels_parse(const char *text, const char *origin, labels **out, hh_err *err);

void labels_free(labels *l);

/* The label of CODE in GROUP ("reason", "finding", "level", "kind",
 * "reject", "column", or an enumeration's name: "category", "relation",
 * "stage", ...) in LANG, or NULL when the group or code is unknown. */
const char *labels_get(const labels *l, const char *group, const char *code, hh_lang lang);

/* As labels_get, but CODE itself when it has no label: never NULL, so a
 * code added to the engine and not yet to labels.schema still shows. */
const char *labels_text(const labels *l, const char *group, const char *code, hh_lang lang);

/* Appends to out the labels of the ';'-joined CODES (households.csv's
 * reasons: "R_INCOME;R_CARE") in GROUP, each as labels_text gives it,
 * joined by SEP; nothing for "".  out's sticky oom says if it failed. */
void labels_join(const labels *l, const char *group, const char *codes, const char *sep,
		 hh_lang lang, strbuf *out);

#endif
