/*
 * state.c - the run history kept in --state DIR (see state.h).
 *
 * The history is a copy of the published files per period, replaced
 * atomically (temporary folder, then rename or exchange).  The run that
 * writes it holds DIR/.lock (state_lock) from before it reads a source
 * until it is done.  A publication's intent (publish.intent) makes the
 * copy and --out agree after a kill at any moment: see state.h and
 * commands/publish.h.  Folders and files are created as the umask says: a
 * data centre shares the history with a group of auditors by the umask
 * and the folder's group (README).
 */

#include <ctype.h>
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
#include "base/hex.h"
#include "base/strbuf.h"
#include "domain/idnum.h"
#include "domain/period.h"
#include "history/auditlog.h"
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

hh_status state_stage(const char *state_dir, int period, const char *run_dir,
		      char *staged, size_t cap, hh_err *err)
{
	char runs[PATH_MAX];
	staged[0] = '\0';
	if (strlen(state_dir) > PATH_MAX - 64 || strlen(run_dir) > PATH_MAX - 64 || cap < 64 ||
	    snprintf(staged, cap, "%s/runs/.%06d.tmp-XXXXXX", state_dir, period) >= (int)cap) {
		staged[0] = '\0';
		return hh_fail(err, HH_EUSAGE, "state or output folder name too long");
	}
	snprintf(runs, sizeof runs, "%s/runs", state_dir);
	HH_TRY(fs_mkdir_p(runs, 0777, err));
	hh_status st = HH_OK;
	if (!mkdtemp(staged)) {
		st = hh_fail(err, HH_EINTERNAL, "cannot create a folder in %s: %s", runs,
			     strerror(errno));
		staged[0] = '\0';
		return st;
	}
	if (chmod(staged, 0777 & ~(mode_t)fs_umask()))
		st = hh_fail(err, HH_EINTERNAL, "cannot set the mode of %s: %s", staged,
			     strerror(errno));
	for (size_t i = 0; st == HH_OK && i < N_KEPT; i++) {
		char from[PATH_MAX], to[PATH_MAX + 64];
		snprintf(from, sizeof from, "%s/%s", run_dir, kept_files[i]);
		snprintf(to, sizeof to, "%s/%s", staged, kept_files[i]);
		if (access(from, F_OK) && (!strcmp(kept_files[i], "alerts.jsonl") ||
					   !strcmp(kept_files[i], "explain.csv")))
			continue; /* optional */
		st = fs_copy_file(from, to, err);
	}
	if (st == HH_OK) {
		fs_fsync_dir(staged);
		fs_fsync_dir(runs);
		return HH_OK;
	}
	fs_remove_tree(staged);
	staged[0] = '\0';
	return st;
}

hh_status state_commit(const char *state_dir, int period, const char *staged, hh_err *err)
{
	char runs[PATH_MAX], final[PATH_MAX + 16];
	if (snprintf(runs, sizeof runs, "%s/runs", state_dir) >= (int)sizeof runs)
		return hh_fail(err, HH_EUSAGE, "state folder name too long");
	snprintf(final, sizeof final, "%s/%06d", runs, period);
	hh_status st = fs_replace_dir(staged, final, err);
	fs_fsync_dir(runs);
	if (st != HH_OK && access(staged, F_OK) == 0)
		fs_remove_tree(staged);
	return st;
}

hh_status state_save(const char *state_dir, int period, const char *out_dir, hh_err *err)
{
	char staged[PATH_MAX];
	HH_TRY(state_stage(state_dir, period, out_dir, staged, sizeof staged, err));
	return state_commit(state_dir, period, staged, err);
}

#define INTENT_NAME "publish.intent"
#define INTENT_HEAD "hhmatch publish intent 1\n"

static hh_status intent_path(const char *state_dir, const char *name, char *out, size_t cap,
			     hh_err *err)
{
	if (snprintf(out, cap, "%s/%s", state_dir, name) >= (int)cap)
		return hh_fail(err, HH_EUSAGE, "state folder name too long");
	return HH_OK;
}

hh_status state_intent_write(const char *state_dir, const state_intent *in, hh_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	HH_TRY(intent_path(state_dir, INTENT_NAME, path, sizeof path, err));
	HH_TRY(intent_path(state_dir, "." INTENT_NAME ".tmp-XXXXXX", tmp, sizeof tmp, err));
	size_t olen = strlen(in->out);
	strbuf b = STRBUF_INIT;
	char *hex = malloc(2 * olen + 1);
	if (hex)
		hex_encode(in->out, olen, hex);
	/* the first lines are read back; the last is for a person who finds
	 * the file, and may hold any byte of the path */
	sb_addf(&b, INTENT_HEAD "period %06d\nmanifest_sha256 %s\nout_hex %s\n"
		"# a run of this period was being published into %s; the next run "
		"with this --state keeps it or drops this file (see hhmatch's "
		"docs/semantics.md, \"Crash recovery\")\n",
		in->period, in->manifest_sha256, hex ? hex : "", in->out);
	free(hex);
	if (!hex || b.oom) {
		sb_release(&b);
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	}
	hh_status st = HH_OK;
	int fd = mkstemp(tmp);
	if (fd < 0) {
		st = hh_fail(err, HH_EINTERNAL, "cannot create %s: %s", tmp, strerror(errno));
		sb_release(&b);
		return st;
	}
	close(fd);
	st = fs_write_file(tmp, b.buf, b.len, 0666, err);
	sb_release(&b);
	if (st == HH_OK && chmod(tmp, 0666 & ~(mode_t)fs_umask()))
		st = hh_fail(err, HH_EINTERNAL, "cannot set the mode of %s: %s", tmp,
			     strerror(errno));
	if (st == HH_OK && rename(tmp, path))
		st = hh_fail(err, HH_EINTERNAL, "cannot rename %s to %s: %s", tmp, path,
			     strerror(errno));
	if (st != HH_OK) {
		unlink(tmp);
		return st;
	}
	fs_fsync_dir(state_dir);
	return HH_OK;
}

/* The value of line "key VALUE" at *p (advanced past it), NUL-terminated
 * in place; NULL when the line is not that key's. */
static char *intent_line(char **p, const char *key)
{
	size_t k = strlen(key);
	char *l = *p, *nl = strchr(l, '\n');
	if (!nl || strncmp(l, key, k) || l[k] != ' ')
		return NULL;
	*nl = '\0';
	*p = nl + 1;
	return l + k + 1;
}

hh_status state_intent_read(const char *state_dir, state_intent *in, int *found,
			    hh_err *err)
{
	char path[PATH_MAX];
	*found = 0;
	memset(in, 0, sizeof *in);
	HH_TRY(intent_path(state_dir, INTENT_NAME, path, sizeof path, err));
	if (access(path, F_OK) && errno == ENOENT)
		return HH_OK;
	char *b = NULL;
	HH_TRY(fs_read_file(path, 64 << 10, HH_EINPUT, &b, NULL, err));
	char *p = b, *per = NULL, *sha = NULL, *out = NULL;
	int bad = strncmp(p, INTENT_HEAD, strlen(INTENT_HEAD));
	if (!bad) {
		p += strlen(INTENT_HEAD);
		per = intent_line(&p, "period");
		sha = per ? intent_line(&p, "manifest_sha256") : NULL;
		out = sha ? intent_line(&p, "out_hex") : NULL;
	}
	size_t ol = out ? strlen(out) : 0;
	bad = bad || !out || !(in->period = period_parse(per)) || strlen(sha) != 64 ||
	      strspn(sha, "0123456789abcdef") != 64 || !ol || ol % 2 ||
	      ol / 2 >= sizeof in->out || hex_decode(out, ol / 2, (uint8_t *)in->out) ||
	      memchr(in->out, '\0', ol / 2);
	if (!bad) {
		in->out[ol / 2] = '\0';
		memcpy(in->manifest_sha256, sha, 65);
	}
	free(b);
	if (bad) {
		memset(in, 0, sizeof *in);
		return hh_fail(err, HH_EINPUT, "%s is not an intent hhmatch wrote (it was edited?); "
			       "compare --out with the state by hand, then remove it", path);
	}
	*found = 1;
	return HH_OK;
}

hh_status state_intent_clear(const char *state_dir, hh_err *err)
{
	char path[PATH_MAX];
	HH_TRY(intent_path(state_dir, INTENT_NAME, path, sizeof path, err));
	if (unlink(path) && errno != ENOENT)
		return hh_fail(err, HH_EINTERNAL, "cannot remove %s: %s", path, strerror(errno));
	fs_fsync_dir(state_dir);
	return HH_OK;
}

hh_status state_manifest_sha256(const char *run_dir, char sha[65], hh_err *err)
{
	char path[PATH_MAX + 16];
	sha[0] = '\0';
	if (snprintf(path, sizeof path, "%s/manifest.json", run_dir) >= (int)sizeof path)
		return hh_fail(err, HH_EUSAGE, "folder name too long: %.64s...", run_dir);
	struct stat sb;
	if (stat(path, &sb))
		return errno == ENOENT || errno == ENOTDIR
			       ? HH_OK
			       : hh_fail(err, HH_EINTERNAL, "cannot read %s: %s", path,
					 strerror(errno));
	char *m = NULL;
	size_t len = 0;
	/* a manifest lists the files of a folder: a few kB */
	HH_TRY(fs_read_file(path, (size_t)64 << 20, HH_EINTERNAL, &m, &len, err));
	int bad = hex_sha256(m, len, sha);
	free(m);
	if (bad)
		return hh_fail(err, HH_EINTERNAL, "cannot hash %s: SHA-256 failed", path);
	return HH_OK;
}

hh_status state_recover(const char *state_dir, const state_intent *in,
			state_recovery *did, hh_err *err)
{
	char sha[65];
	*did = STATE_ROLLED_BACK;
	HH_TRY(state_manifest_sha256(in->out, sha, err));
	if (!strcmp(sha, in->manifest_sha256)) {
		*did = STATE_ROLLED_FORWARD;
		HH_TRY(state_save(state_dir, in->period, in->out, err));
	}
	return state_intent_clear(state_dir, err);
}

/* fs_remove_temps's keep: in DIR, only an intent's temporary is ours, and
 * only a regular file (mkstemp's), never a link: the link is left, and
 * what it points to is never touched */
static int keep_unless_intent(const char *path, const char *entry, size_t len, void *ctx)
{
	struct stat sb;
	(void)ctx;
	return !(len == strlen(INTENT_NAME) && !memcmp(entry + 1, INTENT_NAME, len) &&
		 !lstat(path, &sb) && S_ISREG(sb.st_mode));
}

/* in DIR/runs, a period's copy: a real folder (mkdtemp's), never a link */
static int keep_unless_period(const char *path, const char *entry, size_t len, void *ctx)
{
	struct stat sb;
	(void)ctx;
	if (len != 6 || lstat(path, &sb) || !S_ISDIR(sb.st_mode))
		return 1;
	for (size_t i = 1; i <= 6; i++)
		if (!isdigit((unsigned char)entry[i]))
			return 1;
	return 0;
}

hh_status state_tidy(const char *state_dir, void (*said)(const char *path, void *ctx),
		     void *ctx, hh_err *err)
{
	char runs[PATH_MAX], log[PATH_MAX];
	if (snprintf(runs, sizeof runs, "%s/runs", state_dir) >= (int)sizeof runs ||
	    snprintf(log, sizeof log, "%s/audit.log", state_dir) >= (int)sizeof log)
		return hh_fail(err, HH_EUSAGE, "state folder name too long");
	HH_TRY(fs_remove_temps(state_dir, keep_unless_intent, said, ctx, NULL, err));
	HH_TRY(fs_remove_temps(runs, keep_unless_period, said, ctx, NULL, err));
	return auditlog_tidy(log, said, ctx, err);
}
