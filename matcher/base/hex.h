/*
 * hex.h - lower-case hexadecimal, and SHA-256 as hex.
 *
 * The one place bytes become hex text (pids, digests, key ids, audit
 * chain hashes) and hex text becomes bytes.  Pure functions, thread-safe
 * (hex_crypto_init aside: main calls it once, first).
 */
#ifndef HH_HEX_H
#define HH_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2 * n lower-case hex characters and a NUL to out. */
void hex_encode(const void *data, size_t n, char *out);

/* Parses exactly 2 * n hex characters (either case) from s into out;
 * 0 on success, -1 on a character that is not hex. */
int hex_decode(const char *s, size_t n, uint8_t *out);

/* Lower-case hex SHA-256 of data[0..len) (64 characters and a NUL).
 * 0 on success, -1 when OpenSSL fails (out is then ""). */
int hex_sha256(const void *data, size_t len, char out[65]);

/* Initialises OpenSSL (its configuration, error strings, digests and the
 * default provider) up front, once, before any thread: main calls it
 * first.  0 on success, -1 when it cannot (out of memory): the process
 * must then stop, as OpenSSL is not usable. */
int hex_crypto_init(void);

#endif
