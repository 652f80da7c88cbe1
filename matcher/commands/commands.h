/*
 * commands.h - the subcommands of hhmatch, one function each.
 *
 * main.c dispatches on argv[1] through a table of these; each command
 * passes its command line through opts_check (opts.h: exact long options,
 * -h/--help/--version/--log-format), parses its own options with
 * getopt_long, does its work, and returns an hh_status that main()
 * returns as the exit code (contract: 0 success, 1 usage, 2 input -
 * every unreadable input file included, 3 internal or output).  Commands
 * write their messages through base/log.h, which prefixes them
 * "hhmatch <command>: " (or writes JSON lines).
 */
#ifndef HH_COMMANDS_H
#define HH_COMMANDS_H

#include "base/hh_error.h"

hh_status cmd_keygen(int argc, char **argv);       /* cmd_keygen.c */
hh_status cmd_pseudonymize(int argc, char **argv); /* cmd_pseudonymize.c */
hh_status cmd_run(int argc, char **argv);          /* cmd_run.c */
hh_status cmd_gen(int argc, char **argv);          /* cmd_gen.c */
hh_status cmd_audit(int argc, char **argv);        /* cmd_audit.c */
hh_status cmd_verify(int argc, char **argv);       /* cmd_verify.c */
hh_status cmd_review(int argc, char **argv);       /* cmd_review.c */

#endif
