/*
 * test_hex.c - base/hex.c: hex_encode and hex_decode for every byte value
 * in every position (lower and upper case in), rejection of every byte
 * that is not a hex digit at every position, and hex_sha256 against the
 * FIPS 180-2 known answers ("abc", the two-block message, a million 'a')
 * and the digest of the empty message.
 */
#include <criterion/criterion.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"

/* The hex of one byte, written without hex.c. */
static void ref_hex(uint8_t v, char out[3])
{
	static const char d[] = "0123456789abcdef";
	out[0] = d[v >> 4];
	out[1] = d[v & 15];
	out[2] = '\0';
}

static int is_hex_digit(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

Test(hex, encode_every_byte_value)
{
	uint8_t all[256];
	char got[513], want[513];
	for (int v = 0; v < 256; v++) {
		all[v] = (uint8_t)v;
		ref_hex((uint8_t)v, want + 2 * v);
	}
	hex_encode(all, sizeof all, got);
	cr_assert_str_eq(got, want);
	cr_assert_eq(strlen(got), 512);

	/* each value alone, and in every position of a 32-byte block */
	for (int v = 0; v < 256; v++) {
		char one[3], ref[3];
		uint8_t b = (uint8_t)v;
		hex_encode(&b, 1, one);
		ref_hex(b, ref);
		cr_assert_str_eq(one, ref, "byte %d", v);
		for (int pos = 0; pos < 32; pos++) {
			uint8_t blk[32];
			char h[65];
			memset(blk, 0x5a, sizeof blk);
			blk[pos] = b;
			hex_encode(blk, sizeof blk, h);
			cr_assert_eq(memcmp(h + 2 * pos, ref, 2), 0, "byte %d at %d", v, pos);
			cr_assert_eq(h[64], '\0');
		}
	}
}

Test(hex, encode_nothing)
{
	char out[1] = {'x'};
	hex_encode("", 0, out);
	cr_assert_eq(out[0], '\0');
}

Test(hex, decode_round_trip_every_byte_value)
{
	/* every value at every position of a 32-byte block, from lower- and
	 * upper-case text */
	for (int v = 0; v < 256; v++) {
		for (int pos = 0; pos < 32; pos++) {
			uint8_t blk[32], back[32];
			char h[65];
			for (int i = 0; i < 32; i++)
				blk[i] = (uint8_t)(i * 37 + 11);
			blk[pos] = (uint8_t)v;
			hex_encode(blk, sizeof blk, h);
			memset(back, 0, sizeof back);
			cr_assert_eq(hex_decode(h, sizeof back, back), 0);
			cr_assert_arr_eq(back, blk, sizeof blk, "byte %d at %d", v, pos);
			for (int i = 0; i < 64; i++)
				h[i] = (char)toupper((unsigned char)h[i]);
			memset(back, 0, sizeof back);
			cr_assert_eq(hex_decode(h, sizeof back, back), 0, "%s", h);
			cr_assert_arr_eq(back, blk, sizeof blk, "upper case, byte %d at %d", v, pos);
		}
	}
	/* mixed case in one pair */
	uint8_t b = 0;
	cr_assert_eq(hex_decode("aB", 1, &b), 0);
	cr_assert_eq(b, 0xab);
	cr_assert_eq(hex_decode("Ff", 1, &b), 0);
	cr_assert_eq(b, 0xff);
}

Test(hex, decode_reads_exactly_2n_characters)
{
	uint8_t out[2] = {0x11, 0x22};
	/* what follows the 2n characters is not looked at */
	cr_assert_eq(hex_decode("abzz", 1, out), 0);
	cr_assert_eq(out[0], 0xab);
	cr_assert_eq(out[1], 0x22);
	cr_assert_eq(hex_decode("", 0, out), 0);
	cr_assert_eq(out[0], 0xab);
}

Test(hex, decode_rejects_every_non_hex_byte_at_every_position)
{
	char good[65];
	uint8_t blk[32], out[32];
	for (int i = 0; i < 32; i++)
		blk[i] = (uint8_t)(0xf0 ^ i * 29);
	hex_encode(blk, sizeof blk, good);
	int rejected = 0, accepted = 0;
	for (int pos = 0; pos < 64; pos++) {
		for (int c = 0; c < 256; c++) {
			char h[65];
			memcpy(h, good, sizeof h);
			h[pos] = (char)c;
			int rc = hex_decode(h, sizeof out, out);
			if (is_hex_digit(c)) {
				cr_assert_eq(rc, 0, "'%c' at %d", c, pos);
				accepted++;
			} else {
				cr_assert_eq(rc, -1, "byte 0x%02x at %d accepted", c, pos);
				rejected++;
			}
		}
	}
	cr_assert_eq(accepted, 64 * 22);
	cr_assert_eq(rejected, 64 * (256 - 22));
	/* the neighbours of the digit ranges, spelled out */
	static const char *const near[] = {"/0", "0:", "@0", "0G", "`0", "0g", " 0", "0x"};
	for (size_t i = 0; i < sizeof near / sizeof near[0]; i++)
		cr_assert_eq(hex_decode(near[i], 1, out), -1, "%s", near[i]);
}

static void expect_sha256(const void *data, size_t len, const char *want)
{
	char got[65];
	memset(got, 'x', sizeof got);
	cr_assert_eq(hex_sha256(data, len, got), 0);
	cr_assert_str_eq(got, want);
}

Test(hex, sha256_known_answers)
{
	/* FIPS 180-2, appendix B.1 and B.2 */
	expect_sha256("abc", 3,
		      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	expect_sha256(two, strlen(two),
		      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* the empty message */
	expect_sha256("", 0,
		      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

Test(hex, sha256_million_a)
{
	/* FIPS 180-2, appendix B.3 */
	size_t n = 1000000;
	char *a = malloc(n);
	cr_assert_not_null(a);
	memset(a, 'a', n);
	expect_sha256(a, n, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

Test(hex, sha256_reads_only_len_bytes)
{
	/* "abc" followed by more text: only the first three bytes count */
	expect_sha256("abcdef", 3,
		      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* bytes that are not text, NUL included */
	static const uint8_t bin[] = {0x00, 0xff, 0x80, 0x00};
	char a[65], b[65];
	cr_assert_eq(hex_sha256(bin, sizeof bin, a), 0);
	cr_assert_eq(hex_sha256(bin, sizeof bin - 1, b), 0);
	cr_assert_str_neq(a, b);
	cr_assert_eq(strspn(a, "0123456789abcdef"), 64);
}
