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
#include <time.h>
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

/* Where the log ends, read under its lock. */
typedef struct {
	off_t size;        /* bytes in the file */
	off_t complete;    /* bytes up to and including its last line end */
	char *last;        /* the last complete line, without '\n' (malloc'ed), or NULL */
	size_t last_len;
	char *torn;        /* the bytes after the last line end (malloc'ed), or NULL */
	size_t torn_len;
} log_end;

static void log_end_free(log_end *e)
{
	free(e->last);
	free(e->torn);
}

/* Reads the end of the log: its last complete line, and what follows it
 * when the log does not end with a line end (a torn tail). */
static hh_status read_end(int fd, const char *path, log_end *e, hh_err *err)
{
	memset(e, 0, sizeof *e);
	struct stat sb;
	if (fstat(fd, &sb))
		return hh_fail(err, HH_EINTERNAL, "cannot read %s: %s", path, strerror(errno));
	e->size = e->complete = sb.st_size;
	if (e->size == 0)
		return HH_OK;
	for (size_t cap = 4096;; cap *= 4) {
		size_t want = (off_t)cap > e->size ? (size_t)e->size : cap;
		off_t from = e->size - (off_t)want;
		char *b = malloc(want + 1);
		if (!b)
			return hh_fail(err, HH_EINTERNAL, "out of memory");
		if (pread(fd, b, want, from) != (ssize_t)want) {
			free(b);
			return hh_fail(err, HH_EINTERNAL, "cannot read %s", path);
		}
		char *nl = memrchr(b, '\n', want);
		char *start = nl ? memrchr(b, '\n', (size_t)(nl - b)) : NULL;
		if ((!nl || !start) && from > 0) {
			free(b); /* the last line (or line end) begins before: read more */
			continue;
		}
		size_t end = nl ? (size_t)(nl - b) + 1 : 0;  /* offset in b of the tail */
		e->complete = from + (off_t)end;
		e->torn_len = want - end;
		if (e->torn_len && !(e->torn = malloc(e->torn_len))) {
			free(b);
			return hh_fail(err, HH_EINTERNAL, "out of memory");
		}
		if (e->torn_len)
			memcpy(e->torn, b + end, e->torn_len);
		if (nl) {
			size_t s = start ? (size_t)(start - b) + 1 : 0;
			e->last_len = (size_t)(nl - b) - s;
			memmove(b, b + s, e->last_len);
			b[e->last_len] = '\0';
			e->last = b;
		} else {
			free(b);
		}
		return HH_OK;
	}
}

/* The seq and prev_sha256 the next record gets, from the last complete
 * line; a log sealed under another audit key is refused (it could not be
 * verified with one key).  A torn tail may be repaired (*repair = 1)
 * when nothing says a record was lost with it: the head anchor, written
 * after every complete append, names the last complete record or one
 * before it (or there is no anchor).  Otherwise the tail is what is left
 * of records cut from the log, and appending is refused. */
static hh_status chain_after(const log_end *e, const char *path, const pid_key *key,
			     unsigned long *seq, char prev[65], int *repair, hh_err *err)
{
	*seq = 1;
	*repair = 0;
	memcpy(prev, auditrec_zeros, 65);
	auditrec_parts p = {0};
	if (e->last && auditrec_parse(e->last, e->last_len, &p))
		return hh_fail(err, HH_EINPUT, "the last record of the audit log %s is damaged; "
			       "run hhmatch audit verify-log", path);
	if (e->last && p.key_id && strncmp(p.key_id, pid_key_id(key), 8))
		return hh_fail(err, HH_EUSAGE, "the audit log %s is authenticated under audit key "
			       "%.8s, and the key given is %.8s: give that log's key", path,
			       p.key_id, pid_key_id(key));
	if (e->last && hex_sha256(e->last, e->last_len, prev))
		return hh_fail(err, HH_EINTERNAL, "cannot append to audit log %s: SHA-256 failed",
			       path);
	if (e->last)
		*seq = p.seq + 1;
	if (!e->torn_len)
		return HH_OK;
	auditrec_anchor a;
	int found = 0;
	HH_TRY(auditlog_anchor_read(path, &a, &found, err));
	unsigned long have = *seq - 1;
	if (found && (a.records > have ||
		      (a.records == have && have && strcmp(a.sha256, prev))))
		return hh_fail(err, HH_EINPUT,
			       "the audit log %s ends in an incomplete record, and its head anchor "
			       "says %lu records where %lu are complete: records were cut or "
			       "changed, not torn by an interrupted append; run hhmatch audit "
			       "verify-log, keep the log as evidence, and start a new log "
			       "(move it aside)", path, a.records, have);
	*repair = 1;
	return HH_OK;
}

/* Writes data[0..len) at the end of fd (O_APPEND), and fsyncs it. */
static hh_status write_all(int fd, const char *path, const char *data, size_t len,
			   hh_err *err)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return hh_fail(err, HH_EINTERNAL, "cannot write %s: %s", path,
				       w < 0 ? strerror(errno) : "nothing written");
		off += (size_t)w;
	}
	if (fsync(fd))
		return hh_fail(err, HH_EINTERNAL, "cannot sync %s: %s", path, strerror(errno));
	return HH_OK;
}

/* Puts the log back as it was before an append that failed: its complete
 * records, then the torn tail it had (best effort: on a full disk the
 * truncation has just freed the room for it). */
static void roll_back(int fd, const log_end *e)
{
	if (ftruncate(fd, e->complete) == 0 && e->torn_len) {
		ssize_t w = write(fd, e->torn, e->torn_len);
		if (w != (ssize_t)e->torn_len && ftruncate(fd, e->complete))
			return; /* the tail was never a record; the records stand */
	}
	fsync(fd);
}

/* The record that says a torn tail was cut (members for auditrec_text). */
static int repair_members(strbuf *m, const log_end *e, unsigned long after)
{
	char now[32], who[256], sha[65], q[256];
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm) ||
	    hex_sha256(e->torn, e->torn_len, sha))
		return -1;
	snprintf(q, sizeof q, "{\"command\":\"repair\",\"after_seq\":%lu,\"torn_bytes\":%zu,"
		 "\"torn_sha256\":\"%s\"}", after, e->torn_len, sha);
	auditrec rec = {.time = now, .os_user = auditrec_os_user(who, sizeof who),
			.purpose = "repair: an incomplete record at the end of the log was removed",
			.query = q};
	auditrec_members(m, &rec);
	return m->oom ? -1 : 0;
}

/* One sealed record (seq, members[0..ml), prev) as a line with its line
 * end, appended to b; own gets the SHA-256 of the line (without the line
 * end), the next record's prev.  -1 on no memory or a failed digest. */
static int record_line(strbuf *b, const pid_key *key, unsigned long seq, const char *members,
		       size_t ml, const char *prev, char own[65])
{
	auditrec_seal seal;
	char text_sha[65];
	size_t at = b->len;
	if (auditrec_seal_make(key, seq, members, ml, prev, &seal) ||
	    auditrec_text(b, seq, members, ml, &seal, prev, text_sha))
		return -1;
	auditrec_close(b, text_sha);
	if (b->oom || hex_sha256(b->buf + at, b->len - at, own))
		return -1;
	sb_addc(b, '\n');
	return b->oom ? -1 : 0;
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
		st = hh_fail(err, HH_EINTERNAL, "cannot create %s: %s", tmp, strerror(errno));
	if (st == HH_OK)
		st = write_all(fd, tmp, b.buf, b.len, err);
	if (fd >= 0)
		close(fd);
	if (st == HH_OK && rename(tmp, ap))
		st = hh_fail(err, HH_EINTERNAL, "cannot rename %s to %s: %s", tmp, ap,
			     strerror(errno));
	if (st != HH_OK && fd >= 0)
		unlink(tmp);
	sb_release(&b);
	return st;
}

/* Opens and locks the log at path, creating it when missing (*created
 * says so).  An appender that made the log and then could not write its
 * first record removes the empty file again, so a failed first append
 * leaves the state as it was; every appender therefore checks, once it
 * holds the lock, that its file is still the one at path, and opens
 * again when it is not (the lock-file dance: no record goes into a file
 * that was unlinked under it). */
static hh_status open_locked(const char *path, int *out, int *created, hh_err *err)
{
	for (;;) {
		int fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
		*created = 0;
		if (fd < 0 && errno == ENOENT) {
			fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
			*created = fd >= 0;
			if (fd < 0 && errno == EEXIST)
				continue; /* another appender made it first */
		}
		if (fd < 0)
			return hh_fail(err, HH_EINTERNAL, "cannot open audit log %s: %s", path,
				       strerror(errno));
		struct stat fs, ps;
		if (flock(fd, LOCK_EX) || fstat(fd, &fs)) {
			int e = errno;
			close(fd);
			return hh_fail(err, HH_EINTERNAL, "cannot lock audit log %s: %s", path,
				       strerror(e));
		}
		if (fs.st_nlink > 0 && !stat(path, &ps) && ps.st_ino == fs.st_ino &&
		    ps.st_dev == fs.st_dev) {
			*out = fd;
			return HH_OK;
		}
		close(fd); /* removed (or replaced) while we waited: the new one */
	}
}

hh_status auditlog_append(const char *path, const char *members, const pid_key *key,
			  auditrec_anchor *head, hh_err *err)
{
	int fd = -1, created = 0;
	HH_TRY(open_locked(path, &fd, &created, err));
	char prev[65];
	auditrec_anchor h = {0};
	unsigned long s = 1;
	int repair = 0, written = 0;
	strbuf b = STRBUF_INIT, rm = STRBUF_INIT;
	log_end e;
	hh_status st = read_end(fd, path, &e, err);
	if (st == HH_OK)
		st = chain_after(&e, path, key, &s, prev, &repair, err);
	/* a torn tail is replaced by a record that says so, then the new one */
	if (st == HH_OK && repair &&
	    (repair_members(&rm, &e, s - 1) ||
	     record_line(&b, key, s, rm.buf, rm.len, prev, prev)))
		st = hh_fail(err, HH_EINTERNAL, "cannot append to audit log %s: out of memory "
			     "or SHA-256 failed", path);
	if (st == HH_OK && repair)
		s++;
	if (st == HH_OK && record_line(&b, key, s, members, strlen(members), prev, h.sha256))
		st = hh_fail(err, HH_EINTERNAL, "cannot append to audit log %s: out of memory "
			     "or SHA-256 failed", path);
	if (st == HH_OK && repair && ftruncate(fd, e.complete))
		st = hh_fail(err, HH_EINTERNAL, "cannot remove the incomplete record at the end "
			     "of audit log %s: %s", path, strerror(errno));
	if (st == HH_OK) {
		written = 1;
		st = write_all(fd, path, b.buf, b.len, err);
	}
	h.records = s;
	if (st == HH_OK)
		st = write_anchor(path, &h, err);
	if (st != HH_OK && written) {
		/* all or nothing: a record whose anchor is not written goes too,
		 * so that a full disk leaves the log as it was */
		roll_back(fd, &e);
		hh_wrap(err, st, "nothing was appended to audit log %s", path);
	}
	if (st == HH_OK && head)
		*head = h;
	struct stat fs;
	if (st != HH_OK && created && !fstat(fd, &fs) && fs.st_size == 0)
		unlink(path); /* under the lock: a waiting appender opens again */
	log_end_free(&e);
	sb_release(&b);
	sb_release(&rm);
	flock(fd, LOCK_UN);
	close(fd);
	return st;
}

hh_status auditlog_tidy(const char *path, void (*said)(const char *path, void *ctx),
			void *ctx, hh_err *err)
{
	char ap[PATH_MAX], tmp[PATH_MAX + 8];
	if (auditlog_anchor_path(path, ap, sizeof ap) ||
	    snprintf(tmp, sizeof tmp, "%s.tmp", ap) >= (int)sizeof tmp)
		return hh_fail(err, HH_EUSAGE, "audit log name too long: %s", path);
	if (access(tmp, F_OK) && errno == ENOENT)
		return HH_OK;
	/* under the log's lock: an appender writes this file while it holds it */
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return hh_fail(err, HH_EINTERNAL, "cannot open audit log %s: %s", path,
			       strerror(errno));
	hh_status st = HH_OK;
	if (flock(fd, LOCK_EX))
		st = hh_fail(err, HH_EINTERNAL, "cannot lock audit log %s: %s", path,
			     strerror(errno));
	else if (unlink(tmp) == 0 && said)
		said(tmp, ctx);
	else if (access(tmp, F_OK) == 0)
		st = hh_fail(err, HH_EINTERNAL, "cannot remove %s: %s", tmp, strerror(errno));
	close(fd);
	return st;
}
