/*
 * sign.h - Ed25519 signatures through OpenSSL (EVP): key files, signing,
 * checking.  Used for run manifests (history/manifest.h): a run signs its
 * manifest.json with a private key, and `hhmatch verify --pubkey` checks
 * it with the public key.
 *
 * Key files are PEM, as OpenSSL writes them (`openssl pkey` reads them):
 * the private key PKCS#8 ("BEGIN PRIVATE KEY"), the public key
 * SubjectPublicKeyInfo ("BEGIN PUBLIC KEY").  A private key file readable
 * by group or others is refused, as pid.c refuses such an HMAC key.
 *
 * A key's fingerprint is the first 16 hex characters of SHA-256 of the
 * raw 32-byte public key; it names a key pair in messages and in
 * manifest.sig.  Nothing here ever prints or returns private key bytes.
 *
 * Lifetime: sign_key_* loaders / sign_key_free (NULL is a no-op).  A
 * loaded key is immutable and may be shared by threads (EVP_PKEY is
 * reference-counted and read-only here; each call makes its own context).
 */
#ifndef HH_SIGN_H
#define HH_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "base/hh_error.h"

#define SIGN_BYTES 64     /* an Ed25519 signature */
#define SIGN_RAW_BYTES 32 /* an Ed25519 seed (private) or public key */
#define SIGN_FPR_HEX 16   /* fingerprint length in hex characters */

typedef struct sign_key sign_key;

/* Writes a new key pair: the private key at path (mode 0600) and the
 * public key at path".pub" (mode 0644).  Neither file may exist (refused
 * with HH_EUSAGE, nothing written); on any failure no file is left.
 * fpr receives the fingerprint (SIGN_FPR_HEX characters and a NUL). */
hh_status sign_keygen(const char *path, char fpr[SIGN_FPR_HEX + 1], hh_err *err);

/* Loads a private key file (HH_EINPUT when missing, unreadable, readable
 * by group or others, or not an Ed25519 private key). */
hh_status sign_key_load_private(const char *path, sign_key **out, hh_err *err);

/* Loads a public key file (a private key file is accepted too: its
 * public half is used). */
hh_status sign_key_load_public(const char *path, sign_key **out, hh_err *err);

/* Keys from raw bytes (RFC 8032 test vectors): a 32-byte seed makes a
 * private key, 32 bytes of public key a public one.  HH_EINTERNAL on an
 * OpenSSL failure. */
hh_status sign_key_from_seed(const uint8_t seed[SIGN_RAW_BYTES], sign_key **out,
			     hh_err *err);
hh_status sign_key_from_public(const uint8_t pub[SIGN_RAW_BYTES], sign_key **out,
			       hh_err *err);

void sign_key_free(sign_key *k);

/* The key's fingerprint (SIGN_FPR_HEX hex characters), valid while k is. */
const char *sign_key_fingerprint(const sign_key *k);

/* 1 when k holds a private key (it can sign). */
int sign_key_can_sign(const sign_key *k);

/* Signs data[0..len) (Ed25519, the message itself, no pre-hash). */
hh_status sign_data(const sign_key *k, const void *data, size_t len,
		    uint8_t sig[SIGN_BYTES], hh_err *err);

/* 1 when sig is a valid signature of data[0..len) under k, else 0. */
int sign_check(const sign_key *k, const void *data, size_t len,
	       const uint8_t sig[SIGN_BYTES]);

#endif
