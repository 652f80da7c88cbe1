/* fsutil.c - file-system helpers (see fsutil.h). */
#include "base/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Folders deeper than this below the one removed are left (best effort):
 * each level holds a descriptor, and hhmatch's folders are one or two
 * deep. */
#define RM_MAX_DEPTH 64

/* Removes name in the folder dirfd (AT_FDCWD: name is a path), and
 * everything below it when it is a folder, its entry last after the rest
 * (last may be NULL).  Never through a symbolic link: a link, anywhere,
 * is removed itself (unlinkat) and its target is never opened, so a link
 * planted in a folder being removed cannot make this delete files
 * elsewhere; a folder is opened with O_NOFOLLOW, so one replaced by a
 * link meanwhile is not entered either. */
static void rm_at(int dirfd, const char *name, const char *last, int depth)
{
	struct stat sb;
	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW))
		return;
	if (!S_ISDIR(sb.st_mode)) {
		unlinkat(dirfd, name, 0);
		return;
	}
	if (depth > RM_MAX_DEPTH)
		return;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			unlinkat(dirfd, name, 0); /* became a link or a file meanwhile */
		return;
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	/* Twice: a folder read while its entries are removed may not list
	 * every entry in one pass; the second finds what the first missed. */
	for (int pass = 0; pass < 2; pass++) {
		struct dirent *de;
		rewinddir(d);
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
			    (!last || strcmp(de->d_name, last)))
				rm_at(fd, de->d_name, NULL, depth + 1);
	}
	if (last)
		rm_at(fd, last, NULL, depth + 1);
	closedir(d); /* closes fd */
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

void fs_remove_tree(const char *dir)
{
	rm_at(AT_FDCWD, dir, NULL, 0);
}

void fs_remove_tree_last(const char *dir, const char *last)
{
	rm_at(AT_FDCWD, dir, last, 0);
}

hh_status fs_mkdir_p(const char *path, unsigned mode, hh_err *err)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return hh_fail(err, HH_EUSAGE, "folder name too long: %.64s...", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return hh_fail(err, HH_EINTERNAL, "cannot create %s: %s", buf,
				       strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return hh_fail(err, HH_EINTERNAL, "cannot create %s: %s", buf, strerror(errno));
	return HH_OK;
}

hh_status fs_read_file(const char *path, size_t max, hh_status status, char **out,
		       size_t *len, hh_err *err)
{
	struct stat sb;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	hh_status st = HH_OK;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*out = NULL;
	if (fd < 0)
		return hh_fail(err, status, "could not open \"%s\": %s", path, strerror(errno));
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		st = hh_fail(err, status, "could not read \"%s\": is a directory", path);
		goto done;
	}
	/* The buffer grows to max + 2 at most: room for one byte past the
	 * limit (to tell "too large") and the NUL. */
	for (;;) {
		if (cap - n < 4096 && cap < max + 2) {
			size_t ncap = cap ? cap * 2 : 8192;
			if (ncap > max + 2)
				ncap = max + 2;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				st = hh_fail(err, HH_EINTERNAL,
					     "could not read \"%s\": out of memory", path);
				goto done;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			st = hh_fail(err, status, "could not read \"%s\": %s", path,
				     strerror(errno));
			goto done;
		}
		n += (size_t)r;
		if (n > max) {
			st = hh_fail(err, status, "\"%s\" is larger than %zu MiB", path,
				     max >> 20);
			goto done;
		}
	}
	if (!buf && !(buf = malloc(1))) {
		st = hh_fail(err, HH_EINTERNAL, "could not read \"%s\": out of memory", path);
		goto done;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	buf = NULL;
done:
	free(buf);
	close(fd);
	return st;
}

hh_status fs_write_file(const char *path, const void *data, size_t len, unsigned mode,
			hh_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return hh_fail(err, HH_EINTERNAL, "cannot create %s: %s", path, strerror(errno));
	const char *p = data;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return hh_fail(err, HH_EINTERNAL, "cannot write %s: %s", path, strerror(e));
		}
		off += (size_t)w;
	}
	if (fsync(fd) || close(fd))
		return hh_fail(err, HH_EINTERNAL, "cannot write %s: %s", path, strerror(errno));
	return HH_OK;
}

hh_status fs_copy_file(const char *from, const char *to, hh_err *err)
{
	char *data;
	size_t len;
	/* Run outputs are kept whole in memory while copied: they are the
	 * history's own files, a few hundred MB at the very most. */
	HH_TRY(fs_read_file(from, (size_t)1 << 40, HH_EINTERNAL, &data, &len, err));
	hh_status st = fs_write_file(to, data, len, 0666, err);
	free(data);
	return st;
}

void fs_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

void fs_fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	const char *slash = memrchr(path, '/', len);
	if (!slash)
		fs_fsync_dir(".");
	else if (slash == path)
		fs_fsync_dir("/");
	else if ((size_t)(slash - path) < sizeof dir) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		fs_fsync_dir(dir);
	}
}

size_t fs_temp_base(const char *name)
{
	static const char tail[] = ".tmp-";
	size_t n = strlen(name), k = sizeof tail - 1;
	if (name[0] != '.' || n < 1 + 1 + k + 6)
		return 0;
	/* mkdtemp's alphabet, whatever the locale says isalnum is */
	for (size_t i = n - 6; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
			    name[i]) || !name[i])
			return 0;
	if (memcmp(name + n - 6 - k, tail, k))
		return 0;
	return n - 6 - k - 1;
}

hh_status fs_remove_temps(const char *dir,
			  int (*keep)(const char *path, const char *entry, size_t len,
				      void *ctx),
			  void (*said)(const char *path, void *ctx), void *ctx, const char *last,
			  hh_err *err)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return HH_OK;
		return hh_fail(err, HH_EINTERNAL, "cannot read folder %s: %s", dir,
			       strerror(errno));
	}
	hh_status st = HH_OK;
	struct dirent *de;
	while (st == HH_OK && (de = readdir(d))) {
		size_t n = fs_temp_base(de->d_name);
		char path[PATH_MAX];
		struct stat sb;
		/* a link (or a device, a pipe) is never a run's: hhmatch makes
		 * folders and files only */
		if (!n || snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path ||
		    lstat(path, &sb) || !(S_ISDIR(sb.st_mode) || S_ISREG(sb.st_mode)) ||
		    (keep && keep(path, de->d_name, n, ctx)))
			continue;
		fs_remove_tree_last(path, last);
		if (access(path, F_OK) == 0 || errno != ENOENT)
			st = hh_fail(err, HH_EINTERNAL, "cannot remove %s, left by a killed run",
				     path);
		else if (said)
			said(path, ctx);
	}
	closedir(d);
	if (st == HH_OK)
		fs_fsync_dir(dir);
	return st;
}

int fs_name_beside(const char *path, const char *suffix, char *out, size_t cap)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	const char *slash = memrchr(path, '/', len);
	int n;
	if (slash)
		n = snprintf(out, cap, "%.*s.%.*s%s", (int)(slash - path + 1), path,
			     (int)(len - (size_t)(slash - path) - 1), slash + 1, suffix);
	else
		n = snprintf(out, cap, ".%.*s%s", (int)len, path, suffix);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

hh_status fs_temp_beside(const char *path, char *tmp, size_t cap, hh_err *err)
{
	if (fs_name_beside(path, ".tmp-XXXXXX", tmp, cap))
		return hh_fail(err, HH_EUSAGE, "folder name too long: %.64s...", path);
	if (!mkdtemp(tmp))
		return hh_fail(err, HH_EINTERNAL, "cannot create a temporary folder beside %s: %s",
			       path, strerror(errno));
	/* mkdtemp makes it 0700 whatever the umask; the folder becomes the
	 * published one, which honours the umask like every output. */
	if (chmod(tmp, 0777 & ~(mode_t)fs_umask()))
		return hh_fail(err, HH_EINTERNAL, "cannot set the mode of %s: %s", tmp,
			       strerror(errno));
	return HH_OK;
}

hh_status fs_put_dir(const char *tmp, const char *path, int *exchanged, hh_err *err)
{
	*exchanged = 0;
	if (rename(tmp, path) == 0)
		return HH_OK;
	if (errno != EEXIST && errno != ENOTEMPTY)
		return hh_fail(err, HH_EINTERNAL, "cannot rename %s to %s: %s", tmp, path,
			       strerror(errno));
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE))
		return hh_fail(err, HH_EINTERNAL, "cannot replace %s with %s: %s", path, tmp,
			       strerror(errno));
	*exchanged = 1;
	return HH_OK;
}

hh_status fs_replace_dir(const char *tmp, const char *path, hh_err *err)
{
	int exchanged;
	HH_TRY(fs_put_dir(tmp, path, &exchanged, err));
	if (exchanged)
		fs_remove_tree(tmp); /* now the previous folder */
	return HH_OK;
}

unsigned fs_umask(void)
{
	mode_t m = umask(077);
	umask(m);
	return (unsigned)m;
}

struct fs_lock {
	int fd;
	int noted;  /* the holder's note was written */
	char *path; /* removed on release */
};

/* Opens path and locks it without waiting; 1 when locked, 0 when another
 * process holds it, -1 on error (errno).  A lock file is removed by its
 * holder on release, so the file locked must still be the one at path:
 * otherwise another run may have locked a new file there meanwhile. */
static int lock_once(const char *path, int *fdp)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int e = errno;
		*fdp = fd;
		errno = e;
		return e == EWOULDBLOCK ? 0 : -1;
	}
	struct stat a, b;
	if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino) {
		*fdp = fd;
		return 1;
	}
	close(fd);
	*fdp = -1;
	return 2; /* removed or replaced meanwhile: try again */
}

hh_status fs_lock_take(const char *path, const char *what, fs_lock **out, hh_err *err)
{
	int fd = -1, got = 2;
	*out = NULL;
	/* The memory first: out of memory after the lock file was made would
	 * leave it behind in a folder the run was to leave as it was. */
	fs_lock *l = malloc(sizeof *l);
	char *p = strdup(path);
	if (!l || !p) {
		free(l);
		free(p);
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	}
	for (int tries = 0; got == 2 && tries < 100; tries++)
		got = lock_once(path, &fd);
	if (got == 0) {
		char holder[96] = "";
		ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
		close(fd);
		free(l);
		free(p);
		holder[n > 0 ? n : 0] = '\0';
		holder[strcspn(holder, "\n")] = '\0';
		return hh_fail(err, HH_EINTERNAL,
			       "%s is in use by another hhmatch run (%s); wait for it to "
			       "finish, or stop it (its lock file is %s)",
			       what, holder[0] ? holder : "pid unknown", path);
	}
	if (got != 1) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		free(l);
		free(p);
		return hh_fail(err, HH_EINTERNAL, "cannot lock %s: %s", path, strerror(e));
	}
	l->fd = fd;
	l->path = p;
	/* Who holds it, for the message another run prints; the lock holds
	 * without the note when it cannot be written. */
	char info[96];
	time_t now = time(NULL);
	struct tm tm;
	int n = 0;
	if (gmtime_r(&now, &tm))
		n = snprintf(info, sizeof info, "pid %ld since %04d-%02d-%02dT%02d:%02d:%02dZ\n",
			     (long)getpid(), tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			     tm.tm_hour, tm.tm_min, tm.tm_sec);
	l->noted = n > 0 && ftruncate(fd, 0) == 0 && pwrite(fd, info, (size_t)n, 0) == n;
	*out = l;
	return HH_OK;
}

void fs_lock_release(fs_lock *l)
{
	if (!l)
		return;
	/* Removed while still locked, so no run can lock this file once it
	 * is gone from the folder (lock_once checks the file it locked). */
	unlink(l->path);
	close(l->fd); /* drops the flock */
	free(l->path);
	free(l);
}

int fs_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

double fs_now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
