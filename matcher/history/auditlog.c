/*
 * auditlog.c - the audit log as a file (see auditlog.h).  The record's
 * bytes and the chain's verdicts are auditrec.c's; this file adds the
 * locking, the reading of the last line and the one-write append.
 */
#include "history/auditlog.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/hex.h"
#include "base/strbuf.h"
#include "history/auditrec.h"

/* An audit log is read whole to verify it; past this size something else
 * is wrong. */
#define LOG_MAX ((size_t)1 << 40)

hh_status auditlog_verify(const char *path, auditrec_seals *seals, auditrec_anchor *anchors,
			  size_t n, auditlog_check *out, hh_err *err)
{
	memset(out, 0, sizeof *out);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hh_fail(err, HH_EINPUT, "cannot open audit log %s: %s", path,
			       strerror(errno));
	/* the shared lock keeps an appender from adding half a line while
	 * the file is read (a second descriptor reads under it) */
	flock(fd, LOCK_SH);
	char *b = NULL;
	size_t len = 0;
	hh_status st = fs_read_file(path, LOG_MAX, HH_EINPUT, &b, &len, err);
	close(fd);
	if (st != HH_OK)
		return st;
	char prev_hash[65];
	memcpy(prev_hash, auditrec_zeros, 65);
	unsigned long k = 0;
	for (size_t off = 0; off < len;) {
		k++;
		const char *l = b + off;
		const char *nl = memchr(l, '\n', len - off);
		size_t ll = nl ? (size_t)(nl - l) : len - off;
		off += ll + (nl ? 1 : 0);
		auditrec_parts p;
		char h[65];
		int link = 0;
		const char *why = nl ? auditrec_parse(l, ll, &p)
				     : "incomplete record (no line end)";
		if (!why && hex_sha256(l, p.text_len, h)) {
			st = hh_fail(err, HH_EINTERNAL, "cannot verify %s: SHA-256 failed", path);
			break;
		}
		if (!why)
			why = auditrec_check(p.own, h, p.prev, prev_hash, k == 1, &link);
		if (why && link) /* the seq says which record the gap is before */
			snprintf(out->why, sizeof out->why, "%s; its seq is %lu", why, p.seq);
		else if (why)
			snprintf(out->why, sizeof out->why, "%s", why);
		else if (p.seq != k)
			snprintf(out->why, sizeof out->why, "seq is %lu, expected %lu", p.seq, k);
		else
			auditrec_seal_check(seals, l, &p, out->why, sizeof out->why);
		if (out->why[0]) {
			out->broken = k;
			break;
		}
		if (hex_sha256(l, ll, prev_hash)) {
			st = hh_fail(err, HH_EINTERNAL, "cannot verify %s: SHA-256 failed", path);
			break;
		}
		auditrec_anchor_see(anchors, n, k, prev_hash);
		out->records = k;
	}
	if (st == HH_OK && !out->broken)
		auditrec_anchor_verdict(anchors, n, out->records, out->why, sizeof out->why,
					&out->broken);
	if (st == HH_OK && !out->broken && out->records)
		memcpy(out->head, prev_hash, 65);
	free(b);
	return st;
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

/* The seq and prev_sha256 the next record gets, from the last line; a
 * log sealed under another audit key is refused (it could not be
 * verified with one key). */
static hh_status chain_after(int fd, const char *path, const pid_key *key,
			     unsigned long *seq, char prev[65], hh_err *err)
{
	char *last = NULL;
	size_t ll = 0;
	*seq = 1;
	memcpy(prev, auditrec_zeros, 65);
	HH_TRY(last_line(fd, path, &last, &ll, err));
	hh_status st = HH_OK;
	auditrec_parts p;
	if (!last)
		st = HH_OK;
	else if (auditrec_parse(last, ll, &p))
		st = hh_fail(err, HH_EINPUT, "the last record of the audit log %s is damaged; "
			     "run hhmatch audit verify-log", path);
	else if (p.key_id && strncmp(p.key_id, pid_key_id(key), 8))
		st = hh_fail(err, HH_EUSAGE, "the audit log %s is authenticated under audit key "
			     "%.8s, and the key given is %.8s: give that log's key", path,
			     p.key_id, pid_key_id(key));
	else if (hex_sha256(last, ll, prev))
		st = hh_fail(err, HH_EINTERNAL, "cannot append to audit log %s: SHA-256 failed",
			     path);
	else
		*seq = p.seq + 1;
	free(last);
	return st;
}

static hh_status write_all(int fd, const char *path, const strbuf *b, hh_err *err)
{
	ssize_t w;
	do
		w = write(fd, b->buf, b->len);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)b->len)
		return hh_fail(err, HH_EINTERNAL, "cannot append to audit log %s: %s", path,
			       w < 0 ? strerror(errno) : "short write");
	if (fsync(fd))
		return hh_fail(err, HH_EINTERNAL, "cannot sync audit log %s: %s", path,
			       strerror(errno));
	return HH_OK;
}

int auditlog_anchor_path(const char *path, char *buf, size_t cap)
{
	size_t len = strlen(path);
	if (len > 4 && !strcmp(path + len - 4, ".log"))
		len -= 4;
	int n = snprintf(buf, cap, "%.*s.head", (int)len, path);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

hh_status auditlog_anchor_read(const char *path, auditrec_anchor *out, int *found,
			       hh_err *err)
{
	char ap[PATH_MAX];
	*found = 0;
	memset(out, 0, sizeof *out);
	if (auditlog_anchor_path(path, ap, sizeof ap))
		return hh_fail(err, HH_EUSAGE, "audit log name too long: %s", path);
	if (access(ap, F_OK) && errno == ENOENT)
		return HH_OK;
	char *b = NULL;
	size_t len = 0;
	HH_TRY(fs_read_file(ap, 256, HH_EINPUT, &b, &len, err));
	if (len && b[len - 1] == '\n')
		b[--len] = '\0';
	int bad = auditrec_anchor_parse(b, out);
	free(b);
	if (bad)
		return hh_fail(err, HH_EINPUT, "the head anchor %s does not hold N:SHA256 (was it "
			       "edited?)", ap);
	*found = 1;
	return HH_OK;
}

/* Replaces the anchor of the log at path with head (the log's lock held:
 * anchors are written in the order of the records). */
static hh_status write_anchor(const char *path, const auditrec_anchor *head, hh_err *err)
{
	char ap[PATH_MAX], tmp[PATH_MAX + 8], text[96];
	if (auditlog_anchor_path(path, ap, sizeof ap) ||
	    snprintf(tmp, sizeof tmp, "%s.tmp", ap) >= (int)sizeof tmp)
		return hh_fail(err, HH_EUSAGE, "audit log name too long: %s", path);
	auditrec_anchor_format(head, text);
	strbuf b = STRBUF_INIT;
	sb_adds(&b, text);
	sb_addc(&b, '\n');
	hh_status st = b.oom ? hh_fail(err, HH_EINTERNAL, "out of memory") : HH_OK;
	int fd = -1;
	if (st == HH_OK && (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0)
		st = hh_fail(err, HH_EINTERNAL, "the record is in audit log %s, but its head "
			     "anchor %s cannot be written: %s", path, tmp, strerror(errno));
	if (st == HH_OK)
		st = write_all(fd, tmp, &b, err);
	if (fd >= 0)
		close(fd);
	if (st == HH_OK && rename(tmp, ap))
		st = hh_fail(err, HH_EINTERNAL, "the record is in audit log %s, but its head "
			     "anchor %s cannot be replaced: %s", path, ap, strerror(errno));
	if (st != HH_OK && fd >= 0)
		unlink(tmp);
	sb_release(&b);
	return st;
}

hh_status auditlog_append(const char *path, const char *members, const pid_key *key,
			  auditrec_anchor *head, hh_err *err)
{
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return hh_fail(err, HH_EINTERNAL, "cannot open audit log %s: %s", path,
			       strerror(errno));
	if (flock(fd, LOCK_EX)) {
		int e = errno;
		close(fd);
		return hh_fail(err, HH_EINTERNAL, "cannot lock audit log %s: %s", path,
			       strerror(e));
	}
	char prev[65], own[65];
	auditrec_anchor h = {0};
	unsigned long s = 1;
	strbuf b = STRBUF_INIT;
	auditrec_seal seal;
	size_t ml = strlen(members);
	hh_status st = chain_after(fd, path, key, &s, prev, err);
	if (st == HH_OK) {
		int rc = auditrec_seal_make(key, s, members, ml, prev, &seal);
		if (!rc)
			rc = auditrec_text(&b, s, members, ml, &seal, prev, own);
		auditrec_close(&b, own);
		sb_addc(&b, '\n');
		if (b.oom)
			st = hh_fail(err, HH_EINTERNAL, "out of memory");
		else if (rc)
			st = hh_fail(err, HH_EINTERNAL, "cannot append to audit log %s: SHA-256 "
				     "failed", path);
	}
	if (st == HH_OK)
		st = write_all(fd, path, &b, err);
	h.records = s;
	if (st == HH_OK && hex_sha256(b.buf, b.len - 1, h.sha256))
		st = hh_fail(err, HH_EINTERNAL, "the record is in audit log %s, but its head "
			     "cannot be computed: SHA-256 failed", path);
	if (st == HH_OK)
		st = write_anchor(path, &h, err);
	if (st == HH_OK && head)
		*head = h;
	sb_release(&b);
	flock(fd, LOCK_UN);
	close(fd);
	return st;
}
