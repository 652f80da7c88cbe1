/*
 * editdist.h - edit distance between two short names, for "did you mean"
 * suggestions: a mistyped command-line option (commands/opts.c) or rules
 * key (domain/rules.c) is matched against the known names with it.
 *
 * Pure function, thread-safe; no allocation.
 */
#ifndef HH_EDITDIST_H
#define HH_EDITDIST_H

#include <stddef.h>

/* The longest name editdist compares, in bytes. */
#define EDITDIST_MAX 63

/* Levenshtein distance (insertions, deletions, substitutions, each 1) of
 * a[0..la) and b[0..lb); la and lb must be at most EDITDIST_MAX (callers
 * decide whether to cut a longer name or not compare it). */
size_t editdist(const char *a, size_t la, const char *b, size_t lb);

#endif
