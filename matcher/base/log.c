/*
 * log.c - levels and formats of the operator's messages (see log.h).
 *
 * Each record is formatted into a buffer first and written with one
 * fputs, so that stderr (unbuffered) receives it in one write and the
 * journal gets whole lines.
 */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/json.h"
#include "base/strbuf.h"

static struct {
	const char *command; /* NULL: hhmatch itself */
	int json;
	log_level level;
	const char *bad_env; /* the variable log_setup could not read */
} cfg = {NULL, 0, LOGL_INFO, NULL};

static int parse_level(const char *s, log_level *out)
{
	static const char *const names[] = {"error", "warn", "notice", "info"};
	for (int i = 0; i < 4; i++)
		if (!strcasecmp(s, names[i])) {
			*out = (log_level)i;
			return 0;
		}
	if (!strcasecmp(s, "warning")) {
		*out = LOGL_WARN;
		return 0;
	}
	return -1;
}

void log_setup(const char *command)
{
	cfg.command = command;
	cfg.json = 0;
	cfg.level = LOGL_INFO;
	cfg.bad_env = NULL;
	const char *f = getenv(LOG_FORMAT_ENV), *l = getenv(LOG_LEVEL_ENV);
	if (f && *f) {
		if (!strcasecmp(f, "json"))
			cfg.json = 1;
		else if (strcasecmp(f, "text"))
			cfg.bad_env = LOG_FORMAT_ENV;
	}
	if (l && *l && parse_level(l, &cfg.level))
		cfg.bad_env = LOG_LEVEL_ENV;
}

hh_status log_env_error(hh_err *err)
{
	if (!cfg.bad_env)
		return HH_OK;
	return hh_fail(err, HH_EUSAGE, "bad %s: expected %s", cfg.bad_env,
		       !strcmp(cfg.bad_env, LOG_FORMAT_ENV) ? "text or json"
							    : "error, warn, notice or info");
}

hh_status log_set_format(const char *name, hh_err *err)
{
	if (!strcasecmp(name, "json"))
		cfg.json = 1;
	else if (!strcasecmp(name, "text"))
		cfg.json = 0;
	else
		return hh_fail(err, HH_EUSAGE, "bad --log-format: expected text or json");
	return HH_OK;
}

void log_quiet(void)
{
	if (cfg.level > LOGL_NOTICE)
		cfg.level = LOGL_NOTICE;
}

int log_enabled(log_level l) { return l <= cfg.level; }

int log_json(void) { return cfg.json; }

/* "2026-11-30T07:00:00.123Z" */
static void now_iso(char *buf, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (!gmtime_r(&ts.tv_sec, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(buf, cap, "%lld", (long long)ts.tv_sec);
		return;
	}
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

static void emit(log_level l, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void emit(log_level l, const char *fmt, va_list ap)
{
	static const char *const names[] = {"error", "warn", "notice", "info"};
	if (!log_enabled(l))
		return;
	char stack[1024];
	char *msg = stack;
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(stack, sizeof stack, fmt, ap);
	if (n >= (int)sizeof stack) {
		msg = malloc((size_t)n + 1);
		if (msg)
			vsnprintf(msg, (size_t)n + 1, fmt, aq);
		else
			msg = stack; /* truncated rather than lost */
	}
	va_end(aq);
	strbuf b = STRBUF_INIT;
	if (cfg.json) {
		char t[40];
		now_iso(t, sizeof t);
		json_t *o = json_object();
		if (o) {
			json_object_set_new(o, "time", json_string(t));
			json_object_set_new(o, "level", json_string(names[l]));
			json_object_set_new(o, "command",
					    json_string(cfg.command ? cfg.command : "hhmatch"));
			json_object_set_new(o, "message", hj_string_bytes(msg, strlen(msg), NULL));
			hj_dump(&b, o, JSON_COMPACT);
			json_decref(o);
		}
	} else {
		sb_adds(&b, "hhmatch");
		if (cfg.command)
			sb_addf(&b, " %s", cfg.command);
		sb_adds(&b, l == LOGL_WARN ? ": warning: " : ": ");
		sb_adds(&b, msg);
	}
	sb_addc(&b, '\n');
	/* no memory for the record: the message itself still goes out */
	if (b.oom)
		fprintf(stderr, "hhmatch: %s\n", msg);
	else
		fputs(sb_str(&b), stderr);
	sb_release(&b);
	if (msg != stack)
		free(msg);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(LOGL_ERROR, fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(LOGL_WARN, fmt, ap);
	va_end(ap);
}

void log_notice(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(LOGL_NOTICE, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(LOGL_INFO, fmt, ap);
	va_end(ap);
}
