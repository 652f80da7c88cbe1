/*
 * test_auditlog.c - the audit record (history/auditrec.c) and the
 * hash-chained log file (history/auditlog.c).
 *
 * The record: the bytes of records written by hhmatch before the audit
 * store existed are rebuilt exactly from their content (so the
 * PostgreSQL store's table, which is verified by rebuilding, keeps
 * verifying), with the format's own escaping; a record's parts are found
 * by its shape.  The log: an intact chain verifies (an old log too); one
 * changed byte anywhere in a record, a removed record, two records
 * swapped, a truncated last line and a removed first record are each
 * detected and the first broken record is named.  The head anchor
 * (audit.head) follows every append; against it, the last records
 * removed, the log emptied, or cut and written again are each detected.
 * What a record may not hold: text shaped like an ID number.
 * The seals: every appended record carries a mac under the audit key; a
 * log whose chain was recomputed without the key (a record changed or
 * forged, seals copied or made under another key), a record whose mac
 * was stripped after sealed ones (a downgrade), and a log checked with
 * another key each fail at the first such record; legacy records verify
 * before the first sealed one, and without a key the macs are reported
 * unchecked.
 * A full disk and a torn tail: a write stopped short (the file size
 * limit, RLIMIT_FSIZE, as a full disk stops it) leaves the log as it was
 * and the same append works once there is room; half a record left by
 * an append that died is removed by the next append, which records the
 * repair first (its size and SHA-256) and verifies; a last record cut
 * short that the anchor names is refused, not repaired; the anchor's
 * temporary of a killed append is removed by auditlog_tidy; a first
 * append that fails leaves no empty log behind.
 */
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define TESTDIR_NAME "auditlog"
#include "testdir.h"

#include "base/hex.h"
#include "history/auditlog.h"
#include "history/auditrec.h"

static char path[1280];
static pid_key *akey;   /* the audit key */
static pid_key *wrong;  /* a key that is not it */

static void setup(void)
{
	testdir_setup();
	akey = pid_key_new((const uint8_t *)"the audit key of the tests", 26);
	wrong = pid_key_new((const uint8_t *)"someone else's key", 18);
	cr_assert(akey && wrong);
	snprintf(path, sizeof path, "%s", tpath("audit.log"));
}

static void teardown(void)
{
	pid_key_free(akey);
	pid_key_free(wrong);
	testdir_teardown();
}

/* The members of the i-th test record. */
static void members_of(int i, char *m, size_t cap)
{
	snprintf(m, cap,
		 "\"time\":\"2026-11-30T08:00:%02dZ\",\"operator\":\"op\",\"purpose\":"
		 "\"case %d\",\"query\":{\"command\":\"household\",\"household\":\"H%d\"},"
		 "\"pids\":[]", i, i, i);
}

static void append_n(int n)
{
	hh_err err = {{0}};
	for (int i = 0; i < n; i++) {
		char m[256];
		auditrec_anchor h = {0};
		members_of(i, m, sizeof m);
		cr_assert_eq(auditlog_append(path, m, akey, &h, &err), HH_OK, "%s", err.msg);
		cr_assert_eq(h.records, (unsigned long)i + 1);
	}
}

static auditlog_check verify_with(const pid_key *k, auditrec_seals *s)
{
	auditlog_check c;
	hh_err err = {{0}};
	*s = (auditrec_seals){.key = k};
	cr_assert_eq(auditlog_verify(path, s, NULL, 0, &c, &err), HH_OK, "%s", err.msg);
	return c;
}

static auditlog_check verify(void)
{
	auditrec_seals s;
	return verify_with(akey, &s);
}

/* Writes a log of n test records as someone would who recomputes the
 * chain: record `changed` (1-based, 0: none) with another purpose,
 * records from `sealed_from` on (0: none) sealed under k, with the audit
 * key's id written in (a forger copies it; k may be the real key). */
static void forge(int n, int changed, int sealed_from, const pid_key *k)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	char prev[65];
	memcpy(prev, auditrec_zeros, 65);
	for (int i = 0; i < n; i++) {
		char m[256], own[65];
		members_of(i, m, sizeof m);
		if (i + 1 == changed)
			snprintf(m, sizeof m, "\"time\":\"x\",\"purpose\":\"forged\",\"pids\":[]");
		strbuf l = STRBUF_INIT;
		auditrec_seal seal;
		int sealed = sealed_from && i + 1 >= sealed_from;
		if (sealed) {
			cr_assert_eq(auditrec_seal_make(k, (unsigned long)i + 1, m, strlen(m), prev,
							&seal), 0);
			memcpy(seal.key_id, pid_key_id(akey), 8);
		}
		cr_assert_eq(auditrec_text(&l, (unsigned long)i + 1, m, strlen(m),
					   sealed ? &seal : NULL, prev, own), 0);
		auditrec_close(&l, own);
		cr_assert_eq(hex_sha256(l.buf, l.len, prev), 0);
		fprintf(f, "%s\n", sb_str(&l));
		sb_release(&l);
	}
	fclose(f);
}

/* The log's lines, to edit them. */
static int read_lines(char lines[][1024], int max)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	int n = 0;
	while (n < max && fgets(lines[n], 1024, f))
		n++;
	fclose(f);
	return n;
}

static void write_lines(char lines[][1024], const int *order, int n)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	for (int i = 0; i < n; i++)
		fputs(lines[order[i]], f);
	fclose(f);
}

Test(auditlog, intact_chain, .init = setup, .fini = teardown)
{
	append_n(5);
	auditlog_check c = verify();
	cr_expect_eq(c.broken, 0, "%s", c.why);
	cr_expect_eq(c.records, 5);
	cr_expect_eq(strlen(c.head), 64);
	struct stat sb;
	cr_assert_eq(stat(path, &sb), 0);
	/* the umask decides, as for the rest of the state */
	mode_t mask = umask(0);
	umask(mask);
	cr_expect_eq(sb.st_mode & 0777, 0666 & ~mask);
	char l[8][1024];
	cr_assert_eq(read_lines(l, 8), 5);
	cr_expect(strstr(l[0], "\"prev_sha256\":\"0000000000000000"));
	cr_expect_eq(strncmp(l[2], "{\"seq\":3,", 9), 0);
}

Test(auditlog, empty_log_is_intact, .init = setup, .fini = teardown)
{
	FILE *f = fopen(path, "w");
	fclose(f);
	auditlog_check c = verify();
	cr_expect_eq(c.broken, 0);
	cr_expect_eq(c.records, 0);
}

Test(auditlog, missing_log_is_an_input_error, .init = setup, .fini = teardown)
{
	auditlog_check c;
	hh_err err = {{0}};
	auditrec_seals s = {.key = akey};
	cr_expect_eq(auditlog_verify(path, &s, NULL, 0, &c, &err), HH_EINPUT);
	cr_expect(strstr(err.msg, "audit.log"), "%s", err.msg);
}

/* Every byte position of record 3 (except its line end) changed in turn
 * must name record 3. */
Test(auditlog, one_changed_byte_names_that_record, .init = setup, .fini = teardown)
{
	append_n(5);
	char orig[8][1024];
	cr_assert_eq(read_lines(orig, 8), 5);
	size_t len = strlen(orig[2]) - 1;
	const int order[] = {0, 1, 2, 3, 4};
	for (size_t pos = 0; pos < len; pos++) {
		char l[8][1024];
		memcpy(l, orig, sizeof l);
		l[2][pos] = l[2][pos] == 'a' ? 'b' : 'a';
		write_lines(l, order, 5);
		auditlog_check c = verify();
		cr_assert_eq(c.broken, 3, "byte %zu: broken %lu (%s)", pos, c.broken, c.why);
	}
}

Test(auditlog, changed_record_with_recomputed_hash_names_the_next, .init = setup,
     .fini = teardown)
{
	/* someone edits record 2 and recomputes its own sha256 by appending
	 * to a fresh log the same way: the next record's prev_sha256 breaks */
	append_n(3);
	char l[8][1024];
	cr_assert_eq(read_lines(l, 8), 3);
	cr_assert_eq(rename(path, tpath("audit.log.keep")), 0);
	/* rebuild a log whose record 2 differs, then splice the old record 3 */
	hh_err err = {{0}};
	FILE *f = fopen(path, "w");
	fputs(l[0], f);
	fclose(f);
	cr_assert_eq(auditlog_append(path, "\"time\":\"x\",\"purpose\":\"forged\"", akey, NULL,
				     &err),
		     HH_OK);
	f = fopen(path, "a");
	fputs(l[2], f);
	fclose(f);
	auditlog_check c = verify();
	cr_expect_eq(c.broken, 3, "%s", c.why);
	cr_expect(strstr(c.why, "prev_sha256"), "%s", c.why);
}

Test(auditlog, removed_record_names_the_record_after_the_gap, .init = setup,
     .fini = teardown)
{
	append_n(5);
	char l[8][1024];
	cr_assert_eq(read_lines(l, 8), 5);
	const int order[] = {0, 1, 3, 4}; /* record 3 removed */
	write_lines(l, order, 4);
	auditlog_check c = verify();
	cr_expect_eq(c.broken, 3, "%s", c.why);
	cr_expect(strstr(c.why, "removed"), "%s", c.why);
	cr_expect(strstr(c.why, "seq is 4"), "%s", c.why);
}

Test(auditlog, removed_first_record, .init = setup, .fini = teardown)
{
	append_n(3);
	char l[8][1024];
	cr_assert_eq(read_lines(l, 8), 3);
	const int order[] = {1, 2};
	write_lines(l, order, 2);
	auditlog_check c = verify();
	cr_expect_eq(c.broken, 1, "%s", c.why);
}

Test(auditlog, reordered_records, .init = setup, .fini = teardown)
{
	append_n(5);
	char l[8][1024];
	cr_assert_eq(read_lines(l, 8), 5);
	const int order[] = {0, 1, 3, 2, 4};
	write_lines(l, order, 5);
	auditlog_check c = verify();
	cr_expect_eq(c.broken, 3, "%s", c.why);
}

Test(auditlog, truncated_last_record, .init = setup, .fini = teardown)
{
	append_n(3);
	struct stat sb;
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(truncate(path, sb.st_size - 10), 0);
	auditlog_check c = verify();
	cr_expect_eq(c.broken, 3, "%s", c.why);
	/* and appending refuses to chain onto the damage */
	hh_err err = {{0}};
	cr_expect_eq(auditlog_append(path, "\"x\":1", akey, NULL, &err), HH_EINPUT);
	cr_expect(strstr(err.msg, "verify-log"), "%s", err.msg);
}

Test(auditlog, append_continues_seq_and_chain, .init = setup, .fini = teardown)
{
	append_n(2);
	hh_err err = {{0}};
	auditrec_anchor h = {0};
	cr_assert_eq(auditlog_append(path, "\"purpose\":\"a \\\"quoted\\\" , \\\"sha256\\\":\"",
				     akey, &h, &err), HH_OK);
	cr_expect_eq(h.records, 3);
	auditlog_check c = verify();
	cr_expect_eq(c.broken, 0, "%s", c.why);
	cr_expect_eq(c.records, 3);
}

/* Two records written by hhmatch 0.1.0 before the audit store (audit
 * findings --run ... --operator $'op\x01'), the second with a tab, a
 * backslash, quotes and UTF-8 in its purpose. */
static const char *const old_lines[] = {
	"{\"seq\":1,\"time\":\"2026-11-30T04:56:24Z\",\"operator\":\"op\\u0001\",\"purpose\":"
	"\"case 1\",\"query\":{\"command\":\"findings\",\"run\":\"out_nov\",\"period\":"
	"\"202611\",\"code\":\"X_NONE\"},\"pids\":[],\"prev_sha256\":\"000000000000000000000"
	"0000000000000000000000000000000000000000000\",\"sha256\":\"10931ef1a8cd9b1769bd98b632"
	"f2973393c060fc1727e5df9538ad598c1bedda\"}",
	"{\"seq\":2,\"time\":\"2026-11-30T04:56:24Z\",\"operator\":\"op\\u0001\",\"purpose\":"
	"\"tab\\u0009here \\\\ \\\"q\\\" \xc3\xa9\",\"query\":{\"command\":\"findings\",\"run\":"
	"\"out_nov\",\"period\":\"202611\",\"code\":\"X_NONE\"},\"pids\":[],\"prev_sha256\":"
	"\"f9ca593c933786cdc030afc311848dbf7435e98debcf6a410240a73fd677d370\",\"sha256\":"
	"\"fa479e6c2f2769e07c22b362e411873c6a0df0afab6935d00a2246f44735d205\"}",
};

static const char old_query[] =
	"{\"command\":\"findings\",\"run\":\"out_nov\",\"period\":\"202611\",\"code\":\"X_NONE\"}";

/* A record rebuilt from its content, as the table's records are. */
static void rebuild(strbuf *line, unsigned long seq, const char *purpose, const char *prev)
{
	auditrec r = {.time = "2026-11-30T04:56:24Z", .operator_ = "op\x01", .purpose = purpose,
		      .query = old_query};
	strbuf m = STRBUF_INIT;
	char own[65];
	auditrec_members(&m, &r);
	cr_assert_eq(auditrec_text(line, seq, sb_str(&m), m.len, NULL, prev, own), 0);
	auditrec_close(line, own);
	cr_assert_not(line->oom);
	sb_release(&m);
}

Test(auditrec, old_records_rebuilt_byte_for_byte)
{
	strbuf l1 = STRBUF_INIT, l2 = STRBUF_INIT;
	char h1[65];
	rebuild(&l1, 1, "case 1", auditrec_zeros);
	cr_expect_str_eq(sb_str(&l1), old_lines[0]);
	cr_assert_eq(hex_sha256(l1.buf, l1.len, h1), 0);
	rebuild(&l2, 2, "tab\there \\ \"q\" \xc3\xa9", h1);
	cr_expect_str_eq(sb_str(&l2), old_lines[1]);
	sb_release(&l1);
	sb_release(&l2);
}

Test(auditrec, escaping_is_the_formats_own)
{
	/* quote, backslash and newline short; every other control byte as
	 * lower-case \u00xx (never \t or \u001F); DEL, '/' and bytes that are
	 * not UTF-8 as they are */
	const char *pids[] = {"a\"b", "c\nd"};
	auditrec r = {.time = "t", .operator_ = "\t\r\x1f", .purpose = "/\x7f\xff\\",
		      .query = "{}", .pids = pids, .npids = 2};
	strbuf m = STRBUF_INIT;
	auditrec_members(&m, &r);
	cr_expect_str_eq(sb_str(&m), "\"time\":\"t\",\"operator\":\"\\u0009\\u000d\\u001f\","
			 "\"purpose\":\"/\x7f\xff\\\\\",\"query\":{},\"pids\":[\"a\\\"b\",\"c\\nd\"]");
	sb_release(&m);
}

Test(auditrec, parts_found_by_shape)
{
	strbuf l = STRBUF_INIT;
	rebuild(&l, 7, "a \",\"sha256\":\"", auditrec_zeros);
	auditrec_parts p;
	cr_assert_null(auditrec_parse(l.buf, l.len, &p));
	cr_expect_eq(p.seq, 7);
	cr_expect_eq(strncmp(p.prev, auditrec_zeros, 64), 0);
	char h[65];
	cr_assert_eq(hex_sha256(l.buf, p.text_len, h), 0);
	cr_expect_eq(strncmp(p.own, h, 64), 0);
	cr_expect_eq(p.own + 64 + 2, l.buf + l.len);
	cr_expect_not_null(auditrec_parse(l.buf, l.len - 1, &p));
	cr_expect_not_null(auditrec_parse("{\"seq\":x", 9, &p));
	sb_release(&l);
}

Test(auditrec, verdicts)
{
	const char *a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	const char *b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	int link = -1;
	cr_expect_null(auditrec_check(a, a, b, b, 0, &link));
	cr_expect_eq(link, 0);
	cr_expect(strstr(auditrec_check(a, b, b, b, 0, &link), "was changed"));
	cr_expect_eq(link, 0);
	cr_expect(strstr(auditrec_check(a, a, a, b, 1, &link), "not zeros"));
	cr_expect_eq(link, 1);
	cr_expect(strstr(auditrec_check(a, a, a, b, 0, &link), "does not match the record before"));
	cr_expect_eq(link, 1);
}

Test(auditlog, old_log_verifies_and_grows, .init = setup, .fini = teardown)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "%s\n%s\n", old_lines[0], old_lines[1]);
	fclose(f);
	auditrec_seals s;
	auditlog_check c = verify_with(akey, &s);
	cr_expect_eq(c.broken, 0, "%s", c.why);
	cr_expect_eq(c.records, 2);
	cr_expect_eq(s.legacy, 2);
	cr_expect_eq(s.sealed, 0);
	hh_err err = {{0}};
	auditrec_anchor h = {0};
	cr_assert_eq(auditlog_append(path, "\"x\":1", akey, &h, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(h.records, 3);
	c = verify_with(akey, &s);
	cr_expect_eq(c.broken, 0, "%s", c.why);
	cr_expect_eq(c.records, 3);
	cr_expect_eq(s.legacy, 2);
	cr_expect_eq(s.sealed, 1);
}

/* What the log refuses to hold: 15 or more digits in a row, ASCII or
 * full-width, alone or inside text; shorter runs and split runs pass. */
Test(auditrec, id_shaped)
{
	cr_expect(auditrec_id_shaped("110101199003071234"));
	cr_expect(auditrec_id_shaped("11010119900307123X"));
	cr_expect(auditrec_id_shaped("110101900307123"));
	cr_expect(auditrec_id_shaped("call from 110101199003071234 re benefits"));
	cr_expect(auditrec_id_shaped("\xef\xbc\x91\xef\xbc\x91\xef\xbc\x90\xef\xbc\x91\xef\xbc\x90"
				     "\xef\xbc\x91\xef\xbc\x91\xef\xbc\x99\xef\xbc\x99\xef\xbc\x90"
				     "\xef\xbc\x90\xef\xbc\x93\xef\xbc\x90\xef\xbc\x97\xef\xbc\x91"));
	cr_expect(auditrec_id_shaped("x1101011990\xef\xbc\x90\xef\xbc\x93\xef\xbc\x90\xef\xbc\x97"
				     "\xef\xbc\x91y"));
	cr_expect_not(auditrec_id_shaped("ticket 2026-11-0001"));
	cr_expect_not(auditrec_id_shaped("11010119900307"));
	cr_expect_not(auditrec_id_shaped("1101011990 03071234"));
	cr_expect_not(auditrec_id_shaped("\xef\xbc\x91\xef\xbc\x91 \xe5\x8c\x97\xe4\xba\xac"));
	cr_expect_not(auditrec_id_shaped(""));
}

/* The log verified against its anchor file, as auditstore.c does. */
static auditlog_check verify_anchored(void)
{
	auditrec_anchor a = {0};
	int found = 0;
	hh_err err = {{0}};
	cr_assert_eq(auditlog_anchor_read(path, &a, &found, &err), HH_OK, "%s", err.msg);
	cr_assert(found, "no anchor beside the log");
	a.from = "audit.head";
	auditlog_check c;
	auditrec_seals s = {.key = akey};
	cr_assert_eq(auditlog_verify(path, &s, &a, 1, &c, &err), HH_OK, "%s", err.msg);
	return c;
}

Test(auditlog, head_anchor_follows_appends, .init = setup, .fini = teardown)
{
	append_n(3);
	char ap[1300], want[128];
	cr_assert_eq(auditlog_anchor_path(path, ap, sizeof ap), 0);
	cr_expect(strstr(ap, "/audit.head"), "%s", ap);
	auditlog_check c = verify();
	snprintf(want, sizeof want, "3:%s\n", c.head);
	FILE *f = fopen(ap, "r");
	cr_assert_not_null(f);
	char got[128] = "";
	cr_expect_not_null(fgets(got, sizeof got, f));
	fclose(f);
	cr_expect_str_eq(got, want);
	c = verify_anchored();
	cr_expect_eq(c.broken, 0, "%s", c.why);
	char other[64];
	cr_assert_eq(auditlog_anchor_path("x/y", other, sizeof other), 0);
	cr_expect_str_eq(other, "x/y.head");
}

Test(auditlog, last_records_removed_fail_against_the_anchor, .init = setup, .fini = teardown)
{
	append_n(4);
	char l[8][1024];
	cr_assert_eq(read_lines(l, 8), 4);
	const int order[] = {0, 1, 2};
	write_lines(l, order, 3);
	auditlog_check c = verify();
	cr_expect_eq(c.broken, 0, "the chain alone cannot see it");
	c = verify_anchored();
	cr_expect_eq(c.broken, 4, "%s", c.why);
	cr_expect(strstr(c.why, "records were removed from its end"), "%s", c.why);
	/* emptied */
	FILE *f = fopen(path, "w");
	fclose(f);
	c = verify_anchored();
	cr_expect_eq(c.broken, 1, "%s", c.why);
}

Test(auditlog, cut_and_written_again_fails_against_the_anchor, .init = setup,
     .fini = teardown)
{
	append_n(3);
	char ap[1300];
	cr_assert_eq(auditlog_anchor_path(path, ap, sizeof ap), 0);
	auditrec_anchor a = {0};
	int found = 0;
	hh_err err = {{0}};
	cr_assert_eq(auditlog_anchor_read(path, &a, &found, &err), HH_OK);
	/* record 3 removed and another appended in its place: the chain is
	 * intact, record 3 is not the one anchored earlier */
	char l[8][1024];
	cr_assert_eq(read_lines(l, 8), 3);
	const int order[] = {0, 1};
	write_lines(l, order, 2);
	cr_assert_eq(auditlog_append(path, "\"x\":2", akey, NULL, &err), HH_OK, "%s", err.msg);
	a.from = "--expect-head";
	auditlog_check c;
	auditrec_seals s = {.key = akey};
	cr_assert_eq(auditlog_verify(path, &s, &a, 1, &c, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(c.broken, 3, "%s", c.why);
	cr_expect(strstr(c.why, "--expect-head"), "%s", c.why);
}

Test(auditrec, anchor_text)
{
	auditrec_anchor a;
	char t[96];
	cr_assert_eq(auditrec_anchor_parse("12:" "0123456789abcdef0123456789abcdef"
					   "0123456789abcdef0123456789abcdef", &a), 0);
	cr_expect_eq(a.records, 12);
	auditrec_anchor_format(&a, t);
	cr_expect_str_eq(t, "12:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	cr_expect_eq(auditrec_anchor_parse("0:", &a), 0);
	cr_expect_eq(auditrec_anchor_parse("12", &a), -1);
	cr_expect_eq(auditrec_anchor_parse("-1:", &a), -1);
	cr_expect_eq(auditrec_anchor_parse("3:ABC", &a), -1);
	cr_expect_eq(auditrec_anchor_parse("3:", &a), -1);
}

/* Who asked: the account always, the database user over the store, the
 * --operator name beside them; an old record (no os_user) keeps its
 * shape. */
Test(auditrec, who_asked)
{
	strbuf m = STRBUF_INIT;
	auditrec r = {.time = "t", .os_user = "hh", .db_user = "caseworker",
		      .operator_ = "Officer 7", .purpose = "p", .query = "{}"};
	auditrec_members(&m, &r);
	cr_expect_str_eq(sb_str(&m), "\"time\":\"t\",\"os_user\":\"hh\",\"db_user\":\"caseworker\","
			 "\"operator\":\"Officer 7\",\"purpose\":\"p\",\"query\":{},\"pids\":[]");
	sb_release(&m);
	r.db_user = NULL;
	r.operator_ = NULL;
	auditrec_members(&m, &r);
	cr_expect_str_eq(sb_str(&m), "\"time\":\"t\",\"os_user\":\"hh\",\"purpose\":\"p\","
			 "\"query\":{},\"pids\":[]");
	sb_release(&m);
	auditrec old = {.time = "t", .db_user = "ignored", .operator_ = "uid 0", .purpose = "p",
			.query = "{}"};
	auditrec_members(&m, &old);
	cr_expect_str_eq(sb_str(&m), "\"time\":\"t\",\"operator\":\"uid 0\",\"purpose\":\"p\","
			 "\"query\":{},\"pids\":[]");
	sb_release(&m);
	char buf[64];
	cr_expect(auditrec_os_user(buf, sizeof buf)[0]);
}

/* --- the seals ---------------------------------------------------------- */

Test(auditlog, every_record_is_sealed, .init = setup, .fini = teardown)
{
	append_n(3);
	auditrec_seals s;
	auditlog_check c = verify_with(akey, &s);
	cr_expect_eq(c.broken, 0, "%s", c.why);
	cr_expect_eq(s.sealed, 3);
	cr_expect_eq(s.legacy, 0);
	char l[8][1024], want[64];
	cr_assert_eq(read_lines(l, 8), 3);
	snprintf(want, sizeof want, "\"audit_key_id\":\"%s\",\"mac\":\"", pid_key_id(akey));
	cr_expect(strstr(l[1], want), "%s", l[1]);
	/* the same log by the forger's function under the real key: the
	 * mac is defined by auditrec.h, not by auditlog.c */
	forge(3, 0, 1, akey);
	char f[8][1024];
	cr_assert_eq(read_lines(f, 8), 3);
	for (int i = 0; i < 3; i++)
		cr_expect_str_eq(f[i], l[i]);
}

Test(auditlog, chain_recomputed_without_the_key, .init = setup, .fini = teardown)
{
	/* record 2 changed, the chain recomputed, the seals made under
	 * another key with the audit key's id written in */
	forge(4, 2, 1, wrong);
	auditlog_check c = verify();
	cr_expect_eq(c.broken, 1, "%s", c.why);
	cr_expect(strstr(c.why, "mac does not match"), "%s", c.why);
	/* the real log's macs pasted over forged records: the first forged
	 * record fails */
	cr_assert_eq(truncate(path, 0), 0);
	append_n(4);
	char l[8][1024];
	cr_assert_eq(read_lines(l, 8), 4);
	forge(4, 2, 1, akey); /* as if the forger had the key ... */
	char f[8][1024];
	cr_assert_eq(read_lines(f, 8), 4);
	/* ... but only the real records' macs, pasted over the forged ones */
	for (int i = 1; i < 4; i++)
		memcpy(strstr(f[i], "\"mac\":\"") + 7, strstr(l[i], "\"mac\":\"") + 7, 64);
	/* the chain recomputed over the pasted macs */
	FILE *out = fopen(path, "w");
	char prev[65];
	memcpy(prev, auditrec_zeros, 65);
	for (int i = 0; i < 4; i++) {
		auditrec_parts p;
		size_t len = strlen(f[i]) - 1;
		cr_assert_null(auditrec_parse(f[i], len, &p));
		memcpy((char *)p.prev, prev, 64);
		char own[65];
		cr_assert_eq(hex_sha256(f[i], p.text_len, own), 0);
		memcpy((char *)p.own, own, 64);
		cr_assert_eq(hex_sha256(f[i], len, prev), 0);
		fputs(f[i], out);
	}
	fclose(out);
	c = verify();
	cr_expect_eq(c.broken, 2, "%s", c.why);
	cr_expect(strstr(c.why, "mac does not match"), "%s", c.why);
}

Test(auditlog, downgrade_after_sealed_records, .init = setup, .fini = teardown)
{
	/* records 1-2 sealed, 3 without a mac, the chain recomputed */
	forge(3, 0, 0, akey);
	auditrec_seals s;
	auditlog_check c = verify_with(akey, &s);
	cr_expect_eq(c.broken, 0, "a wholly legacy log is an intact chain: %s", c.why);
	cr_expect_eq(s.sealed, 0, "... with no seal, which the verifier reports");
	cr_expect_eq(s.legacy, 3);
	/* legacy first, sealed after: fine; sealed first, legacy after: not */
	forge(3, 0, 2, akey);
	c = verify_with(akey, &s);
	cr_expect_eq(c.broken, 0, "%s", c.why);
	cr_expect_eq(s.legacy, 1);
	cr_expect_eq(s.sealed, 2);
	/* sealed 1..2 from append, then an unsealed 3 chained to them */
	cr_assert_eq(truncate(path, 0), 0);
	append_n(2);
	char l[8][1024], m[256], own[65], prev[65];
	cr_assert_eq(read_lines(l, 8), 2);
	cr_assert_eq(hex_sha256(l[1], strlen(l[1]) - 1, prev), 0);
	members_of(2, m, sizeof m);
	strbuf b = STRBUF_INIT;
	cr_assert_eq(auditrec_text(&b, 3, m, strlen(m), NULL, prev, own), 0);
	auditrec_close(&b, own);
	FILE *f = fopen(path, "a");
	fprintf(f, "%s\n", sb_str(&b));
	fclose(f);
	sb_release(&b);
	c = verify();
	cr_expect_eq(c.broken, 3, "%s", c.why);
	cr_expect(strstr(c.why, "downgrade"), "%s", c.why);
}

Test(auditlog, another_key_or_none, .init = setup, .fini = teardown)
{
	append_n(2);
	auditrec_seals s;
	auditlog_check c = verify_with(wrong, &s);
	cr_expect_eq(c.broken, 1, "%s", c.why);
	cr_expect(strstr(c.why, "not under the key given"), "%s", c.why);
	c = verify_with(NULL, &s);
	cr_expect_eq(c.broken, 0, "%s", c.why);
	cr_expect(s.unchecked);
	cr_expect_eq(s.sealed, 2);
	/* appending under another key would make a log no key verifies */
	hh_err err = {{0}};
	cr_expect_eq(auditlog_append(path, "\"x\":1", wrong, NULL, &err), HH_EUSAGE);
	cr_expect(strstr(err.msg, "audit key"), "%s", err.msg);
}

/* --- a full disk and a torn tail -------------------------------------- */

static char *read_all(const char *p, size_t *len)
{
	char *b = NULL;
	hh_err err = {{0}};
	cr_assert_eq(fs_read_file(p, 1 << 20, HH_EINPUT, &b, len, &err), HH_OK, "%s", err.msg);
	return b;
}

Test(auditlog, torn_tail_is_repaired_and_the_repair_recorded, .init = setup,
     .fini = teardown)
{
	append_n(2);
	/* an append killed in its write: half a record, and no anchor for it */
	size_t len0;
	char *before = read_all(path, &len0);
	FILE *f = fopen(path, "a");
	cr_assert_not_null(f);
	fputs("{\"seq\":3,\"time\":\"2026-11-30T08:", f);
	fclose(f);
	hh_err err = {{0}};
	auditrec_anchor h = {0};
	cr_assert_eq(auditlog_append(path, "\"x\":1", akey, &h, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(h.records, 4, "the repair is record 3, the new one 4");
	auditlog_check c = verify();
	cr_expect_eq(c.broken, 0, "%s", c.why);
	cr_expect_eq(c.records, 4);
	size_t len;
	char *after = read_all(path, &len);
	cr_expect_eq(memcmp(after, before, len0), 0, "the complete records are untouched");
	char l[8][1024];
	cr_assert_eq(read_lines(l, 8), 4);
	cr_expect(strstr(l[2], "\"purpose\":\"repair: an incomplete record at the end of the "
			       "log was removed\""), "%s", l[2]);
	char sha[65], want[160];
	cr_assert_eq(hex_sha256("{\"seq\":3,\"time\":\"2026-11-30T08:", 31, sha), 0);
	snprintf(want, sizeof want, "\"query\":{\"command\":\"repair\",\"after_seq\":2,"
		 "\"torn_bytes\":31,\"torn_sha256\":\"%s\"}", sha);
	cr_expect(strstr(l[2], want), "%s", l[2]);
	cr_expect_eq(strncmp(l[3], "{\"seq\":4,\"x\":1,", 15), 0, "%s", l[3]);
	free(before);
	free(after);
}

Test(auditlog, torn_first_record_is_repaired, .init = setup, .fini = teardown)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("{\"seq\":1,\"ti", f);
	fclose(f);
	hh_err err = {{0}};
	auditrec_anchor h = {0};
	cr_assert_eq(auditlog_append(path, "\"x\":1", akey, &h, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(h.records, 2);
	auditlog_check c = verify();
	cr_expect_eq(c.broken, 0, "%s", c.why);
	cr_expect_eq(c.records, 2);
}

Test(auditlog, changed_last_record_cut_short_is_refused, .init = setup, .fini = teardown)
{
	append_n(3);
	/* the anchor names record 3; what is left of it is not a torn append */
	struct stat sb;
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(truncate(path, sb.st_size - 1), 0);
	hh_err err = {{0}};
	cr_expect_eq(auditlog_append(path, "\"x\":1", akey, NULL, &err), HH_EINPUT);
	cr_expect(strstr(err.msg, "its head anchor says 3 records where 2 are complete: records "
				  "were cut or changed"), "%s", err.msg);
	struct stat now;
	cr_assert_eq(stat(path, &now), 0);
	cr_expect_eq(now.st_size, sb.st_size - 1, "nothing written");
}

/* Appends with the file size limited to limit bytes (a full disk: write
 * stops short, then fails). */
static hh_status append_limited(off_t limit, hh_err *err)
{
	struct rlimit old, lim;
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)limit;
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	hh_status st = auditlog_append(path, "\"x\":\"a record that does not fit\"", akey, NULL,
				       err);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	return st;
}

/* A first append that cannot write its record leaves no log behind (the
 * state as it was), and the next append creates it. */
Test(auditlog, failed_first_append_leaves_no_file, .init = setup, .fini = teardown)
{
	hh_err err = {{0}};
	cr_expect_eq(append_limited(10, &err), HH_EINTERNAL);
	cr_expect(access(path, F_OK) != 0, "an empty audit log was left behind");
	cr_assert_eq(auditlog_append(path, "\"x\":\"now it fits\"", akey, NULL, &err), HH_OK,
		     "%s", err.msg);
	size_t n;
	char *text = read_all(path, &n);
	cr_expect(n > 0 && text[n - 1] == '\n');
	free(text);
}

Test(auditlog, short_write_is_rolled_back, .init = setup, .fini = teardown)
{
	append_n(2);
	size_t len0;
	char *before = read_all(path, &len0);
	hh_err err = {{0}};
	cr_expect_eq(append_limited((off_t)len0 + 100, &err), HH_EINTERNAL);
	cr_expect(strstr(err.msg, "nothing was appended to audit log "), "%s", err.msg);
	cr_expect(strstr(err.msg, "audit.log: File too large"), "%s", err.msg);
	size_t len;
	char *after = read_all(path, &len);
	cr_expect_eq(len, len0, "the log is as it was");
	cr_expect_eq(memcmp(after, before, len0), 0);
	auditlog_check c = verify();
	cr_expect_eq(c.broken, 0, "%s", c.why);
	/* and once there is room the same append works */
	cr_assert_eq(auditlog_append(path, "\"x\":1", akey, NULL, &err), HH_OK, "%s", err.msg);
	c = verify();
	cr_expect_eq(c.records, 3);
	free(before);
	free(after);
}

Test(auditlog, failed_repair_keeps_the_torn_tail, .init = setup, .fini = teardown)
{
	append_n(1);
	FILE *f = fopen(path, "a");
	cr_assert_not_null(f);
	fputs("{\"seq\":2,", f);
	fclose(f);
	size_t len0;
	char *before = read_all(path, &len0);
	hh_err err = {{0}};
	cr_expect_eq(append_limited((off_t)len0 + 200, &err), HH_EINTERNAL);
	size_t len;
	char *after = read_all(path, &len);
	cr_expect_eq(len, len0, "the log is as it was, torn tail included");
	cr_expect_eq(memcmp(after, before, len0), 0);
	cr_assert_eq(auditlog_append(path, "\"x\":1", akey, NULL, &err), HH_OK, "%s", err.msg);
	auditlog_check c = verify();
	cr_expect_eq(c.broken, 0, "%s", c.why);
	cr_expect_eq(c.records, 3, "the repair and the record");
	free(before);
	free(after);
}

static int tidied;
static void count_tidied(const char *p, void *ctx)
{
	(void)ctx;
	cr_expect(strstr(p, "audit.head.tmp"), "%s", p);
	tidied++;
}

Test(auditlog, tidy_removes_a_killed_appends_anchor, .init = setup, .fini = teardown)
{
	append_n(1);
	hh_err err = {{0}};
	cr_assert_eq(auditlog_tidy(path, count_tidied, NULL, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(tidied, 0, "nothing to remove");
	write_bytes(tpath("audit.head.tmp"), "1:", 2);
	cr_assert_eq(auditlog_tidy(path, count_tidied, NULL, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(tidied, 1);
	cr_expect_neq(access(tpath("audit.head.tmp"), F_OK), 0);
	auditlog_check c = verify();
	cr_expect_eq(c.broken, 0, "%s", c.why);
}
