/*
 * auditrec.h - one record of the audit log, built and checked in one
 * place for both logs (the file of auditlog.h and the table
 * hhmatch.audit_log of the PostgreSQL store).
 *
 * A record is one line of JSON:
 *
 *   {"seq":N,"time":T,"os_user":U,["db_user":D,]["operator":O,]"purpose":P,
 *    "query":Q,"pids":[..],"audit_key_id":K,"mac":"<64 hex>",
 *    "prev_sha256":"<64 hex>","sha256":"<64 hex>"}
 *
 *   seq          1-based position of the record in its log (the table's id)
 *   time         "YYYY-MM-DDTHH:MM:SSZ"
 *   os_user      the account the process ran as (getpwuid(geteuid()), or
 *                "uid N"): always there, whatever the operator says
 *   db_user      the PostgreSQL session_user, in records appended over the
 *                store (--pg); absent otherwise
 *   operator     the name given with --operator, beside the accounts (it
 *                cannot replace them); absent when none was given
 *   purpose      string
 *   query        a JSON object, copied as given ({"command":...})
 *   pids         the pids the answer returned, hex strings
 *   audit_key_id the first 8 hex of SHA-256 of the audit key (pid_key_id
 *                of the key file given with --audit-key): which key the
 *                mac is under
 *   mac          HMAC-SHA256 (hex) under the audit key of the record's
 *                "text" below with the member ,"mac":"<64 hex>" left out:
 *                  {"seq":N,<members>,"audit_key_id":K,"prev_sha256":"<prev>"
 *                Since it covers seq and prev_sha256, which chain back to
 *                the first record, a mac vouches for every record before
 *                it too; without the key nobody can write a record, or
 *                recompute the chain after a change, that verifies.
 *   prev_sha256  SHA-256 (hex) of the previous record's line (without its
 *                line end); 64 zeros for the first record
 *   sha256       SHA-256 of the record's text from '{' up to and including
 *                the closing quote of prev_sha256 (the "text" below)
 *
 * The strings are written as this format always wrote them: '"', '\\' and
 * newline escaped as \" \\ \n, other bytes below 0x20 as \u00xx (lower-case
 * hex), every other byte as it is.  The escaping is part of what the
 * hashes cover, and the PostgreSQL store rebuilds a record's bytes from
 * its columns whenever it verifies, so it is fixed here rather than left
 * to a JSON library whose escaping could change with its version.
 *
 * The audit key is a key file of `hhmatch keygen` (pid.h's format and its
 * 0600 rule), separate from the run's pseudonymisation key: an auditor
 * verifies the log with it and never holds the key that, with the ID
 * space, re-identifies persons.  Records written before macs existed
 * ("legacy") end their members with "pids":[..] and are told apart by
 * that shape; auditrec_seal_check accepts them only before the first
 * authenticated record.
 *
 * Records written before os_user existed carry "operator":O where os_user
 * is now, and no db_user; they are rebuilt in that shape (os_user NULL)
 * so that old logs and tables keep verifying.
 *
 * What may go into a record: nothing shaped like an ID number
 * (auditrec_id_shaped), because a chained log can never be cleaned.
 *
 * Thread safety: pure functions; strbufs belong to their caller.
 */
#ifndef HH_AUDITREC_H
#define HH_AUDITREC_H

#include <stddef.h>

#include "base/strbuf.h"
#include "domain/pid.h"

/* The prev_sha256 of the first record. */
extern const char auditrec_zeros[65];

/* One record's content.  All strings NUL-terminated; pids may be NULL
 * when npids is 0.  db_user and operator_ may be NULL (member left out);
 * os_user NULL means a record of the old shape, whose operator_ must not
 * be NULL. */
typedef struct {
	const char *time, *os_user, *db_user, *operator_, *purpose, *query;
	const char *const *pids;
	size_t npids;
} auditrec;

/* Appends the record's members, without braces:
 *   "time":..,"os_user":..,["db_user":..,]["operator":..,]"purpose":..,
 *   "query":<query>,"pids":[..]
 * (the old shape: "time":..,"operator":..,"purpose":..,...). */
void auditrec_members(strbuf *out, const auditrec *r);

/* 1 when the string s holds something shaped like an ID number
 * (domain/idnum.h, idnum_shaped). */
int auditrec_id_shaped(const char *s);

/* The account the process runs as, for os_user: the name of
 * getpwuid(geteuid()), or "uid N" when the uid has no name; into buf.
 * NULL with errno set when the lookup fails (out of memory, the user
 * database unreachable): the record must not be written then. */
const char *auditrec_os_user(char *buf, size_t cap);

/* The environment variable that names the audit key file when no
 * --audit-key is given (a scheduler sets it once). */
#define AUDITREC_KEY_ENV "HHMATCH_AUDIT_KEY"

/* What a command says when it must append and has no audit key. */
#define AUDITREC_KEY_NEEDED                                                    \
	"the audit log is authenticated: give --audit-key FILE (or set "       \
	AUDITREC_KEY_ENV "=FILE), the audit key from hhmatch keygen that "     \
	"the log's records are sealed with (not the run's key)"

/* Loads the audit key: the file given (--audit-key), else the file
 * AUDITREC_KEY_ENV names, else none (*out NULL, HH_OK: the caller
 * decides whether it needs one).  Errors are pid_key_load's (a key file
 * group or others can read is refused), the message naming where the
 * file name came from. */
hh_status auditrec_key_load(const char *given, pid_key **out, hh_err *err);

/* A record's authentication: the audit key's id and the mac. */
typedef struct {
	char key_id[9];
	char mac[65];
} auditrec_seal;

/* The seal of the record with this seq, members and prev under key
 * (the mac of the text described above).  -1 on no memory. */
int auditrec_seal_make(const pid_key *key, unsigned long seq, const char *members,
		       size_t len, const char *prev, auditrec_seal *out);

/* Appends the text a record's sha256 covers,
 *   {"seq":<seq>,<members>[,"audit_key_id":K,"mac":M],"prev_sha256":"<prev>"
 * (the seal's members when seal is not NULL: NULL rebuilds a legacy
 * record) and sets own to its SHA-256.  -1 when out ran out of memory or
 * the digest failed (own is then ""). */
int auditrec_text(strbuf *out, unsigned long seq, const char *members, size_t len,
		  const auditrec_seal *seal, const char *prev, char own[65]);

/* Appends the end of the record after its text: ,"sha256":"<sha256>"}
 * (no line end). */
void auditrec_close(strbuf *out, const char *sha256);

/* A line of a log file (without its '\n') taken apart by its shape: the
 * last 158 bytes are always ,"prev_sha256":"<64 hex>","sha256":"<64 hex>"}
 * so no JSON parser, and no member value that happens to hold the same
 * text, is involved. */
typedef struct {
	unsigned long seq;
	const char *prev;    /* the 64 hex of prev_sha256, inside the line */
	const char *own;     /* the 64 hex of sha256, inside the line */
	size_t text_len;     /* length of the text sha256 covers */
	const char *key_id;  /* the 8 hex of audit_key_id, inside the line; NULL
				for a legacy record (no seal) */
	const char *mac;     /* the 64 hex of mac, inside the line, or NULL */
} auditrec_parts;

/* NULL when line[0..len) has the shape of a record (*out filled), else
 * what is wrong with it. */
const char *auditrec_parse(const char *line, size_t len, auditrec_parts *out);

/* The chain's verdict on a record, the same words for every log: NULL
 * when own (its sha256 as stored) equals computed (the SHA-256 of its
 * text) and prev (its prev_sha256 as stored) equals expected (the hash
 * of the record before it, or auditrec_zeros for the first, first = 1);
 * else what is wrong, and *link (may be NULL) is 1 when the record
 * itself is intact but does not follow the one before it.  Checking seq
 * is left to the caller, which knows whether it is a seq or a table id. */
const char *auditrec_check(const char *own, const char *computed, const char *prev,
			   const char *expected, int first, int *link);

/* What a verifier learnt of the seals so far; zero it, set key (NULL:
 * macs cannot be checked), then call auditrec_seal_check on every record
 * whose chain is intact, in order. */
typedef struct {
	const pid_key *key;
	unsigned long legacy;    /* records without a seal, all before ... */
	unsigned long sealed;    /* ... the records with one */
	int unchecked;           /* 1: sealed records were seen without a key */
} auditrec_seals;

/* The seal's verdict on a record whose chain is intact (line[0..len) its
 * whole line, p its parts): NULL when the record is legacy and no sealed
 * record came before it, or is sealed and its mac is the mac of its text
 * under s->key (or s->key is NULL: then s->unchecked is set); else what
 * is wrong, in why (cap bytes), which is returned.  A legacy record
 * after a sealed one is a downgrade: written, or rewritten, by someone
 * without the key. */
const char *auditrec_seal_check(auditrec_seals *s, const char *line,
				const auditrec_parts *p, char *why, size_t cap);

/* A head anchor: what a log held when the anchor was taken, kept outside
 * it (STATE/audit.head, the table hhmatch.audit_head, an auditor's notes
 * given as --expect-head N:HASH), so that removing records from the end,
 * or emptying the log, is seen.  A chain alone cannot show that: what is
 * left of it is intact. */
typedef struct {
	unsigned long records;  /* the log held this many records ... */
	char sha256[65];        /* ... the last one's line hashing to this ("" for 0) */
	const char *from;       /* where the anchor was kept, for messages */
	int state;              /* set by auditrec_anchor_see: 1 matched, -1 differed */
} auditrec_anchor;

/* Parses "N:HASH" (HASH 64 lower-case hex; "0:" for an empty log) into
 * out (from untouched, state 0).  -1 when text has another shape. */
int auditrec_anchor_parse(const char *text, auditrec_anchor *out);

/* Formats the anchor as "N:HASH" (N up to 20 digits) into buf. */
void auditrec_anchor_format(const auditrec_anchor *a, char buf[96]);

/* Called by a verifier for each intact record k (1-based) with the
 * SHA-256 of its line: marks the anchors taken at k. */
void auditrec_anchor_see(auditrec_anchor *a, size_t n, unsigned long k,
			 const char line_hash[65]);

/* After a verifier read an intact chain of `records` records: 0 when
 * every anchor matched a record (an anchor of 0 records always does),
 * else -1 with why (cap bytes) saying what is wrong and *bad the first
 * record that is not as the anchor says (the missing record past the
 * end when records were removed). */
int auditrec_anchor_verdict(const auditrec_anchor *a, size_t n, unsigned long records,
			    char *why, size_t cap, unsigned long *bad);

#endif
