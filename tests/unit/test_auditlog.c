/*
 * test_auditlog.c - the hash-chained audit log (matcher/auditlog.c): an
 * intact chain verifies; one changed byte anywhere in a record, a removed
 * record, two records swapped, a truncated last line and a removed first
 * record are each detected and the first broken record is named.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history/auditlog.h"

static char dir[64], path[128];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/hh_test_auditlog.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/audit.log", dir);
}

static void teardown(void)
{
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static void append_n(int n)
{
	hh_err err = {{0}};
	for (int i = 0; i < n; i++) {
		char m[256];
		unsigned long seq = 0;
		snprintf(m, sizeof m,
			 "\"time\":\"2026-11-30T08:00:%02dZ\",\"operator\":\"op\",\"purpose\":"
			 "\"case %d\",\"query\":{\"command\":\"household\",\"household\":\"H%d\"},"
			 "\"pids\":[]", i, i, i);
		cr_assert_eq(auditlog_append(path, m, &seq, &err), HH_OK, "%s", err.msg);
		cr_assert_eq(seq, (unsigned long)i + 1);
	}
}

static auditlog_check verify(void)
{
	auditlog_check c;
	hh_err err = {{0}};
	cr_assert_eq(auditlog_verify(path, &c, &err), HH_OK, "%s", err.msg);
	return c;
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
	cr_expect_eq(sb.st_mode & 0777, 0600);
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
	cr_expect_eq(auditlog_verify(path, &c, &err), HH_EINPUT);
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
	char moved[160];
	snprintf(moved, sizeof moved, "%s.keep", path);
	cr_assert_eq(rename(path, moved), 0);
	/* rebuild a log whose record 2 differs, then splice the old record 3 */
	hh_err err = {{0}};
	FILE *f = fopen(path, "w");
	fputs(l[0], f);
	fclose(f);
	cr_assert_eq(auditlog_append(path, "\"time\":\"x\",\"purpose\":\"forged\"", NULL, &err),
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
	cr_expect_eq(auditlog_append(path, "\"x\":1", NULL, &err), HH_EINPUT);
	cr_expect(strstr(err.msg, "verify-log"), "%s", err.msg);
}

Test(auditlog, append_continues_seq_and_chain, .init = setup, .fini = teardown)
{
	append_n(2);
	hh_err err = {{0}};
	unsigned long seq = 0;
	cr_assert_eq(auditlog_append(path, "\"purpose\":\"a \\\"quoted\\\" , \\\"sha256\\\":\"",
				     &seq, &err), HH_OK);
	cr_expect_eq(seq, 3);
	auditlog_check c = verify();
	cr_expect_eq(c.broken, 0, "%s", c.why);
	cr_expect_eq(c.records, 3);
}
