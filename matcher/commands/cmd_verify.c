/*
 * cmd_verify.c - `hhmatch verify --run DIR [--pubkey FILE]`: is a run
 * folder as the run published it?
 *
 * The check is manifest_verify (history/manifest.h): every output's
 * SHA-256 against manifest.json, files missing or added, and with
 * --pubkey the signature in manifest.sig.  Each difference is printed on
 * its own line, naming the file; exit 0 only when nothing differs, 2 when
 * something does (the folder, an input to this command, is not as
 * published), 1 on a usage error.
 */
#include <getopt.h>
#include <stdio.h>

#include "base/log.h"
#include "base/sign.h"
#include "commands/commands.h"
#include "commands/opts.h"
#include "history/manifest.h"

static const char verify_help[] =
	"usage: hhmatch verify --run DIR [--pubkey FILE]\n"
	"\n"
	"Checks a run folder against its manifest.json: every file the run wrote\n"
	"must be there with the SHA-256 the manifest lists, and no other file\n"
	"may be.  With --pubkey (the FILE.pub that hhmatch keygen --sign wrote),\n"
	"manifest.sig must hold a valid Ed25519 signature of manifest.json under\n"
	"that key.  Every file that differs, is missing or was added is named.\n"
	"\n"
	"options:\n"
	"  -r, --run DIR      the run folder (run --out, or a copy of it)\n"
	"  -p, --pubkey FILE  the public key the run was signed with\n"
	"  -h, --help         show this help\n"
	"  --version          show hhmatch's version\n"
	"  --log-format F     messages as text (default) or json, one object a line\n"
	"\n"
	"Exit status: 0 everything matches, 1 usage error, 2 something differs\n"
	"(or DIR has no manifest.json, or FILE is not a public key).\n";

static hh_status usage_error(const char *msg)
{
	log_error("%s", msg);
	if (!log_json())
		fputs("usage: hhmatch verify --run DIR [--pubkey FILE]   (hhmatch verify --help)\n",
		      stderr);
	return HH_EUSAGE;
}

static void print_problem(void *ctx, const char *msg)
{
	(void)ctx;
	log_error("%s", msg);
}

hh_status cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"run", required_argument, NULL, 'r'},
		{"pubkey", required_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	static const opts_spec spec = {longopts, "r:p:", NULL};
	const char *run = NULL, *pubkey = NULL;
	int c;
	hh_err err;
	opts_verdict v;

	if (opts_check(&spec, &argc, argv, &v, &err) != HH_OK)
		return usage_error(err.msg);
	if (opts_answered(v, verify_help))
		return HH_OK;
	optind = 1; /* argv[0] is the command's name, as in every command */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "r:p:", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			run = optarg;
			break;
		case 'p':
			pubkey = optarg;
			break;
		default: /* opts_check let nothing else through */
			return usage_error("bad command line");
		}
	}
	if (optind < argc) {
		snprintf(err.msg, sizeof err.msg, "unexpected argument '%s'",
			 opts_shown(argv[optind]));
		return usage_error(err.msg);
	}
	if (!run || !*run)
		return usage_error("--run DIR is required");

	sign_key *pub = NULL;
	size_t problems = 0;
	hh_status st = pubkey ? sign_key_load_public(pubkey, &pub, &err) : HH_OK;
	if (st == HH_OK)
		st = manifest_verify(run, pub, print_problem, NULL, &problems, &err);
	if (st != HH_OK) {
		log_error("%s", err.msg);
	} else if (problems) {
		log_error("%s: %zu difference%s from %s: the run folder is not as the run "
			  "published it", run, problems, problems == 1 ? "" : "s", MANIFEST_JSON);
		st = HH_EINPUT;
	} else if (pub) {
		printf("verify: %s: every output matches %s, signed by key %s\n", run,
		       MANIFEST_JSON, sign_key_fingerprint(pub));
	} else {
		printf("verify: %s: every output matches %s (signature not checked: no "
		       "--pubkey)\n", run, MANIFEST_JSON);
	}
	sign_key_free(pub);
	return st;
}
