/*
 * fuzz_auditlog.c - libFuzzer target: the audit log verifier over a file
 * (matcher/history/auditlog.h, auditlog_verify, and the record and
 * anchor parsers of auditrec.h it uses).
 *
 * The input is the bytes of an audit.log, written to the target's
 * private folder; an input whose first byte is a digit starts with an
 * anchor line "N:HASH", written as the anchor file audit.head beside the
 * log (the rest is the log), else there is no anchor file.  The log is verified under the fuzz audit key
 * (the seeds in corpus/fuzz_auditlog were appended under the same key,
 * so their macs check and the fuzzer starts past them), with the anchor
 * when auditlog_anchor_read accepts it, and again without a key.
 * Checked besides memory safety: no more intact records than lines, a
 * broken record no further than one past the last line, and the
 * verdict's strings terminated.
 */
#include <errno.h>
#include <unistd.h>

#include "fuzz_util.h"

#include "domain/pid.h"
#include "history/auditlog.h"
#include "history/auditrec.h"

/* The key the seed logs were appended under (see corpus README). */
#define FUZZ_AUDIT_KEY "the audit key of the fuzz target"

static pid_key *akey;

static void verify(const char *path, const pid_key *key, auditrec_anchor *anchors, size_t n,
		   size_t lines)
{
	auditrec_seals seals;
	memset(&seals, 0, sizeof seals);
	seals.key = key;
	auditlog_check check;
	hh_err err;
	if (auditlog_verify(path, &seals, anchors, n, &check, &err) != HH_OK)
		return;
	if (check.records > lines + 1 || check.broken > lines + 2)
		abort();
	if (!memchr(check.why, '\0', sizeof check.why) || !memchr(check.head, '\0', sizeof check.head))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!akey) {
		akey = pid_key_new((const uint8_t *)FUZZ_AUDIT_KEY, strlen(FUZZ_AUDIT_KEY));
		if (!akey)
			fuzz_die("out of memory");
	}
	size_t lines = 0;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';

	/* An input starting with a digit starts with its anchor line
	 * ("N:HASH"), written as audit.head; the rest is the log. */
	size_t head = 0;
	const char *anchor_file = fuzz_tmp_path("audit.head");
	if (size && data[0] >= '0' && data[0] <= '9') {
		const uint8_t *nl = memchr(data, '\n', size);
		head = nl ? (size_t)(nl - data) + 1 : size;
		fuzz_write("audit.head", data, head);
	} else if (unlink(anchor_file) != 0 && errno != ENOENT) {
		fuzz_die("cannot remove the anchor file");
	}
	const char *path = fuzz_write("audit.log", data + head, size - head);

	auditrec_anchor anchor;
	int found = 0;
	hh_err err;
	size_t n = 0;
	if (auditlog_anchor_read(path, &anchor, &found, &err) == HH_OK && found) {
		anchor.from = "fuzz anchor";
		n = 1;
	}
	verify(path, akey, &anchor, n, lines);
	verify(path, NULL, NULL, 0, lines);

	char *text = fuzz_cstr(data, size);
	(void)auditrec_id_shaped(text);
	free(text);
	return 0;
}
