/*
 * fuzz_reviews.c - libFuzzer target: the caseworkers' decisions
 * (matcher/history/reviews.h), both ways in.
 *
 * The input is written as a state's reviews.jsonl and read back
 * (reviews_load, every decision asked reviews_last and the rules), and as
 * a decisions file imported into a small fixed state (runs/202610 with a
 * flags.csv and an alerts.jsonl; reviews.jsonl, audit.log and its anchor
 * removed before each input, so the state never grows).  Checked besides
 * memory safety: read = accepted + rejected, added <= accepted, and what
 * the import kept reads back as reviews_load reads it, one decision per
 * added row.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_util.h"

#include "domain/pid.h"
#include "history/reviews.h"

static pid_key *akey;

static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	volatile size_t n = strlen(msg);
	(void)n;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		fuzz_die("cannot write the fixed state");
}

static void setup(void)
{
	hh_err err;
	if (mkdir(fuzz_tmp_path("st"), 0700) || mkdir(fuzz_tmp_path("st/runs"), 0700) ||
	    mkdir(fuzz_tmp_path("st/runs/202610"), 0700) || mkdir(fuzz_tmp_path("rd"), 0700))
		fuzz_die("cannot make the state folders");
	put(fuzz_tmp_path("st/runs/202610/flags.csv"),
	    "household_id,region_code,category,members,household_income,income_per_capita,"
	    "oop_12m,edu_net_fees,risk_score,risk_level,reasons\n"
	    "H1,640104,dibao,2,1000.00,500.00,0.00,0.00,3,medium,R_INCOME\n"
	    "H2,640104,dibao,2,1000.00,500.00,0.00,0.00,6,high,R_INCOME;R_CARE\n");
	put(fuzz_tmp_path("st/runs/202610/alerts.jsonl"),
	    "{\"alert_id\":\"a1\",\"period\":\"202610\",\"household_id\":\"H1\",\"kind\":\"new\","
	    "\"risk_level\":\"medium\",\"reasons\":[\"R_INCOME\"]}\n"
	    "{\"alert_id\":\"b2\",\"period\":\"202610\",\"household_id\":\"H3\",\"kind\":\"finding\","
	    "\"risk_level\":\"none\",\"reasons\":[\"A_DECEASED\"],\"code\":\"A_DECEASED\"}\n");
	if (pid_keygen(fuzz_tmp_path("audit.key"), &err) != HH_OK ||
	    pid_key_load(fuzz_tmp_path("audit.key"), &akey, &err) != HH_OK)
		fuzz_die(err.msg);
}

static void read_back(const char *dir, size_t want)
{
	reviews *r = NULL;
	int exists;
	hh_err err;
	if (reviews_load(dir, &r, &exists, &err) != HH_OK)
		return;
	if (want != (size_t)-1 && reviews_count(r) != want)
		abort();
	for (size_t i = 0; i < reviews_count(r); i++) {
		const review *rv = reviews_at(r, i);
		const review *last = reviews_last(r, rv->household, rv->decided_on / 100, i + 1);
		if (!last || strcmp(last->household, rv->household))
			abort();
		volatile int n = reviews_suppresses(rv, 202611, 6, 2, "R_INCOME") +
				 reviews_follow_up(rv, 202701, 202612, 3) +
				 reviews_suppresses_finding(rv, 202611, 6, "A_DECEASED");
		(void)n;
	}
	reviews_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!akey)
		setup();
	/* as a state's reviews.jsonl */
	const char *kept = fuzz_write("rd/reviews.jsonl", data, size);
	(void)kept;
	read_back(fuzz_tmp_path("rd"), (size_t)-1);
	/* as a decisions file imported into the fixed state */
	unlink(fuzz_tmp_path("st/reviews.jsonl"));
	unlink(fuzz_tmp_path("st/audit.log"));
	unlink(fuzz_tmp_path("st/audit.head"));
	const char *in = fuzz_write("decisions.csv", data, size);
	reviews_import_opts o = {.in = in, .audit_key = akey, .today = 20261130,
				 .reject = quiet};
	reviews_import_result res;
	hh_err err;
	if (reviews_import(fuzz_tmp_path("st"), &o, &res, &err) != HH_OK)
		return 0;
	if (res.read != res.accepted + res.rejected || res.added > res.accepted)
		abort();
	read_back(fuzz_tmp_path("st"), res.added);
	return 0;
}
