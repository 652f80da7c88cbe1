/*
 * auditlog.h - the append-only, hash-chained log of audit queries.
 *
 * One record per line, one JSON object:
 *
 *   {"seq":N,<members>,"prev_sha256":"P","sha256":"S"}
 *
 *   seq          1-based position of the record in the log
 *   <members>    what the caller logs (time, operator, purpose, query,
 *                pids), already JSON
 *   prev_sha256  SHA-256 (hex) of the previous line's bytes (without its
 *                line end); 64 zeros for the first record
 *   sha256       SHA-256 of this line's bytes from '{' up to and
 *                including the closing quote of prev_sha256, i.e. the
 *                record without its own sha256 member
 *
 * Editing any byte of a record breaks its sha256 (or, if the editor also
 * recomputed it, the next record's prev_sha256); removing or reordering
 * records breaks a prev_sha256 and a seq.  auditlog_verify names the
 * first broken record.  What a chain alone cannot show is the removal of
 * the LAST records: verify reports the head (the last line's SHA-256) so
 * it can be kept elsewhere (a ticket, the next run's notes) and compared.
 *
 * Appending takes an exclusive flock on the log for reading the last line
 * and writing the new one; the record goes out in one write() on an
 * O_APPEND descriptor and is fsync'ed before the call returns.  The file
 * is created mode 0600.
 */
#ifndef HH_AUDITLOG_H
#define HH_AUDITLOG_H

#include "base/hh_error.h"

/* Appends a record with members (JSON object members, no braces, no
 * newline).  Refuses (HH_EINPUT) when the log's last line is not a
 * complete record: the chain would continue from damage; verify first.
 * *seq gets the new record's seq when seq is not NULL. */
hh_status auditlog_append(const char *path, const char *members, unsigned long *seq,
			  hh_err *err);

typedef struct {
	unsigned long records;   /* complete records read */
	unsigned long broken;    /* 0: intact; else 1-based line of the first broken record */
	char why[256];           /* what is wrong with it */
	char head[65];           /* SHA-256 of the last line ("" when empty) */
} auditlog_check;

/* Verifies the whole chain.  A missing log is HH_EINPUT; a broken chain is
 * HH_OK with out->broken set. */
hh_status auditlog_verify(const char *path, auditlog_check *out, hh_err *err);

#endif
