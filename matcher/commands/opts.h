/*
 * opts.h - the checks every command's command line passes before its own
 * getopt_long loop: the options every command shares, and exact matching.
 *
 * getopt_long takes any unambiguous abbreviation of a long option
 * (`--conf` for --config), which on a scheduled run's command line turns a
 * typo into a silently different run.  opts_check walks argv the way
 * getopt_long will (GNU order: options and operands mixed, "--" ends the
 * options) and refuses, as a usage error naming the option and the
 * nearest valid one (the one it abbreviates, or one a typo away; none
 * when nothing is near: --bogus):
 *   - a long option that is not exactly one of the command's;
 *   - a short option the command does not have;
 *   - an option that takes a value given none, or a flag given "=VALUE";
 *   - an option given twice that the command lists as "once" (run's
 *     --config: the settings of one file would be silently dropped).
 *     Any other option may repeat and the last one wins, as with getopt,
 *     so a script can override a base command line (--encoding and
 *     --delimiter name a source each, --keep adds a column).
 * It answers the options every command shares, before anything else
 * (a config file is not read for --help):
 *   -h, --help           *verdict = OPTS_HELP
 *   --version            *verdict = OPTS_VERSION (print with opts_version)
 *   --log-format F       text or json (base/log.h), applied at once
 * and takes --log-format out of argv (argc shrinks), so the command's
 * getopt_long never sees it.  What is left is checked, so the command's
 * loop afterwards meets only options it knows, spelled in full.
 *
 * Messages never quote an option's value, and an unknown option that
 * holds 15 or more digits in a row (an ID number's shape) is not quoted.
 *
 * Thread safety: none needed (the main thread, before any work).
 */
#ifndef HH_OPTS_H
#define HH_OPTS_H

#include <getopt.h>
#include <stdio.h>

#include "base/hh_error.h"

typedef struct {
	const struct option *longopts; /* the command's, {0} terminated */
	const char *shortopts;         /* as for getopt ("o:sh"), or "" */
	const char *const *once;       /* long names that may not repeat; NULL-terminated, or NULL */
} opts_spec;

typedef enum {
	OPTS_WORK,   /* go on: parse with getopt_long and do the work */
	OPTS_HELP,   /* print the command's help on stdout, exit 0 */
	OPTS_VERSION /* opts_version(), exit 0 */
} opts_verdict;

/* Checks argv[1..*argc) (argv[0] is the command's name) against spec and
 * removes the shared options from it.  HH_EUSAGE with err naming the
 * option on a problem. */
hh_status opts_check(const opts_spec *spec, int *argc, char **argv, opts_verdict *verdict,
		     hh_err *err);

/* A delimiter as --delimiter gives it: one punctuation character (';',
 * '|', ','...; not a quote or a line break) or "tab".  0, or -1 when s is
 * none. */
int opts_delimiter(const char *s, char *out);

/* "hhmatch VERSION" and a newline on f. */
void opts_version(FILE *f);

/* What every command does with opts_check's verdict before its work:
 * OPTS_HELP prints help on stdout, OPTS_VERSION prints opts_version(); 1
 * when it answered so (the command then returns HH_OK), 0 for OPTS_WORK. */
int opts_answered(opts_verdict v, const char *help);

/* v itself, or a placeholder when v holds something shaped like an ID
 * number (domain/idnum.h, idnum_shaped): what every message that quotes
 * a value from the command line or a config file passes it through, so a
 * number typed into the wrong place never reaches the terminal, the
 * journal or a log file. */
const char *opts_shown(const char *v);

#endif
