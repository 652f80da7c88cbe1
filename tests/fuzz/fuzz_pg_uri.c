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
 *
 * The input (up to its first NUL, at most 64 bytes) is also used as a
 * password, written into the three places pg_uri.h promises to hide:
 * a URI's user part (%-encoded), a URI's password= parameter (%-encoded)
 * and a key=value password (quoted as libpq quotes).  Neither the
 * password nor its encoded form may appear in what pg_redact shows,
 * unless the string with the password replaced by *** holds it anyway
 * (a password "db" is in "dbname").
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

#include "base/strbuf.h"

#define PW_MAX 64

static void add_pct(strbuf *b, const char *pw)
{
	for (const unsigned char *p = (const unsigned char *)pw; *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~')
			sb_addc(b, (char)*p);
		else
			sb_addf(b, "%%%02X", *p);
}

static void add_quoted(strbuf *b, const char *pw)
{
	sb_addc(b, '\'');
	for (const char *p = pw; *p; p++) {
		if (*p == '\'' || *p == '\\')
			sb_addc(b, '\\');
		sb_addc(b, *p);
	}
	sb_addc(b, '\'');
}

/* The connection string of form (0-2) with password pw (stars: with
 * "***" in its place), into b. */
static void build(strbuf *b, int form, const char *pw, int stars)
{
	static const char *const before[] = {"postgresql://u:", "postgresql://h/db?password=",
					     "host=h password="};
	static const char *const after[] = {"@h/db?table=t", "&table=t", " dbname=x"};
	sb_reset(b);
	sb_adds(b, before[form]);
	if (stars)
		sb_adds(b, "***");
	else if (form == 2)
		add_quoted(b, pw);
	else
		add_pct(b, pw);
	sb_adds(b, after[form]);
	if (b->oom)
		fuzz_die("out of memory");
}

static void check_hidden(const char *pw)
{
	if (strlen(pw) < 3)
		return;
	strbuf uri = STRBUF_INIT, enc = STRBUF_INIT, skel = STRBUF_INIT;
	add_pct(&enc, pw);
	for (int form = 0; form < 3; form++) {
		build(&uri, form, pw, 0);
		build(&skel, form, pw, 1);
		char shown[1024];
		pg_redact(sb_str(&uri), shown, sizeof shown);
		if ((strstr(shown, pw) && !strstr(sb_str(&skel), pw)) ||
		    (strstr(shown, sb_str(&enc)) && !strstr(sb_str(&skel), sb_str(&enc)))) {
			fprintf(stderr, "pg_redact shows the password of form %d\n", form);
			abort();
		}
	}
	sb_release(&uri);
	sb_release(&enc);
	sb_release(&skel);
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
	if (strlen(s) > PW_MAX)
		s[PW_MAX] = '\0';
	check_hidden(s);
	free(s);
	return 0;
}
