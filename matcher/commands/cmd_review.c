/*
 * cmd_review.c - `hhmatch review import --state DIR --in FILE | --pg URI`:
 * caseworkers' decisions about flagged households, taken into the state
 * that the next runs compare with.
 *
 * The work is history/reviews.h's (which rows are accepted, where the
 * decisions are kept, the audit record); this file is the command line,
 * the rejected rows on stderr and the counts on stdout.  Exit status: 0
 * every row accepted; 2 when a row was rejected (the accepted ones are
 * kept all the same: importing the corrected file again adds only what
 * is new) or the input cannot be read; 1 usage; 3 internal or output.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "commands/commands.h"
#include "commands/opts.h"
#include "history/auditrec.h"
#include "history/reviews.h"

static const char review_help[] =
	"usage: hhmatch review import --state DIR (--in FILE | --pg URI)\n"
	"                             [--operator NAME] [--audit-key FILE]\n"
	"\n"
	"Imports caseworkers' decisions about flagged households into the state\n"
	"that runs with --state DIR compare with: a CSV file (UTF-8 or GB18030,\n"
	"comma or tab) with the columns household_id (家庭编号), alert_id (预警编号,\n"
	"optional), decision (核查结论), reviewer (核查人), decided_on (核查日期,\n"
	"YYYY-MM-DD) and note (备注, optional), or with --pg the rows caseworker\n"
	"systems wrote to the store's table hhmatch.review_inbox.\n"
	"\n"
	"decision: confirmed 已核实帮扶, false_positive 误报, moved 已迁出,\n"
	"deceased 已死亡, unreachable 无法联系, declined 拒绝帮扶, duplicate 重复.\n"
	"A row is rejected (file, line and reason on stderr) when a column does\n"
	"not parse, the date is after today, the note holds something shaped like\n"
	"an ID number, or the state never alerted or flagged the household (or\n"
	"has no such alert of it).  A decision already imported is not added\n"
	"again.  Every import is appended to DIR/audit.log, sealed with the audit\n"
	"key.  What each decision does to the next runs' alerts: docs/semantics.md,\n"
	"\"Decisions\".\n"
	"\n"
	"options:\n"
	"  --state DIR        the state folder of the runs (run --state)\n"
	"  --in FILE          the decisions file (.csv, .tsv, .gz)\n"
	"  --pg URI           instead of --in: the store's hhmatch.review_inbox\n"
	"  --operator NAME    who imports, beside the account (in the audit record)\n"
	"  --audit-key FILE   the audit key (or set " AUDITREC_KEY_ENV "=FILE)\n"
	"  -h, --help         show this help\n"
	"  --version          show hhmatch's version\n"
	"  --log-format F     messages as text (default) or json, one object a line\n"
	"\n"
	"Exit status: 0 every row accepted, 1 usage error, 2 a row rejected or the\n"
	"input unreadable, 3 internal or output error.\n";

typedef struct {
	const char *state, *in, *pg, *operator_, *audit_key;
} review_opts;

static void said_reject(void *ctx, const char *msg)
{
	(void)ctx;
	log_error("%s", msg);
}

static hh_status parse(int argc, char **argv, review_opts *o, opts_verdict *verdict,
		       hh_err *err)
{
	enum { O_STATE = 256, O_IN, O_PG, O_OPERATOR, O_AUDITKEY };
	static const struct option longopts[] = {
		{"state", required_argument, 0, O_STATE},
		{"in", required_argument, 0, O_IN},
		{"pg", required_argument, 0, O_PG},
		{"operator", required_argument, 0, O_OPERATOR},
		{"audit-key", required_argument, 0, O_AUDITKEY},
		{0, 0, 0, 0}};
	static const opts_spec spec = {longopts, "", NULL};
	*verdict = OPTS_WORK;
	if (argc >= 2 && argv[1][0] == '-') {
		HH_TRY(opts_check(&spec, &argc, argv, verdict, err));
		if (*verdict != OPTS_WORK)
			return HH_OK;
	}
	if (argc < 2 || strcmp(argv[1], "import"))
		return hh_fail(err, HH_EUSAGE, "%s: expected the subcommand import (see hhmatch "
			       "review --help)", argc < 2 ? "missing subcommand" : "unknown subcommand");
	int sub_argc = argc - 1;
	HH_TRY(opts_check(&spec, &sub_argc, argv + 1, verdict, err));
	if (*verdict != OPTS_WORK)
		return HH_OK;
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(sub_argc, argv + 1, "", longopts, NULL)) != -1) {
		switch (ch) {
		case O_STATE: o->state = optarg; break;
		case O_IN: o->in = optarg; break;
		case O_PG: o->pg = optarg; break;
		case O_OPERATOR: o->operator_ = optarg; break;
		case O_AUDITKEY: o->audit_key = optarg; break;
		default: /* opts_check let nothing else through */
			return hh_fail(err, HH_EUSAGE, "bad command line");
		}
	}
	if (optind < sub_argc)
		return hh_fail(err, HH_EUSAGE, "unexpected argument (see hhmatch review --help)");
	if (!o->state || !o->state[0])
		return hh_fail(err, HH_EUSAGE, "--state DIR is required");
	if (!!o->in == !!o->pg)
		return hh_fail(err, HH_EUSAGE, "give --in FILE or --pg URI (one of them)");
	if (o->operator_ && !o->operator_[0])
		return hh_fail(err, HH_EUSAGE, "--operator is empty: give a name, or leave it out "
			       "(the account is recorded anyway)");
	/* what can reach the audit log, which can never be cleaned */
	const struct {
		const char *name, *value;
	} args[] = {{"--state", o->state}, {"--in", o->in}, {"--operator", o->operator_}};
	for (size_t i = 0; i < sizeof args / sizeof args[0]; i++)
		if (args[i].value && auditrec_id_shaped(args[i].value))
			return hh_fail(err, HH_EUSAGE, "%s: holds something shaped like an ID "
				       "number; an audit log can never be cleaned, so it is refused "
				       "(nothing was imported)", args[i].name);
	return HH_OK;
}

static hh_status import(const review_opts *o, hh_err *err)
{
	pid_key *key = NULL;
	reviews_import_result res;
	time_t t = time(NULL);
	struct tm tm;
	HH_TRY(auditrec_key_load(o->audit_key, &key, err));
	if (!key)
		return hh_fail(err, HH_EUSAGE, "every import is logged, and %s",
			       AUDITREC_KEY_NEEDED);
	reviews_import_opts io = {.in = o->in, .pg = o->pg, .operator_ = o->operator_,
				  .audit_key = key, .reject = said_reject};
	hh_status st = HH_OK;
	if (!localtime_r(&t, &tm))
		st = hh_fail(err, HH_EINTERNAL, "cannot tell today's date");
	io.today = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
	if (st == HH_OK)
		st = reviews_import(o->state, &io, &res, err);
	pid_key_free(key);
	HH_TRY(st);
	printf("review import: read %lu, accepted %lu (new %lu, already imported %lu), "
	       "rejected %lu; decisions in the state: %lu\n",
	       res.read, res.accepted, res.added, res.accepted - res.added, res.rejected,
	       res.known);
	printf("sha256 %s; audit log head %s\n", res.sha256, res.head);
	if (fflush(stdout))
		return hh_fail(err, HH_EINTERNAL, "cannot write the counts");
	if (res.rejected)
		return hh_fail(err, HH_EINPUT, "%lu row%s rejected (listed above); the %lu "
			       "accepted are kept: fix the rows and import the file again",
			       res.rejected, res.rejected == 1 ? "" : "s", res.accepted);
	return HH_OK;
}

hh_status cmd_review(int argc, char **argv)
{
	review_opts o = {0};
	hh_err err = {{0}};
	opts_verdict verdict = OPTS_WORK;
	hh_status st = parse(argc, argv, &o, &verdict, &err);
	if (st == HH_OK && opts_answered(verdict, review_help))
		return HH_OK;
	if (st == HH_OK)
		st = import(&o, &err);
	if (st != HH_OK)
		log_error("%s", err.msg);
	return st;
}
