/*
 * fuzz_kv.c - libFuzzer target: the `key = value` format of config and
 * rules files (matcher/base/kv.h, kv_parse).
 *
 * The input is a file's text (a NUL in it ends the text, as it would
 * for kv_read_file's caller).  Every setting handed to the callback is
 * checked against the format's promises: a non-empty key of letters,
 * digits, '_', '.' and '-', a line number that never goes back, and
 * NUL-terminated strings readable to their end.  The callback stops the
 * parse at the 50th setting, so the early-stop path is fuzzed too.
 */
#include "fuzz_util.h"

#include "base/kv.h"

typedef struct {
	int last_line;
	int count;
} kv_seen;

static int key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

static hh_status on_setting(void *ctx, const char *key, const char *value, int line,
			    hh_err *err)
{
	kv_seen *s = ctx;
	if (!key[0] || line < 1 || line < s->last_line)
		abort();
	for (const char *k = key; *k; k++)
		if (!key_char(*k))
			abort();
	volatile size_t n = strlen(value);
	(void)n;
	s->last_line = line;
	if (++s->count == 50)
		return hh_fail(err, HH_EUSAGE, "fuzz: line %d: enough settings", line);
	return HH_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	kv_seen seen = {0, 0};
	hh_err err;
	(void)kv_parse(text, "fuzz.conf", on_setting, &seen, &err);
	free(text);
	return 0;
}
