/*
 * fuzz_runread.c - libFuzzer target: reading a published run folder
 * back (matcher/history/runread.h: report.json and the CSV tables;
 * matcher/history/manifest.h: the folder checked against its manifest).
 *
 * The input is written into a run folder in the target's private folder
 * as report.json, households.csv, manifest.json and manifest.sig at
 * once, so each reader meets it: rr_report_load, rr_table_load (every
 * cell read, every header name looked up again), and manifest_verify
 * with a public key (which hashes the folder's files the manifest
 * lists, and checks the signature file).  Checked besides memory safety:
 * a header name is found again at or before its own column.
 */
#include <sys/stat.h>

#include "fuzz_util.h"

#include "base/sign.h"
#include "history/manifest.h"
#include "history/runread.h"

static sign_key *pub;

static void on_problem(void *ctx, const char *msg)
{
	(void)ctx;
	volatile size_t n = strlen(msg);
	(void)n;
}

static void read_report(const char *path)
{
	rr_report *r = NULL;
	hh_err err;
	if (rr_report_load(path, &r, &err) != HH_OK)
		return;
	volatile size_t n = strlen(r->key_id);
	for (int i = 0; i < SRC_COUNT; i++)
		if (r->src[i].present)
			n += strlen(r->src[i].file) + strlen(r->src[i].given) +
			     strlen(r->src[i].sha256) + strlen(r->src[i].encoding) +
			     strlen(r->src[i].first) + strlen(r->src[i].last);
	(void)n;
	rr_report_free(r);
}

static void read_table(const char *path)
{
	rr_table *t = NULL;
	hh_err err;
	if (rr_table_load(path, &t, &err) != HH_OK)
		return;
	for (size_t c = 0; c < t->ncols; c++) {
		int at = rr_col(t, t->header[c]);
		if (at < 0 || (size_t)at > c)
			abort();
	}
	volatile size_t n = 0;
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			n += strlen(rr_cell(t, r, (int)c));
			(void)rr_level(rr_cell(t, r, (int)c));
		}
	(void)n;
	(void)rr_cell(t, 0, -1);
	rr_table_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hh_err err;
	if (!pub) {
		static const uint8_t seed[SIGN_RAW_BYTES] = "the fuzz target's signing seed";
		if (sign_key_from_seed(seed, &pub, &err) != HH_OK)
			fuzz_die(err.msg);
		if (mkdir(fuzz_tmp_path("run"), 0700) != 0)
			fuzz_die("cannot make the run folder");
	}
	const char *report = fuzz_write("run/report.json", data, size);
	read_report(report);
	const char *table = fuzz_write("run/households.csv", data, size);
	read_table(table);
	fuzz_write("run/manifest.json", data, size);
	fuzz_write("run/manifest.sig", data, size);
	size_t problems = 0;
	(void)manifest_verify(fuzz_tmp_path("run"), pub, on_problem, NULL, &problems, &err);
	return 0;
}
