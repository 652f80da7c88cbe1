/*
 * delimhint.h - "did you mean another delimiter?" for a header that lacks
 * a required column.
 *
 * A ';'-separated file named .csv is read on ',' and its whole header
 * becomes one field, so the run says "required column 'id_number' is
 * missing" while the header visibly holds it.  When the header, split on
 * ';', '|', a tab or ',' instead (whichever the reader did not use), maps
 * to the source's columns, the caller adds a hint naming that delimiter
 * and the option that says it (run --delimiter SOURCE=C, pseudonymize
 * --delimiter C).  The header is rejoined from the fields the reader
 * split, so a quoted header field holding the delimiter is seen unquoted:
 * a header is names, so that is fine for a hint.
 *
 * Pure function; thread-safe.
 */
#ifndef HH_DELIMHINT_H
#define HH_DELIMHINT_H

#include "base/record.h"
#include "domain/schema.h"

/* The delimiter (other than used) that makes hdr a header of src, or 0
 * when none does (or src or hdr is NULL, or the header is over 16 KiB). */
char delimhint_find(const schema_source *src, const hh_record *hdr, char used);

/* How a delimiter is written in a message or on a command line: "tab" for
 * '\t', else the character itself (buf needs 4 bytes). */
const char *delimhint_name(char d, char buf[4]);

#endif
