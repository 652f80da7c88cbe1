/*
 * auditlog.c - the hash-chained audit log (format in auditlog.h).
 *
 * Records are checked structurally from the end of the line: the last
 * 158 bytes of a record are always
 *   ,"prev_sha256":"<64 hex>","sha256":"<64 hex>"}
 * so verification needs no JSON parser and cannot be fooled by a member
 * value that happens to contain the same text.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history/auditlog.h"
#include "history/runread.h"

static const char zeros[] =
	"0000000000000000000000000000000000000000000000000000000000000000";
#define PREV_TAG ",\"prev_sha256\":\""
#define OWN_TAG "\",\"sha256\":\""
#define PREV_LEN (sizeof PREV_TAG - 1) /* 16 */
#define OWN_LEN (sizeof OWN_TAG - 1)   /* 12 */
#define TAIL_LEN (PREV_LEN + 64 + OWN_LEN + 64 + 2)

static int is_hex64(const char *p)
{
	for (int i = 0; i < 64; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/* Checks the shape of one line (without its '\n').  On success *prev and
 * *own point at the two 64-hex values and *seq holds the seq. */
static const char *shape(const char *l, size_t len, const char **prev, const char **own,
			 unsigned long *seq)
{
	if (len < TAIL_LEN + 10 || strncmp(l, "{\"seq\":", 7))
		return "not a log record (damaged structure)";
	const char *t = l + len - TAIL_LEN;
	if (memcmp(t, PREV_TAG, PREV_LEN) || !is_hex64(t + PREV_LEN) ||
	    memcmp(t + PREV_LEN + 64, OWN_TAG, OWN_LEN) ||
	    !is_hex64(t + PREV_LEN + 64 + OWN_LEN) || memcmp(l + len - 2, "\"}", 2))
		return "not a log record (damaged prev_sha256 or sha256)";
	char *end;
	errno = 0;
	unsigned long s = strtoul(l + 7, &end, 10);
	if (errno || end == l + 7 || *end != ',')
		return "not a log record (damaged seq)";
	*prev = t + PREV_LEN;
	*own = t + PREV_LEN + 64 + OWN_LEN;
	*seq = s;
	return NULL;
}

static hh_status read_all(int fd, const char *path, char **out, size_t *len, hh_err *err)
{
	struct stat sb;
	if (fstat(fd, &sb))
		return hh_fail(err, HH_EINPUT, "cannot read %s: %s", path, strerror(errno));
	size_t cap = (size_t)sb.st_size + 1, n = 0;
	char *b = malloc(cap);
	if (!b)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	for (;;) {
		if (n + 1 >= cap) {
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				return hh_fail(err, HH_EINTERNAL, "out of memory");
			}
			b = nb;
			cap *= 2;
		}
		ssize_t r = pread(fd, b + n, cap - n - 1, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(b);
			return hh_fail(err, HH_EINPUT, "cannot read %s: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return HH_OK;
}

hh_status auditlog_verify(const char *path, auditlog_check *out, hh_err *err)
{
	memset(out, 0, sizeof *out);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hh_fail(err, HH_EINPUT, "cannot open audit log %s: %s", path,
			       strerror(errno));
	flock(fd, LOCK_SH);
	char *b = NULL;
	size_t len = 0;
	hh_status st = read_all(fd, path, &b, &len, err);
	close(fd);
	if (st != HH_OK)
		return st;
	char prev_hash[65];
	memcpy(prev_hash, zeros, 65);
	unsigned long k = 0;
	for (size_t off = 0; off < len;) {
		k++;
		const char *l = b + off;
		const char *nl = memchr(l, '\n', len - off);
		size_t ll = nl ? (size_t)(nl - l) : len - off;
		off += ll + (nl ? 1 : 0);
		const char *prev, *own, *why = NULL;
		unsigned long seq = 0;
		char h[65];
		if (!nl)
			why = "incomplete record (no line end)";
		else
			why = shape(l, ll, &prev, &own, &seq);
		if (!why) {
			rr_sha256_hex(l, (size_t)(own - l) - OWN_LEN + 1, h);
			if (memcmp(h, own, 64))
				why = "its content does not match its sha256 (the record was changed)";
		}
		if (why)
			snprintf(out->why, sizeof out->why, "%s", why);
		else if (memcmp(prev, prev_hash, 64))
			snprintf(out->why, sizeof out->why, "%s; its seq is %lu",
				 k == 1 ? "prev_sha256 is not zeros: records before it were removed"
					: "prev_sha256 does not match the record before it (a record "
					  "was removed, reordered or changed)", seq);
		else if (seq != k)
			snprintf(out->why, sizeof out->why, "seq is %lu, expected %lu", seq, k);
		if (out->why[0]) {
			out->broken = k;
			break;
		}
		rr_sha256_hex(l, ll, prev_hash);
		out->records = k;
	}
	if (!out->broken && out->records)
		memcpy(out->head, prev_hash, 65);
	free(b);
	return HH_OK;
}

/* The last line of the log (fd at any offset); *line malloc'ed, without
 * its '\n'.  An empty log gives *line = NULL. */
static hh_status last_line(int fd, const char *path, char **line, size_t *len, hh_err *err)
{
	*line = NULL;
	*len = 0;
	struct stat sb;
	if (fstat(fd, &sb))
		return hh_fail(err, HH_EINTERNAL, "cannot read %s: %s", path, strerror(errno));
	off_t size = sb.st_size;
	if (size == 0)
		return HH_OK;
	size_t cap = 4096;
	for (;;) {
		size_t want = (off_t)cap > size ? (size_t)size : cap;
		char *b = malloc(want + 1);
		if (!b)
			return hh_fail(err, HH_EINTERNAL, "out of memory");
		ssize_t r = pread(fd, b, want, size - (off_t)want);
		if (r != (ssize_t)want) {
			free(b);
			return hh_fail(err, HH_EINTERNAL, "cannot read %s", path);
		}
		if (b[want - 1] != '\n') {
			free(b);
			return hh_fail(err, HH_EINPUT,
				       "the audit log %s ends in an incomplete record; run hhmatch "
				       "audit verify-log and repair it before logging more", path);
		}
		size_t i = want - 1;
		while (i > 0 && b[i - 1] != '\n')
			i--;
		if (i > 0 || (off_t)want == size) {
			size_t n = want - 1 - i;
			memmove(b, b + i, n);
			b[n] = '\0';
			*line = b;
			*len = n;
			return HH_OK;
		}
		free(b);
		cap *= 4;
	}
}

hh_status auditlog_append(const char *path, const char *members, unsigned long *seq,
			  hh_err *err)
{
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return hh_fail(err, HH_EINTERNAL, "cannot open audit log %s: %s", path,
			       strerror(errno));
	if (flock(fd, LOCK_EX)) {
		int e = errno;
		close(fd);
		return hh_fail(err, HH_EINTERNAL, "cannot lock audit log %s: %s", path,
			       strerror(e));
	}
	char *last = NULL;
	size_t ll = 0;
	hh_status st = last_line(fd, path, &last, &ll, err);
	char prev_hash[65];
	unsigned long s = 1;
	memcpy(prev_hash, zeros, 65);
	if (st == HH_OK && last) {
		const char *p, *o;
		unsigned long ps;
		if (shape(last, ll, &p, &o, &ps))
			st = hh_fail(err, HH_EINPUT,
				     "the last record of the audit log %s is damaged; run hhmatch "
				     "audit verify-log", path);
		else {
			rr_sha256_hex(last, ll, prev_hash);
			s = ps + 1;
		}
	}
	free(last);
	jbuf b = {0};
	if (st == HH_OK) {
		char own[65];
		jb_printf(&b, "{\"seq\":%lu,%s" PREV_TAG "%s\"", s, members, prev_hash);
		rr_sha256_hex(b.s ? b.s : "", b.n, own);
		jb_printf(&b, ",\"sha256\":\"%s\"}\n", own);
		if (b.oom)
			st = hh_fail(err, HH_EINTERNAL, "out of memory");
	}
	if (st == HH_OK) {
		ssize_t w;
		do
			w = write(fd, b.s, b.n);
		while (w < 0 && errno == EINTR);
		if (w != (ssize_t)b.n)
			st = hh_fail(err, HH_EINTERNAL, "cannot append to audit log %s: %s", path,
				     w < 0 ? strerror(errno) : "short write");
		else if (fsync(fd))
			st = hh_fail(err, HH_EINTERNAL, "cannot sync audit log %s: %s", path,
				     strerror(errno));
	}
	if (st == HH_OK && seq)
		*seq = s;
	jb_free(&b);
	flock(fd, LOCK_UN);
	close(fd);
	return st;
}
