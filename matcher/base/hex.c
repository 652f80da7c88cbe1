/* hex.c - hexadecimal text and SHA-256 digests (see hex.h). */
#include "base/hex.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/sha.h>

static const char digits[] = "0123456789abcdef";

void hex_encode(const void *data, size_t n, char *out)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Hex digit values, 0x80 for anything else: pid columns are decoded for
 * every row of a pseudonymised extract (domain/pid.c), so one table load per character
 * and a single validity check at the end, no branch per character. */
#define X 0x80
static const uint8_t hex_digit[256] = {
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, /* 0x00 */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, /* 0x20 */
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, X, X, X, X, X, X, /* '0'..'9' */
	X, 10, 11, 12, 13, 14, 15, X, X, X, X, X, X, X, X, X, /* 'A'.. */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, 10, 11, 12, 13, 14, 15, X, X, X, X, X, X, X, X, X, /* 'a'.. */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, /* 0x80 */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
};
#undef X

int hex_decode(const char *s, size_t n, uint8_t *out)
{
	const unsigned char *u = (const unsigned char *)s;
	uint8_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t a = hex_digit[u[2 * i]], b = hex_digit[u[2 * i + 1]];
		bad |= a | b;
		out[i] = (uint8_t)(a << 4 | b);
	}
	return bad & 0x80 ? -1 : 0;
}

int hex_sha256(const void *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	/* EVP_Digest reports failure (SHA256() would hand back a pointer to
	 * a buffer it never wrote). */
	if (EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL) != 1) {
		out[0] = '\0';
		return -1;
	}
	hex_encode(md, sizeof md, out);
	return 0;
}

int hex_crypto_init(void)
{
	/* OpenSSL otherwise initialises itself inside the first call that
	 * needs it; an allocation failing there leaves it half set up, and
	 * later calls crash instead of failing. */
	char probe[65];
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	/* First the default library context: OpenSSL 3.0's configuration
	 * loading ignores a failure to create it, and every later fetch then
	 * takes a NULL lock. */
	if (!OSSL_LIB_CTX_get0_global_default())
		return -1;
#endif
	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG | OPENSSL_INIT_LOAD_CRYPTO_STRINGS |
					OPENSSL_INIT_ADD_ALL_DIGESTS | OPENSSL_INIT_ADD_ALL_CIPHERS,
				NULL) != 1)
		return -1;
	return hex_sha256("", 0, probe); /* loads the default provider */
}
