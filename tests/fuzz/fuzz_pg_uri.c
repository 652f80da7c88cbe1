/*
 * fuzz_pg_uri.c - libFuzzer target: PostgreSQL connection strings of
 * sources and stores (connectors/pg/pg_uri.h): recognition, parsing
 * (table= and query= taken out, the rest through libpq's
 * PQconninfoParse), redaction and scrubbing.  No server is contacted.
 *
 * The input is one string as a user would type it (a NUL ends it).
 * Checked besides memory safety and termination (issue 14's redaction
 * loop on an empty password): pg_redact's output is NUL-terminated
 * within the capacity given, for a roomy buffer and for small ones; the
 * parsed struct's shown string is the same redaction; pg_uri_scrub never
 * makes a text longer.
 */
#include "fuzz_util.h"

#include "connectors/pg/pg_uri.h"

static void redact_into(const char *s, size_t cap)
{
	char out[1024];
	memset(out, 'Z', sizeof out);
	pg_redact(s, out, cap);
	if (cap && !memchr(out, '\0', cap))
		abort(); /* not terminated inside the buffer */
	if (cap < sizeof out && out[cap] != 'Z')
		abort(); /* wrote past cap */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	(void)pg_is_uri(s);
	redact_into(s, 1023);
	redact_into(s, 16);
	redact_into(s, 4);
	redact_into(s, 1);
	redact_into(s, 0);

	pg_uri u;
	hh_err err;
	if (pg_uri_parse(s, &u, &err) == HH_OK)
		(void)pg_uri_check_store(&u, &err);
	char shown[sizeof u.shown];
	pg_redact(s, shown, sizeof shown);
	if (strcmp(shown, u.shown) != 0)
		abort(); /* messages and report.json would name it differently */

	char *text = fuzz_cstr(data, size);
	size_t before = strlen(text);
	pg_uri_scrub(&u, text);
	if (strlen(text) > before)
		abort();
	pg_uri_scrub(NULL, text);
	free(text);
	pg_uri_free(&u);
	free(s);
	return 0;
}
