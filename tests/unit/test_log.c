/*
 * test_log.c - base/log.h: the operator's messages, text and JSON.
 *
 * stderr is pointed at a file in the test's folder, the log is written,
 * and the file is read back: the text format is the commands' historic
 * one (tests grep it), every JSON record is one line that jansson parses
 * back to the same message (quotes, a line break, bytes that are not
 * UTF-8), levels are filtered by HHMATCH_LOG_LEVEL and --quiet and errors
 * never are, and bad environment values are reported.  Each test runs in
 * its own process (Criterion), so the log's process-wide settings start
 * fresh in each.
 */
#define TESTDIR_NAME "log"
#include "testdir.h"

#include <jansson.h>

#include "base/log.h"

TestSuite(log, .init = testdir_setup, .fini = testdir_teardown);

/* stderr into tdir/err from here on. */
static const char *capture(void)
{
	const char *path = tpath("err");
	cr_assert_not_null(freopen(path, "w", stderr));
	setvbuf(stderr, NULL, _IONBF, 0);
	return path;
}

/* What was written, NUL-terminated (static buffer). */
static const char *captured(const char *path)
{
	static char buf[8192];
	fflush(stderr);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

Test(log, text_is_the_commands_format)
{
	unsetenv(LOG_FORMAT_ENV);
	unsetenv(LOG_LEVEL_ENV);
	const char *p = capture();
	log_setup("run");
	log_error("medical: %s: cannot open", "m.csv");
	log_warn("the same bytes as last period");
	log_notice("recovered");
	log_info("3 rows read\n  1 household");
	log_setup(NULL);
	log_error("unknown command '%s'", "x");
	cr_assert_str_eq(captured(p), "hhmatch run: medical: m.csv: cannot open\n"
				      "hhmatch run: warning: the same bytes as last period\n"
				      "hhmatch run: recovered\n"
				      "hhmatch run: 3 rows read\n  1 household\n"
				      "hhmatch: unknown command 'x'\n");
}

Test(log, json_one_object_per_line)
{
	unsetenv(LOG_LEVEL_ENV);
	setenv(LOG_FORMAT_ENV, "json", 1);
	const char *p = capture();
	log_setup("audit");
	cr_assert_eq(log_json(), 1);
	log_error("a \"quoted\" name\nand a line break");
	log_info("bytes \xff\xfe that are not UTF-8");
	const char *out = captured(p);
	const char *want[][2] = {{"error", "a \"quoted\" name\nand a line break"},
				 {"info", "bytes \xef\xbf\xbd\xef\xbf\xbd that are not UTF-8"}};
	size_t lines = 0;
	for (const char *l = out, *nl; (nl = strchr(l, '\n')); l = nl + 1, lines++) {
		cr_assert_lt(lines, 2, "more than two records: %s", out);
		json_error_t je;
		json_t *o = json_loadb(l, (size_t)(nl - l), 0, &je);
		cr_assert_not_null(o, "not JSON (%s): %.*s", je.text, (int)(nl - l), l);
		cr_assert_str_eq(json_string_value(json_object_get(o, "level")), want[lines][0]);
		cr_assert_str_eq(json_string_value(json_object_get(o, "command")), "audit");
		cr_assert_str_eq(json_string_value(json_object_get(o, "message")), want[lines][1]);
		const char *t = json_string_value(json_object_get(o, "time"));
		cr_assert(t && strlen(t) == 24 && t[10] == 'T' && t[23] == 'Z', "time %s", t);
		json_decref(o);
	}
	cr_assert_eq(lines, 2, "%s", out);
}

Test(log, levels_and_quiet)
{
	unsetenv(LOG_FORMAT_ENV);
	setenv(LOG_LEVEL_ENV, "warn", 1);
	const char *p = capture();
	log_setup("run");
	log_info("dropped");
	log_notice("dropped too");
	log_warn("kept");
	log_error("kept");
	cr_assert_str_eq(captured(p), "hhmatch run: warning: kept\nhhmatch run: kept\n");

	setenv(LOG_LEVEL_ENV, "info", 1);
	log_setup("run");
	log_quiet();
	cr_assert_eq(log_enabled(LOGL_INFO), 0);
	cr_assert_eq(log_enabled(LOGL_NOTICE), 1);
	setenv(LOG_LEVEL_ENV, "error", 1);
	log_setup("run");
	log_quiet(); /* never loosens a stricter level */
	cr_assert_eq(log_enabled(LOGL_WARN), 0);
	cr_assert_eq(log_enabled(LOGL_ERROR), 1);
}

Test(log, bad_settings)
{
	hh_err err;
	unsetenv(LOG_FORMAT_ENV);
	setenv(LOG_LEVEL_ENV, "loud", 1);
	log_setup("run");
	cr_assert_eq(log_env_error(&err), HH_EUSAGE);
	cr_assert_str_eq(err.msg, "bad HHMATCH_LOG_LEVEL: expected error, warn, notice or info");
	unsetenv(LOG_LEVEL_ENV);
	setenv(LOG_FORMAT_ENV, "yaml", 1);
	log_setup("run");
	cr_assert_eq(log_env_error(&err), HH_EUSAGE);
	cr_assert_str_eq(err.msg, "bad HHMATCH_LOG_FORMAT: expected text or json");
	cr_assert_eq(log_set_format("xml", &err), HH_EUSAGE);
	cr_assert_str_eq(err.msg, "bad --log-format: expected text or json");
	cr_assert_eq(log_set_format("json", &err), HH_OK);
	cr_assert_eq(log_json(), 1);
	cr_assert_eq(log_set_format("text", &err), HH_OK);
	cr_assert_eq(log_json(), 0);
	/* the option takes what the environment takes: any case */
	cr_assert_eq(log_set_format("JSON", &err), HH_OK);
	cr_assert_eq(log_json(), 1);
	cr_assert_eq(log_set_format("Text", &err), HH_OK);
	cr_assert_eq(log_json(), 0);
	setenv(LOG_FORMAT_ENV, "Json", 1);
	log_setup("run");
	cr_assert_eq(log_env_error(&err), HH_OK);
	cr_assert_eq(log_json(), 1);
}

Test(log, long_message_whole)
{
	unsetenv(LOG_FORMAT_ENV);
	unsetenv(LOG_LEVEL_ENV);
	const char *p = capture();
	log_setup("run");
	char big[3000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	log_error("%s", big);
	const char *out = captured(p);
	cr_assert_eq(strlen(out), strlen("hhmatch run: ") + sizeof big - 1 + 1);
}
