/*
 * sign.c - Ed25519 key files, signing and checking through OpenSSL EVP
 * (see sign.h).
 *
 * PEM goes through memory BIOs so that the files themselves are written
 * and read here, with O_EXCL and the mode check on the descriptor read
 * (as pid.c does for the HMAC key); the PEM text of a private key is
 * cleansed from memory once used.
 */
#include "base/sign.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base/hex.h"

/* A PEM key file is a few hundred bytes; more is not a key. */
#define KEYFILE_MAX 16384

struct sign_key {
	EVP_PKEY *pkey;
	int private_;
	char fpr[SIGN_FPR_HEX + 1];
};

/* Wraps pkey (taking it) with its fingerprint; NULL on failure. */
static sign_key *key_wrap(EVP_PKEY *pkey, int private_)
{
	uint8_t pub[SIGN_RAW_BYTES];
	size_t n = sizeof pub;
	char digest[65];
	sign_key *k;

	if (!pkey || EVP_PKEY_id(pkey) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(pkey, pub, &n) != 1 || n != sizeof pub ||
	    hex_sha256(pub, n, digest) != 0 || !(k = calloc(1, sizeof *k))) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	k->pkey = pkey;
	k->private_ = private_;
	memcpy(k->fpr, digest, SIGN_FPR_HEX);
	k->fpr[SIGN_FPR_HEX] = '\0';
	return k;
}

/* Creates path (it must not exist) with mode and writes data to it. */
static hh_status write_new(const char *path, const void *data, size_t len, unsigned mode,
			   hh_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		if (errno == EEXIST)
			return hh_fail(err, HH_EUSAGE,
				       "cannot create key file %s: it already exists; refusing "
				       "to overwrite a key (choose another path or remove the "
				       "old key first)", path);
		return hh_fail(err, HH_EINTERNAL, "cannot create key file %s: %s", path,
			       strerror(errno));
	}
	hh_status st = HH_OK;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, (const char *)data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			st = hh_fail(err, HH_EINTERNAL, "cannot write key file %s: %s", path,
				     w < 0 ? strerror(errno) : "short write");
			break;
		}
		off += (size_t)w;
	}
	/* The mode asked for, whatever the umask: a public key is meant to
	 * be handed out, a private one never. */
	if (st == HH_OK && fchmod(fd, mode) != 0)
		st = hh_fail(err, HH_EINTERNAL, "cannot set the mode of key file %s: %s", path,
			     strerror(errno));
	if (st == HH_OK && fsync(fd) != 0)
		st = hh_fail(err, HH_EINTERNAL, "cannot write key file %s: %s", path,
			     strerror(errno));
	if (close(fd) != 0 && st == HH_OK)
		st = hh_fail(err, HH_EINTERNAL, "cannot write key file %s: %s", path,
			     strerror(errno));
	if (st != HH_OK)
		unlink(path);
	return st;
}

hh_status sign_keygen(const char *path, char fpr[SIGN_FPR_HEX + 1], hh_err *err)
{
	char pub_path[PATH_MAX];
	if (snprintf(pub_path, sizeof pub_path, "%s.pub", path) >= (int)sizeof pub_path)
		return hh_fail(err, HH_EUSAGE, "key file name too long: %s", path);
	if (access(pub_path, F_OK) == 0)
		return hh_fail(err, HH_EUSAGE,
			       "cannot create public key file %s: it already exists; refusing "
			       "to overwrite a key (choose another path)", pub_path);

	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	int made = ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &pkey) == 1;
	EVP_PKEY_CTX_free(ctx);
	sign_key *k = made ? key_wrap(pkey, 1) : NULL; /* takes pkey */
	if (!k)
		return hh_fail(err, HH_EINTERNAL,
			       "cannot generate signing key %s: OpenSSL could not make an "
			       "Ed25519 key", path);

	hh_status st = HH_OK;
	BIO *priv = BIO_new(BIO_s_mem()), *pub = BIO_new(BIO_s_mem());
	char *pd = NULL, *ud = NULL;
	long pn = 0, un = 0;
	if (!priv || !pub ||
	    PEM_write_bio_PrivateKey(priv, k->pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_PUBKEY(pub, k->pkey) != 1 || (pn = BIO_get_mem_data(priv, &pd)) <= 0 ||
	    (un = BIO_get_mem_data(pub, &ud)) <= 0)
		st = hh_fail(err, HH_EINTERNAL,
			     "cannot generate signing key %s: OpenSSL could not write it as PEM",
			     path);
	if (st == HH_OK)
		st = write_new(path, pd, (size_t)pn, 0600, err);
	if (st == HH_OK && (st = write_new(pub_path, ud, (size_t)un, 0644, err)) != HH_OK)
		unlink(path); /* a private key without its public half is no use */
	if (pd && pn > 0)
		OPENSSL_cleanse(pd, (size_t)pn);
	BIO_free(priv);
	BIO_free(pub);
	if (st == HH_OK)
		memcpy(fpr, k->fpr, SIGN_FPR_HEX + 1);
	sign_key_free(k);
	return st;
}

/* Reads a key file into *text (malloc'ed; the caller cleanses and frees
 * it).  With private_, a mode open to group or others is refused. */
static hh_status read_keyfile(const char *path, int private_, char **text, size_t *len,
			      hh_err *err)
{
	struct stat sb;
	const char *what = private_ ? "signing key file" : "public key file";
	*text = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hh_fail(err, HH_EINPUT, "cannot open %s %s: %s", what, path,
			       strerror(errno));
	hh_status st = HH_OK;
	/* fstat on the open descriptor: the mode checked is the file read. */
	if (fstat(fd, &sb) != 0)
		st = hh_fail(err, HH_EINPUT, "cannot stat %s %s: %s", what, path,
			     strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		st = hh_fail(err, HH_EINPUT, "%s %s is not a regular file", what, path);
	else if (private_ && (sb.st_mode & 077))
		st = hh_fail(err, HH_EINPUT,
			     "%s %s is readable by group or others (mode %04o); run: chmod 600 %s",
			     what, path, (unsigned)(sb.st_mode & 07777), path);
	else if (sb.st_size > KEYFILE_MAX)
		st = hh_fail(err, HH_EINPUT, "%s %s is not an Ed25519 key: larger than %d bytes",
			     what, path, KEYFILE_MAX);
	char *buf = st == HH_OK ? malloc(KEYFILE_MAX + 1) : NULL;
	if (st == HH_OK && !buf)
		st = hh_fail(err, HH_EINTERNAL, "reading %s %s: out of memory", what, path);
	size_t n = 0;
	while (st == HH_OK && n < KEYFILE_MAX) {
		ssize_t r = read(fd, buf + n, KEYFILE_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			st = hh_fail(err, HH_EINPUT, "cannot read %s %s: %s", what, path,
				     strerror(errno));
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (st != HH_OK) {
		if (buf) {
			OPENSSL_cleanse(buf, KEYFILE_MAX + 1);
			free(buf);
		}
		return st;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return HH_OK;
}

static hh_status load(const char *path, int private_, sign_key **out, hh_err *err)
{
	char *text;
	size_t len = 0;
	*out = NULL;
	HH_TRY(read_keyfile(path, private_, &text, &len, err));
	BIO *b = BIO_new_mem_buf(text, (int)len);
	EVP_PKEY *pkey = NULL;
	int is_private = 0;
	if (b) {
		pkey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
		is_private = pkey != NULL;
		if (!pkey && !private_ && BIO_reset(b) == 1)
			pkey = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	}
	BIO_free(b);
	/* the failed trial parse (private, then public) leaves errors queued
	 * that say nothing to the next OpenSSL call */
	ERR_clear_error();
	OPENSSL_cleanse(text, len);
	free(text);
	*out = key_wrap(pkey, is_private);
	if (!*out)
		return hh_fail(err, HH_EINPUT,
			       "%s is not an Ed25519 %s key in PEM (make a pair with hhmatch "
			       "keygen --sign)", path, private_ ? "private" : "public");
	return HH_OK;
}

hh_status sign_key_load_private(const char *path, sign_key **out, hh_err *err)
{
	return load(path, 1, out, err);
}

hh_status sign_key_load_public(const char *path, sign_key **out, hh_err *err)
{
	return load(path, 0, out, err);
}

hh_status sign_key_from_seed(const uint8_t seed[SIGN_RAW_BYTES], sign_key **out,
			     hh_err *err)
{
	*out = key_wrap(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
						     SIGN_RAW_BYTES), 1);
	return *out ? HH_OK
		    : hh_fail(err, HH_EINTERNAL, "OpenSSL could not make an Ed25519 key");
}

hh_status sign_key_from_public(const uint8_t pub[SIGN_RAW_BYTES], sign_key **out,
			       hh_err *err)
{
	*out = key_wrap(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
						    SIGN_RAW_BYTES), 0);
	return *out ? HH_OK
		    : hh_fail(err, HH_EINTERNAL,
			      "OpenSSL could not make an Ed25519 public key");
}

void sign_key_free(sign_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

const char *sign_key_fingerprint(const sign_key *k)
{
	return k->fpr;
}

int sign_key_can_sign(const sign_key *k)
{
	return k->private_;
}

hh_status sign_data(const sign_key *k, const void *data, size_t len,
		    uint8_t sig[SIGN_BYTES], hh_err *err)
{
	if (!k->private_)
		return hh_fail(err, HH_EINTERNAL,
			       "cannot sign with key %s: it is a public key", k->fpr);
	size_t n = SIGN_BYTES;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
		 EVP_DigestSign(ctx, sig, &n, data, len) == 1 && n == SIGN_BYTES;
	EVP_MD_CTX_free(ctx);
	return ok ? HH_OK
		  : hh_fail(err, HH_EINTERNAL, "cannot sign with key %s: OpenSSL failed",
			    k->fpr);
}

int sign_check(const sign_key *k, const void *data, size_t len,
	       const uint8_t sig[SIGN_BYTES])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
		 EVP_DigestVerify(ctx, sig, SIGN_BYTES, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}
