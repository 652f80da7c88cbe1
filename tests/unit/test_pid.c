/*
 * test_pid.c - keyed pseudonyms and key files (domain/pid.c).  The
 * `hhmatch keygen` command line is tested end to end (tests/e2e/it_keygen.sh).
 *
 * HMAC-SHA256 is checked against RFC 4231 (cases 1-4, 6, 7; 6 and 7 use a
 * 131-byte key, so the key is hashed first) and against OpenSSL's one-shot
 * HMAC() on random keys and messages.  Key files are made in the test's
 * own temporary folder (testdir.h).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "domain/pid.h"

#define TESTDIR_NAME "pid"
#include "testdir.h"

static void hex_of(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void check_hmac(const uint8_t *key, size_t klen, const void *msg,
		       size_t mlen, const char *want)
{
	pid_key *k = pid_key_new(key, klen);
	cr_assert_not_null(k);
	uint8_t mac[PID_BYTES];
	char hex[PID_HEX + 1];
	pid_hmac(k, msg, mlen, mac);
	pid_to_hex(mac, hex);
	cr_assert_str_eq(hex, want);
	pid_key_free(k);
}

Test(pid, rfc4231_case1)
{
	uint8_t key[20];
	memset(key, 0x0b, sizeof key);
	check_hmac(key, sizeof key, "Hi There", 8,
		   "b0344c61d8db38535ca8afceaf0bf12b"
		   "881dc200c9833da726e9376c2e32cff7");
}

Test(pid, rfc4231_case2)
{
	const char *msg = "what do ya want for nothing?";
	check_hmac((const uint8_t *)"Jefe", 4, msg, strlen(msg),
		   "5bdcc146bf60754e6a042426089575c7"
		   "5a003f089d2739839dec58b964ec3843");
}

Test(pid, rfc4231_case3)
{
	uint8_t key[20], msg[50];
	memset(key, 0xaa, sizeof key);
	memset(msg, 0xdd, sizeof msg);
	check_hmac(key, sizeof key, msg, sizeof msg,
		   "773ea91e36800e46854db8ebd09181a7"
		   "2959098b3ef8c122d9635514ced565fe");
}

Test(pid, rfc4231_case4)
{
	uint8_t key[25], msg[50];
	for (int i = 0; i < 25; i++)
		key[i] = (uint8_t)(i + 1);
	memset(msg, 0xcd, sizeof msg);
	check_hmac(key, sizeof key, msg, sizeof msg,
		   "82558a389a443c0ea4cc819899f2083a"
		   "85f0faa3e578f8077a2e3ff46729665b");
}

Test(pid, rfc4231_case6_long_key)
{
	uint8_t key[131];
	const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
	memset(key, 0xaa, sizeof key);
	check_hmac(key, sizeof key, msg, strlen(msg),
		   "60e431591ee0b67f0d8a26aacbf5b77f"
		   "8e0bc6213728c5140546040f0ee37f54");
}

Test(pid, rfc4231_case7_long_key_and_data)
{
	uint8_t key[131];
	const char *msg =
		"This is a test using a larger than block-size key and a "
		"larger than block-size data. The key needs to be hashed "
		"before being used by the HMAC algorithm.";
	memset(key, 0xaa, sizeof key);
	check_hmac(key, sizeof key, msg, strlen(msg),
		   "9b09ffa71b942fcb27635fbcd5b0e944"
		   "bfdc63644f0713938a7f51535c3a35e2");
}

Test(pid, compute_is_hmac_of_the_18_bytes)
{
	uint8_t key[32];
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 7 + 3);
	pid_key *k = pid_key_new(key, sizeof key);
	uint8_t a[PID_BYTES], b[PID_BYTES], c[PID_BYTES];
	unsigned clen = 0;
	pid_compute(k, "11010519491231002X", a);
	pid_hmac(k, "11010519491231002X", 18, b);
	HMAC(EVP_sha256(), key, sizeof key,
	     (const unsigned char *)"11010519491231002X", 18, c, &clen);
	cr_assert_eq(clen, PID_BYTES);
	cr_assert_arr_eq(a, b, PID_BYTES);
	cr_assert_arr_eq(a, c, PID_BYTES);
	/* The same key object gives the same pid again (the prepared
	 * states are not consumed). */
	pid_compute(k, "11010519491231002X", b);
	cr_assert_arr_eq(a, b, PID_BYTES);
	pid_key_free(k);
	pid_key_free(NULL);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
	/* xorshift64*: deterministic, so failures reproduce. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1du;
}

Test(pid, matches_openssl_hmac_on_random_input)
{
	uint8_t key[200], msg[300], a[PID_BYTES], b[PID_BYTES];
	for (int iter = 0; iter < 1000; iter++) {
		size_t klen = 1 + rng() % sizeof key; /* 1..200: both sides of 64 */
		size_t mlen = rng() % (sizeof msg + 1); /* 0..300 */
		for (size_t i = 0; i < klen; i++)
			key[i] = (uint8_t)rng();
		for (size_t i = 0; i < mlen; i++)
			msg[i] = (uint8_t)rng();
		pid_key *k = pid_key_new(key, klen);
		cr_assert_not_null(k);
		pid_hmac(k, msg, mlen, a);
		unsigned blen = 0;
		cr_assert_not_null(HMAC(EVP_sha256(), key, (int)klen, msg, mlen,
					b, &blen));
		cr_assert_arr_eq(a, b, PID_BYTES, "iteration %d (key %zu, msg %zu)",
				 iter, klen, mlen);
		if (mlen >= 18) {
			pid_compute(k, (const char *)msg, a);
			HMAC(EVP_sha256(), key, (int)klen, msg, 18, b, &blen);
			cr_assert_arr_eq(a, b, PID_BYTES);
		}
		pid_key_free(k);
	}
}

Test(pid, hex_round_trip)
{
	uint8_t p[PID_BYTES], q[PID_BYTES];
	char hex[PID_HEX + 1];
	for (int i = 0; i < PID_BYTES; i++)
		p[i] = (uint8_t)(i * 37 + 250);
	pid_to_hex(p, hex);
	cr_assert_eq(strlen(hex), PID_HEX);
	for (int i = 0; i < PID_HEX; i++)
		cr_assert((hex[i] >= '0' && hex[i] <= '9') ||
			  (hex[i] >= 'a' && hex[i] <= 'f'));
	cr_assert_eq(pid_from_hex(hex, PID_HEX, q), 0);
	cr_assert_arr_eq(p, q, PID_BYTES);

	/* Upper case accepted. */
	char up[PID_HEX + 1];
	for (int i = 0; i <= PID_HEX; i++)
		up[i] = (hex[i] >= 'a' && hex[i] <= 'f') ? (char)(hex[i] - 32)
							  : hex[i];
	memset(q, 0, sizeof q);
	cr_assert_eq(pid_from_hex(up, PID_HEX, q), 0);
	cr_assert_arr_eq(p, q, PID_BYTES);

	/* every byte value in every position */
	for (int v = 0; v < 256; v++) {
		for (int i = 0; i < PID_BYTES; i++)
			p[i] = (uint8_t)(v + i * 7);
		pid_to_hex(p, hex);
		memset(q, 0, sizeof q);
		cr_assert_eq(pid_from_hex(hex, PID_HEX, q), 0);
		cr_assert_arr_eq(p, q, PID_BYTES, "pattern %d", v);
	}
}

Test(pid, from_hex_rejects)
{
	uint8_t q[PID_BYTES];
	char hex[PID_HEX + 2];
	memset(hex, 'a', sizeof hex);
	hex[PID_HEX + 1] = '\0';
	cr_assert_eq(pid_from_hex(hex, PID_HEX - 1, q), -1);
	cr_assert_eq(pid_from_hex(hex, PID_HEX + 1, q), -1);
	cr_assert_eq(pid_from_hex(hex, 0, q), -1);
	cr_assert_eq(pid_from_hex(hex, PID_HEX, q), 0);
	/* every byte just outside the hex ranges, in either case, and bytes
	 * with the high bit set, at every position (the decoder works 16
	 * characters at a time) */
	const char bad[] = {'g', 'G', ' ', '-', 'x', ':', '/', '@', '`', '\0',
			    '\x80', '\xe4', '\xff', 'F' + 1, 'f' + 1, '0' - 1, '9' + 1};
	for (size_t b = 0; b < sizeof bad; b++) {
		for (int pos = 0; pos < PID_HEX; pos++) {
			memset(hex, 'a', PID_HEX);
			hex[pos] = bad[b];
			cr_assert_eq(pid_from_hex(hex, PID_HEX, q), -1,
				     "char %d at %d", bad[b], pos);
		}
	}
}

/* ---- key files ---- */

static void write_file(const char *path, const char *content, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	cr_assert_geq(fd, 0);
	size_t len = strlen(content);
	cr_assert_eq(write(fd, content, len), (ssize_t)len);
	close(fd);
	cr_assert_eq(chmod(path, mode), 0);
}

static size_t read_file(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f);
	size_t got = fread(buf, 1, n - 1, f);
	buf[got] = '\0';
	fclose(f);
	return got;
}

TestSuite(keyfile, .init = testdir_setup, .fini = testdir_teardown);

Test(keyfile, keygen_makes_a_0600_hex_file_and_refuses_to_overwrite)
{
	char buf[256];
	hh_err err = {{0}};
	struct stat sb;
	const char *path = tpath("k.key");

	cr_assert_eq(pid_keygen(path, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mode & 07777, 0600);
	cr_assert_eq(read_file(path, buf, sizeof buf), PID_HEX + 1);
	cr_assert_eq(buf[PID_HEX], '\n');
	uint8_t raw[PID_BYTES];
	cr_assert_eq(pid_from_hex(buf, PID_HEX, raw), 0);

	char before[256];
	memcpy(before, buf, sizeof buf);
	cr_assert_eq(pid_keygen(path, &err), HH_EUSAGE);
	cr_assert(strstr(err.msg, "already exists"), "%s", err.msg);
	read_file(path, buf, sizeof buf);
	cr_assert_str_eq(buf, before, "the existing key was changed");

	/* Two keys differ. */
	const char *path2 = tpath("k2.key");
	cr_assert_eq(pid_keygen(path2, &err), HH_OK, "%s", err.msg);
	read_file(path2, buf, sizeof buf);
	cr_assert_str_neq(buf, before);

	/* An unwritable place: an error, nothing left behind. */
	const char *path3 = tpath("no/such/dir.key");
	cr_assert_eq(pid_keygen(path3, &err), HH_EINTERNAL);
	cr_assert(strstr(err.msg, "no/such/dir.key"), "%s", err.msg);
}

Test(keyfile, load_gives_key_id_and_the_right_hmac)
{
	char buf[256];
	hh_err err = {{0}};
	pid_key *k = NULL;
	const char *path = tpath("k.key");
	cr_assert_eq(pid_keygen(path, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(pid_key_load(path, &k, &err), HH_OK, "%s", err.msg);
	cr_assert_not_null(k);

	read_file(path, buf, sizeof buf);
	uint8_t raw[PID_BYTES], digest[SHA256_DIGEST_LENGTH];
	char dhex[2 * SHA256_DIGEST_LENGTH + 1];
	cr_assert_eq(pid_from_hex(buf, PID_HEX, raw), 0);
	SHA256(raw, sizeof raw, digest);
	hex_of(digest, sizeof digest, dhex);

	const char *id = pid_key_id(k);
	cr_assert_eq(strlen(id), 8);
	for (int i = 0; i < 8; i++)
		cr_assert((id[i] >= '0' && id[i] <= '9') ||
			  (id[i] >= 'a' && id[i] <= 'f'));
	cr_assert_eq(strncmp(id, dhex, 8), 0);

	uint8_t a[PID_BYTES], b[PID_BYTES];
	unsigned blen;
	pid_compute(k, "11010519491231002X", a);
	HMAC(EVP_sha256(), raw, sizeof raw,
	     (const unsigned char *)"11010519491231002X", 18, b, &blen);
	cr_assert_arr_eq(a, b, PID_BYTES);
	pid_key_free(k);
}

Test(keyfile, known_key_file)
{
	/* A fixed key: its key_id and the pid of the published example are
	 * fixed too (computed independently with sha256sum and
	 * `openssl dgst -sha256 -mac HMAC -macopt hexkey:...`). */
	hh_err err = {{0}};
	pid_key *k = NULL;
	const char *hex =
		"000102030405060708090a0b0c0d0e0f"
		"101112131415161718191A1B1C1D1E1F"; /* either case */
	const char *path = tpath("fixed.key");
	write_file(path, hex, 0600); /* no newline: accepted */
	cr_assert_eq(pid_key_load(path, &k, &err), HH_OK, "%s", err.msg);

	uint8_t raw[PID_BYTES], digest[SHA256_DIGEST_LENGTH];
	char dhex[2 * SHA256_DIGEST_LENGTH + 1];
	for (int i = 0; i < PID_BYTES; i++)
		raw[i] = (uint8_t)i;
	SHA256(raw, sizeof raw, digest);
	hex_of(digest, sizeof digest, dhex);
	cr_assert_eq(strncmp(pid_key_id(k), dhex, 8), 0);
	cr_assert_str_eq(pid_key_id(k), "630dcd29");

	uint8_t mac[PID_BYTES];
	char mhex[PID_HEX + 1];
	pid_compute(k, "11010519491231002X", mac);
	pid_to_hex(mac, mhex);
	cr_assert_str_eq(mhex, "a66755453b106dcea0cfa264214ae59f"
			       "f1e8b067f3e5f3aa8085e1d8757880eb");
	pid_key_free(k);

	/* CRLF from an editor on another system: accepted. */
	char crlf[PID_HEX + 3];
	snprintf(crlf, sizeof crlf, "%s\r\n", hex);
	write_file(path, crlf, 0400);
	cr_assert_eq(pid_key_load(path, &k, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(strncmp(pid_key_id(k), dhex, 8), 0);
	pid_key_free(k);
}

Test(keyfile, group_or_world_readable_is_refused)
{
	hh_err err = {{0}};
	pid_key *k = NULL;
	const char *path = tpath("k.key");
	cr_assert_eq(pid_keygen(path, &err), HH_OK, "%s", err.msg);

	static const mode_t modes[] = {0644, 0640, 0604, 0610, 0601, 0660};
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		cr_assert_eq(chmod(path, modes[i]), 0);
		k = (pid_key *)1;
		cr_assert_eq(pid_key_load(path, &k, &err), HH_EINPUT);
		cr_assert_null(k);
		cr_assert(strstr(err.msg, "chmod 600"), "%s", err.msg);
		cr_assert(strstr(err.msg, path), "%s", err.msg);
	}
	chmod(path, 0644);
	pid_key_load(path, &k, &err);
	cr_assert(strstr(err.msg, "mode 0644"), "%s", err.msg);

	cr_assert_eq(chmod(path, 0600), 0);
	cr_assert_eq(pid_key_load(path, &k, &err), HH_OK, "%s", err.msg);
	pid_key_free(k);
}

Test(keyfile, bad_content_is_refused_without_echoing_it)
{
	static const char *const bad[] = {
		"",
		"\n",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1\n",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0\n",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\n",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n\n",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\nextra",
		" 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	};
	const char *path = tpath("bad.key");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		hh_err err = {{0}};
		pid_key *k = (pid_key *)1;
		write_file(path, bad[i], 0600);
		cr_assert_eq(pid_key_load(path, &k, &err), HH_EINPUT, "case %zu",
			     i);
		cr_assert_null(k);
		cr_assert(strstr(err.msg, "64 hexadecimal"), "%s", err.msg);
		cr_assert_null(strstr(err.msg, "0a0b0c0d"), "%s", err.msg);
	}

	hh_err err = {{0}};
	pid_key *k = NULL;
	const char *missing = tpath("missing.key");
	cr_assert_eq(pid_key_load(missing, &k, &err), HH_EINPUT);
	cr_assert(strstr(err.msg, "missing.key"), "%s", err.msg);
	cr_assert_eq(pid_key_load(tdir, &k, &err), HH_EINPUT);
	cr_assert_null(k);
}
