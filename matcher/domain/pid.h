/*
 * pid.h - keyed pseudonyms: pid = HMAC-SHA256(key, normalised ID).
 *
 * A pid_key holds the key's HMAC inner and outer SHA-256 states, prepared
 * once, so pid_compute costs two SHA-256 compressions per ID and no
 * allocation: it runs tens of millions of times a month.
 *
 * Key files hold 64 hex characters (32 bytes) and an optional trailing
 * newline.  pid_key_load refuses a file that group or others can read,
 * and says how to fix it (chmod 600).  key_id is the first 8 hex
 * characters of SHA-256 of the raw key bytes; it goes into every output
 * so a run can be matched with the key that made it.
 *
 * The key bytes never leave this module; nothing here logs.
 *
 * Lifetime: pid_key_load / pid_key_new / pid_key_free (NULL is a no-op).
 * Thread safety: a loaded key is immutable; pid_compute may be called from
 * any number of threads at once.
 */
#ifndef HH_PID_H
#define HH_PID_H

#include <stddef.h>
#include <stdint.h>

#include "base/hh_error.h"

#define PID_BYTES 32
#define PID_HEX 64

typedef struct pid_key pid_key;

/* Writes 32 random bytes (RAND_bytes) as 64 hex characters and a newline
 * to path, created with mode 0600; refuses to overwrite an existing file
 * (HH_EUSAGE) and does not follow a symbolic link at path.  Other
 * failures are HH_EINTERNAL, and leave no file behind. */
hh_status pid_keygen(const char *path, hh_err *err);

/* Loads and prepares a key file; *out is NULL on failure.  Errors (all
 * HH_EINPUT): unreadable, not a regular file, wrong length or characters
 * (64 hex characters, then optionally "\n" or "\r\n", nothing else),
 * readable by group or others (the message says to run chmod 600).
 * Messages name the file, never its contents. */
hh_status pid_key_load(const char *path, pid_key **out, hh_err *err);

/* A key from raw bytes of any length (HMAC rules: longer than 64 bytes is
 * hashed first).  Used by tests (RFC 4231 vectors).  NULL on no memory. */
pid_key *pid_key_new(const uint8_t *key, size_t len);

void pid_key_free(pid_key *k);

/* "1a2b3c4d": first 8 hex of SHA-256 of the raw key bytes. */
const char *pid_key_id(const pid_key *k);

/* HMAC-SHA256 of any message (tests, and names' digests). */
void pid_hmac(const pid_key *k, const void *msg, size_t len,
	      uint8_t out[PID_BYTES]);

/* The pid of a normalised 18-character ID number. */
void pid_compute(const pid_key *k, const char id18[18],
		 uint8_t out[PID_BYTES]);

/* The keyed digest of a name (as schema_parse_row leaves it): the first
 * 8 bytes of HMAC-SHA256 under k of a fixed label and the name, never 0.
 * hhmatch pseudonymize writes it as name_key (16 hex characters) for a
 * row whose ID fails; a run computes it for every roster row and compares
 * the two, so both call this and cannot drift.  Without the key it says
 * nothing about the name. */
#define NAME_KEY_HEX 16
uint64_t pid_name_key(const pid_key *k, const char *name, size_t len);

/* Lower-case hex, NUL-terminated. */
void pid_to_hex(const uint8_t pid[PID_BYTES], char out[PID_HEX + 1]);

/* Parses exactly 64 hex characters (either case accepted); 0 on success,
 * -1 when s is not a pid. */
int pid_from_hex(const char *s, size_t len, uint8_t out[PID_BYTES]);

#endif
