/*
 * opts.c - exact long options, the shared -h/--help/--version/--log-format
 * (see opts.h).
 *
 * The walk mirrors getopt_long's reading of argv so that it agrees with
 * the loop that follows it on which words are options and which are
 * values: an option that takes a value consumes the next word whatever it
 * looks like (`--purpose --x` is a purpose), a short option's value may
 * be glued to it (-oFILE), "--" ends the options, and a lone "-" is an
 * operand.
 */
#include "commands/opts.h"
#include "domain/idnum.h"

#include <string.h>

#include "base/editdist.h"
#include "base/log.h"

/* The options every command shares; they need no entry in a command's
 * own table. */
static const char *const shared_names[] = {"help", "version", "log-format"};
enum { N_SHARED = sizeof shared_names / sizeof shared_names[0] };

void opts_version(FILE *f) { fprintf(f, "hhmatch %s\n", HH_VERSION); }

int opts_answered(opts_verdict v, const char *help)
{
	if (v == OPTS_HELP)
		fputs(help, stdout);
	else if (v == OPTS_VERSION)
		opts_version(stdout);
	return v != OPTS_WORK;
}

const char *opts_shown(const char *v)
{
	return v && idnum_shaped(v, strlen(v)) ? "(withheld: shaped like an ID number)" : v;
}

/* Edit distance of a[0..la) and b, both cut at EDITDIST_MAX bytes:
 * enough to rank option names. */
static size_t distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b);
	return editdist(a, la > EDITDIST_MAX ? EDITDIST_MAX : la, b,
			lb > EDITDIST_MAX ? EDITDIST_MAX : lb);
}

/* The valid long option nearest to name[0..len): one it abbreviates
 * first (what getopt_long would have taken it for), else the fewest
 * edits; NULL when even that is too far to be what was meant (more than
 * 2 edits and more than a third of the name). */
static const char *nearest(const opts_spec *spec, const char *name, size_t len)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	size_t n = 0;
	while (spec->longopts[n].name)
		n++;
	for (size_t k = 0; k < n + N_SHARED; k++) {
		const char *cand = k < n ? spec->longopts[k].name : shared_names[k - n];
		size_t d = len && !strncmp(cand, name, len) ? 0 : 1 + distance(name, len, cand);
		if (d < best_d) {
			best_d = d;
			best = cand;
		}
	}
	return best_d <= 3 || best_d - 1 <= len / 3 ? best : NULL;
}

static int is_once(const opts_spec *spec, const char *name)
{
	for (const char *const *r = spec->once; r && *r; r++)
		if (!strcmp(*r, name))
			return 1;
	return 0;
}

/* Removes argv[i..i+n) (argv stays NULL-terminated). */
static void drop_words(int *argc, char **argv, int i, int n)
{
	memmove(&argv[i], &argv[i + n], (size_t)(*argc - i - n + 1) * sizeof *argv);
	*argc -= n;
}

/* Counts one more use of longopts[k]; a second use of a "once" option is
 * refused. */
static hh_status count_use(const opts_spec *spec, size_t k, unsigned char *seen, hh_err *err)
{
	const char *name = spec->longopts[k].name;
	if (seen[k]++ && is_once(spec, name))
		return hh_fail(err, HH_EUSAGE, "option '--%s' given twice; give it once", name);
	return HH_OK;
}

static hh_status long_option(const opts_spec *spec, int *argc, char **argv, int *i,
			     unsigned char *seen, opts_verdict *verdict, hh_err *err)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	if (len == 4 && !strncmp(name, "help", 4)) {
		*verdict = OPTS_HELP;
		return HH_OK;
	}
	if (len == 7 && !strncmp(name, "version", 7)) {
		*verdict = OPTS_VERSION;
		return HH_OK;
	}
	if (len == 10 && !strncmp(name, "log-format", 10)) {
		if (!eq && *i + 1 >= *argc)
			return hh_fail(err, HH_EUSAGE, "option '--log-format' needs a value");
		HH_TRY(log_set_format(eq ? eq + 1 : argv[*i + 1], err));
		drop_words(argc, argv, *i, eq ? 1 : 2);
		return HH_OK;
	}
	size_t k = 0;
	while (spec->longopts[k].name &&
	       (strlen(spec->longopts[k].name) != len || strncmp(spec->longopts[k].name, name, len)))
		k++;
	if (!spec->longopts[k].name) {
		const char *near = nearest(spec, name, len);
		if (idnum_shaped(name, len))
			return hh_fail(err, HH_EUSAGE, "unknown option (withheld: it holds 15 or "
				       "more digits in a row, the shape of an ID number)");
		if (!near)
			return hh_fail(err, HH_EUSAGE, "unknown option '--%.*s'",
				       (int)(len > 60 ? 60 : len), name);
		return hh_fail(err, HH_EUSAGE, "unknown option '--%.*s' (did you mean '--%s'?)",
			       (int)(len > 60 ? 60 : len), name, near);
	}
	const struct option *o = &spec->longopts[k];
	if (o->has_arg == no_argument && eq)
		return hh_fail(err, HH_EUSAGE, "option '--%s' takes no value", o->name);
	if (o->has_arg == required_argument && !eq) {
		if (*i + 1 >= *argc)
			return hh_fail(err, HH_EUSAGE, "option '--%s' needs a value", o->name);
		(*i)++;
	}
	HH_TRY(count_use(spec, k, seen, err));
	(*i)++;
	return HH_OK;
}

static hh_status short_options(const opts_spec *spec, int argc, char **argv, int *i,
			       unsigned char *seen, opts_verdict *verdict, hh_err *err)
{
	for (const char *p = argv[*i] + 1; *p; p++) {
		if (*p == 'h') {
			*verdict = OPTS_HELP;
			return HH_OK;
		}
		const char *o = *p == ':' ? NULL : strchr(spec->shortopts, *p);
		if (!o)
			return hh_fail(err, HH_EUSAGE, "unknown option '-%c'", *p);
		size_t k = 0;
		while (spec->longopts[k].name && spec->longopts[k].val != *p)
			k++;
		if (spec->longopts[k].name)
			HH_TRY(count_use(spec, k, seen, err));
		if (o[1] == ':') {
			if (!p[1] && *i + 1 >= argc)
				return hh_fail(err, HH_EUSAGE, "option '-%c' needs a value", *p);
			if (!p[1])
				(*i)++;
			break; /* the rest of the word, or the next one, is the value */
		}
	}
	(*i)++;
	return HH_OK;
}

hh_status opts_check(const opts_spec *spec, int *argc, char **argv, opts_verdict *verdict,
		     hh_err *err)
{
	unsigned char seen[128] = {0};
	size_t n = 0;
	while (spec->longopts[n].name)
		n++;
	if (n > sizeof seen)
		return hh_fail(err, HH_EINTERNAL, "opts_check: %zu options is too many", n);
	*verdict = OPTS_WORK;
	int i = 1;
	while (i < *argc && *verdict == OPTS_WORK) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			break;
		if (a[0] != '-' || !a[1])
			i++; /* an operand: the command says what it makes of it */
		else if (a[1] == '-')
			HH_TRY(long_option(spec, argc, argv, &i, seen, verdict, err));
		else
			HH_TRY(short_options(spec, *argc, argv, &i, seen, verdict, err));
	}
	return HH_OK;
}

int opts_delimiter(const char *s, char *out)
{
	if (!strcmp(s, "tab") || !strcmp(s, "\\t")) {
		*out = '\t';
		return 0;
	}
	if (strlen(s) != 1 || s[0] == '"' || s[0] == '\n' || s[0] == '\r' ||
	    (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	    (s[0] >= '0' && s[0] <= '9'))
		return -1;
	*out = s[0];
	return 0;
}
