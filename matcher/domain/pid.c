/*
 * pid.c - keyed pseudonyms: HMAC-SHA256 with prepared states, key files.
 * See pid.h.
 *
 * HMAC(K, m) = H((K' ^ opad) || H((K' ^ ipad) || m)), where K' is the key
 * (hashed first when longer than the 64-byte block) padded with zeros.
 * The two key blocks do not depend on m, so pid_key_new absorbs them once
 * into two SHA256_CTX states; each message then costs a struct copy plus
 * the compressions for m and for the 32-byte inner digest: for an
 * 18-byte ID, one compression each side, and no allocation.  The low-level
 * SHA256_* functions are used because they work on a plain struct that
 * can be copied; EVP would allocate per context.
 *
 * The prepared states are as secret as the key (they compute the same
 * HMAC): they are cleansed when the key is freed.  The raw key bytes are
 * kept nowhere, and nothing here logs; messages name the key file, never
 * its contents.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init etc. (OpenSSL 3) */

#include "domain/pid.h"
#include "base/hex.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#define HMAC_BLOCK 64

struct pid_key {
	SHA256_CTX inner; /* after absorbing K' ^ ipad */
	SHA256_CTX outer; /* after absorbing K' ^ opad */
	char key_id[9];
};

pid_key *pid_key_new(const uint8_t *key, size_t len)
{
	pid_key *k = malloc(sizeof *k);
	if (!k)
		return NULL;

	uint8_t kb[HMAC_BLOCK] = {0};
	uint8_t pad[HMAC_BLOCK];
	uint8_t digest[SHA256_DIGEST_LENGTH];

	/* The low-level calls, as for the pads below: SHA256() goes through
	 * EVP, which allocates, and on failure returns NULL without writing
	 * digest (key_id 00000000 and the pads from stack garbage). */
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, key, len);
	SHA256_Final(digest, &c);
	OPENSSL_cleanse(&c, sizeof c);
	hex_encode(digest, 4, k->key_id);

	if (len > HMAC_BLOCK)
		memcpy(kb, digest, sizeof digest);
	else if (len)
		memcpy(kb, key, len);

	for (int i = 0; i < HMAC_BLOCK; i++)
		pad[i] = kb[i] ^ 0x36;
	SHA256_Init(&k->inner);
	SHA256_Update(&k->inner, pad, sizeof pad);
	for (int i = 0; i < HMAC_BLOCK; i++)
		pad[i] = kb[i] ^ 0x5c;
	SHA256_Init(&k->outer);
	SHA256_Update(&k->outer, pad, sizeof pad);

	OPENSSL_cleanse(kb, sizeof kb);
	OPENSSL_cleanse(pad, sizeof pad);
	OPENSSL_cleanse(digest, sizeof digest);
	return k;
}

void pid_key_free(pid_key *k)
{
	if (!k)
		return;
	OPENSSL_cleanse(k, sizeof *k);
	free(k);
}

const char *pid_key_id(const pid_key *k)
{
	return k->key_id;
}

void pid_hmac(const pid_key *k, const void *msg, size_t len,
	      uint8_t out[PID_BYTES])
{
	SHA256_CTX c;
	uint8_t ih[SHA256_DIGEST_LENGTH];

	/* SHA256_Final leaves the digest in c, not the prepared state, so
	 * the copies need no cleansing. */
	memcpy(&c, &k->inner, sizeof c);
	SHA256_Update(&c, msg, len);
	SHA256_Final(ih, &c);
	memcpy(&c, &k->outer, sizeof c);
	SHA256_Update(&c, ih, sizeof ih);
	SHA256_Final(out, &c);
}

void pid_compute(const pid_key *k, const char id18[18],
		 uint8_t out[PID_BYTES])
{
	pid_hmac(k, id18, 18, out);
}

/* The label goes first, with its NUL, so no name's digest is a pid (an
 * ID is 18 characters with no NUL) or another label's digest. */
uint64_t pid_name_key(const pid_key *k, const char *name, size_t len)
{
	static const char label[] = "hhmatch name key";
	SHA256_CTX c;
	uint8_t ih[SHA256_DIGEST_LENGTH], out[SHA256_DIGEST_LENGTH];
	uint64_t v = 0;

	memcpy(&c, &k->inner, sizeof c);
	SHA256_Update(&c, label, sizeof label);
	SHA256_Update(&c, name, len);
	SHA256_Final(ih, &c);
	memcpy(&c, &k->outer, sizeof c);
	SHA256_Update(&c, ih, sizeof ih);
	SHA256_Final(out, &c);
	for (int i = 0; i < 8; i++)
		v = v << 8 | out[i];
	return v ? v : 1;
}

void pid_to_hex(const uint8_t pid[PID_BYTES], char out[PID_HEX + 1])
{
	hex_encode(pid, PID_BYTES, out);
}


int pid_from_hex(const char *s, size_t len, uint8_t out[PID_BYTES])
{
	if (len != PID_HEX)
		return -1;
	return hex_decode(s, PID_BYTES, out);
}

hh_status pid_keygen(const char *path, hh_err *err)
{
	uint8_t raw[32];
	char line[PID_HEX + 2];
	hh_status st = HH_OK;

	if (RAND_bytes(raw, sizeof raw) != 1)
		return hh_fail(err, HH_EINTERNAL,
			       "cannot generate key %s: no random bytes from "
			       "the system", path);
	hex_encode(raw, sizeof raw, line);
	line[PID_HEX] = '\n';
	OPENSSL_cleanse(raw, sizeof raw);

	/* O_EXCL: never overwrite (an existing key may have made pids that
	 * are still in use); mode 0600 from the start, never widened. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		      0600);
	if (fd < 0) {
		int e = errno;
		OPENSSL_cleanse(line, sizeof line);
		if (e == EEXIST)
			return hh_fail(err, HH_EUSAGE,
				       "cannot create key file %s: it already "
				       "exists; refusing to overwrite a key "
				       "(choose another path or remove the old "
				       "key first)", path);
		return hh_fail(err, HH_EINTERNAL, "cannot create key file %s: %s",
			       path, strerror(e));
	}

	size_t off = 0, want = PID_HEX + 1;
	while (off < want) {
		ssize_t w = write(fd, line + off, want - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			st = hh_fail(err, HH_EINTERNAL,
				     "cannot write key file %s: %s", path,
				     w < 0 ? strerror(errno) : "short write");
			break;
		}
		off += (size_t)w;
	}
	if (st == HH_OK && fsync(fd) != 0)
		st = hh_fail(err, HH_EINTERNAL, "cannot write key file %s: %s",
			     path, strerror(errno));
	if (close(fd) != 0 && st == HH_OK)
		st = hh_fail(err, HH_EINTERNAL, "cannot write key file %s: %s",
			     path, strerror(errno));
	OPENSSL_cleanse(line, sizeof line);
	if (st != HH_OK)
		unlink(path); /* we created it: no half-written key left */
	return st;
}

hh_status pid_key_load(const char *path, pid_key **out, hh_err *err)
{
	/* Room for 64 hex, "\r\n", and one byte more to detect excess. */
	char buf[PID_HEX + 3];
	uint8_t raw[PID_BYTES];
	struct stat sb;
	size_t n = 0;
	hh_status st = HH_OK;

	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hh_fail(err, HH_EINPUT, "cannot open key file %s: %s",
			       path, strerror(errno));
	/* fstat on the open descriptor: the mode checked is the mode of the
	 * file read. */
	if (fstat(fd, &sb) != 0) {
		st = hh_fail(err, HH_EINPUT, "cannot stat key file %s: %s", path,
			     strerror(errno));
		goto done;
	}
	if (!S_ISREG(sb.st_mode)) {
		st = hh_fail(err, HH_EINPUT,
			     "key file %s is not a regular file", path);
		goto done;
	}
	if (sb.st_mode & 077) {
		st = hh_fail(err, HH_EINPUT,
			     "key file %s is readable by group or others "
			     "(mode %04o); run: chmod 600 %s",
			     path, (unsigned)(sb.st_mode & 07777), path);
		goto done;
	}
	while (n < sizeof buf) {
		ssize_t r = read(fd, buf + n, sizeof buf - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			st = hh_fail(err, HH_EINPUT, "cannot read key file %s: %s",
				     path, strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}

	size_t len = n;
	if (len && buf[len - 1] == '\n')
		len--;
	if (len && buf[len - 1] == '\r')
		len--;
	if (len != PID_HEX || pid_from_hex(buf, len, raw) != 0) {
		st = hh_fail(err, HH_EINPUT,
			     "invalid key file %s: expected 64 hexadecimal "
			     "characters and an optional newline (make one "
			     "with hhmatch keygen)", path);
		goto done;
	}
	*out = pid_key_new(raw, sizeof raw);
	if (!*out)
		st = hh_fail(err, HH_EINTERNAL, "cannot load key file %s: "
			     "out of memory", path);
done:
	close(fd);
	OPENSSL_cleanse(buf, sizeof buf);
	OPENSSL_cleanse(raw, sizeof raw);
	return st;
}
