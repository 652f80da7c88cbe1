/* publish.c - the publication pipeline of `hhmatch run` (see publish.h). */
#include "commands/publish.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "connectors/pg/pg_store.h"
#include "connectors/pg/pg_uri.h"
#include "history/alerts.h"
#include "history/manifest.h"
#include "history/state.h"
#include "present/report_html.h"
#include "present/workbook.h"

struct publication {
	const publish_cfg *pc;
	fs_lock *out_lock, *state_lock;
	char tmp[PATH_MAX];        /* "" once published or removed */
};

/* path made absolute, also when its last components do not exist yet
 * (--out and --state before the first run): the real path of the
 * longest part that exists, then the rest as given.  0 on success. */
static int abs_path(const char *path, char out[PATH_MAX])
{
	char head[PATH_MAX], rest[PATH_MAX] = "", real[PATH_MAX];
	if (snprintf(head, sizeof head, "%s", path) >= (int)sizeof head)
		return -1;
	while (!realpath(head, real)) {
		size_t n = strlen(head);
		while (n > 1 && head[n - 1] == '/')
			head[--n] = '\0';
		char *slash = strrchr(head, '/');
		const char *name = slash ? slash + 1 : head;
		char joined[PATH_MAX];
		if (!*name || !strcmp(name, "..") ||
		    snprintf(joined, sizeof joined, "%s%s%s", name, rest[0] ? "/" : "", rest) >=
			    (int)sizeof joined)
			return -1;
		memcpy(rest, joined, strlen(joined) + 1);
		if (!slash)
			memcpy(head, ".", 2);
		else if (slash == head)
			head[1] = '\0';
		else
			*slash = '\0';
	}
	int n = rest[0] ? snprintf(out, PATH_MAX, "%s/%s", strcmp(real, "/") ? real : "", rest)
			: snprintf(out, PATH_MAX, "%s", real);
	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

/* 1 when path is dir or lies below it (both absolute). */
static int is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0' ||
					  (n == 1 && dir[0] == '/'));
}

/* What --out holds today: 0 nothing (missing or empty), 1 an earlier
 * run's outputs (the mark), 2 anything else; -1 not a folder. */
static int out_contents(const char *out)
{
	struct stat sb;
	if (stat(out, &sb))
		return 0;
	if (!S_ISDIR(sb.st_mode))
		return -1;
	char mark[PATH_MAX];
	snprintf(mark, sizeof mark, "%s/%s", out, PUBLISH_MARK);
	if (access(mark, F_OK) == 0)
		return 1;
	DIR *d = opendir(out);
	if (!d)
		return 2;
	int held = 0;
	struct dirent *de;
	while (!held && (de = readdir(d)))
		held = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return held ? 2 : 0;
}

/* Step 1: may this run replace --out? */
static hh_status check_out(const publish_cfg *pc, hh_err *err)
{
	char out[PATH_MAX];
	const char *o = pc->out_dir;
	if (abs_path(o, out))
		return hh_fail(err, HH_EUSAGE, "--out %s: not a usable folder name", o);
	if (pc->state_dir) {
		char st[PATH_MAX];
		if (abs_path(pc->state_dir, st))
			return hh_fail(err, HH_EUSAGE, "--state %s: not a usable folder name",
				       pc->state_dir);
		if (is_under(st, out) || is_under(out, st))
			return hh_fail(err, HH_EUSAGE,
				       "refusing --out %s: it is, holds or lies inside --state %s, "
				       "which each run would replace; keep them apart",
				       o, pc->state_dir);
	}
	for (size_t i = 0; i < pc->ninputs; i++) {
		const publish_input *in = &pc->inputs[i];
		char real[PATH_MAX];
		if (!in->path || !realpath(in->path, real))
			continue; /* not a file (PostgreSQL), or reported when read */
		if (is_under(real, out))
			return hh_fail(err, HH_EUSAGE,
				       "refusing --out %s: it holds %s (%s), which the run would "
				       "replace; write the outputs elsewhere", o, in->what, in->path);
	}
	/* Last: the messages above say better why a folder is refused. */
	switch (out_contents(o)) {
	case -1:
		return hh_fail(err, HH_EUSAGE, "--out %s is not a folder", o);
	case 2:
		return hh_fail(err, HH_EUSAGE,
			       "refusing to replace --out %s: it holds files that hhmatch did "
			       "not write (a run's folder carries %s); give a new or empty folder",
			       o, PUBLISH_MARK);
	default:
		return HH_OK;
	}
}

/* The lock file beside --out: ".NAME.lock" in its folder (not inside it:
 * the folder itself is replaced by each run). */
static hh_status out_lock(const char *out, fs_lock **l, hh_err *err)
{
	char path[PATH_MAX], what[PATH_MAX + 8];
	if (fs_name_beside(out, ".lock", path, sizeof path))
		return hh_fail(err, HH_EUSAGE, "--out name too long");
	snprintf(what, sizeof what, "--out %s", out);
	return fs_lock_take(path, what, l, err);
}

/* --pg-out is checked before any source is read too: a store that cannot
 * be named is found at once, not after minutes of reading. */
static hh_status check_pg_out(const char *uri, hh_err *err)
{
	pg_uri u;
	hh_status st = pg_uri_parse(uri, &u, err);
	if (st == HH_OK)
		st = pg_uri_check_store(&u, err);
	pg_uri_free(&u);
	return st == HH_OK ? HH_OK : hh_wrap(err, st, "--pg-out");
}

hh_status publish_open(const publish_cfg *pc, publication **out, hh_err *err)
{
	*out = NULL;
	HH_TRY(check_out(pc, err));
	if (pc->pg_out)
		HH_TRY(check_pg_out(pc->pg_out, err));
	publication *p = calloc(1, sizeof *p);
	if (!p)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	p->pc = pc;
	hh_status st = out_lock(pc->out_dir, &p->out_lock, err);
	if (st == HH_OK && pc->state_dir)
		st = state_lock(pc->state_dir, &p->state_lock, err);
	/* Checked again under the lock: another run may have written --out
	 * between the first check and the lock. */
	if (st == HH_OK)
		st = check_out(pc, err);
	if (st == HH_OK)
		st = guards_before(pc->guards, pc->state_dir, pc->period, pc->key_id, pc->rules,
				   err);
	if (st == HH_OK)
		st = fs_temp_beside(pc->out_dir, p->tmp, sizeof p->tmp, err);
	if (st != HH_OK) {
		p->tmp[0] = '\0';
		publish_close(p);
		return st;
	}
	*out = p;
	return HH_OK;
}

static hh_status write_mark(const char *dir, int period, hh_err *err)
{
	char path[PATH_MAX], text[160];
	snprintf(path, sizeof path, "%s/%s", dir, PUBLISH_MARK);
	int n = snprintf(text, sizeof text,
			 "written by hhmatch run for period %06d; the next run with this "
			 "--out replaces this folder whole\n", period);
	return fs_write_file(path, text, (size_t)n, 0666, err);
}

hh_status publish_run(publication *p, engine *e, engine_summary *sum,
		      unsigned long *alerts, hh_err *err)
{
	const publish_cfg *pc = p->pc;
	*alerts = 0;
	hh_status st = engine_run(e, p->tmp, sum, err);
	if (st == HH_OK)
		st = write_mark(p->tmp, pc->period, err);
	if (st == HH_OK)
		st = guards_after(pc->guards, pc->state_dir, pc->period, p->tmp, pc->rules, err);
	if (st == HH_OK && pc->state_dir)
		st = alerts_write(pc->state_dir, pc->period, p->tmp, alerts, err);
	if (st == HH_OK)
		st = report_html_write(p->tmp, &pc->present, err);
	if (st == HH_OK)
		st = workbook_write(p->tmp, &pc->present, err);
	if (st == HH_OK)
		st = engine_check_cancel(e, err);
	if (st == HH_OK)
		st = guards_log(pc->guards, pc->state_dir, pc->period, pc->audit_key, err);
	if (st == HH_OK)
		st = manifest_write(p->tmp, pc->sign_key, err);
	if (st == HH_OK && pc->pg_out)
		st = pgstore_publish_cancellable(pc->pg_out, p->tmp, pc->period, pc->cancel,
						 err);
	if (st == HH_OK)
		st = fs_replace_dir(p->tmp, pc->out_dir, err);
	if (st != HH_OK)
		return st; /* publish_close removes the temporary folder */
	p->tmp[0] = '\0';
	if (pc->state_dir && (st = state_save(pc->state_dir, pc->period, pc->out_dir, err)))
		return hh_wrap(err, HH_EINTERNAL,
			       "outputs published in %s but not kept in the state %s "
			       "(a rerun of the period is safe)", pc->out_dir, pc->state_dir);
	return HH_OK;
}

void publish_close(publication *p)
{
	if (!p)
		return;
	if (p->tmp[0])
		fs_remove_tree(p->tmp);
	fs_lock_release(p->state_lock);
	fs_lock_release(p->out_lock);
	free(p);
}
