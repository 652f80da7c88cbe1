/*
 * log.h - hhmatch's messages to the operator on stderr, with levels, as
 * text for a terminal or as one JSON object per line for the journal.
 *
 * A command names itself once (log_setup, in main before anything else),
 * then writes through log_error / log_warn / log_info.  The text format
 * is what the commands always printed, and tests grep it:
 *     error   "hhmatch CMD: MESSAGE"
 *     warn    "hhmatch CMD: warning: MESSAGE"
 *     notice  "hhmatch CMD: MESSAGE"   (no problem, but worth seeing:
 *                                       a recovery after a killed run)
 *     info    "hhmatch CMD: MESSAGE"   (the run's summary)
 * The JSON format (--log-format json or HHMATCH_LOG_FORMAT=json) writes
 * {"time":"2026-11-30T07:00:00.123Z","level":"error","command":"run",
 *  "message":"..."} on one line per call, so a multi-line message (the
 * run's summary) stays one record; bytes that are not UTF-8 (a file name)
 * become U+FFFD.
 *
 * Levels: HHMATCH_LOG_LEVEL=error|warn|notice|info (default info) drops
 * what is below it; --quiet (log_quiet) drops info as well.  Errors are never
 * dropped.  Messages follow hh_error.h: never a raw ID number or a name.
 *
 * Thread safety: the settings are process-wide and set by the main thread
 * before any worker starts; each call writes its record with one stdio
 * call, so records from two threads never interleave within a line.
 */
#ifndef HH_LOG_H
#define HH_LOG_H

#include "base/hh_error.h"

/* The environment variables log_setup reads. */
#define LOG_FORMAT_ENV "HHMATCH_LOG_FORMAT"
#define LOG_LEVEL_ENV "HHMATCH_LOG_LEVEL"

typedef enum { LOGL_ERROR, LOGL_WARN, LOGL_NOTICE, LOGL_INFO } log_level;

/* Names the command ("run", "audit"; NULL for hhmatch itself) and sets
 * the format and level from the environment (again at each call: what
 * log_set_format and log_quiet said before is forgotten).  A bad value
 * there is reported by log_env_error. */
void log_setup(const char *command);

/* The message for an environment variable log_setup could not read
 * (HH_EUSAGE), or HH_OK. */
hh_status log_env_error(hh_err *err);

/* "text" or "json" (--log-format); HH_EUSAGE for anything else. */
hh_status log_set_format(const char *name, hh_err *err);

/* --quiet: info messages are dropped too. */
void log_quiet(void);

/* 1 when messages at level l are written. */
int log_enabled(log_level l);

/* 1 in the JSON format (a command then prints no free-form usage lines). */
int log_json(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
