/*
 * cmd_keygen.c - `hhmatch keygen --out FILE [--sign]`: write a new random
 * pseudonymisation key (32 bytes as 64 hex characters, mode 0600), or
 * with --sign an Ed25519 key pair for signing run manifests.
 *
 * The work is pid_keygen (pid.c) or sign_keygen (base/sign.h); this file
 * parses options, prints the new key's key_id or fingerprint (so it can
 * be recorded next to the file, never the key itself), and prints errors
 * prefixed "hhmatch keygen: ".  It never overwrites.
 */
#include <getopt.h>
#include <stdio.h>

#include "base/log.h"
#include "base/sign.h"
#include "commands/commands.h"
#include "commands/opts.h"
#include "domain/pid.h"

static const char keygen_help[] =
	"usage: hhmatch keygen --out FILE [--sign]\n"
	"\n"
	"Writes a new random pseudonymisation key: 32 bytes from the system's\n"
	"random source, as 64 hex characters and a newline, in a new file of\n"
	"mode 0600.  An existing file is never overwritten.  Prints the key_id\n"
	"(first 8 hex characters of SHA-256 of the key), which every run writes\n"
	"into its outputs.\n"
	"\n"
	"Keep the key secret and backed up: pids made with one key cannot be\n"
	"matched with pids made with another, and anyone holding the key can\n"
	"test guesses of ID numbers against pids.\n"
	"\n"
	"With --sign: a new Ed25519 key pair for signing run manifests (hhmatch\n"
	"run --sign-key FILE): the private key in PEM at FILE (mode 0600), the\n"
	"public key in PEM at FILE.pub (mode 0644, for hhmatch verify --pubkey).\n"
	"Prints the key's fingerprint (first 16 hex characters of SHA-256 of the\n"
	"raw public key), which manifest.sig names.\n"
	"\n"
	"options:\n"
	"  -o, --out FILE   the key file to create (required)\n"
	"  -s, --sign       an Ed25519 signing key pair instead\n"
	"  -h, --help       show this help\n"
	"  --version        show hhmatch's version\n"
	"  --log-format F   messages as text (default) or json, one object a line\n"
	"\n"
	"Exit status: 0 success, 1 usage (also an existing FILE), 3 the key could\n"
	"not be written.\n";

/* Prints a usage error and, on a terminal's format, the short usage line. */
static hh_status usage_error(const char *msg)
{
	log_error("%s", msg);
	if (!log_json())
		fputs("usage: hhmatch keygen --out FILE [--sign]   (hhmatch keygen --help)\n",
		      stderr);
	return HH_EUSAGE;
}

hh_status cmd_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"out", required_argument, NULL, 'o'},
		{"sign", no_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	static const opts_spec spec = {longopts, "o:s", NULL};
	const char *out = NULL;
	int c, sign = 0;
	hh_err err;
	opts_verdict v;

	if (opts_check(&spec, &argc, argv, &v, &err) != HH_OK)
		return usage_error(err.msg);
	if (opts_answered(v, keygen_help))
		return HH_OK;
	optind = 1; /* argv[0] is the command's name, as in every command */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:s", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 's':
			sign = 1;
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
	if (!out || !*out)
		return usage_error("--out FILE is required");

	if (sign) {
		char fpr[SIGN_FPR_HEX + 1];
		hh_status st = sign_keygen(out, fpr, &err);
		if (st != HH_OK) {
			log_error("%s", err.msg);
			return st;
		}
		printf("wrote signing key %s (mode 0600; keep it secret) and public key "
		       "%s.pub (fingerprint %s)\n", out, out, fpr);
		return HH_OK;
	}
	hh_status st = pid_keygen(out, &err);
	if (st != HH_OK) {
		log_error("%s", err.msg);
		return st;
	}
	pid_key *k = NULL;
	st = pid_key_load(out, &k, &err);
	if (st != HH_OK) {
		log_error("%s", err.msg);
		return st;
	}
	printf("wrote key %s (key_id %s, mode 0600); keep it secret and "
	       "backed up\n", out, pid_key_id(k));
	pid_key_free(k);
	return HH_OK;
}
