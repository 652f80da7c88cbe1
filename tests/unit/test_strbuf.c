/*
 * test_strbuf.c - base/strbuf.c, the one growable string: growth one
 * byte at a time and in chunks of every size across the allocation
 * steps, sb_addf output longer than any buffer it starts in, and what
 * sb_reset, sb_detach and sb_release leave behind.  Every check compares
 * the whole text with one built independently.
 *
 * Running out of memory cannot be forced here; only the size overflow
 * (which needs no allocation) and the stickiness of oom once set are.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"

/* The byte at position i of every pattern below. */
static char pat(size_t i) { return (char)('a' + i % 23 + (i / 23) % 3); }

/* The invariants the header promises of a buffer holding want[0..n). */
static void expect_text(const strbuf *b, const char *want, size_t n)
{
	cr_assert_eq(b->len, n);
	cr_assert_not_null(b->buf);
	cr_assert_gt(b->cap, b->len, "cap %zu len %zu", b->cap, b->len);
	cr_assert_eq(b->buf[n], '\0', "not NUL-terminated at %zu", n);
	cr_assert_eq(memcmp(b->buf, want, n), 0, "text differs (len %zu)", n);
	cr_assert_eq(sb_str(b), b->buf);
	cr_assert_eq(b->oom, 0);
}

Test(strbuf, empty_buffer)
{
	strbuf b = STRBUF_INIT;
	cr_assert_null(b.buf);
	cr_assert_eq(b.len, 0);
	cr_assert_str_eq(sb_str(&b), "");
	sb_release(&b); /* releasing a buffer that never held memory */
	cr_assert_null(b.buf);

	/* adding nothing still gives a terminated text */
	sb_add(&b, "x", 0);
	expect_text(&b, "", 0);
	sb_adds(&b, "");
	sb_addf(&b, "%s", "");
	expect_text(&b, "", 0);
	sb_release(&b);
}

Test(strbuf, one_byte_at_a_time)
{
	enum { N = 70000 };
	char *want = malloc(N);
	cr_assert_not_null(want);
	strbuf b = STRBUF_INIT;
	for (size_t i = 0; i < N; i++) {
		want[i] = pat(i);
		sb_addc(&b, want[i]);
		/* every length up to 1100, then at each power of two and
		 * the lengths either side of it */
		size_t n = i + 1;
		if (n < 1100 || (n & (n - 1)) == 0 || ((n - 1) & (n - 2)) == 0 ||
		    ((n + 1) & n) == 0)
			expect_text(&b, want, n);
	}
	expect_text(&b, want, N);
	sb_release(&b);
	free(want);
}

Test(strbuf, chunks_of_every_size)
{
	/* appends of each size 0..300 onto buffers of each starting length
	 * 0..130: every crossing of the 64, 128, 256 and 512 byte steps */
	char want[1024];
	for (size_t i = 0; i < sizeof want; i++)
		want[i] = pat(i);
	for (size_t start = 0; start <= 130; start++) {
		for (size_t chunk = 0; chunk <= 300; chunk += start < 70 ? 1 : 7) {
			strbuf b = STRBUF_INIT;
			sb_add(&b, want, start);
			sb_add(&b, want + start, chunk);
			expect_text(&b, want, start + chunk);
			sb_add(&b, want + start + chunk, 3);
			expect_text(&b, want, start + chunk + 3);
			sb_release(&b);
		}
	}
}

Test(strbuf, large_appends)
{
	/* a 5 MB text in unequal pieces */
	size_t n = 5u << 20;
	char *want = malloc(n);
	cr_assert_not_null(want);
	for (size_t i = 0; i < n; i++)
		want[i] = pat(i);
	strbuf b = STRBUF_INIT;
	size_t at = 0, step = 1;
	while (at < n) {
		size_t k = step < n - at ? step : n - at;
		sb_add(&b, want + at, k);
		at += k;
		step = step * 3 + 1;
	}
	expect_text(&b, want, n);
	sb_release(&b);
	free(want);
}

Test(strbuf, grow_reserves_room)
{
	strbuf b = STRBUF_INIT;
	sb_adds(&b, "abc");
	cr_assert_eq(sb_grow(&b, 1000), 1);
	cr_assert_geq(b.cap, 3 + 1000 + 1);
	/* what was reserved is used without moving the text */
	const char *before = b.buf;
	char fill[1000];
	memset(fill, 'z', sizeof fill);
	sb_add(&b, fill, sizeof fill);
	cr_assert_eq(b.buf, before);
	cr_assert_eq(b.len, 1003);
	cr_assert_eq(memcmp(b.buf, "abczzz", 6), 0);
	cr_assert_eq(b.buf[1003], '\0');
	sb_release(&b);
}

Test(strbuf, size_overflow_sets_oom_and_it_sticks)
{
	strbuf b = STRBUF_INIT;
	sb_adds(&b, "kept");
	/* len + SIZE_MAX + 1 wraps: refused without an allocation */
	cr_assert_eq(sb_grow(&b, SIZE_MAX), 0);
	cr_assert_eq(b.oom, 1);
	cr_assert_eq(b.len, 4);
	cr_assert_str_eq(sb_str(&b), "kept");
	/* every later add is dropped, oom stays set */
	sb_adds(&b, "more");
	sb_addc(&b, 'x');
	sb_addf(&b, "%d", 42);
	cr_assert_eq(sb_grow(&b, 1), 0);
	cr_assert_eq(b.len, 4);
	cr_assert_eq(b.oom, 1);
	cr_assert_str_eq(sb_str(&b), "kept");
	/* an incomplete text is never handed out; the memory is freed */
	size_t len = 99;
	cr_assert_null(sb_detach(&b, &len));
	cr_assert_null(b.buf);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.oom, 0);
	/* the released buffer works again */
	sb_adds(&b, "again");
	expect_text(&b, "again", 5);
	sb_release(&b);
}

Test(strbuf, addf_formats)
{
	strbuf b = STRBUF_INIT;
	sb_addf(&b, "%d|%s|%c|%05.1f|%x|%zu|%%", -12, "ab", 'q', 3.5, 255u, (size_t)7);
	const char *want = "-12|ab|q|003.5|ff|7|%";
	expect_text(&b, want, strlen(want));
	sb_addf(&b, "%s", "+tail");
	expect_text(&b, "-12|ab|q|003.5|ff|7|%+tail", strlen(want) + 5);
	sb_release(&b);
}

Test(strbuf, addf_longer_than_the_buffer)
{
	/* outputs of every length around the first allocation (64) and much
	 * longer ones, onto empty and non-empty buffers */
	static char arg[200001];
	for (size_t i = 0; i < sizeof arg - 1; i++)
		arg[i] = pat(i);
	static const size_t lens[] = {0,  1,   62,   63,    64,    65,    127,
				      128, 129, 4095, 4096, 65537, 200000};
	static const char prefix[] = "head:";
	for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		for (int pre = 0; pre < 2; pre++) {
			strbuf b = STRBUF_INIT;
			size_t p = pre ? sizeof prefix - 1 : 0;
			sb_add(&b, prefix, p);
			sb_addf(&b, "%.*s!", (int)lens[k], arg);
			cr_assert_eq(b.len, p + lens[k] + 1, "len %zu", lens[k]);
			cr_assert_eq(memcmp(b.buf, prefix, p), 0);
			cr_assert_eq(memcmp(b.buf + p, arg, lens[k]), 0, "len %zu", lens[k]);
			cr_assert_eq(b.buf[p + lens[k]], '!');
			cr_assert_eq(b.buf[b.len], '\0');
			cr_assert_eq(b.oom, 0);
			sb_release(&b);
		}
	}
	/* a width that makes the output long from a short argument */
	strbuf b = STRBUF_INIT;
	sb_addf(&b, "%*d", 10000, 7);
	cr_assert_eq(b.len, 10000);
	cr_assert_eq(strspn(b.buf, " "), 9999);
	cr_assert_str_eq(b.buf + 9999, "7");
	sb_release(&b);
}

Test(strbuf, reset_keeps_memory)
{
	strbuf b = STRBUF_INIT;
	sb_reset(&b); /* on a buffer without memory */
	cr_assert_str_eq(sb_str(&b), "");
	for (int i = 0; i < 500; i++)
		sb_addc(&b, pat((size_t)i));
	char *mem = b.buf;
	size_t cap = b.cap;
	sb_reset(&b);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.buf, mem);
	cr_assert_eq(b.cap, cap);
	cr_assert_str_eq(sb_str(&b), "");
	sb_adds(&b, "new");
	expect_text(&b, "new", 3);
	cr_assert_eq(b.buf, mem);
	/* reset clears oom */
	b.oom = 1;
	sb_reset(&b);
	cr_assert_eq(b.oom, 0);
	sb_adds(&b, "ok");
	expect_text(&b, "ok", 2);
	sb_release(&b);
}

Test(strbuf, detach_hands_over_the_text)
{
	strbuf b = STRBUF_INIT;
	sb_adds(&b, "hello, ");
	sb_addf(&b, "%s %d", "world", 2026);
	size_t len = 0;
	char *s = sb_detach(&b, &len);
	cr_assert_str_eq(s, "hello, world 2026");
	cr_assert_eq(len, strlen("hello, world 2026"));
	/* the buffer is empty and independent of the text */
	cr_assert_null(b.buf);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.cap, 0);
	cr_assert_str_eq(sb_str(&b), "");
	sb_adds(&b, "next");
	expect_text(&b, "next", 4);
	cr_assert_str_eq(s, "hello, world 2026");
	free(s);

	/* len may be NULL */
	s = sb_detach(&b, NULL);
	cr_assert_str_eq(s, "next");
	free(s);

	/* a buffer nothing was added to gives "" (not NULL) */
	s = sb_detach(&b, &len);
	cr_assert_not_null(s);
	cr_assert_str_eq(s, "");
	cr_assert_eq(len, 0);
	free(s);

	/* as does a buffer that was reset */
	sb_adds(&b, "gone");
	sb_reset(&b);
	len = 9;
	s = sb_detach(&b, &len);
	cr_assert_str_eq(s, "");
	cr_assert_eq(len, 0);
	free(s);
	sb_release(&b);
}

Test(strbuf, release_empties)
{
	strbuf b = STRBUF_INIT;
	sb_adds(&b, "some text");
	sb_release(&b);
	cr_assert_null(b.buf);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.cap, 0);
	cr_assert_eq(b.oom, 0);
	cr_assert_str_eq(sb_str(&b), "");
	sb_release(&b); /* twice is fine */
	sb_addc(&b, 'a');
	expect_text(&b, "a", 1);
	sb_release(&b);
}

Test(strbuf, embedded_nul_bytes)
{
	/* sb_add copies bytes, not a C string */
	strbuf b = STRBUF_INIT;
	sb_add(&b, "a\0b", 3);
	sb_addc(&b, '\0');
	sb_adds(&b, "c");
	expect_text(&b, "a\0b\0c", 5);
	size_t len = 0;
	char *s = sb_detach(&b, &len);
	cr_assert_eq(len, 5);
	cr_assert_eq(memcmp(s, "a\0b\0c", 6), 0);
	free(s);
}
