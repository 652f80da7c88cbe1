/*
 * state.c - the run history kept in --state DIR (see state.h).
 *
 * The history is a copy of the published files per period, replaced
 * atomically (temporary folder, then rename or exchange).  The run that
 * writes it holds DIR/.lock (state_lock) from before it reads a source
 * until it is done.  Folders and files are created as the umask says: a
 * data centre shares the history with a group of auditors by the umask
 * and the folder's group (README).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "domain/idnum.h"
#include "domain/period.h"
#include "history/runread.h"
#include "history/state.h"

/* Files kept per period (rejects.csv is not: it can be large and later
 * runs and audits do not need it). */
static const char *const kept_files[] = {"households.csv", "flags.csv", "findings.csv",
					 "explain.csv", "report.json", "alerts.jsonl"};
#define N_KEPT (sizeof kept_files / sizeof kept_files[0])


hh_status state_periods(const char *state_dir, int **out, size_t *n, hh_err *err)
{
	char path[PATH_MAX];
	*out = NULL;
	*n = 0;
	snprintf(path, sizeof path, "%s/runs", state_dir);
	DIR *d = opendir(path);
	if (!d) {
		if (errno == ENOENT)
			return HH_OK;
		return hh_fail(err, HH_EINPUT, "cannot read state folder %s: %s", path,
			       strerror(errno));
	}
	size_t cap = 0;
	struct dirent *de;
	hh_status st = HH_OK;
	while ((de = readdir(d))) {
		if (!period_parse(de->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			int *np = realloc(*out, cap * sizeof *np);
			if (!np) {
				st = hh_fail(err, HH_EINTERNAL, "out of memory");
				break;
			}
			*out = np;
		}
		(*out)[(*n)++] = period_parse(de->d_name);
	}
	closedir(d);
	if (st != HH_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
		return st;
	}
	/* insertion sort: a state holds a few dozen periods */
	for (size_t i = 1; i < *n; i++)
		for (size_t j = i; j > 0 && (*out)[j - 1] > (*out)[j]; j--) {
			int t = (*out)[j];
			(*out)[j] = (*out)[j - 1];
			(*out)[j - 1] = t;
		}
	return HH_OK;
}

hh_status state_previous(const char *state_dir, int period, int *prev, hh_err *err)
{
	int *ps;
	size_t n;
	*prev = 0;
	HH_TRY(state_periods(state_dir, &ps, &n, err));
	for (size_t i = 0; i < n; i++)
		if (ps[i] < period)
			*prev = ps[i];
	free(ps);
	return HH_OK;
}

hh_status state_lock(const char *state_dir, fs_lock **out, hh_err *err)
{
	char lockp[PATH_MAX], what[PATH_MAX + 16];
	*out = NULL;
	if (snprintf(lockp, sizeof lockp, "%s/.lock", state_dir) >= (int)sizeof lockp)
		return hh_fail(err, HH_EUSAGE, "state folder name too long");
	snprintf(what, sizeof what, "--state %s", state_dir);
	HH_TRY(fs_mkdir_p(state_dir, 0777, err));
	return fs_lock_take(lockp, what, out, err);
}

hh_status state_save(const char *state_dir, int period, const char *out_dir, hh_err *err)
{
	char runs[PATH_MAX], tmp[PATH_MAX + 32], final[PATH_MAX + 16];
	if (strlen(state_dir) > PATH_MAX - 64 || strlen(out_dir) > PATH_MAX - 64)
		return hh_fail(err, HH_EUSAGE, "state or output folder name too long");
	snprintf(runs, sizeof runs, "%s/runs", state_dir);
	HH_TRY(fs_mkdir_p(runs, 0777, err));
	snprintf(tmp, sizeof tmp, "%s/.%06d.tmp-XXXXXX", runs, period);
	snprintf(final, sizeof final, "%s/%06d", runs, period);
	hh_status st = HH_OK;
	if (!mkdtemp(tmp))
		st = hh_fail(err, HH_EINTERNAL, "cannot create a folder in %s: %s", runs,
			     strerror(errno));
	else if (chmod(tmp, 0777 & ~(mode_t)fs_umask()))
		st = hh_fail(err, HH_EINTERNAL, "cannot set the mode of %s: %s", tmp,
			     strerror(errno));
	for (size_t i = 0; st == HH_OK && i < N_KEPT; i++) {
		char from[PATH_MAX], to[PATH_MAX + 64];
		snprintf(from, sizeof from, "%s/%s", out_dir, kept_files[i]);
		snprintf(to, sizeof to, "%s/%s", tmp, kept_files[i]);
		if (access(from, F_OK) && (!strcmp(kept_files[i], "alerts.jsonl") ||
					   !strcmp(kept_files[i], "explain.csv")))
			continue; /* optional */
		st = fs_copy_file(from, to, err);
	}
	if (st == HH_OK) {
		fs_fsync_dir(tmp);
		st = fs_replace_dir(tmp, final, err);
		fs_fsync_dir(runs);
	}
	if (tmp[0] && access(tmp, F_OK) == 0)
		fs_remove_tree(tmp);
	return st;
}
