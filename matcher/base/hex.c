/* hex.c - hexadecimal text and SHA-256 digests (see hex.h). */
#include "base/hex.h"

#include <openssl/evp.h>
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

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
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
