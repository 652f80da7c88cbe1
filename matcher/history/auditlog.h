/*
 * auditlog.h - the audit log as a file: append-only, one record per line,
 * each record chained to the one before it by SHA-256.
 *
 * The record and its chain are auditrec.h's (the same bytes as the
 * PostgreSQL store's table hhmatch.audit_log); this module keeps them in
 * a file.  Editing any byte of a record breaks its sha256 (or, if the
 * editor also recomputed it, the next record's prev_sha256); removing or
 * reordering records breaks a prev_sha256 and a seq; and since every
 * record carries a mac under the audit key (auditrec.h), nobody without
 * the key can recompute the chain after a change.  auditlog_verify
 * names the first broken record.  What a chain alone cannot show is the
 * removal of the LAST records (or of all of them): so every append also
 * writes the log's head (record count and the last line's SHA-256) to an
 * anchor file beside it (auditlog_anchor_path: STATE/audit.log's is
 * STATE/audit.head), and verify checks the anchors it is given: the
 * anchor file's, an auditor's note (--expect-head), the store's table.
 *
 * Appending takes an exclusive flock on the log for reading the last line
 * and writing the new one; the record goes out on an O_APPEND descriptor
 * and is fsync'ed before the call returns, so processes appending at once
 * form one chain.  An append is all or nothing: a failed or short write
 * (a full disk), or an anchor that cannot be written, truncates the log
 * back to its length before the call (ftruncate, fsync), so the log never
 * ends in half a record that hhmatch wrote.  A log that does end in one
 * (a crash or power loss during a write, or an older hhmatch on a full
 * disk: a "torn tail") is repaired by the next append, under the lock,
 * when the head anchor shows that no complete record was lost with it:
 * the incomplete bytes are removed and a record with purpose "repair: an
 * incomplete record at the end of the log was removed" and query
 * {"command":"repair","after_seq":N,"torn_bytes":K,"torn_sha256":H}
 * comes before the new record.  The file is created with
 * the mode the umask gives (shared with auditors like the rest of the
 * state).  Verifying takes a shared flock.
 *
 * Thread safety: the functions keep no state; the flock serialises
 * appenders (threads included, each call opening its own descriptor).
 */
#ifndef HH_AUDITLOG_H
#define HH_AUDITLOG_H

#include "base/hh_error.h"

#include "history/auditrec.h"

/* Appends a record with members (auditrec_members' text: JSON object
 * members, no braces, no newline), sealed under key (the audit key, not
 * NULL), then replaces the anchor file
 * (auditlog_anchor_path) with the new head "N:HASH\n", written to a
 * temporary file (the anchor's name + ".tmp") and renamed, still under
 * the log's lock.  A torn tail is repaired first (above).  Refuses
 * (HH_EINPUT) when the log's last complete line is not a record, or when
 * it ends in an incomplete one and the anchor names a later record than
 * the last complete one, or the same seq with another hash (records were
 * cut or changed: the message says to run verify-log, keep the log, and
 * start a new one).  Refuses (HH_EUSAGE) when the last record is sealed
 * under another audit key.  *head (may be NULL) gets the new head
 * (records = the new record's seq, from = NULL).  On any failure after
 * the write began the log is truncated back (HH_EINTERNAL, "nothing was
 * appended to audit log PATH: cannot write PATH: No space left on
 * device"). */
hh_status auditlog_append(const char *path, const char *members, const pid_key *key,
			  auditrec_anchor *head, hh_err *err);

/* Removes the anchor's temporary file that an append killed while it
 * wrote it left beside the log at path, under the log's lock, calling
 * said(its path, ctx) (may be NULL) when it was there. */
hh_status auditlog_tidy(const char *path, void (*said)(const char *path, void *ctx),
			void *ctx, hh_err *err);

/* The anchor file of the log at path: its name with a final ".log"
 * replaced by ".head", else with ".head" added; into buf.  -1 when it
 * does not fit. */
int auditlog_anchor_path(const char *path, char *buf, size_t cap);

/* Reads the anchor file of the log at path into *out (from = NULL) and
 * sets *found; a missing anchor file is HH_OK with *found = 0, one that
 * does not hold "N:HASH" is HH_EINPUT naming it. */
hh_status auditlog_anchor_read(const char *path, auditrec_anchor *out, int *found,
			       hh_err *err);

/* What auditlog_verify found (also the shape of the store's verdict on
 * its table, auditstore.h). */
typedef struct {
	unsigned long records;   /* intact records read */
	unsigned long broken;    /* 0: intact; else 1-based line of the first broken record */
	char why[256];           /* what is wrong with it */
	char head[65];           /* SHA-256 of the last line ("" when empty) */
} auditlog_check;

/* Verifies the whole chain, every record's seal (auditrec_seal_check:
 * seals says with which key and gets what was seen), and the n head anchors (may be 0) against
 * it: a record that differs from an anchor, or records missing at the
 * end, break the log there (auditrec_anchor_verdict).  A missing log is
 * HH_EINPUT; a broken chain is HH_OK with out->broken set. */
hh_status auditlog_verify(const char *path, auditrec_seals *seals, auditrec_anchor *anchors,
			  size_t n, auditlog_check *out, hh_err *err);

#endif
