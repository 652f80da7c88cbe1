/*
 * test_json.c - base/json.c, jansson with hhmatch's errors: load errors
 * that name the file (or what was parsed) with line:column, duplicate
 * members refused, hj_dump's two formats byte for byte, hj_string_bytes
 * on valid and invalid UTF-8 (each bad byte one U+FFFD, lossy flagged),
 * and hj_set_bytes / hj_get_bytes keeping any file name exactly, through
 * a dump and a load too.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"

#define TESTDIR_NAME "json"
#include "testdir.h"

#define FFFD "\xef\xbf\xbd"

/* ---- loading ---- */

TestSuite(json_load, .init = testdir_setup, .fini = testdir_teardown);

Test(json_load, a_file)
{
	const char *p = tpath("ok.json");
	const char text[] = "{\"a\": [1, 2], \"b\": \"x\"}\n";
	write_bytes(p, text, sizeof text - 1);
	json_t *j = (json_t *)1;
	hh_err err = {{0}};
	cr_assert_eq(hj_load_path(p, &j, &err), HH_OK, "%s", err.msg);
	cr_assert(json_is_object(j));
	cr_assert_eq(json_array_size(json_object_get(j, "a")), 2);
	cr_assert_str_eq(hj_str(j, "b"), "x");
	json_decref(j);
}

Test(json_load, missing_file_names_it)
{
	const char *p = tpath("missing.json");
	json_t *j = (json_t *)1;
	hh_err err = {{0}};
	cr_assert_eq(hj_load_path(p, &j, &err), HH_EINPUT);
	cr_assert_null(j);
	cr_assert(strstr(err.msg, p), "%s", err.msg);
	cr_assert(strstr(err.msg, "No such file"), "%s", err.msg);
}

Test(json_load, bad_json_names_file_line_and_column)
{
	/* the error is the ']' on line 3, column 8 */
	const char *p = tpath("bad.json");
	const char text[] = "{\n  \"a\": 1,\n  \"b\": ]\n}\n";
	write_bytes(p, text, sizeof text - 1);
	json_t *j = (json_t *)1;
	hh_err err = {{0}};
	cr_assert_eq(hj_load_path(p, &j, &err), HH_EINPUT);
	cr_assert_null(j);
	char want[1400];
	snprintf(want, sizeof want, "%s:3:8: not valid JSON: ", p);
	cr_assert_eq(strncmp(err.msg, want, strlen(want)), 0, "%s", err.msg);
}

Test(json_load, truncated_file_names_the_last_line)
{
	const char *p = tpath("cut.json");
	const char text[] = "{\n\"a\": [1,\n2,";
	write_bytes(p, text, sizeof text - 1);
	json_t *j = NULL;
	hh_err err = {{0}};
	cr_assert_eq(hj_load_path(p, &j, &err), HH_EINPUT);
	char want[1400];
	snprintf(want, sizeof want, "%s:3:", p);
	cr_assert_eq(strncmp(err.msg, want, strlen(want)), 0, "%s", err.msg);
	cr_assert(strstr(err.msg, "not valid JSON"), "%s", err.msg);
}

Test(json_load, empty_and_trailing_text)
{
	json_t *j = NULL;
	hh_err err = {{0}};
	const char *p = tpath("empty.json");
	write_bytes(p, "", 0);
	cr_assert_eq(hj_load_path(p, &j, &err), HH_EINPUT);
	cr_assert_eq(strncmp(err.msg, p, strlen(p)), 0, "%s", err.msg);
	cr_assert_null(j);

	/* a second document after the first is not one JSON text */
	p = tpath("two.json");
	write_bytes(p, "{}\n{}\n", 6);
	cr_assert_eq(hj_load_path(p, &j, &err), HH_EINPUT);
	char want[1400];
	snprintf(want, sizeof want, "%s:2:", p);
	cr_assert_eq(strncmp(err.msg, want, strlen(want)), 0, "%s", err.msg);
}

Test(json_load, a_folder_is_refused)
{
	json_t *j = (json_t *)1;
	hh_err err = {{0}};
	cr_assert_eq(hj_load_path(tdir, &j, &err), HH_EINPUT);
	cr_assert_null(j);
	char want[1400];
	snprintf(want, sizeof want, "cannot read %s: Is a directory", tdir);
	cr_assert_str_eq(err.msg, want);
}

Test(json_load, text_errors_name_what)
{
	json_t *j = (json_t *)1;
	hh_err err = {{0}};
	const char t[] = "[1,\n 2,\n x]";
	cr_assert_eq(hj_load_text(t, sizeof t - 1, "report.json of 202611", &j, &err), HH_EINPUT);
	cr_assert_null(j);
	cr_assert_eq(strncmp(err.msg, "report.json of 202611:3:2: not valid JSON: ", 43), 0,
		     "%s", err.msg);

	/* only len bytes are parsed */
	cr_assert_eq(hj_load_text("[7]garbage", 3, "t", &j, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(json_integer_value(json_array_get(j, 0)), 7);
	json_decref(j);
}

Test(json_load, duplicate_members_are_refused)
{
	json_t *j = NULL;
	hh_err err = {{0}};
	const char t[] = "{\"a\": 1, \"a\": 2}";
	cr_assert_eq(hj_load_text(t, sizeof t - 1, "dup", &j, &err), HH_EINPUT);
	cr_assert_null(j);
	cr_assert_eq(strncmp(err.msg, "dup:1:", 6), 0, "%s", err.msg);
	cr_assert(strstr(err.msg, "duplicate"), "%s", err.msg);
}

/* ---- dumping ---- */

static json_t *sample(void)
{
	/* members in an order that is not sorted, values of every kind */
	json_t *o = json_object();
	json_object_set_new(o, "zeta", json_integer(1));
	json_object_set_new(o, "alpha", json_string("x \"q\" \\ /\n\t住"));
	json_object_set_new(o, "mid", json_pack("[i, b, n, f]", -2, 1, 0.5));
	json_object_set_new(o, "empty", json_object());
	return o;
}

Test(json_dump, line_is_compact_in_insertion_order)
{
	json_t *o = sample();
	strbuf b = STRBUF_INIT;
	hj_dump(&b, o, HJ_LINE);
	cr_assert_eq(b.oom, 0);
	cr_assert_str_eq(sb_str(&b), "{\"zeta\":1,\"alpha\":\"x \\\"q\\\" \\\\ /\\n\\t住\","
				     "\"mid\":[-2,true,null,0.5],\"empty\":{}}");
	cr_assert_null(strchr(sb_str(&b), '\n'));
	json_decref(o);
	sb_release(&b);
}

Test(json_dump, pretty_is_two_space_indented)
{
	json_t *o = json_object();
	json_object_set_new(o, "b", json_integer(1));
	json_object_set_new(o, "a", json_pack("[s, {s: i}]", "x", "k", 2));
	strbuf b = STRBUF_INIT;
	hj_dump(&b, o, HJ_PRETTY);
	cr_assert_str_eq(sb_str(&b), "{\n"
				     "  \"b\": 1,\n"
				     "  \"a\": [\n"
				     "    \"x\",\n"
				     "    {\n"
				     "      \"k\": 2\n"
				     "    }\n"
				     "  ]\n"
				     "}");
	json_decref(o);
	sb_release(&b);
}

Test(json_dump, appends_and_reloads)
{
	json_t *o = sample();
	strbuf b = STRBUF_INIT;
	sb_adds(&b, "prefix ");
	hj_dump(&b, o, HJ_LINE);
	cr_assert_eq(strncmp(sb_str(&b), "prefix {\"zeta\":1,", 17), 0, "%s", sb_str(&b));
	json_t *back = NULL;
	hh_err err = {{0}};
	cr_assert_eq(hj_load_text(b.buf + 7, b.len - 7, "dump", &back, &err), HH_OK, "%s",
		     err.msg);
	cr_assert(json_equal(o, back));
	json_decref(o);
	json_decref(back);
	sb_release(&b);
}

/* ---- text that may not be UTF-8 ---- */

static void expect_string(const char *in, size_t n, const char *want, size_t want_len,
			  int want_lossy)
{
	int lossy = -1;
	json_t *s = hj_string_bytes(in, n, &lossy);
	cr_assert_not_null(s);
	cr_assert_eq(json_string_length(s), want_len, "length for %zu input bytes", n);
	cr_assert_eq(memcmp(json_string_value(s), want, want_len), 0);
	cr_assert_eq(lossy, want_lossy);
	json_decref(s);
}

#define EXPECT_STRING(in, want, lossy) \
	expect_string(in, sizeof in - 1, want, sizeof want - 1, lossy)

Test(json_bytes, string_bytes_keeps_valid_utf8)
{
	EXPECT_STRING("", "", 0);
	EXPECT_STRING("plain.csv", "plain.csv", 0);
	EXPECT_STRING("住房/医保 2026.csv", "住房/医保 2026.csv", 0);
	/* the longest sequences at the edges of the valid range */
	EXPECT_STRING("\xc2\x80\xdf\xbf", "\xc2\x80\xdf\xbf", 0);                 /* U+0080, U+07FF */
	EXPECT_STRING("\xe0\xa0\x80\xef\xbf\xbf", "\xe0\xa0\x80\xef\xbf\xbf", 0); /* U+0800, U+FFFF */
	EXPECT_STRING("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
		      0); /* U+10000, U+10FFFF */
	EXPECT_STRING("\xed\x9f\xbf\xee\x80\x80", "\xed\x9f\xbf\xee\x80\x80",
		      0); /* U+D7FF, U+E000: either side of the surrogates */
	/* a NUL byte is kept (jansson writes it as \u0000), not lossy */
	EXPECT_STRING("a\0b", "a\0b", 0);
}

Test(json_bytes, string_bytes_replaces_each_bad_byte)
{
	EXPECT_STRING("a\xff" "b", "a" FFFD "b", 1);
	/* GB18030 住房: D7 A1 happens to be valid UTF-8 (U+05E1), B7 and
	 * BF are lone continuation bytes */
	EXPECT_STRING("\xd7\xa1\xb7\xbf.csv", "\xd7\xa1" FFFD FFFD ".csv", 1);
	/* GB18030 医保 (D2 BD B1 A3): the same, U+04BD and two bad bytes */
	EXPECT_STRING("\xd2\xbd\xb1\xa3", "\xd2\xbd" FFFD FFFD, 1);
	/* a lone continuation byte, a lead byte without its continuation */
	EXPECT_STRING("\x80", FFFD, 1);
	EXPECT_STRING("\xe4\xbd" "x", FFFD FFFD "x", 1);
	/* cut off at the end */
	EXPECT_STRING("ab\xe4\xbd", "ab" FFFD FFFD, 1);
	/* overlong forms of '/' and of U+0000 */
	EXPECT_STRING("\xc0\xaf", FFFD FFFD, 1);
	EXPECT_STRING("\xe0\x80\xaf", FFFD FFFD FFFD, 1);
	EXPECT_STRING("\xc0\x80", FFFD FFFD, 1);
	/* a surrogate (U+D800), past U+10FFFF, bytes never valid */
	EXPECT_STRING("\xed\xa0\x80", FFFD FFFD FFFD, 1);
	EXPECT_STRING("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD, 1);
	EXPECT_STRING("\xf8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD, 1);
	EXPECT_STRING("\xfe\xff", FFFD FFFD, 1);
	/* valid text around a bad byte is kept */
	EXPECT_STRING("住\xff房", "住" FFFD "房", 1);
	/* lossy may be NULL */
	json_t *s = hj_string_bytes("\xff", 1, NULL);
	cr_assert_str_eq(json_string_value(s), FFFD);
	json_decref(s);
}

/* hj_set_bytes then hj_get_bytes, directly and through a dump and a
 * load: the JSON text is want_text, the _hex member want_hex (NULL: no
 * such member), and the bytes read back are name's. */
static void round_trip(const char *name, const char *want_text, const char *want_hex)
{
	json_t *o = json_object();
	cr_assert_eq(hj_set_bytes(o, "file", name), 0);
	cr_assert_str_eq(hj_str(o, "file"), want_text);
	if (want_hex)
		cr_assert_str_eq(hj_str(o, "file_hex"), want_hex);
	else
		cr_assert_null(json_object_get(o, "file_hex"));
	char *back = hj_get_bytes(o, "file");
	cr_assert_not_null(back);
	cr_assert_str_eq(back, name);
	free(back);

	strbuf b = STRBUF_INIT;
	hj_dump(&b, o, HJ_LINE);
	json_t *again = NULL;
	hh_err err = {{0}};
	cr_assert_eq(hj_load_text(b.buf, b.len, "dump", &again, &err), HH_OK, "%s: %s", err.msg,
		     sb_str(&b));
	back = hj_get_bytes(again, "file");
	cr_assert_not_null(back);
	cr_assert_str_eq(back, name);
	free(back);
	json_decref(again);
	json_decref(o);
	sb_release(&b);
}

Test(json_bytes, valid_name_round_trips_without_hex)
{
	round_trip("education.tsv", "education.tsv", NULL);
	round_trip("/data/2026-11/住房 \"quoted\".csv", "/data/2026-11/住房 \"quoted\".csv", NULL);
	round_trip("", "", NULL);
}

Test(json_bytes, invalid_name_round_trips_through_hex)
{
	round_trip("\xd7\xa1\xb7\xbf.csv", "\xd7\xa1" FFFD FFFD ".csv", "d7a1b7bf2e637376");
	round_trip("\xc8\xcb.csv", FFFD FFFD ".csv", "c8cb2e637376"); /* GB18030 人 */
	round_trip("in/\xff\x01\x7f" "x", "in/" FFFD "\x01\x7f" "x", "696e2fff017f78");
	/* every byte value from 1 to 255 in one name */
	char all[256], hex[512];
	for (int i = 1; i < 256; i++) {
		all[i - 1] = (char)i;
		snprintf(hex + 2 * (i - 1), 3, "%02x", i);
	}
	all[255] = '\0';
	json_t *o = json_object();
	cr_assert_eq(hj_set_bytes(o, "path", all), 0);
	cr_assert_str_eq(hj_str(o, "path_hex"), hex);
	char *back = hj_get_bytes(o, "path");
	cr_assert_str_eq(back, all);
	free(back);
	json_decref(o);
}

Test(json_bytes, setting_a_name_again_replaces_it)
{
	/* the second name is the one read back, whichever kind each is */
	json_t *o = json_object();
	cr_assert_eq(hj_set_bytes(o, "file", "old\xff.csv"), 0);
	cr_assert_eq(hj_set_bytes(o, "file", "new.csv"), 0);
	char *back = hj_get_bytes(o, "file");
	cr_assert_str_eq(back, "new.csv");
	free(back);
	cr_assert_null(json_object_get(o, "file_hex"));

	cr_assert_eq(hj_set_bytes(o, "file", "\xfe.csv"), 0);
	back = hj_get_bytes(o, "file");
	cr_assert_str_eq(back, "\xfe.csv");
	free(back);
	json_decref(o);
}

Test(json_bytes, get_bytes_refuses_what_set_bytes_never_writes)
{
	json_t *o = NULL;
	hh_err err = {{0}};
	const char t[] = "{\"n\": 3, \"odd\": \"x\", \"odd_hex\": \"616\","
			 " \"bad\": \"x\", \"bad_hex\": \"6g\", \"plain\": \"p\"}";
	cr_assert_eq(hj_load_text(t, sizeof t - 1, "t", &o, &err), HH_OK, "%s", err.msg);
	cr_assert_null(hj_get_bytes(o, "missing"));
	cr_assert_null(hj_get_bytes(o, "n"));
	cr_assert_null(hj_get_bytes(o, "odd"));
	cr_assert_null(hj_get_bytes(o, "bad"));
	char *p = hj_get_bytes(o, "plain");
	cr_assert_str_eq(p, "p");
	free(p);
	cr_assert_null(hj_str(o, "n"));
	cr_assert_null(hj_str(o, "missing"));
	cr_assert_str_eq(hj_str(o, "plain"), "p");
	json_decref(o);
}
