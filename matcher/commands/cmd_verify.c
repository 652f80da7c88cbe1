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

#include "base/sign.h"
#include "commands/commands.h"
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
	"\n"
	"Exit status: 0 everything matches, 1 usage error, 2 something differs\n"
	"(or DIR has no manifest.json, or FILE is not a public key).\n";

static hh_status usage_error(void)
{
	fputs("usage: hhmatch verify --run DIR [--pubkey FILE]   (hhmatch verify --help)\n",
	      stderr);
	return HH_EUSAGE;
}

static void print_problem(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "hhmatch verify: %s\n", msg);
}

hh_status cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"run", required_argument, NULL, 'r'},
		{"pubkey", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *run = NULL, *pubkey = NULL;
	int c;

	optind = 1; /* argv[0] is the command's name, as in every command */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			run = optarg;
			break;
		case 'p':
			pubkey = optarg;
			break;
		case 'h':
			fputs(verify_help, stdout);
			return HH_OK;
		case ':':
			fprintf(stderr, "hhmatch verify: option '%s' needs a value\n",
				argv[optind - 1]);
			return usage_error();
		default:
			fprintf(stderr, "hhmatch verify: unknown option '%s'\n", argv[optind - 1]);
			return usage_error();
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hhmatch verify: unexpected argument '%s'\n", argv[optind]);
		return usage_error();
	}
	if (!run || !*run) {
		fputs("hhmatch verify: --run DIR is required\n", stderr);
		return usage_error();
	}

	hh_err err;
	sign_key *pub = NULL;
	size_t problems = 0;
	hh_status st = pubkey ? sign_key_load_public(pubkey, &pub, &err) : HH_OK;
	if (st == HH_OK)
		st = manifest_verify(run, pub, print_problem, NULL, &problems, &err);
	if (st != HH_OK) {
		fprintf(stderr, "hhmatch verify: %s\n", err.msg);
	} else if (problems) {
		fprintf(stderr, "hhmatch verify: %s: %zu difference%s from %s: the run folder is "
			"not as the run published it\n", run, problems, problems == 1 ? "" : "s",
			MANIFEST_JSON);
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
