/*
 * cmd_run.c - `hhmatch run`: the command line and config file of the
 * monthly run, turned into an engine_cfg.
 *
 * Settings come from --config FILE (key = value, keys named like the long
 * options, paths relative to the config file's folder) and then from the
 * command line, which wins.  Everything is checked before any source is
 * opened, so a usage error (exit 1) never leaves work half done.
 */
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands/commands.h"
#include "engine/engine.h"
#include "commands/progress.h"
#include "commands/publish.h"
#include "history/auditrec.h"
#include "domain/idnum.h"
#include "domain/period.h"
#include "base/fsutil.h"
#include "base/kv.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "commands/opts.h"
#include "connectors/comm.h"
#include "connectors/pg/pg_uri.h"

static const char run_help[] =
	"usage: hhmatch run --period YYYYMM --key FILE --out DIR\n"
	"           --civil-affairs SRC [--education SRC] [--hr SRC]\n"
	"           [--housing SRC] [--medical SRC]\n"
	"           [--threads N] [--rules FILE] [--config FILE] [--state DIR]\n"
	"           [--encoding SOURCE=gb18030|utf-8] [--pg-out URI] [--quiet] [--csv-bom]\n"
	"           [--accept NAME,...] [--new-key] [--sign-key FILE] [--mpi]\n"
	"           [--audit-key FILE] [--lang zh|en] [--county-digits N]\n"
	"           [--delimiter SOURCE=C] [--log-format text|json]\n"
	"\n"
	"Links the five departmental extracts on pseudonymised ID numbers,\n"
	"aggregates roster households, applies the risk rules and writes\n"
	"households.csv, flags.csv, findings.csv, rejects.csv and report.json\n"
	"into DIR (all or nothing), with manifest.json: the SHA-256 of every\n"
	"input and output (hhmatch verify --run DIR checks it).  SRC is a\n"
	".csv, .csv.gz, .tsv or .tsv.gz file, or a PostgreSQL connection\n"
	"string (postgresql://... or key=value) with table= or query=.\n"
	"\n"
	"  --threads N      worker threads (default: the number of cores)\n"
	"  --rules FILE     override thresholds and weights (schemas/rules.default)\n"
	"  --config FILE    the same settings as key = value lines\n"
	"  --state DIR      run history: compare with the latest earlier period,\n"
	"                   write alerts.jsonl, keep this run for the next\n"
	"  --encoding S=E   force a source's encoding (default: UTF-8, or\n"
	"                   GB18030 when the header is not valid UTF-8)\n"
	"  --delimiter S=C  a file source's delimiter: one character such as ';'\n"
	"                   or '|', or tab (default: tab for .tsv, else ',')\n"
	"  --pg-out URI     also store the run in PostgreSQL, in one transaction\n"
	"  --quiet          no progress lines and no summary (warnings and errors\n"
	"                   only; HHMATCH_LOG_LEVEL=error|warn|notice|info)\n"
	"  --log-format F   messages as text (default) or json, one object a line\n"
	"                   for the journal (or HHMATCH_LOG_FORMAT=json)\n"
	"  --csv-bom        start every CSV output with a UTF-8 byte order mark, so\n"
	"                   that Excel on Chinese Windows shows Chinese (the default\n"
	"                   is the contract's bytes, without)\n"
	"  --accept NAME,.. run although these delivery guards fire (listed below)\n"
	"  --new-key        the key differs from the state's on purpose: start a\n"
	"                   new baseline (alerts compare with no earlier period)\n"
	"  --sign-key FILE  sign manifest.json with this Ed25519 private key (from\n"
	"                   hhmatch keygen --sign; mode 0600): writes manifest.sig\n"
	"  --lang zh|en     the language of report.html (default zh, Chinese);\n"
	"                   caseworkers.xlsx is in Chinese whatever it says\n"
	"  --county-digits N  leading digits of a region code that name a county,\n"
	"                   for report.html and caseworkers.xlsx (2-12, default 6)\n"
	"  --mpi            the same run across the ranks of mpirun -np N (or srun):\n"
	"                   the same outputs, written by rank 0 alone; every rank\n"
	"                   must see the sources at the same paths\n"
	"  --audit-key FILE the audit key (hhmatch keygen; default: the file\n"
	"                   $HHMATCH_AUDIT_KEY names) that seals the record a run\n"
	"                   with --state and --accept or --new-key appends to the\n"
	"                   state's audit log; required for such a run\n"
	"\n"
	"  -h, --help       this text;  --version  hhmatch's version\n"
	"\n"
	"Exit status: 0 success, 1 usage, 2 input error (any input file unreadable:\n"
	"a source, --config, --rules, a key), 3 internal or output error.\n";

typedef struct {
	char *period, *key, *out, *threads, *rules, *pg_out, *state, *config;
	char *sign_key, *audit_key, *lang, *county_digits;
	char *src[SRC_COUNT];
	char *encoding[SRC_COUNT];
	char delim[SRC_COUNT];     /* 0: from the file's name */
	int quiet, new_key, csv_bom, mpi;
	char *accept;
} run_opts;

/* Set when set() could not copy a value: parse_args then fails the run
 * (out of memory) rather than run without the option. */
static int set_oom;

static void set(char **slot, const char *v)
{
	free(*slot);
	*slot = strdup(v);
	set_oom |= !*slot;
}

static hh_status set_encoding(run_opts *o, const char *spec, hh_err *err)
{
	const char *eq = strchr(spec, '=');
	char name[32];
	hh_encoding enc;
	int s = -1;
	if (eq && (size_t)(eq - spec) < sizeof name) {
		snprintf(name, sizeof name, "%.*s", (int)(eq - spec), spec);
		s = source_by_name(name);
	}
	if (s < 0 || ins_encoding_parse(eq + 1, &enc))
		return hh_fail(err, HH_EUSAGE,
			       "bad --encoding '%s': expected SOURCE=gb18030 or SOURCE=utf-8, "
			       "SOURCE one of civil_affairs, education, hr, housing, medical",
			       opts_shown(spec));
	set(&o->encoding[s], eq + 1);
	return HH_OK;
}

static hh_status set_delimiter(run_opts *o, const char *spec, hh_err *err)
{
	const char *eq = strchr(spec, '=');
	char name[32], d = 0;
	int s = -1;
	if (eq && (size_t)(eq - spec) < sizeof name) {
		snprintf(name, sizeof name, "%.*s", (int)(eq - spec), spec);
		s = source_by_name(name);
	}
	if (s < 0 || opts_delimiter(eq + 1, &d))
		return hh_fail(err, HH_EUSAGE,
			       "bad --delimiter '%s': expected SOURCE=C, C one character such as "
			       "';' or '|' (not a quote, letter or digit) or tab, SOURCE one of "
			       "civil_affairs, education, hr, housing, medical", opts_shown(spec));
	o->delim[s] = d;
	return HH_OK;
}

typedef struct {
	run_opts *o;
	const char *dir; /* config file's folder, for relative paths */
	const char *path;
} config_ctx;

static void set_path(char **slot, const char *dir, const char *v)
{
	if (v[0] == '/' || pg_is_uri(v) || !dir) {
		set(slot, v);
		return;
	}
	char buf[PATH_MAX];
	snprintf(buf, sizeof buf, "%s/%s", dir, v);
	set(slot, buf);
}

static hh_status config_setting(void *ctx, const char *key, const char *value,
				int line, hh_err *err)
{
	config_ctx *c = ctx;
	run_opts *o = c->o;
	int s = source_by_name(key);
	if (s >= 0)
		set_path(&o->src[s], c->dir, value);
	else if (!strcmp(key, "period"))
		set(&o->period, value);
	else if (!strcmp(key, "key"))
		set_path(&o->key, c->dir, value);
	else if (!strcmp(key, "out"))
		set_path(&o->out, c->dir, value);
	else if (!strcmp(key, "threads"))
		set(&o->threads, value);
	else if (!strcmp(key, "rules"))
		set_path(&o->rules, c->dir, value);
	else if (!strcmp(key, "pg-out"))
		set(&o->pg_out, value);
	else if (!strcmp(key, "state"))
		set_path(&o->state, c->dir, value);
	else if (!strcmp(key, "sign-key"))
		set_path(&o->sign_key, c->dir, value);
	else if (!strcmp(key, "audit-key"))
		set_path(&o->audit_key, c->dir, value);
	else if (!strcmp(key, "lang"))
		set(&o->lang, value);
	else if (!strcmp(key, "county-digits"))
		set(&o->county_digits, value);
	else if (!strcmp(key, "csv-bom")) {
		if (strcmp(value, "yes") && strcmp(value, "no"))
			return hh_fail(err, HH_EUSAGE, "%s: line %d: csv-bom: expected yes or no",
				       c->path, line);
		o->csv_bom = value[0] == 'y';
	}
	else if (!strcmp(key, "encoding") || !strcmp(key, "delimiter")) {
		hh_status st = key[0] == 'e' ? set_encoding(o, value, err)
					     : set_delimiter(o, value, err);
		if (st != HH_OK)
			return hh_wrap(err, st, "%s: line %d", c->path, line);
	} else
		return hh_fail(err, HH_EUSAGE, "%s: line %d: unknown setting '%s'", c->path,
			       line, opts_shown(key));
	return HH_OK;
}

/* An unreadable config file is an input error (2), as every unreadable
 * input file is; a bad setting in it is a usage error (1), as the same
 * setting on the command line would be. */
static hh_status load_config(run_opts *o, const char *path, hh_err *err)
{
	char *text = NULL;
	hh_status st = kv_read_file(path, &text, err);
	if (st != HH_OK)
		return hh_wrap(err, HH_EINPUT, "--config");
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	config_ctx c = {.o = o, .dir = dir, .path = path};
	st = kv_parse(text, path, config_setting, &c, err);
	free(text);
	return st;
}

static void free_opts(run_opts *o)
{
	free(o->period);
	free(o->key);
	free(o->out);
	free(o->threads);
	free(o->rules);
	free(o->pg_out);
	free(o->state);
	free(o->accept);
	free(o->config);
	free(o->sign_key);
	free(o->audit_key);
	free(o->lang);
	free(o->county_digits);
	for (int s = 0; s < SRC_COUNT; s++) {
		free(o->src[s]);
		free(o->encoding[s]);
	}
}

static hh_status read_args(int *argc_, char **argv, run_opts *o, opts_verdict *verdict,
			  hh_err *err)
{
	enum { O_PERIOD = 256, O_KEY, O_OUT, O_THREADS, O_RULES, O_CONFIG, O_STATE,
	       O_ENCODING, O_PGOUT, O_QUIET, O_ACCEPT, O_NEWKEY, O_SIGNKEY, O_AUDITKEY, O_LANG,
	       O_COUNTY, O_DELIM, O_BOM, O_MPI, O_SRC };
	static const struct option longopts[] = {
		{"period", required_argument, 0, O_PERIOD},
		{"key", required_argument, 0, O_KEY},
		{"out", required_argument, 0, O_OUT},
		{"threads", required_argument, 0, O_THREADS},
		{"rules", required_argument, 0, O_RULES},
		{"config", required_argument, 0, O_CONFIG},
		{"state", required_argument, 0, O_STATE},
		{"encoding", required_argument, 0, O_ENCODING},
		{"delimiter", required_argument, 0, O_DELIM},
		{"pg-out", required_argument, 0, O_PGOUT},
		{"quiet", no_argument, 0, O_QUIET},
		{"csv-bom", no_argument, 0, O_BOM},
		{"mpi", no_argument, 0, O_MPI},
		{"accept", required_argument, 0, O_ACCEPT},
		{"new-key", no_argument, 0, O_NEWKEY},
		{"sign-key", required_argument, 0, O_SIGNKEY},
		{"audit-key", required_argument, 0, O_AUDITKEY},
		{"lang", required_argument, 0, O_LANG},
		{"county-digits", required_argument, 0, O_COUNTY},
		{"civil-affairs", required_argument, 0, O_SRC + SRC_CIVIL_AFFAIRS},
		{"education", required_argument, 0, O_SRC + SRC_EDUCATION},
		{"hr", required_argument, 0, O_SRC + SRC_HR},
		{"housing", required_argument, 0, O_SRC + SRC_HOUSING},
		{"medical", required_argument, 0, O_SRC + SRC_MEDICAL},
		{0, 0, 0, 0}};
	/* one config: a second one's settings would be dropped unseen */
	static const char *const once[] = {"config", NULL};
	static const opts_spec spec = {longopts, "", once};
	HH_TRY(opts_check(&spec, argc_, argv, verdict, err));
	if (*verdict != OPTS_WORK)
		return HH_OK;
	int argc = *argc_, ch;
	/* --config first (given once: opts_check), so the command line wins */
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (ch == O_CONFIG)
			set(&o->config, optarg);
	if (o->config)
		HH_TRY(load_config(o, o->config, err));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case O_PERIOD: set(&o->period, optarg); break;
		case O_KEY: set(&o->key, optarg); break;
		case O_OUT: set(&o->out, optarg); break;
		case O_THREADS: set(&o->threads, optarg); break;
		case O_RULES: set(&o->rules, optarg); break;
		case O_CONFIG: break;
		case O_STATE: set(&o->state, optarg); break;
		case O_ENCODING: HH_TRY(set_encoding(o, optarg, err)); break;
		case O_DELIM: HH_TRY(set_delimiter(o, optarg, err)); break;
		case O_PGOUT: set(&o->pg_out, optarg); break;
		case O_QUIET: o->quiet = 1; break;
		case O_BOM: o->csv_bom = 1; break;
		case O_MPI: o->mpi = 1; break;
		case O_ACCEPT: set(&o->accept, optarg); break;
		case O_NEWKEY: o->new_key = 1; break;
		case O_SIGNKEY: set(&o->sign_key, optarg); break;
		case O_AUDITKEY: set(&o->audit_key, optarg); break;
		case O_LANG: set(&o->lang, optarg); break;
		case O_COUNTY: set(&o->county_digits, optarg); break;
		default:
			if (ch >= O_SRC && ch < O_SRC + SRC_COUNT) {
				set(&o->src[ch - O_SRC], optarg);
				break;
			}
			/* opts_check let nothing else through */
			return hh_fail(err, HH_EUSAGE, "bad command line");
		}
	}
	if (optind < argc)
		return hh_fail(err, HH_EUSAGE, "unexpected argument '%s'", opts_shown(argv[optind]));
	return HH_OK;
}

/* read_args, except that a value it could not copy fails the run (exit 3)
 * whatever else it found: a usage error after it (a bad --encoding, an
 * unexpected argument) is no reason to report the option as absent. */
static hh_status parse_args(int *argc_, char **argv, run_opts *o, opts_verdict *verdict,
			   hh_err *err)
{
	hh_status st = read_args(argc_, argv, o, verdict, err);
	if (set_oom)
		return hh_fail(err, HH_EINTERNAL, "out of memory reading the options");
	return st;
}

static hh_status check_opts(const run_opts *o, int *period, int *threads,
			    present_cfg *pr, hh_err *err)
{
	if (!o->period || !o->key || !o->out || !o->src[SRC_CIVIL_AFFAIRS])
		return hh_fail(err, HH_EUSAGE, "missing %s (see hhmatch run --help)",
			       !o->period ? "--period" : !o->key ? "--key"
			       : !o->out ? "--out" : "--civil-affairs");
	char *end;
	*period = period_parse(o->period);
	if (!*period)
		return hh_fail(err, HH_EUSAGE, "bad --period '%s': expected YYYYMM",
			       opts_shown(o->period));
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	*threads = n > 0 ? (int)n : 1;
	if (o->threads) {
		long t = strtol(o->threads, &end, 10);
		if (*end || t < 1 || t > 64)
			return hh_fail(err, HH_EUSAGE, "bad --threads '%s': expected 1 to 64",
				       opts_shown(o->threads));
		*threads = (int)t;
	}
	*pr = (present_cfg){.lang = LANG_ZH, .county_digits = PRESENT_COUNTY_DIGITS,
			    .state_dir = o->state, .period = *period, .threads = *threads};
	if (o->lang && labels_lang_parse(o->lang, &pr->lang))
		return hh_fail(err, HH_EUSAGE, "bad --lang '%s': expected zh or en",
			       opts_shown(o->lang));
	if (o->county_digits) {
		long d = strtol(o->county_digits, &end, 10);
		if (*end || d < 2 || d > 12)
			return hh_fail(err, HH_EUSAGE, "bad --county-digits '%s': expected 2 to 12",
				       opts_shown(o->county_digits));
		pr->county_digits = (int)d;
	}
	/* A source's name goes into report.json, rejects.csv, report.html and
	 * messages: one that holds an ID number (a file named after a
	 * person, a query= that selects one) is refused, not echoed. */
	for (int s = 0; s < SRC_COUNT; s++)
		if (o->src[s] && idnum_shaped(o->src[s], strlen(o->src[s])))
			return hh_fail(err, HH_EUSAGE, "--%s: the source's name holds a run of digits "
				       "shaped like an ID number, which would be written into the "
				       "outputs and messages; rename the file or rewrite the query",
				       source_option((source_id)s));
	for (int s = 0; s < SRC_COUNT; s++)
		if (o->delim[s] && o->src[s] && pg_is_uri(o->src[s]))
			return hh_fail(err, HH_EUSAGE, "--delimiter %s: the source is read from "
				       "PostgreSQL, whose rows need no delimiter", source_name(s));
	return HH_OK;
}

/* Set by SIGINT/SIGTERM: the engine stops at its next check and removes
 * its temporary outputs, so an interrupted run publishes nothing. */
static _Atomic int interrupted; /* lock-free, so safe in a handler */

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&interrupted, 1);
}

static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* The encoding of a source (checked by set_encoding), or auto-detection. */
static hh_encoding encoding_of(const char *s)
{
	hh_encoding e = HH_ENC_AUTO;
	if (s)
		ins_encoding_parse(s, &e);
	return e;
}

/* Wall-clock seconds of the run's phases, for the summary. */
typedef struct {
	double total, publication;
	double source[SRC_COUNT]; /* -1: not given */
} run_times;

static void print_summary(const engine_summary *s, unsigned long alerts, const char *out,
			  const run_times *t)
{
	strbuf b = STRBUF_INIT;
	sb_addf(&b,
		"%" PRIu64 " rows read, %" PRIu64 " accepted, %" PRIu64 " rejected\n"
		"  %" PRIu64 " households, %" PRIu64 " flagged (high %" PRIu64
		", medium %" PRIu64 "; low %" PRIu64 ")\n  %" PRIu64 " findings:",
		s->rows_read, s->rows_accepted, s->rows_rejected, s->households, s->flagged,
		s->level[LEVEL_HIGH], s->level[LEVEL_MEDIUM], s->level[LEVEL_LOW],
		s->findings);
	for (int c = 0; c < F_COUNT; c++)
		if (s->findings_by_code[c])
			sb_addf(&b, " %s %" PRIu64, engine_finding_name((finding_code)c),
				s->findings_by_code[c]);
	if (alerts)
		sb_addf(&b, "\n  %lu alerts since the previous period", alerts);
	sb_addf(&b, "\n  time %.2f s: ingest %.2f s (", t->total, s->seconds_ingest);
	const char *sep = "";
	for (int i = 0; i < SRC_COUNT; i++)
		if (t->source[i] >= 0) {
			sb_addf(&b, "%s%s %.2f", sep, source_name((source_id)i), t->source[i]);
			sep = ", ";
		}
	sb_addf(&b, "), repair %.2f s, households %.2f s, outputs %.2f s, publication %.2f s",
		s->seconds_repair, s->seconds_households, s->seconds_outputs, t->publication);
	sb_addf(&b, "\n  outputs in %s", out);
	log_info("%s", b.oom ? "summary: out of memory" : sb_str(&b));
	sb_release(&b);
}

hh_status cmd_run(int argc, char **argv)
{
	run_opts o = {0};
	hh_err err = {{0}};
	int period = 0, threads = 1;
	double t_start = fs_now_seconds();
	opts_verdict verdict = OPTS_WORK;
	present_cfg present = {0};
	pid_key *key = NULL, *audit_key = NULL;
	sign_key *sk = NULL;
	rules *ru = NULL;
	schema *sc = NULL;
	/* A rank other than 0 of an MPI job stays quiet even when it cannot
	 * read its command line: rank 0 reads the same one and says why. */
	int quiet_rank = 0;
	for (int i = 1; i < argc && !quiet_rank; i++)
		quiet_rank = !strcmp(argv[i], "--mpi") && comm_launcher_rank();
	hh_status st = parse_args(&argc, argv, &o, &verdict, &err);
	if (st == HH_OK && verdict == OPTS_HELP) {
		fputs(run_help, stdout);
		fputs("\nDelivery guards (--accept NAME):\n", stdout);
		for (int i = 0; i < GUARD_COUNT; i++)
			printf("  %-18s %s\n", guards_names[i].name, guards_names[i].what);
	}
	if (st == HH_OK && verdict == OPTS_VERSION)
		opts_version(stdout);
	if (st == HH_OK && verdict != OPTS_WORK) {
		free_opts(&o);
		return HH_OK;
	}
	/* Across ranks (--mpi) every rank checks the same settings and makes
	 * the same engine; rank 0 alone touches --out and --state, and speaks:
	 * the others' failures reach it through comm_agree. */
	comm *cm = NULL;
	if (st == HH_OK && o.mpi)
		st = comm_open(&interrupted, &cm, &err);
	int rank = cm ? comm_rank(cm) : quiet_rank;
	if (st == HH_OK && (o.quiet || rank != 0))
		log_quiet();
	if (st == HH_OK)
		st = check_opts(&o, &period, &threads, &present, &err);
	guards *g = NULL;
	if (st == HH_OK)
		st = guards_new(o.accept, o.new_key, &g, &err);
	if (st == HH_OK)
		st = pid_key_load(o.key, &key, &err);
	if (st == HH_OK && o.sign_key)
		st = sign_key_load_private(o.sign_key, &sk, &err);
	if (st == HH_OK)
		st = auditrec_key_load(o.audit_key, &audit_key, &err);
	/* refused before the run rather than after it, when guards_log needs it */
	if (st == HH_OK && o.state && (o.accept || o.new_key) && !audit_key)
		st = hh_fail(&err, HH_EUSAGE, "--accept and --new-key are logged in the state's "
			     "audit log, and " AUDITREC_KEY_NEEDED);
	if (st == HH_OK)
		st = rules_new(o.rules, &ru, &err);
	if (st == HH_OK)
		st = schema_new(&sc, &err);
	engine_cfg cfg = {.period = period, .key = key, .rules = ru, .schema = sc,
			  .threads = threads, .cancel = &interrupted, .csv_bom = o.csv_bom,
			  .comm = cm};
	for (int s = 0; s < SRC_COUNT; s++) {
		cfg.src[s].path = o.src[s];
		cfg.src[s].encoding = encoding_of(o.encoding[s]);
		cfg.src[s].delim = o.delim[s];
	}
	/* What --out may never hold: every file the run reads. */
	publish_input inputs[SRC_COUNT + 5];
	char opt[SRC_COUNT][32];
	size_t n = 0;
	for (int s = 0; s < SRC_COUNT; s++) {
		snprintf(opt[s], sizeof opt[s], "--%s", source_option((source_id)s));
		if (o.src[s] && !pg_is_uri(o.src[s]))
			inputs[n++] = (publish_input){o.src[s], opt[s]};
	}
	inputs[n++] = (publish_input){o.key, "the key"};
	if (o.config)
		inputs[n++] = (publish_input){o.config, "the config file"};
	if (o.rules)
		inputs[n++] = (publish_input){o.rules, "the rules file"};
	if (o.sign_key)
		inputs[n++] = (publish_input){o.sign_key, "the signing key"};
	if (audit_key)
		inputs[n++] = (publish_input){o.audit_key ? o.audit_key
						: getenv(AUDITREC_KEY_ENV),
					"the audit key"};
	publish_cfg pc = {.period = period, .out_dir = o.out, .state_dir = o.state,
			  .pg_out = o.pg_out, .inputs = inputs, .ninputs = n,
			  .guards = g, .rules = ru, .key_id = key ? pid_key_id(key) : NULL,
			  .sign_key = sk, .audit_key = audit_key, .cancel = &interrupted,
			  .present = present, .started = t_start};
	engine_summary sum;
	run_times times = {0};
	unsigned long alerts = 0;
	engine *e = NULL;
	publication *pub = NULL;
	if (st == HH_OK) {
		catch_signals();
		if (rank == 0)
			st = publish_open(&pc, &pub, &err);
		if (st == HH_OK)
			st = engine_new(&cfg, &e, &err);
	}
	if (cm) /* every rank, whatever happened: none waits for one that left */
		st = comm_agree(cm, st, NULL, &err);
	if (st == HH_OK && rank != 0) {
		st = engine_run(e, NULL, &sum, &err);
	} else if (st == HH_OK) {
		progress *pr = !o.quiet && isatty(2) && !log_json() ? progress_start(e) : NULL;
		double t_pub = fs_now_seconds();
		st = publish_run(pub, e, &sum, &alerts, &err);
		progress_stop(pr);
		/* publish_run's time less the engine's phases */
		times.publication = fs_now_seconds() - t_pub - sum.seconds_ingest -
				    sum.seconds_repair - sum.seconds_households -
				    sum.seconds_outputs;
		for (int s = 0; s < SRC_COUNT; s++) {
			engine_source_progress sp;
			engine_progress(e, (source_id)s, &sp);
			times.source[s] = sp.present ? sp.seconds : -1;
		}
	}
	publish_close(pub);
	engine_free(e);
	times.total = fs_now_seconds() - t_start;
	for (size_t i = 0; g && rank == 0 && i < guards_nwarnings(g); i++)
		log_warn("%s", guards_warning(g, i));
	if (st == HH_OK && rank == 0)
		print_summary(&sum, alerts, o.out, &times);
	if (st != HH_OK && rank == 0)
		log_error("%s", err.msg);
	comm_close(cm);
	guards_free(g);
	pid_key_free(key);
	pid_key_free(audit_key);
	sign_key_free(sk);
	rules_free(ru);
	schema_free(sc);
	free_opts(&o);
	return st;
}
