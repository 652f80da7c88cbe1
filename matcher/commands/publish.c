/* publish.c - the publication pipeline of `hhmatch run` (see publish.h). */
#include "commands/publish.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/json.h"
#include "base/log.h"
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
	char staged[PATH_MAX];     /* the state's copy until committed, else "" */
	char out_abs[PATH_MAX];    /* --out, absolute (what an intent names) */
	json_t *recovery;          /* report.json's "recovery", or NULL */
	int recovery_oom;          /* a note could not be kept in it */
};

/* The test hook (tests/e2e/it_kill.sh), read here and nowhere else: with
 * HHMATCH_TEST_PAUSE_AT=STEP in the environment the run stops itself
 * (SIGSTOP) when it reaches STEP (publish.h lists them), so that a test
 * can kill -9 it there; it goes on if sent SIGCONT.  Without the
 * variable, or with another step, nothing happens. */
static void pause_at(const char *step)
{
	const char *at = getenv("HHMATCH_TEST_PAUSE_AT");
	if (at && !strcmp(at, step))
		raise(SIGSTOP);
}

/* st, after pausing at step when st is HH_OK. */
static hh_status reached(hh_status st, const char *step)
{
	if (st == HH_OK)
		pause_at(step);
	return st;
}

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
	/* A link is checked first, before any work: the run's folder is put in
	 * place by a rename, which would fail on a link only at the very end
	 * (and a link must never be replaced by, or lead the run to, a folder
	 * elsewhere).  Trailing slashes would make lstat follow it. */
	char last[PATH_MAX];
	struct stat lsb;
	size_t ol = strlen(o);
	while (ol > 1 && o[ol - 1] == '/')
		ol--;
	if (ol < sizeof last) {
		memcpy(last, o, ol);
		last[ol] = '\0';
		if (lstat(last, &lsb) == 0 && S_ISLNK(lsb.st_mode))
			return hh_fail(err, HH_EUSAGE,
				       "--out %s is a symbolic link; give the folder it points "
				       "to, or a new folder (the run replaces --out by a rename)",
				       o);
	}
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

/* The recovery's record for report.json (created at first use); NULL on
 * no memory, which the caller reports. */
static json_t *recovery_of(publication *p)
{
	if (!p->recovery)
		p->recovery = json_object();
	return p->recovery;
}

/* fs_remove_temps's and state_tidy's said: a leftover was removed. */
static void removed(const char *path, void *ctx)
{
	publication *p = ctx;
	log_notice("removed %s, left by a killed run", path);
	json_t *r = recovery_of(p), *list = r ? json_object_get(r, "removed") : NULL;
	if (r && !list && !json_object_set_new(r, "removed", json_array()))
		list = json_object_get(r, "removed");
	if (!list || json_array_append_new(list, hj_string_bytes(path, strlen(path), NULL)))
		p->recovery_oom = 1; /* publish_open fails: report.json would miss it */
}

/* The mark's last line: the temporary folder it was written into. */
#define MARK_MADE_IN "made in "

/* What fs_remove_temps is given beside an --out. */
typedef struct {
	publication *p;
	const char *out;   /* the --out, absolute */
	const char *base;  /* its last component */
} beside;

/* 1 when the mark in folder dir names entry as the temporary folder it
 * was written into (write_mark's last line), or is empty (a run killed
 * between creating it and writing it). */
static int mark_names(const char *dir, const char *entry)
{
	char path[PATH_MAX + 16], line[NAME_MAX + 32];
	char *m = NULL;
	size_t len = 0;
	struct stat sb;
	int k = snprintf(line, sizeof line, "\n" MARK_MADE_IN "%s\n", entry);
	/* hhmatch writes a regular file (a pipe planted there would block) */
	if (k < 0 || k >= (int)sizeof line ||
	    snprintf(path, sizeof path, "%s/%s", dir, PUBLISH_MARK) >= (int)sizeof path ||
	    lstat(path, &sb) || !S_ISREG(sb.st_mode) ||
	    fs_read_file(path, 4096, HH_EINTERNAL, &m, &len, NULL) != HH_OK)
		return 0;
	int named = len == 0 || (len >= (size_t)k && !memcmp(m + len - (size_t)k, line, (size_t)k));
	free(m);
	return named;
}

/* keep: beside --out, a run's leftover is ".NAME.tmp-XXXXXX" of this
 * --out's NAME, a real folder (not a link), holding nothing (killed
 * between its mkdtemp and its mark) or the mark of a run that hhmatch
 * put under that very name: the mark names the temporary folder it was
 * written into, so a killed run's folder names itself, and the previous
 * run that an exchange put there (killed while it was being removed) is
 * named by the mark of the run now in --out, which was made under that
 * name.  A copy of a run folder (cp -a out .out.tmp-backup) carries a
 * mark naming another folder, and stays, as does a folder of that name
 * holding anything else. */
static int keep_unless_out(const char *path, const char *entry, size_t len, void *ctx)
{
	const beside *b = ctx;
	struct stat sb;
	if (strlen(b->base) != len || memcmp(entry + 1, b->base, len) || lstat(path, &sb) ||
	    !S_ISDIR(sb.st_mode))
		return 1;
	switch (out_contents(path)) {
	case 0:
		return 0;
	case 1:
		return !mark_names(path, entry) && !mark_names(b->out, entry);
	default:
		return 1;
	}
}

static void removed_beside(const char *path, void *ctx)
{
	removed(path, ((beside *)ctx)->p);
}

/* Removes the temporary folders killed runs left beside the --out at out
 * (absolute; the caller holds its lock). */
static hh_status tidy_beside(publication *p, const char *out, hh_err *err)
{
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof dir, "%s", out) >= (int)sizeof dir)
		return hh_fail(err, HH_EUSAGE, "--out name too long");
	char *slash = strrchr(dir, '/');
	if (!slash || !slash[1])
		return HH_OK; /* "/": nothing beside it */
	char base[NAME_MAX + 1];
	snprintf(base, sizeof base, "%s", slash + 1);
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	beside b = {p, out, base};
	return fs_remove_temps(dir, keep_unless_out, removed_beside, &b, PUBLISH_MARK, err);
}

/* The lock of the --out at path when it is not this run's (an intent
 * names another): *l stays NULL when its folder does not exist, since
 * then nothing can be published there. */
static hh_status lock_other_out(const char *path, fs_lock **l, hh_err *err)
{
	char lock[PATH_MAX];
	*l = NULL;
	if (fs_name_beside(path, ".lock", lock, sizeof lock))
		return hh_fail(err, HH_EUSAGE, "--out name too long in the intent");
	char *slash = strrchr(lock, '/');
	if (slash && slash != lock) {
		*slash = '\0';
		int there = access(lock, F_OK) == 0;
		*slash = '/';
		if (!there)
			return HH_OK;
	}
	return out_lock(path, l, err);
}

/* Resolves the intent a killed run left in --state (publish.h): rolled
 * forward or back, said on stderr and kept for report.json.  The caller
 * holds the locks of --state and of this run's --out. */
static hh_status recover(publication *p, hh_err *err)
{
	const char *state = p->pc->state_dir;
	state_intent in;
	int found = 0;
	HH_TRY(state_intent_read(state, &in, &found, err));
	if (!found)
		return HH_OK;
	fs_lock *other = NULL;
	hh_status st = HH_OK;
	if (strcmp(in.out, p->out_abs))
		st = lock_other_out(in.out, &other, err);
	state_recovery did = STATE_ROLLED_BACK;
	if (st == HH_OK)
		st = state_recover(state, &in, &did, err);
	if (st == HH_OK && other)
		st = tidy_beside(p, in.out, err);
	fs_lock_release(other);
	if (st != HH_OK)
		return hh_wrap(err, st, "cannot finish the publication of period %06d that a "
			       "killed run left in --state %s (publish.intent)", in.period, state);
	int fwd = did == STATE_ROLLED_FORWARD;
	if (fwd)
		log_notice("recovered: the run of period %06d that a killed run had published in "
			   "%s is now kept in --state %s (rolled forward)", in.period, in.out, state);
	else
		log_notice("recovered: the run of period %06d that a killed run was publishing "
			   "into %s never got there; --state %s is as before it (rolled back)",
			   in.period, in.out, state);
	char per[16];
	snprintf(per, sizeof per, "%06d", in.period);
	json_t *r = recovery_of(p), *i = json_object();
	int bad = !r || !i || json_object_set_new(i, "period", json_string(per)) ||
		  json_object_set_new(i, "manifest_sha256", json_string(in.manifest_sha256)) ||
		  json_object_set_new(i, "out", hj_string_bytes(in.out, strlen(in.out), NULL)) ||
		  json_object_set_new(i, "action", json_string(fwd ? "rolled_forward"
								  : "rolled_back"));
	if (bad || json_object_set_new(r, "intent", i)) {
		json_decref(bad ? i : NULL);
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	}
	return HH_OK;
}

/* Reads the run's report.json back, lets edit change it (0: done, -1:
 * no memory), and writes it again with its mode kept.  A failed edit is
 * HH_EINTERNAL saying failed (and the file's path after it when
 * name_path). */
static hh_status edit_report(publication *p, int (*edit)(json_t *top, void *ctx), void *ctx,
			     const char *failed, int name_path, hh_err *err)
{
	char path[PATH_MAX + 16];
	struct stat sb;
	json_t *top;
	snprintf(path, sizeof path, "%s/report.json", p->tmp);
	if (stat(path, &sb) || hj_load_path(path, &top, err) != HH_OK)
		return hh_fail(err, HH_EINTERNAL, "cannot read back the run's %s", path);
	strbuf b = STRBUF_INIT;
	if (!edit(top, ctx))
		hj_dump(&b, top, HJ_PRETTY | JSON_REAL_PRECISION(9));
	json_decref(top);
	sb_addc(&b, '\n');
	hh_status st = b.len < 2 || b.oom
			       ? hh_fail(err, HH_EINTERNAL, "%s%s", failed, name_path ? path : "")
			       : fs_write_file(path, b.buf, b.len, sb.st_mode & 0777, err);
	sb_release(&b);
	return st;
}

static int set_recovery(json_t *top, void *ctx)
{
	return json_object_set(top, "recovery", ctx);
}

/* Adds "recovery" (what this run found left by killed runs and did
 * about it) to the run's report.json. */
static hh_status note_recovery(publication *p, hh_err *err)
{
	return edit_report(p, set_recovery, p->recovery, "out of memory", 0, err);
}

/* Seconds rounded to milliseconds, as the engine writes them. */
static json_t *ms_real(double s)
{
	return json_real((double)(int64_t)(s * 1000 + 0.5) / 1000);
}

static int set_timings(json_t *top, void *ctx)
{
	const double *v = ctx; /* outputs, total */
	json_t *t = json_object_get(top, "timings_seconds");
	return json_is_object(t) && !json_object_set_new(t, "outputs", ms_real(v[0])) &&
			       !json_object_set_new(t, "total", ms_real(v[1]))
		       ? 0
		       : -1;
}

/* Completes report.json's "timings_seconds" (the engine wrote ingest,
 * repair and households): "outputs", the engine's files and report.html
 * and the workbook, and "total", from the command's start to now, the
 * last moment before the manifest seals report.json.  What comes after
 * (the manifest, the store, the rename, the state) only the run's
 * summary on stderr can tell. */
static hh_status note_timings(publication *p, double outputs, hh_err *err)
{
	double v[2] = {outputs, p->pc->started > 0 ? fs_now_seconds() - p->pc->started : 0};
	return edit_report(p, set_timings, v, "cannot complete the timings of ", 1, err);
}

/* The mark, written into the temporary folder as soon as it exists: a
 * folder beside --out with the temporary's name is hhmatch's only when it
 * holds nothing, or a mark naming that folder (keep_unless_out), so the
 * next run removes only those.  Its last line names the temporary folder
 * (the name stays with the run once it is renamed to --out). */
static hh_status write_mark(const char *dir, int period, hh_err *err)
{
	char path[PATH_MAX + 16], text[NAME_MAX + 200];
	const char *slash = strrchr(dir, '/');
	snprintf(path, sizeof path, "%s/%s", dir, PUBLISH_MARK);
	int n = snprintf(text, sizeof text,
			 "written by hhmatch run for period %06d; the next run with this "
			 "--out replaces this folder whole\n" MARK_MADE_IN "%s\n",
			 period, slash ? slash + 1 : dir);
	if (n < 0 || n >= (int)sizeof text)
		return hh_fail(err, HH_EUSAGE, "folder name too long: %.64s...", dir);
	return fs_write_file(path, text, (size_t)n, 0666, err);
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
	if (st == HH_OK && abs_path(pc->out_dir, p->out_abs))
		st = hh_fail(err, HH_EUSAGE, "--out %s: not a usable folder name", pc->out_dir);
	/* Before anything reads the history: it must agree with --out. */
	if (st == HH_OK && pc->state_dir)
		st = recover(p, err);
	if (st == HH_OK)
		st = tidy_beside(p, p->out_abs, err);
	if (st == HH_OK && pc->state_dir)
		st = state_tidy(pc->state_dir, removed, p, err);
	if (st == HH_OK && p->recovery_oom)
		st = hh_fail(err, HH_EINTERNAL, "out of memory");
	if (st == HH_OK)
		st = guards_before(pc->guards, pc->state_dir, pc->period, pc->key_id, pc->rules,
				   err);
	if (st == HH_OK)
		st = fs_temp_beside(pc->out_dir, p->tmp, sizeof p->tmp, err);
	if (st == HH_OK)
		st = write_mark(p->tmp, pc->period, err);
	st = reached(st, "open");
	if (st != HH_OK) {
		if (access(p->tmp, F_OK))
			p->tmp[0] = '\0'; /* not made (a template, or nothing) */
		publish_close(p);
		return st;
	}
	*out = p;
	return HH_OK;
}

typedef struct {
	const char *dir;
	const present_cfg *cfg;
	atomic_int *failed;         /* set when the page fails */
	hh_status st;
	hh_err err;
} html_job;

static void *html_thread(void *arg)
{
	html_job *j = arg;
	j->st = report_html_write(j->dir, j->cfg, &j->err);
	if (j->st != HH_OK)
		atomic_store(j->failed, 1);
	return NULL;
}

/* report.html and caseworkers.xlsx: with two threads or more at the same
 * time (they share nothing, present.h), the page on a thread of its own
 * while this one writes the workbook.  A failed page stops the workbook
 * at its next sheet, and its error is the one reported, as when they are
 * written one after the other. */
static hh_status present_write(const char *dir, const present_cfg *cfg, hh_err *err)
{
	atomic_int failed = 0;
	present_cfg wcfg = *cfg;
	wcfg.stop = &failed;
	html_job j = {.dir = dir, .cfg = cfg, .failed = &failed};
	pthread_t tid;
	if (cfg->threads < 2 || pthread_create(&tid, NULL, html_thread, &j)) {
		HH_TRY(report_html_write(dir, cfg, err));
		return workbook_write(dir, cfg, err);
	}
	hh_err werr;
	hh_status wst = workbook_write(dir, &wcfg, &werr);
	pthread_join(tid, NULL);
	if (j.st != HH_OK) {
		if (err)
			*err = j.err;
		return j.st;
	}
	if (wst != HH_OK && err)
		*err = werr;
	return wst;
}

hh_status publish_run(publication *p, engine *e, engine_summary *sum,
		      unsigned long *alerts, hh_err *err)
{
	const publish_cfg *pc = p->pc;
	*alerts = 0;
	hh_status st = reached(engine_run(e, p->tmp, sum, err), "engine");
	if (st == HH_OK && p->recovery)
		st = note_recovery(p, err);
	if (st == HH_OK)
		st = guards_after(pc->guards, pc->state_dir, pc->period, p->tmp, pc->rules, err);
	if (st == HH_OK && pc->state_dir)
		st = alerts_write(pc->state_dir, pc->period, p->tmp, alerts, err);
	st = reached(st, "alerts");
	double t_present = fs_now_seconds();
	if (st == HH_OK)
		st = present_write(p->tmp, &pc->present, err);
	if (st == HH_OK) {
		sum->seconds_outputs += fs_now_seconds() - t_present;
		st = note_timings(p, sum->seconds_outputs, err);
	}
	if (st == HH_OK)
		st = engine_check_cancel(e, err);
	if (st == HH_OK)
		st = reached(guards_log(pc->guards, pc->state_dir, pc->period, pc->audit_key, err),
			     "audit");
	if (st == HH_OK)
		st = reached(manifest_write(p->tmp, pc->sign_key, err), "manifest");
	if (st == HH_OK && pc->state_dir)
		st = reached(state_stage(pc->state_dir, pc->period, p->tmp, p->staged,
					 sizeof p->staged, err), "stage");
	if (st == HH_OK && pc->pg_out)
		st = pgstore_publish_cancellable(pc->pg_out, p->tmp, pc->period, pc->cancel,
						 err);
	state_intent in = {.period = pc->period};
	if (st == HH_OK && pc->state_dir) {
		memcpy(in.out, p->out_abs, sizeof in.out);
		st = state_manifest_sha256(p->tmp, in.manifest_sha256, err);
		if (st == HH_OK)
			st = reached(state_intent_write(pc->state_dir, &in, err), "intent");
	}
	int exchanged = 0;
	if (st == HH_OK) {
		fs_fsync_dir(p->tmp); /* its names on disk before it is renamed */
		st = fs_put_dir(p->tmp, pc->out_dir, &exchanged, err);
	}
	if (st != HH_OK) {
		/* --out is as it was: no intent may claim otherwise (one left
		 * here would be rolled back by the next run all the same) */
		if (pc->state_dir && in.manifest_sha256[0])
			state_intent_clear(pc->state_dir, NULL);
		return st; /* publish_close removes the temporary folders */
	}
	fs_fsync_parent(p->out_abs);
	pause_at("exchanged");
	if (exchanged) /* the previous run, now at tmp: its mark goes last */
		fs_remove_tree_last(p->tmp, PUBLISH_MARK);
	p->tmp[0] = '\0';
	pause_at("rename");
	if (!pc->state_dir)
		return HH_OK;
	st = reached(state_commit(pc->state_dir, pc->period, p->staged, err), "commit");
	p->staged[0] = '\0';
	if (st == HH_OK)
		st = reached(state_intent_clear(pc->state_dir, err), "done");
	if (st != HH_OK)
		return hh_wrap(err, HH_EINTERNAL,
			       "outputs published in %s but not yet kept in --state %s; the next "
			       "run with this --state keeps them (its publish.intent says what "
			       "was published)", pc->out_dir, pc->state_dir);
	return HH_OK;
}

void publish_close(publication *p)
{
	if (!p)
		return;
	if (p->tmp[0])
		fs_remove_tree_last(p->tmp, PUBLISH_MARK);
	if (p->staged[0])
		fs_remove_tree(p->staged);
	json_decref(p->recovery);
	fs_lock_release(p->state_lock);
	fs_lock_release(p->out_lock);
	free(p);
}
