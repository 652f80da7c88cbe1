/*
 * manifest.h - a run folder's manifest: what the run read and wrote, by
 * SHA-256, optionally signed; and the check of a folder against it.
 *
 * manifest.json (HJ_PRETTY, members in this order):
 *   manifest_version   1
 *   hhmatch_version, period, key_id, rules_sha256, rules
 *                      as the folder's report.json records them
 *   inputs             one object per source, in report.json's order:
 *                      source, file (and file_hex when the name is not
 *                      UTF-8), sha256, rows_read, rows_accepted,
 *                      rows_rejected; or source and absent: true
 *   outputs            one object per file of the folder except
 *                      manifest.json and manifest.sig, sorted by name
 *                      (bytewise): name, bytes, sha256
 * manifest.sig (with a signing key; HJ_PRETTY): algorithm "ed25519",
 * key_fingerprint (base/sign.h), signature (128 lower-case hex characters:
 * the 64-byte Ed25519 signature of manifest.json's exact bytes).
 *
 * The same folder gives the same manifest.json bytes, so a rerun on the
 * same inputs can be compared by its manifest alone (report.json holds
 * timings, so in practice its hash differs from run to run).
 *
 * Thread safety: none needed; each call works on its own folder.
 */
#ifndef HH_MANIFEST_H
#define HH_MANIFEST_H

#include <stddef.h>

#include "base/hh_error.h"
#include "base/sign.h"
#include "base/strbuf.h"

#define MANIFEST_JSON "manifest.json"
#define MANIFEST_SIG "manifest.sig"

/* Appends the manifest.json text of the run folder dir (which must hold
 * report.json) to out.  A folder entry that is not a regular file, or
 * report.json missing or not hhmatch's, is HH_EINTERNAL (the run's own
 * folder: a bug or the disk); out is then incomplete. */
hh_status manifest_build(const char *dir, strbuf *out, hh_err *err);

/* Writes dir/manifest.json and, when key is not NULL (a private key),
 * dir/manifest.sig.  Call it after every other file of the run is in
 * dir: a file added later is "extra" to manifest_verify. */
hh_status manifest_write(const char *dir, const sign_key *key, hh_err *err);

/* Called once per difference found, with a message naming the file. */
typedef void (*manifest_problem_fn)(void *ctx, const char *msg);

/* Checks the folder dir against its manifest.json: every output listed
 * must be there with the same SHA-256, and nothing else may be (but
 * manifest.json and manifest.sig).  With pubkey (not NULL), manifest.sig
 * must be there and hold a valid signature of manifest.json under it.
 * Every difference goes to fn and counts in *problems; the check goes on
 * after one, so all are named.  Returns HH_EINPUT, with nothing counted,
 * when dir has no readable manifest.json or it is not a manifest. */
hh_status manifest_verify(const char *dir, const sign_key *pubkey, manifest_problem_fn fn,
			  void *ctx, size_t *problems, hh_err *err);

#endif
