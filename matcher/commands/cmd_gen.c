/*
 * cmd_gen.c - `hhmatch gen`: command-line front end of gen_month (gen.h).
 *
 * Parses the options, loads the key when one is given (for pids in the
 * ground truth, and for --pid-sources), and reports errors on stderr
 * prefixed "hhmatch gen: ".  Exit status per hh_error.h: 1 usage, 2 an
 * unreadable key, 3 a write error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "commands/commands.h"
#include "commands/opts.h"
#include "domain/period.h"
#include "domain/pid.h"
#include "gen/gen.h"

static const char usage_text[] =
	"usage: hhmatch gen --out DIR --households N --seed S [options]\n"
	"\n"
	"Writes a deterministic synthetic month: the five departmental extracts,\n"
	"hhmatch.conf (for `hhmatch run --config`) and truth.csv (the planted\n"
	"cases: kind,code,source,household_id,id_number,pid,line,detail).\n"
	"The same options and seed always give the same bytes.\n"
	"\n"
	"  --out DIR          output folder (created if missing)\n"
	"  --households N     roster households (about 17 rows each in all)\n"
	"  --seed S           any unsigned 64-bit number\n"
	"  --period YYYYMM    the run period the data is for (default 202611)\n"
	"  --clean            no dirty data: English headers, UTF-8, LF, plain\n"
	"                     CSV (planted cases are still there)\n"
	"  --key FILE         pseudonymisation key: truth.csv gets pids\n"
	"  --pid-sources      extracts carry pid, birth_date and sex instead of\n"
	"                     id_number and name (needs --key)\n"
	"  --shape S          default, or skewed: the person sources' rows in a\n"
	"                     random order and medical dominant, about 10\n"
	"                     settlements a person in one gzip member (needs\n"
	"                     --clean)\n"
	"  -h, --help         this text\n"
	"  --version          hhmatch's version\n"
	"  --log-format F     messages as text (default) or json, one object a line\n"
	"\n"
	"Exit status: 0 success, 1 usage, 2 an unreadable --key, 3 a write error.\n";

/* Parses an unsigned decimal number; -1 when s is not one. */
static int parse_u64(const char *s, unsigned long long *out)
{
	char *end;
	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static hh_status usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static hh_status usage_error(const char *fmt, ...)
{
	char msg[HH_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_error("%s", msg);
	if (!log_json())
		fputs("(hhmatch gen --help lists the options)\n", stderr);
	return HH_EUSAGE;
}

hh_status cmd_gen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"out", required_argument, NULL, 'o'},
		{"households", required_argument, NULL, 'n'},
		{"seed", required_argument, NULL, 's'},
		{"period", required_argument, NULL, 'p'},
		{"clean", no_argument, NULL, 'c'},
		{"key", required_argument, NULL, 'k'},
		{"pid-sources", no_argument, NULL, 'P'},
		{"shape", required_argument, NULL, 'S'},
		{NULL, 0, NULL, 0},
	};
	static const opts_spec spec = {longopts, "", NULL};
	gen_opts o = {0};
	const char *key_path = NULL;
	int have_n = 0, have_seed = 0;
	unsigned long long v;
	hh_err err = {{0}};
	opts_verdict verdict;

	if (opts_check(&spec, &argc, argv, &verdict, &err) != HH_OK)
		return usage_error("%s", err.msg);
	if (opts_answered(verdict, usage_text))
		return HH_OK;
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "", longopts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'o':
			o.out_dir = optarg;
			break;
		case 'n':
			if (parse_u64(optarg, &v) || v == 0)
				return usage_error("--households wants a positive whole number, not '%s'",
						   opts_shown(optarg));
			o.households = v;
			have_n = 1;
			break;
		case 's':
			if (parse_u64(optarg, &v))
				return usage_error("--seed wants an unsigned whole number, not '%s'",
						   opts_shown(optarg));
			o.seed = v;
			have_seed = 1;
			break;
		case 'p':
			o.period = period_parse(optarg);
			if (!o.period)
				return usage_error("--period wants YYYYMM, not '%s'",
						   opts_shown(optarg));
			break;
		case 'c':
			o.clean = 1;
			break;
		case 'k':
			key_path = optarg;
			break;
		case 'P':
			o.pid_sources = 1;
			break;
		case 'S':
			if (!strcmp(optarg, "default"))
				o.shape = GEN_SHAPE_DEFAULT;
			else if (!strcmp(optarg, "skewed"))
				o.shape = GEN_SHAPE_SKEWED;
			else
				return usage_error("--shape wants default or skewed, not '%s'",
						   opts_shown(optarg));
			break;
		default: /* opts_check let nothing else through */
			return usage_error("%s", "bad command line");
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", opts_shown(argv[optind]));
	if (!o.out_dir)
		return usage_error("%s", "--out DIR is required");
	if (!have_n)
		return usage_error("%s", "--households N is required");
	if (!have_seed)
		return usage_error("%s", "--seed S is required");
	if (o.pid_sources && !key_path)
		return usage_error("%s", "--pid-sources needs --key FILE");
	if (o.shape == GEN_SHAPE_SKEWED && !o.clean)
		return usage_error("%s", "--shape skewed needs --clean");

	pid_key *key = NULL;
	if (key_path) {
		hh_status st = pid_key_load(key_path, &key, &err);
		if (st != HH_OK) {
			log_error("%s", err.msg);
			return st;
		}
		o.key = key;
	}
	hh_status st = gen_month(&o, &err);
	pid_key_free(key);
	if (st != HH_OK) {
		/* gen_month's messages start with "gen: " */
		const char *m = strncmp(err.msg, "gen: ", 5) ? err.msg : err.msg + 5;
		log_error("%s", m);
	}
	return st;
}
