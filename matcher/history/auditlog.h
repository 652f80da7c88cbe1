/*
 * auditlog.h - the audit log as a file: append-only, one record per line,
 * each record chained to the one before it by SHA-256.
 *
 * The record and its chain are auditrec.h's (the same bytes as the
 * PostgreSQL store's table hhmatch.audit_log); this module keeps them in
 * a file.  Editing any byte of a record breaks its sha256 (or, if the
 * editor also recomputed it, the next record's prev_sha256); removing or
 * reordering records breaks a prev_sha256 and a seq.  auditlog_verify
 * names the first broken record.  What a chain alone cannot show is the
 * removal of the LAST records: verify reports the head (the last line's
 * SHA-256) so it can be kept elsewhere (a ticket, the next run's notes)
 * and compared.
 *
 * Appending takes an exclusive flock on the log for reading the last line
 * and writing the new one; the record goes out in one write() on an
 * O_APPEND descriptor and is fsync'ed before the call returns, so
 * processes appending at once form one chain.  The file is created with
 * the mode the umask gives (shared with auditors like the rest of the
 * state).  Verifying takes a shared flock.
 *
 * Thread safety: the functions keep no state; the flock serialises
 * appenders (threads included, each call opening its own descriptor).
 */
#ifndef HH_AUDITLOG_H
#define HH_AUDITLOG_H

#include "base/hh_error.h"

/* Appends a record with members (auditrec_members' text: JSON object
 * members, no braces, no newline).  Refuses (HH_EINPUT) when the log's
 * last line is not a complete record: the chain would continue from
 * damage; verify first.  *seq gets the new record's seq when seq is not
 * NULL. */
hh_status auditlog_append(const char *path, const char *members, unsigned long *seq,
			  hh_err *err);

/* What auditlog_verify found (also the shape of the store's verdict on
 * its table, auditstore.h). */
typedef struct {
	unsigned long records;   /* intact records read */
	unsigned long broken;    /* 0: intact; else 1-based line of the first broken record */
	char why[256];           /* what is wrong with it */
	char head[65];           /* SHA-256 of the last line ("" when empty) */
} auditlog_check;

/* Verifies the whole chain.  A missing log is HH_EINPUT; a broken chain is
 * HH_OK with out->broken set. */
hh_status auditlog_verify(const char *path, auditlog_check *out, hh_err *err);

#endif
