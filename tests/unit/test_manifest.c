/*
 * test_manifest.c - manifest.json and manifest.sig of a run folder, and
 * the check against them (history/manifest.c).
 *
 * A small folder stands in for a run: a report.json with what the engine
 * records (sources, rules), two CSV files and the mark file.  The
 * manifest lists every file but itself, sorted, with SHA-256 computed
 * here independently; the same folder gives the same bytes; and each
 * tampering (a changed, a missing, an added file, a wrong key, no
 * signature) is one named problem.  The whole run is in it_manifest.sh.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/hex.h"
#include "base/json.h"
#include "base/sign.h"
#include "history/manifest.h"

#define TESTDIR_NAME "manifest"
#include "testdir.h"

static const char report[] =
	"{\"hhmatch_version\": \"0.1.0\", \"period\": \"202611\", \"key_id\": \"1fedfbcb\",\n"
	" \"rules_sha256\": \"ab\", \"rules\": {\"income_line\": \"6000\"},\n"
	" \"sources\": {\"civil_affairs\": {\"absent\": false, \"file\": \"ca.csv\",\n"
	"   \"sha256\": \"cd\", \"encoding\": \"utf-8\", \"rows_read\": 3, \"rows_accepted\": 2,\n"
	"   \"rows_rejected\": 1, \"persons\": 2},\n"
	"  \"education\": {\"absent\": true}}}\n";

static void make_run(void)
{
	testdir_setup();
	write_bytes(tpath("report.json"), report, sizeof report - 1);
	write_bytes(tpath("flags.csv"), "household_id\nH1\n", 16);
	write_bytes(tpath("households.csv"), "household_id\nH1\nH2\n", 19);
	write_bytes(tpath(".hhmatch-run"), "mark\n", 5);
}

TestSuite(manifest, .init = make_run, .fini = testdir_teardown);

typedef struct {
	char msgs[8][HH_ERR_MAX];
	size_t n;
} problems;

static void collect(void *ctx, const char *msg)
{
	problems *p = ctx;
	if (p->n < 8)
		snprintf(p->msgs[p->n], sizeof p->msgs[0], "%s", msg);
	p->n++;
}

static problems verify(const sign_key *pub)
{
	problems p = {0};
	size_t n = 0;
	hh_err err;
	cr_assert_eq(manifest_verify(tdir, pub, collect, &p, &n, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(n, p.n);
	return p;
}

static const char *sha_of(const char *text)
{
	static char out[65];
	cr_assert_eq(hex_sha256(text, strlen(text), out), 0);
	return out;
}

Test(manifest, lists_every_file_sorted_with_its_sha256)
{
	hh_err err;
	json_t *m = NULL;
	cr_assert_eq(manifest_write(tdir, NULL, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(access(tpath(MANIFEST_SIG), F_OK), -1, "no key: no signature");
	cr_assert_eq(hj_load_path(tpath(MANIFEST_JSON), &m, &err), HH_OK, "%s", err.msg);
	cr_assert_str_eq(hj_str(m, "period"), "202611");
	cr_assert_str_eq(hj_str(m, "key_id"), "1fedfbcb");
	cr_assert_str_eq(hj_str(m, "rules_sha256"), "ab");
	cr_assert_str_eq(hj_str(json_object_get(m, "rules"), "income_line"), "6000");

	json_t *in = json_object_get(m, "inputs");
	cr_assert_eq(json_array_size(in), 2);
	json_t *ca = json_array_get(in, 0);
	cr_assert_str_eq(hj_str(ca, "source"), "civil_affairs");
	cr_assert_str_eq(hj_str(ca, "file"), "ca.csv");
	cr_assert_str_eq(hj_str(ca, "sha256"), "cd");
	cr_assert_eq(json_integer_value(json_object_get(ca, "rows_read")), 3);
	cr_assert_eq(json_integer_value(json_object_get(ca, "rows_rejected")), 1);
	cr_assert_null(json_object_get(ca, "persons"), "only what the manifest is for");
	cr_assert(json_is_true(json_object_get(json_array_get(in, 1), "absent")));

	static const char *const names[] = {".hhmatch-run", "flags.csv", "households.csv",
					    "report.json"};
	static const char *const texts[] = {"mark\n", "household_id\nH1\n",
					    "household_id\nH1\nH2\n", report};
	json_t *out = json_object_get(m, "outputs");
	cr_assert_eq(json_array_size(out), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *o = json_array_get(out, i);
		cr_assert_str_eq(hj_str(o, "name"), names[i]);
		cr_assert_str_eq(hj_str(o, "sha256"), sha_of(texts[i]), "%s", names[i]);
		cr_assert_eq(json_integer_value(json_object_get(o, "bytes")),
			     (json_int_t)strlen(texts[i]));
	}
	json_decref(m);
}

Test(manifest, same_folder_same_bytes)
{
	strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	hh_err err;
	cr_assert_eq(manifest_build(tdir, &a, &err), HH_OK, "%s", err.msg);
	/* an earlier manifest in the folder is not one of its outputs */
	cr_assert_eq(manifest_write(tdir, NULL, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(manifest_build(tdir, &b, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(a.len, b.len);
	cr_assert_eq(memcmp(a.buf, b.buf, a.len), 0);
	sb_release(&a);
	sb_release(&b);
}

Test(manifest, untouched_folder_verifies)
{
	hh_err err;
	cr_assert_eq(manifest_write(tdir, NULL, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(verify(NULL).n, 0);
}

Test(manifest, each_difference_is_named)
{
	hh_err err;
	cr_assert_eq(manifest_write(tdir, NULL, &err), HH_OK, "%s", err.msg);
	write_bytes(tpath("flags.csv"), "household_id\nH9\n", 16);
	cr_assert_eq(unlink(tpath("households.csv")), 0);
	write_bytes(tpath("extra.csv"), "x\n", 2);
	problems p = verify(NULL);
	cr_assert_eq(p.n, 3);
	cr_assert(strstr(p.msgs[0], "flags.csv: sha256 differs from manifest.json"), "%s",
		  p.msgs[0]);
	cr_assert(strstr(p.msgs[1], "households.csv: missing"), "%s", p.msgs[1]);
	cr_assert(strstr(p.msgs[2], "extra.csv: not in manifest.json"), "%s", p.msgs[2]);
}

Test(manifest, no_manifest_is_an_input_error)
{
	hh_err err;
	size_t n = 0;
	problems p = {0};
	cr_assert_eq(manifest_verify(tdir, NULL, collect, &p, &n, &err), HH_EINPUT);
	cr_assert(strstr(err.msg, "manifest.json"), "%s", err.msg);
}

Test(manifest, signature)
{
	uint8_t seed[32], other[32];
	memset(seed, 7, sizeof seed);
	memset(other, 8, sizeof other);
	sign_key *k = NULL, *k2 = NULL;
	hh_err err;
	cr_assert_eq(sign_key_from_seed(seed, &k, &err), HH_OK);
	cr_assert_eq(sign_key_from_seed(other, &k2, &err), HH_OK);
	cr_assert_eq(manifest_write(tdir, k, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(verify(k).n, 0);

	problems p = verify(k2);
	cr_assert_eq(p.n, 1);
	cr_assert(strstr(p.msgs[0], "manifest.sig: the signature does not verify"), "%s",
		  p.msgs[0]);

	/* manifest.json edited (the period): the outputs still agree with it,
	 * the signature does not */
	char *text = NULL;
	size_t len = 0;
	cr_assert_eq(fs_read_file(tpath(MANIFEST_JSON), 1 << 20, HH_EINPUT, &text, &len, &err),
		     HH_OK);
	char *period = strstr(text, "202611");
	cr_assert_not_null(period);
	period[5] = '2';
	write_bytes(tpath(MANIFEST_JSON), text, len);
	free(text);
	cr_assert_eq(verify(k).n, 1);

	cr_assert_eq(unlink(tpath(MANIFEST_SIG)), 0);
	p = verify(k);
	cr_assert_eq(p.n, 1);
	cr_assert(strstr(p.msgs[0], "manifest.sig: missing"), "%s", p.msgs[0]);
	cr_assert_eq(verify(NULL).n, 0, "without --pubkey the signature is not asked for");
	sign_key_free(k);
	sign_key_free(k2);
}
