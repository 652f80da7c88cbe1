/*
 * fsutil.h - the file-system helpers every layer shares: whole files read
 * and written, folders made and removed, and the rename that publishes a
 * finished folder in one step.
 *
 * Messages name the path and the system's reason.  Files are fsync'ed
 * before the call returns, so a publication that follows finds them on
 * disk.
 *
 * Thread safety: none of these keep state; distinct paths may be used
 * from several threads.
 */
#ifndef HH_FSUTIL_H
#define HH_FSUTIL_H

#include <stddef.h>

#include "base/hh_error.h"

/* Removes dir and everything below it, best effort (for temporary and
 * replaced output folders; errors are ignored because the caller has
 * already succeeded or already failed).  Symbolic links are never
 * followed: a link (dir itself, or any entry below it) is removed as a
 * link, and what it points to is left untouched. */
void fs_remove_tree(const char *dir);

/* Creates path and its missing parents with mode (HH_EINTERNAL when one
 * cannot be created). */
hh_status fs_mkdir_p(const char *path, unsigned mode, hh_err *err);

/* Reads the whole file at path into *out (malloc'ed, NUL-terminated) and
 * its length into *len (may be NULL).  A file larger than max bytes is
 * refused.  Failures are returned as `status` (the caller says whether an
 * unreadable file is the user's input or hhmatch's own) with messages
 * 'could not open "PATH": ...', 'could not read "PATH": is a directory',
 * '"PATH" is larger than N MiB'. */
hh_status fs_read_file(const char *path, size_t max, hh_status status, char **out,
		       size_t *len, hh_err *err);

/* Creates (or truncates) path with mode (0666: the umask decides, as for
 * every output and the history), writes data[0..len) and fsyncs it. */
hh_status fs_write_file(const char *path, const void *data, size_t len, unsigned mode,
			hh_err *err);

/* Copies the file from to the file to (mode 0666 less the umask). */
hh_status fs_copy_file(const char *from, const char *to, hh_err *err);

/* fsyncs a folder, so that the renames in it are on disk (best effort). */
void fs_fsync_dir(const char *path);

/* The hidden name beside path: ".NAME" + suffix in path's folder, NAME
 * its last component (trailing slashes ignored), into out (cap bytes);
 * -1 when it does not fit. */
int fs_name_beside(const char *path, const char *suffix, char *out, size_t cap);

/* Makes a fresh folder beside path, named ".NAME.tmp-XXXXXX" after path's
 * last component, into tmp (cap bytes), with the mode the umask gives a
 * new folder. */
hh_status fs_temp_beside(const char *path, char *tmp, size_t cap, hh_err *err);

/* Removes dir as fs_remove_tree does (never through a symbolic link),
 * but the file named last in it after everything else (last may be
 * NULL): a removal stopped half-way
 * (kill -9) leaves a folder that still holds last, by which a later run
 * knows it for its own (publish.c's mark). */
void fs_remove_tree_last(const char *dir, const char *last);

/* Puts the finished folder tmp in place at path in one step, as
 * fs_replace_dir, but leaves the previous folder at tmp for the caller
 * to remove (*exchanged = 1; 0 when there was none). */
hh_status fs_put_dir(const char *tmp, const char *path, int *exchanged, hh_err *err);

/* Puts the finished folder tmp in place at path in one step: a rename,
 * or, when path already holds a folder, an exchange (renameat2), after
 * which the previous folder (now at tmp) is removed.  Either the old or
 * the new folder is at path at every moment. */
hh_status fs_replace_dir(const char *tmp, const char *path, hh_err *err);

/* fsyncs the folder that holds path, so that a rename of path is on
 * disk (best effort, as fs_fsync_dir). */
void fs_fsync_parent(const char *path);

/* The length of NAME when name is ".NAME.tmp-XXXXXX" with NAME not empty
 * and XXXXXX six ASCII letters or digits (mkdtemp's and mkstemp's
 * alphabet: what they make from such a template), else 0.  The leftovers of killed
 * runs are recognised by this shape and by nothing looser. */
size_t fs_temp_base(const char *name);

/* Removes, below folder dir, every entry that is a real folder or regular
 * file (never a symbolic link, which stays, nor anything else) whose name is
 * ".NAME.tmp-XXXXXX" (fs_temp_base) and for which keep(path, entry, len,
 * ctx) returns 0 (path: dir/entry; entry: the whole name, NAME at entry
 * + 1 and len long; keep may be NULL: all of them), calling said(path,
 * ctx) (may be NULL) for each one removed, a folder's file named last
 * (may be NULL) after the rest of it (fs_remove_tree_last).  A missing
 * dir removes nothing.  For the temporaries a killed run left: the caller holds the
 * lock that keeps every other run from making such names there
 * meanwhile. */
hh_status fs_remove_temps(const char *dir,
			  int (*keep)(const char *path, const char *entry, size_t len,
				      void *ctx),
			  void (*said)(const char *path, void *ctx), void *ctx, const char *last,
			  hh_err *err);

/* The process's umask, read without changing it for good (call it while
 * one thread runs: it sets the mask and puts it back). */
unsigned fs_umask(void);

/* An exclusive lock held on a file (flock) for the life of a run.  The
 * kernel drops it when the process ends, however it ends, so a lock file
 * left by a killed run never blocks the next one. */
typedef struct fs_lock fs_lock;

/* Takes the lock on path (created if missing) without waiting and writes
 * "pid N since YYYY-MM-DDTHH:MM:SSZ" into it.  When another process
 * holds it: HH_EINTERNAL "WHAT is in use by another hhmatch run (pid N
 * since T); ...", what naming what is locked ("--out /x"). */
hh_status fs_lock_take(const char *path, const char *what, fs_lock **out, hh_err *err);

/* Releases the lock and removes its file (NULL is a no-op). */
void fs_lock_release(fs_lock *l);

/* 1 when s ends with suffix, ignoring ASCII case (".CSV.GZ"). */
int fs_has_suffix(const char *s, const char *suffix);

/* Seconds on the monotonic clock (for durations). */
double fs_now_seconds(void);

#endif
