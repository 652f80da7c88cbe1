/*
 * cmd_audit.c - `hhmatch audit`: the on-demand questions auditors and
 * caseworkers ask about one run, each logged before it is answered.
 *
 *   person      everything known about one person (by --id, pseudonymised
 *               here with --key, or by --pid)
 *   household   why a household was (not) flagged
 *   findings    the findings of one code, optionally within a region
 *   verify-log  checks the audit logs' hash chains and macs (not itself
 *               logged)
 *
 * This file is the command line and the order of work; the queries are
 * audit_query.c, the re-reading of source files audit_scan.c, the answer
 * and its renderings audit_answer.c (audit_int.h says how they fit).
 * Where the question is asked (--run, --state, --pg) is the audit store's
 * business (history/auditstore.h): this command opens the store the
 * options name and never asks which one it got.
 *
 * Order of work: load the audit key (no key, no question: the record
 * could not be sealed), open the store and the key, answer the query in memory,
 * append the audit record to every log the store keeps, and only then
 * print: a query that cannot be logged prints nothing.  The record
 * (history/auditrec.h) holds the query with any --id replaced by its pid,
 * and the pids the answer contains; never a raw ID or a name: every
 * argument that reaches it is refused, before the store is opened, when
 * it is shaped like an ID number.  Who asked is the OS account (and with
 * --pg the database session user), with --operator only a name beside.  Rows are
 * printed with their schema columns except the identity, name,
 * birth_date and sex columns.
 *
 * Output is an aligned table, or one JSON document with --json:
 * {"query":{...},"facts":{...},"warnings":[...],"sections":{"title":[{column:
 * value, ...}, ...]}}; values are strings.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands/audit_int.h"
#include "base/log.h"
#include "commands/commands.h"
#include "commands/opts.h"

static const char audit_help[] =
	"usage: hhmatch audit person (--id ID --key FILE | --pid PID) WHERE WHO\n"
	"       hhmatch audit household --household ID [--key FILE] WHERE WHO\n"
	"       hhmatch audit findings --code CODE [--region PREFIX] WHERE WHO\n"
	"       hhmatch audit verify-log (--state DIR | --log FILE | --pg URI)\n"
	"                                [--expect-head N:SHA256] [--audit-key FILE]\n"
	"\n"
	"WHERE: --run DIR (a run's output folder) or --state DIR [--period YYYYMM]\n"
	"       (default: the latest period kept in the state), or --pg URI\n"
	"       [--period YYYYMM]: the result store of hhmatch run --pg-out\n"
	"       (default: its latest period; source rows are not in the store)\n"
	"WHO:   --purpose TEXT (required: why the query is asked, e.g. a case\n"
	"       number; never a name or an ID number) [--operator NAME]\n"
	"       (a name recorded beside the account the command runs as, and\n"
	"       with --pg the database user; it cannot replace them)\n"
	"\n"
	"Every query appends a record to the audit log (--log FILE, default\n"
	"STATE/audit.log; with --run and no --state, --log is required; with\n"
	"--pg, the table hhmatch.audit_log, and the file too when --log or\n"
	"--state is given):\n"
	"time, os_user (the account), db_user (with --pg), operator, purpose,\n"
	"the query (an --id as its pid) and the pids returned, chained by\n"
	"SHA-256 so that verify-log detects a changed, removed or reordered\n"
	"record, and sealed by a mac (HMAC-SHA256) under the audit key so that\n"
	"nobody without it can write a record or recompute the chain.\n"
	"--audit-key FILE (default: the file $HHMATCH_AUDIT_KEY names; a key\n"
	"from hhmatch keygen, mode 0600, not the run's key) is required to ask\n"
	"and to verify.  An argument holding 15 or more digits in a row (an ID\n"
	"number's shape, full-width digits too) is refused before anything\n"
	"is logged.  --id - reads the ID number from stdin,\n"
	"without echo on a terminal (keeps it out of the process list and the\n"
	"shell history).  --key is needed to match raw ID numbers in the\n"
	"source files; sources delivered with pid need none.\n"
	"\n"
	"Each append anchors the log's head (record count and last SHA-256)\n"
	"outside it: STATE/audit.head (beside --log FILE: FILE's name with\n"
	".head), the table hhmatch.audit_head; each answer prints it.\n"
	"verify-log checks every anchor it reaches, and --expect-head N:SHA256\n"
	"(a head printed earlier), so records removed from the end are seen.\n"
	"\n"
	"  --json    one JSON document instead of a table (= --format json)\n"
	"  --format text|json|csv  csv: a block per part of the answer (facts,\n"
	"            warnings, each section), a blank line between blocks, each\n"
	"            with its header row and the part's name in the first column,\n"
	"            for a spreadsheet or a script\n"
	"  -h, --help  this text (also after a subcommand);  --version\n"
	"  --log-format text|json  messages on stderr as text or JSON lines\n"
	"\n"
	"verify-log accepts records without a mac (written before macs) only\n"
	"before the first record with one, whose mac covers them through the\n"
	"chain.\n"
	"\n"
	"Exit status: 0 success (verify-log: every log intact and authenticated\n"
	"under the audit key), 1 usage (a query without an audit key), 2 input\n"
	"error (verify-log: a broken chain or mac, macs that could not be\n"
	"checked for want of the key, or records of which none has a mac),\n"
	"3 internal or output error.\n";

/* --- the run asked about -------------------------------------------- */

static hh_status load_key(audit_ctx *c, hh_err *err)
{
	const char *key_id = c->info->key_id;
	if (!c->o->key)
		return HH_OK;
	HH_TRY(pid_key_load(c->o->key, &c->key, err));
	if (key_id[0] && strcmp(pid_key_id(c->key), key_id))
		return hh_fail(err, HH_EUSAGE,
			       "the key %s (key_id %s) is not the key of the run (key_id %s)",
			       c->o->key, pid_key_id(c->key), key_id);
	return HH_OK;
}

/* The store, its key and the schema, and the query's first members:
 * the command, the store ("state", "run" or "pg") and the period. */
static hh_status open_asked(audit_ctx *c, hh_err *err)
{
	const audit_opts *o = c->o;
	HH_TRY(auditstore_open(&o->where, &c->store, err));
	c->info = auditstore_info_of(c->store);
	HH_TRY(load_key(c, err));
	HH_TRY(schema_new(&c->sc, err));
	char period[16];
	snprintf(period, sizeof period, "%06d", c->info->period);
	if (!(c->query = json_object()) ||
	    json_object_set_new(c->query, "command", json_string(o->sub)) ||
	    auditstore_describe(c->store, c->query) ||
	    json_object_set_new(c->query, "period", json_string(period)))
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	answer_fact(c->a, c->info->kind, "%s (period %06d, key_id %s)", c->info->name,
		    c->info->period, c->info->key_id);
	return HH_OK;
}

/* --- the log ---------------------------------------------------------- */

/* Every argument that can reach the log, by its option name.  --id is
 * pseudonymised before anything is logged, and --pid is checked to be 64
 * hex characters (a pid, which may hold 15 digits in a row by chance). */
static hh_status refuse_id_shaped(const audit_opts *o, hh_err *err)
{
	const struct {
		const char *name, *value;
	} args[] = {
		{"--household", o->household}, {"--region", o->region},
		{"--code", o->code},           {"--purpose", o->purpose},
		{"--operator", o->operator_},  {"--period", o->where.period},
		{"--run", o->where.run},       {"--state", o->where.state},
		{"--log", o->where.log},       {"--pg", o->where.pg},
		{"--key", o->key},             {"--audit-key", o->audit_key},
	};
	for (size_t i = 0; i < sizeof args / sizeof args[0]; i++)
		if (args[i].value && auditrec_id_shaped(args[i].value))
			return hh_fail(err, HH_EUSAGE, "%s: holds something shaped like an ID "
				       "number; an audit log can never be cleaned, so it is refused "
				       "(nothing was logged)", args[i].name);
	return HH_OK;
}

/* Appends the query's record to every log the store keeps. */
static hh_status log_query(audit_ctx *c, const char *query, hh_err *err)
{
	char now[32], os_user[256];
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return hh_fail(err, HH_EINTERNAL, "cannot format the time of the audit record");
	if (!auditrec_os_user(os_user, sizeof os_user))
		return hh_fail(err, HH_EINTERNAL, "cannot look up the account this runs as "
			       "for the audit record: %s", strerror(errno));
	auditrec rec = {.time = now,
			.os_user = os_user,
			.db_user = c->info->db_user,
			.operator_ = c->o->operator_,
			.purpose = c->o->purpose,
			.query = query,
			.pids = (const char *const *)c->a->pids,
			.npids = c->a->npids};
	auditrec_anchor heads[2];
	/* each answer shows the head it left, so a printed or saved answer is
	 * an anchor too (verify-log --expect-head N:HASH); the facts are made
	 * before the append, as wide as the longest value and filled in after,
	 * so that nothing can fail once the record is logged */
	enum { HEAD_TEXT = 20 + sizeof " records, sha256 " - 1 + 64 };
	size_t nlogs = auditstore_nlogs(c->store);
	int first = c->a->nfacts;
	for (size_t i = 0; i < nlogs; i++)
		answer_fact(c->a, nlogs > 1 && i == 0 ? "audit_log head" : "audit log head",
			    "%*s", (int)HEAD_TEXT, "");
	if (c->a->oom)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	HH_TRY(auditstore_append(c->store, &rec, c->audit_key, heads, err));
	for (size_t i = 0; i < nlogs && first + (int)i < c->a->nfacts; i++)
		snprintf(c->a->facts[first + (int)i][1], HEAD_TEXT + 1, "%lu records, sha256 %s",
			 heads[i].records, heads[i].sha256);
	return HH_OK;
}

/* --- command line ----------------------------------------------------- */

static hh_status parse(int argc, char **argv, audit_opts *o, opts_verdict *verdict,
		       hh_err *err)
{
	enum { O_RUN = 256, O_STATE, O_PERIOD, O_LOG, O_OPERATOR, O_PURPOSE, O_KEY, O_ID,
	       O_PID, O_HOUSEHOLD, O_CODE, O_REGION, O_JSON, O_PG, O_EXPECT, O_AUDITKEY,
	       O_FORMAT };
	static const struct option longopts[] = {
		{"run", required_argument, 0, O_RUN},
		{"state", required_argument, 0, O_STATE},
		{"period", required_argument, 0, O_PERIOD},
		{"log", required_argument, 0, O_LOG},
		{"operator", required_argument, 0, O_OPERATOR},
		{"purpose", required_argument, 0, O_PURPOSE},
		{"key", required_argument, 0, O_KEY},
		{"id", required_argument, 0, O_ID},
		{"pid", required_argument, 0, O_PID},
		{"household", required_argument, 0, O_HOUSEHOLD},
		{"code", required_argument, 0, O_CODE},
		{"region", required_argument, 0, O_REGION},
		{"json", no_argument, 0, O_JSON},
		{"format", required_argument, 0, O_FORMAT},
		{"pg", required_argument, 0, O_PG},
		{"expect-head", required_argument, 0, O_EXPECT},
		{"audit-key", required_argument, 0, O_AUDITKEY},
		{0, 0, 0, 0}};
	static const opts_spec spec = {longopts, "", NULL};
	*verdict = OPTS_WORK;
	/* hhmatch audit [--help | --version]: the options before a subcommand */
	if (argc >= 2 && argv[1][0] == '-') {
		HH_TRY(opts_check(&spec, &argc, argv, verdict, err));
		if (*verdict != OPTS_WORK)
			return HH_OK;
	}
	if (argc < 2)
		return hh_fail(err, HH_EUSAGE, "missing subcommand: person, household, "
			       "findings or verify-log (see hhmatch audit --help)");
	if (argv[1][0] == '-')
		return hh_fail(err, HH_EUSAGE, "the subcommand comes first: hhmatch audit "
			       "person|household|findings|verify-log [options]");
	o->sub = argv[1];
	if (strcmp(o->sub, "person") && strcmp(o->sub, "household") &&
	    strcmp(o->sub, "findings") && strcmp(o->sub, "verify-log"))
		return hh_fail(err, HH_EUSAGE, "unknown subcommand '%s': expected person, "
			       "household, findings or verify-log", o->sub);
	/* the subcommand's options, argv[1] its name */
	int sub_argc = argc - 1;
	HH_TRY(opts_check(&spec, &sub_argc, argv + 1, verdict, err));
	if (*verdict != OPTS_WORK)
		return HH_OK;
	argc = sub_argc + 1;
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
		switch (ch) {
		case O_RUN: o->where.run = optarg; break;
		case O_STATE: o->where.state = optarg; break;
		case O_PERIOD: o->where.period = optarg; break;
		case O_LOG: o->where.log = optarg; break;
		case O_OPERATOR: o->operator_ = optarg; break;
		case O_PURPOSE: o->purpose = optarg; break;
		case O_KEY: o->key = optarg; break;
		case O_ID: o->id = optarg; break;
		case O_PID: o->pid = optarg; break;
		case O_HOUSEHOLD: o->household = optarg; break;
		case O_CODE: o->code = optarg; break;
		case O_REGION: o->region = optarg; break;
		case O_JSON: o->json = 1; break;
		case O_FORMAT:
			if (!strcmp(optarg, "text") || !strcmp(optarg, "json") ||
			    !strcmp(optarg, "csv")) {
				o->json = optarg[0] == 'j';
				o->csv = optarg[0] == 'c';
				break;
			}
			return hh_fail(err, HH_EUSAGE, "bad --format: expected text, json or csv");
		case O_PG: o->where.pg = optarg; break;
		case O_EXPECT: o->expect_head = optarg; break;
		case O_AUDITKEY: o->audit_key = optarg; break;
		default: /* opts_check let nothing else through */
			return hh_fail(err, HH_EUSAGE, "bad command line");
		}
	}
	if (optind < argc - 1)
		return hh_fail(err, HH_EUSAGE, "unexpected argument (see hhmatch audit --help)");
	int verify = !strcmp(o->sub, "verify-log");
	HH_TRY(auditstore_where_check(&o->where, verify, err));
	if (o->expect_head && !verify)
		return hh_fail(err, HH_EUSAGE, "--expect-head goes with verify-log");
	if (verify)
		return HH_OK;
	if (!o->purpose || !o->purpose[0])
		return hh_fail(err, HH_EUSAGE, "--purpose is required: every query is logged with "
			       "why it was asked (a case or ticket number, never a name)");
	HH_TRY(refuse_id_shaped(o, err));
	if (o->operator_ && !o->operator_[0])
		return hh_fail(err, HH_EUSAGE, "--operator is empty: give a name, or leave it out "
			       "(the account is recorded anyway)");
	if (!strcmp(o->sub, "person") && !!o->id == !!o->pid)
		return hh_fail(err, HH_EUSAGE, "person needs --id ID (with --key) or --pid PID");
	if (!strcmp(o->sub, "household") && !o->household)
		return hh_fail(err, HH_EUSAGE, "household needs --household ID");
	if (!strcmp(o->sub, "findings") && !o->code)
		return hh_fail(err, HH_EUSAGE, "findings needs --code CODE");
	return HH_OK;
}

/* What a log's seals prove, printed; *unproven set (to the log's label)
 * when they prove nothing: macs not checked, or no record with one. */
static void say_seals(const auditstore_verdict *v, const pid_key *key, const char **unproven)
{
	if (v->unchecked) {
		printf("macs not checked: give --audit-key FILE (or set HHMATCH_AUDIT_KEY)\n");
		*unproven = v->label;
		return;
	}
	if (v->records && !v->sealed) {
		printf("no record has a mac: records 1..%lu could have been written, or the whole "
		       "%s rewritten, by anyone (legacy records are vouched for only by a mac "
		       "after them: ask one question with the audit key)\n", v->legacy, v->medium);
		*unproven = v->label;
		return;
	}
	if (v->sealed)
		printf("authenticated: records %lu..%lu have a mac under audit key %s\n",
		       v->legacy + 1, v->records, pid_key_id(key));
	if (v->legacy)
		printf("legacy: records 1..%lu have no mac (written before macs); the mac of "
		       "record %lu covers them through the chain\n", v->legacy, v->legacy + 1);
}

/* Every log the options name, each chain and mac checked: the table
 * first, then the file. */
static hh_status verify_log(const audit_opts *o, hh_err *err)
{
	auditrec_anchor expect = {.from = "--expect-head"};
	if (o->expect_head && auditrec_anchor_parse(o->expect_head, &expect))
		return hh_fail(err, HH_EUSAGE, "--expect-head: expected N:SHA256 (the head an "
			       "answer or an earlier verify-log printed)");
	pid_key *key = NULL;
	HH_TRY(auditrec_key_load(o->audit_key, &key, err));
	auditstore *st = NULL;
	hh_status s = auditstore_open_logs(&o->where, &st, err);
	const char *unproven = NULL;
	for (size_t i = 0; s == HH_OK && i < auditstore_nlogs(st); i++) {
		auditstore_verdict v;
		s = auditstore_verify(st, i, key, o->expect_head ? &expect : NULL, &v, err);
		if (s != HH_OK)
			break;
		printf("%s intact: %lu records\n", v.label, v.records);
		if (v.records)
			printf("head: %lu:%s\n", v.records, v.head);
		if (v.anchors[0])
			printf("head anchors matched: %s\n", v.anchors);
		else
			printf("no head anchor found: removing the last records cannot be "
			       "detected from the %s alone (give --expect-head N:SHA256)\n",
			       v.medium);
		say_seals(&v, key, &unproven);
	}
	if (s == HH_OK && unproven)
		s = hh_fail(err, HH_EINPUT, "the %s is intact but not authenticated: %s",
			    unproven, key ? "no record has a mac" :
			    "its macs were not checked (give --audit-key FILE or set "
			    AUDITREC_KEY_ENV "=FILE); without the audit key anyone can "
			    "recompute a chain");
	auditstore_close(st);
	pid_key_free(key);
	return s;
}

static const struct {
	const char *name;
	hh_status (*answer)(audit_ctx *c, hh_err *err);
} queries[] = {
	{"household", audit_household},
	{"person", audit_person},
	{"findings", audit_findings},
};

static hh_status run_query(const audit_opts *o, hh_err *err)
{
	answer a = {0};
	audit_ctx c = {.o = o, .a = &a};
	strbuf query = STRBUF_INIT;
	hh_status st = auditrec_key_load(o->audit_key, &c.audit_key, err);
	if (st == HH_OK && !c.audit_key)
		st = hh_fail(err, HH_EUSAGE, "%s", AUDITREC_KEY_NEEDED);
	if (st == HH_OK)
		st = open_asked(&c, err);
	for (size_t i = 0; st == HH_OK && i < sizeof queries / sizeof queries[0]; i++)
		if (!strcmp(o->sub, queries[i].name))
			st = queries[i].answer(&c, err);
	if (st == HH_OK) {
		hj_dump(&query, c.query, HJ_LINE);
		if (a.oom || query.oom)
			st = hh_fail(err, HH_EINTERNAL, "out of memory");
	}
	if (st == HH_OK)
		st = log_query(&c, sb_str(&query), err);
	if (st == HH_OK && o->json)
		st = answer_print_json(&a, sb_str(&query), stdout, err);
	else if (st == HH_OK && o->csv)
		answer_print_csv(&a, stdout);
	else if (st == HH_OK)
		answer_print_text(&a, stdout);
	if (st == HH_OK && fflush(stdout))
		st = hh_fail(err, HH_EINTERNAL, "cannot write the answer");
	sb_release(&query);
	json_decref(c.query);
	answer_free(&a);
	pid_key_free(c.key);
	pid_key_free(c.audit_key);
	schema_free(c.sc);
	auditstore_close(c.store);
	return st;
}

hh_status cmd_audit(int argc, char **argv)
{
	audit_opts o = {0};
	hh_err err = {{0}};
	opts_verdict verdict = OPTS_WORK;
	hh_status st = parse(argc, argv, &o, &verdict, &err);
	if (st == HH_OK && opts_answered(verdict, audit_help))
		return HH_OK;
	if (st == HH_OK)
		st = !strcmp(o.sub, "verify-log") ? verify_log(&o, &err) : run_query(&o, &err);
	if (st != HH_OK)
		log_error("%s", err.msg);
	return st;
}
