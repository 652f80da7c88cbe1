/*
 * main.c - hhmatch's entry point: a table of subcommands and a dispatcher.
 * Each command lives in its own cmd_*.c with its help text beside it, and
 * passes its command line through opts_check (opts.h) first, so every
 * command answers -h, --help and --version alike.  The log (base/log.h)
 * is named after the command here, before the command runs.
 */
#include <stdio.h>
#include <string.h>

#include "base/hex.h"
#include "base/log.h"
#include "commands/commands.h"
#include "commands/opts.h"

static const struct {
	const char *name;
	hh_status (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{"keygen", cmd_keygen, "write a new random pseudonymisation key"},
	{"pseudonymize", cmd_pseudonymize,
	 "replace ID numbers by pids in one extract"},
	{"run", cmd_run, "the monthly run: join, households, risk flags"},
	{"gen", cmd_gen, "write a synthetic month for demos and tests"},
	{"audit", cmd_audit, "on-demand queries over a run, logged"},
	{"verify", cmd_verify, "check a run's outputs against its manifest"},
	{"review", cmd_review, "import caseworkers' decisions into the state"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: hhmatch <command> [options]   (hhmatch <command> --help)\n\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-13s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
	hh_err err;
	log_setup(NULL);
	if (log_env_error(&err)) {
		log_error("%s", err.msg);
		return HH_EUSAGE;
	}
	if (argc < 2) {
		usage(stderr);
		return HH_EUSAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return HH_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		opts_version(stdout);
		return HH_OK;
	}
	if (hex_crypto_init()) {
		log_error("cannot initialise OpenSSL: out of memory");
		return HH_EINTERNAL;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name)) {
			log_setup(commands[i].name);
			return (int)commands[i].fn(argc - 1, argv + 1);
		}
	log_error("unknown command '%s'", opts_shown(argv[1]));
	if (!log_json())
		usage(stderr);
	return HH_EUSAGE;
}
