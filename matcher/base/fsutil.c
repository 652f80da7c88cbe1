/* fsutil.c - file-system helpers (see fsutil.h). */
#include "base/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fs_remove_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
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
	hh_status st = fs_write_file(to, data, len, 0600, err);
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

hh_status fs_temp_beside(const char *path, char *tmp, size_t cap, hh_err *err)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	const char *slash = memrchr(path, '/', len);
	int n;
	if (slash)
		n = snprintf(tmp, cap, "%.*s.%.*s.tmp-XXXXXX", (int)(slash - path + 1), path,
			     (int)(len - (size_t)(slash - path) - 1), slash + 1);
	else
		n = snprintf(tmp, cap, ".%.*s.tmp-XXXXXX", (int)len, path);
	if (n < 0 || (size_t)n >= cap)
		return hh_fail(err, HH_EUSAGE, "folder name too long: %.64s...", path);
	if (!mkdtemp(tmp))
		return hh_fail(err, HH_EINTERNAL, "cannot create a temporary folder beside %s: %s",
			       path, strerror(errno));
	return HH_OK;
}

hh_status fs_replace_dir(const char *tmp, const char *path, hh_err *err)
{
	if (rename(tmp, path) == 0)
		return HH_OK;
	if (errno != EEXIST && errno != ENOTEMPTY)
		return hh_fail(err, HH_EINTERNAL, "cannot rename %s to %s: %s", tmp, path,
			       strerror(errno));
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE))
		return hh_fail(err, HH_EINTERNAL, "cannot replace %s with %s: %s", path, tmp,
			       strerror(errno));
	fs_remove_tree(tmp); /* now the previous folder */
	return HH_OK;
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
