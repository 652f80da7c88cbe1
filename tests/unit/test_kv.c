/*
 * test_kv.c - the `key = value` parser (base/kv.c): comments, blanks,
 * quotes, CRLF and BOM, every syntax error with its line number, callback
 * errors stopping the parse, and kv_read_file.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/kv.h"

#define TESTDIR_NAME "kv"
#include "testdir.h"

#define MAXKV 16

typedef struct {
	int n;
	char key[MAXKV][64];
	char value[MAXKV][128];
	int line[MAXKV];
	int stop_at; /* fail on this setting number (1-based), 0: never */
} collect;

static hh_status collect_fn(void *ctx, const char *key, const char *value,
			    int line, hh_err *err)
{
	collect *c = ctx;
	cr_assert_lt(c->n, MAXKV);
	snprintf(c->key[c->n], sizeof c->key[0], "%s", key);
	snprintf(c->value[c->n], sizeof c->value[0], "%s", value);
	c->line[c->n] = line;
	c->n++;
	if (c->stop_at == c->n)
		return hh_fail(err, HH_EUSAGE, "stopped at %s on line %d", key,
			       line);
	return HH_OK;
}

static hh_status parse(const char *text, collect *c, hh_err *err)
{
	memset(c, 0, sizeof *c);
	memset(err, 0, sizeof *err);
	return kv_parse(text, "t.conf", collect_fn, c, err);
}

Test(kv, basic_comments_blanks)
{
	collect c;
	hh_err err;
	const char *text = "# a comment\n"
			   "\n"
			   "a = 1\n"
			   "   \t  \n"
			   "  b.c_d-e=two words  \n"
			   "# a = 3\n"
			   "f = 4 # trailing comment\n"
			   "g =\n"
			   "h = x=y\n"
			   "  # indented comment\n"
			   "last = end"; /* no final newline */
	cr_assert_eq(parse(text, &c, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(c.n, 6);
	cr_assert_str_eq(c.key[0], "a");
	cr_assert_str_eq(c.value[0], "1");
	cr_assert_eq(c.line[0], 3);
	cr_assert_str_eq(c.key[1], "b.c_d-e");
	cr_assert_str_eq(c.value[1], "two words");
	cr_assert_eq(c.line[1], 5);
	cr_assert_str_eq(c.key[2], "f");
	cr_assert_str_eq(c.value[2], "4");
	cr_assert_eq(c.line[2], 7);
	cr_assert_str_eq(c.key[3], "g");
	cr_assert_str_eq(c.value[3], "");
	cr_assert_str_eq(c.key[4], "h");
	cr_assert_str_eq(c.value[4], "x=y");
	cr_assert_str_eq(c.key[5], "last");
	cr_assert_str_eq(c.value[5], "end");
	cr_assert_eq(c.line[5], 11);
}

Test(kv, empty_text)
{
	collect c;
	hh_err err;
	cr_assert_eq(parse("", &c, &err), HH_OK);
	cr_assert_eq(c.n, 0);
	cr_assert_eq(parse("\n\n# only comments\n", &c, &err), HH_OK);
	cr_assert_eq(c.n, 0);
}

Test(kv, quotes)
{
	collect c;
	hh_err err;
	const char *text = "a = \"  padded  \"\n"
			   "b = \"has # hash\"   # and a comment\n"
			   "c = \"\"\n"
			   "d = say \"hi\"\n"; /* quotes only at the start count */
	cr_assert_eq(parse(text, &c, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(c.n, 4);
	cr_assert_str_eq(c.value[0], "  padded  ");
	cr_assert_str_eq(c.value[1], "has # hash");
	cr_assert_str_eq(c.value[2], "");
	cr_assert_str_eq(c.value[3], "say \"hi\"");
}

Test(kv, crlf_and_bom)
{
	collect c;
	hh_err err;
	cr_assert_eq(parse("\xEF\xBB\xBF"
			   "a = 1\r\n"
			   "\r\n"
			   "b = \"q\"\r\n",
			   &c, &err),
		     HH_OK, "%s", err.msg);
	cr_assert_eq(c.n, 2);
	cr_assert_str_eq(c.key[0], "a");
	cr_assert_str_eq(c.value[0], "1");
	cr_assert_str_eq(c.value[1], "q");
	cr_assert_eq(c.line[1], 3);
}

Test(kv, long_line)
{
	collect c;
	hh_err err;
	size_t n = 5000;
	char *text = malloc(n + 16);
	cr_assert_not_null(text);
	memcpy(text, "k = ", 4);
	memset(text + 4, 'v', n);
	memcpy(text + 4 + n, "\nz = 1\n", sizeof "\nz = 1\n");
	cr_assert_eq(parse(text, &c, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(c.n, 2);
	cr_assert_eq(strlen(c.value[0]), sizeof c.value[0] - 1); /* clipped copy */
	cr_assert_eq(c.line[1], 2);
	free(text);
}

Test(kv, missing_equals)
{
	collect c;
	hh_err err;
	cr_assert_eq(parse("a = 1\n\n# c\nincome_line 6000\nb = 2\n", &c, &err),
		     HH_EUSAGE);
	cr_assert_str_eq(err.msg, "t.conf: line 4: expected 'key = value'");
	cr_assert_eq(c.n, 1); /* settings before the error were delivered */

	/* an '=' inside a trailing comment does not count */
	cr_assert_eq(parse("a 1 # x = y\n", &c, &err), HH_EUSAGE);
	cr_assert_str_eq(err.msg, "t.conf: line 1: expected 'key = value'");
}

Test(kv, bad_keys)
{
	collect c;
	hh_err err;
	cr_assert_eq(parse("a = 1\n= 2\n", &c, &err), HH_EUSAGE);
	cr_assert_str_eq(err.msg, "t.conf: line 2: missing key before '='");

	cr_assert_eq(parse("\nmedical oop = 2\n", &c, &err), HH_EUSAGE);
	cr_assert(strstr(err.msg, "t.conf: line 2: invalid key"), "%s",
		  err.msg);

	cr_assert_eq(parse("\"a\" = 2\n", &c, &err), HH_EUSAGE);
	cr_assert(strstr(err.msg, "t.conf: line 1: invalid key"), "%s",
		  err.msg);
}

Test(kv, bad_quotes)
{
	collect c;
	hh_err err;
	cr_assert_eq(parse("a = 1\nb = \"open\n", &c, &err), HH_EUSAGE);
	cr_assert_str_eq(err.msg, "t.conf: line 2: unterminated quoted value");

	cr_assert_eq(parse("a = \"x\" y\n", &c, &err), HH_EUSAGE);
	cr_assert_str_eq(err.msg,
			 "t.conf: line 1: unexpected text after the closing "
			 "quote");
}

Test(kv, callback_error_stops)
{
	collect c;
	hh_err err;
	memset(&c, 0, sizeof c);
	c.stop_at = 2;
	cr_assert_eq(kv_parse("a = 1\n\nb = 2\nc = 3\n", "t.conf", collect_fn,
			      &c, &err),
		     HH_EUSAGE);
	cr_assert_eq(c.n, 2);
	cr_assert_str_eq(err.msg, "stopped at b on line 3");
}

static hh_status count_fn(void *ctx, const char *key, const char *value,
			  int line, hh_err *err)
{
	(void)err;
	int *prev = ctx;
	/* keys are never empty, values never hold a newline, and lines only
	 * go forward */
	cr_assert_neq(key[0], '\0');
	cr_assert_null(strchr(value, '\n'));
	cr_assert_gt(line, *prev);
	*prev = line;
	return HH_OK;
}

/* Random text from an alphabet of the characters the grammar cares
 * about: the parser must never crash, and every error names a line. */
Test(kv, random_text_robustness)
{
	static const char alphabet[] = "ab_.=#\" \t\r\n\n1-";
	char text[200];
	unsigned seed = 12345;
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = (size_t)(iter % 199);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			text[i] = alphabet[(seed >> 16) %
					   (sizeof alphabet - 1)];
		}
		text[n] = '\0';
		int prev = 0;
		hh_err err;
		hh_status st = kv_parse(text, "r.conf", count_fn, &prev, &err);
		if (st != HH_OK) {
			cr_assert_eq(st, HH_EUSAGE);
			cr_assert_eq(strncmp(err.msg, "r.conf: line ", 13), 0,
				     "%s", err.msg);
		}
	}
}

TestSuite(kv_file, .init = testdir_setup, .fini = testdir_teardown);

Test(kv_file, read_roundtrip)
{
	const char *path;
	char *text = NULL;
	hh_err err;
	const char body[] = "a = 1\nb = 2\n";
	path = tpath("r.conf");
	write_bytes(path, body, sizeof body - 1);
	cr_assert_eq(kv_read_file(path, &text, &err), HH_OK, "%s", err.msg);
	cr_assert_str_eq(text, body);
	free(text);

	path = tpath("empty.conf");
	write_bytes(path, "", 0);
	cr_assert_eq(kv_read_file(path, &text, &err), HH_OK, "%s", err.msg);
	cr_assert_str_eq(text, "");
	free(text);
}

Test(kv_file, read_larger_than_buffer)
{
	const char *path;
	char *text = NULL;
	hh_err err;
	size_t n = 100000;
	char *body = malloc(n);
	cr_assert_not_null(body);
	for (size_t i = 0; i < n; i++)
		body[i] = (i % 50 == 49) ? '\n' : 'x';
	path = tpath("big.conf");
	write_bytes(path, body, n);
	cr_assert_eq(kv_read_file(path, &text, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(strlen(text), n);
	cr_assert_eq(memcmp(text, body, n), 0);
	free(text);
	free(body);
}

Test(kv_file, errors)
{
	const char *path;
	char *text = (char *)"untouched";
	hh_err err;

	/* an unreadable file is an input error (2), not a usage error */
	path = tpath("missing.conf");
	cr_assert_eq(kv_read_file(path, &text, &err), HH_EINPUT);
	cr_assert(strstr(err.msg, "missing.conf"), "%s", err.msg);
	cr_assert(strstr(err.msg, "No such file"), "%s", err.msg);
	cr_assert_str_eq(text, "untouched");

	cr_assert_eq(kv_read_file(tdir, &text, &err), HH_EINPUT);
	cr_assert(strstr(err.msg, "is a directory"), "%s", err.msg);

	path = tpath("nul.conf");
	write_bytes(path, "a = 1\0b = 2\n", 12);
	cr_assert_eq(kv_read_file(path, &text, &err), HH_EINPUT);
	cr_assert(strstr(err.msg, "NUL byte"), "%s", err.msg);
	cr_assert_str_eq(text, "untouched");
}

Test(kv_file, size_limit)
{
	const char *path;
	char *text = NULL;
	hh_err err;
	size_t limit = 16u << 20;
	char *body = malloc(limit + 1);
	cr_assert_not_null(body);
	memset(body, '#', limit + 1);

	path = tpath("exact.conf");
	write_bytes(path, body, limit);
	cr_assert_eq(kv_read_file(path, &text, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(strlen(text), limit);
	free(text);

	text = NULL;
	path = tpath("over.conf");
	write_bytes(path, body, limit + 1);
	cr_assert_eq(kv_read_file(path, &text, &err), HH_EINPUT);
	cr_assert(strstr(err.msg, "larger than 16 MiB"), "%s", err.msg);
	cr_assert_null(text);
	free(body);
}
