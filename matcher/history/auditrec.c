/*
 * auditrec.c - the audit record's bytes and its chain check (format in
 * auditrec.h).  Both logs call these: what one log writes, the other
 * rebuilds and verifies byte for byte.
 */
#include "history/auditrec.h"
#include "domain/idnum.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/hex.h"

const char auditrec_zeros[65] =
	"0000000000000000000000000000000000000000000000000000000000000000";

#define PREV_TAG ",\"prev_sha256\":\""
#define OWN_TAG "\",\"sha256\":\""
#define PREV_LEN (sizeof PREV_TAG - 1) /* 16 */
#define OWN_LEN (sizeof OWN_TAG - 1)   /* 12 */
#define TAIL_LEN (PREV_LEN + 64 + OWN_LEN + 64 + 2)
/* the seal, just before PREV_TAG: ,"audit_key_id":"<8 hex>","mac":"<64 hex>" */
#define KEYID_TAG ",\"audit_key_id\":\""
#define MAC_TAG "\",\"mac\":\""
#define KEYID_LEN (sizeof KEYID_TAG - 1) /* 17 */
#define MAC_LEN (sizeof MAC_TAG - 1)     /* 9 */
#define SEAL_LEN (KEYID_LEN + 8 + MAC_LEN + 64 + 1)
/* the member the mac leaves out, ,"mac":"<64 hex>", starts after the
 * quote that closes audit_key_id */
#define MAC_MEMBER_OFF (KEYID_LEN + 8 + 1)

/* A string as the format escapes it (auditrec.h): the hashed bytes of
 * every record ever written depend on exactly this. */
static void put_str(strbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	sb_addc(b, '"');
	const char *run = s;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch != '"' && ch != '\\' && ch >= 0x20)
			continue;
		sb_add(b, run, (size_t)(s - run));
		if (ch == '"' || ch == '\\') {
			sb_addc(b, '\\');
			sb_addc(b, (char)ch);
		} else if (ch == '\n') {
			sb_adds(b, "\\n");
		} else {
			char u[7] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15], '\0'};
			sb_adds(b, u);
		}
		run = s + 1;
	}
	sb_add(b, run, (size_t)(s - run));
	sb_addc(b, '"');
}

void auditrec_members(strbuf *out, const auditrec *r)
{
	sb_adds(out, "\"time\":");
	put_str(out, r->time);
	if (r->os_user) {
		sb_adds(out, ",\"os_user\":");
		put_str(out, r->os_user);
	}
	if (r->os_user && r->db_user) {
		sb_adds(out, ",\"db_user\":");
		put_str(out, r->db_user);
	}
	if (r->operator_) {
		sb_adds(out, ",\"operator\":");
		put_str(out, r->operator_);
	}
	sb_adds(out, ",\"purpose\":");
	put_str(out, r->purpose);
	sb_adds(out, ",\"query\":");
	sb_adds(out, r->query);
	sb_adds(out, ",\"pids\":[");
	for (size_t i = 0; i < r->npids; i++) {
		if (i)
			sb_addc(out, ',');
		put_str(out, r->pids[i]);
	}
	sb_addc(out, ']');
}

int auditrec_id_shaped(const char *s)
{
	return idnum_shaped(s, strlen(s));
}

const char *auditrec_os_user(char *buf, size_t cap)
{
	struct passwd pw, *res = NULL;
	char tmp[4096];
	int rc = getpwuid_r(geteuid(), &pw, tmp, sizeof tmp, &res);
	if (rc) { /* the lookup failed (out of memory...): not "no name" */
		errno = rc;
		return NULL;
	}
	if (res)
		snprintf(buf, cap, "%s", pw.pw_name);
	else
		snprintf(buf, cap, "uid %u", (unsigned)geteuid());
	return buf;
}

hh_status auditrec_key_load(const char *given, pid_key **out, hh_err *err)
{
	*out = NULL;
	const char *path = given && *given ? given : getenv(AUDITREC_KEY_ENV);
	if (!path || !*path)
		return HH_OK;
	hh_status st = pid_key_load(path, out, err);
	if (st != HH_OK)
		return hh_wrap(err, st, "the audit key (%s)",
			       given && *given ? "--audit-key" : AUDITREC_KEY_ENV);
	return HH_OK;
}

int auditrec_seal_make(const pid_key *key, unsigned long seq, const char *members,
		       size_t len, const char *prev, auditrec_seal *out)
{
	strbuf b = STRBUF_INIT;
	snprintf(out->key_id, sizeof out->key_id, "%.8s", pid_key_id(key));
	sb_addf(&b, "{\"seq\":%lu,", seq);
	sb_add(&b, members, len);
	sb_adds(&b, KEYID_TAG);
	sb_adds(&b, out->key_id);
	sb_addc(&b, '"');
	sb_adds(&b, PREV_TAG);
	sb_adds(&b, prev);
	sb_addc(&b, '"');
	int rc = b.oom ? -1 : 0;
	if (!rc) {
		uint8_t mac[PID_BYTES];
		pid_hmac(key, b.buf, b.len, mac);
		pid_to_hex(mac, out->mac);
	}
	sb_release(&b);
	return rc;
}

int auditrec_text(strbuf *out, unsigned long seq, const char *members, size_t len,
		  const auditrec_seal *seal, const char *prev, char own[65])
{
	size_t start = out->len;
	own[0] = '\0';
	sb_addf(out, "{\"seq\":%lu,", seq);
	sb_add(out, members, len);
	if (seal) {
		sb_adds(out, KEYID_TAG);
		sb_adds(out, seal->key_id);
		sb_adds(out, MAC_TAG);
		sb_adds(out, seal->mac);
		sb_addc(out, '"');
	}
	sb_adds(out, PREV_TAG);
	sb_adds(out, prev);
	sb_addc(out, '"');
	if (out->oom)
		return -1;
	return hex_sha256(out->buf + start, out->len - start, own);
}

void auditrec_close(strbuf *out, const char *sha256)
{
	sb_adds(out, ",\"sha256\":\"");
	sb_adds(out, sha256);
	sb_adds(out, "\"}");
}

static int is_hex(const char *p, int n)
{
	for (int i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

static int is_hex64(const char *p)
{
	return is_hex(p, 64);
}

const char *auditrec_parse(const char *l, size_t len, auditrec_parts *out)
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
	out->seq = s;
	out->prev = t + PREV_LEN;
	out->own = t + PREV_LEN + 64 + OWN_LEN;
	out->text_len = (size_t)(t - l) + PREV_LEN + 64 + 1;
	out->key_id = out->mac = NULL;
	const char *sl = t - SEAL_LEN;
	if ((size_t)(t - l) >= SEAL_LEN + 10 && !memcmp(sl, KEYID_TAG, KEYID_LEN) &&
	    is_hex(sl + KEYID_LEN, 8) && !memcmp(sl + KEYID_LEN + 8, MAC_TAG, MAC_LEN) &&
	    is_hex64(sl + KEYID_LEN + 8 + MAC_LEN) && t[-1] == '"') {
		out->key_id = sl + KEYID_LEN;
		out->mac = sl + KEYID_LEN + 8 + MAC_LEN;
	}
	return NULL;
}

const char *auditrec_seal_check(auditrec_seals *s, const char *line,
				const auditrec_parts *p, char *why, size_t cap)
{
	if (!p->mac) {
		if (!s->sealed) {
			s->legacy++;
			return NULL;
		}
		snprintf(why, cap, "it has no mac, after authenticated records: a record "
			 "written or rewritten without the audit key (a downgrade)");
		return why;
	}
	s->sealed++;
	if (!s->key) {
		s->unchecked = 1;
		return NULL;
	}
	if (strncmp(p->key_id, pid_key_id(s->key), 8)) {
		snprintf(why, cap, "its mac is under audit key %.8s, not under the key given "
			 "(%.8s)", p->key_id, pid_key_id(s->key));
		return why;
	}
	/* the text without its member ,"mac":"<64 hex>" (auditrec.h) */
	const char *cut = p->mac - (KEYID_LEN + 8 + MAC_LEN) + MAC_MEMBER_OFF;
	const char *rest = p->mac + 64 + 1;
	strbuf b = STRBUF_INIT;
	sb_add(&b, line, (size_t)(cut - line));
	sb_add(&b, rest, p->text_len - (size_t)(rest - line));
	if (b.oom) {
		sb_release(&b);
		snprintf(why, cap, "its mac cannot be checked (out of memory)");
		return why;
	}
	uint8_t mac[PID_BYTES];
	char hex[PID_HEX + 1];
	pid_hmac(s->key, b.buf, b.len, mac);
	pid_to_hex(mac, hex);
	sb_release(&b);
	if (strncmp(hex, p->mac, 64)) {
		snprintf(why, cap, "its mac does not match its content (the record was changed, "
			 "or written without the audit key)");
		return why;
	}
	return NULL;
}

const char *auditrec_check(const char *own, const char *computed, const char *prev,
			   const char *expected, int first, int *link)
{
	int changed = strncmp(own, computed, 64) != 0;
	int broken_link = !changed && strncmp(prev, expected, 64) != 0;
	if (link)
		*link = broken_link;
	if (changed)
		return "its content does not match its sha256 (the record was changed)";
	if (broken_link)
		return first ? "prev_sha256 is not zeros: records before it were removed"
			     : "prev_sha256 does not match the record before it (a record "
			       "was removed, reordered or changed)";
	return NULL;
}

int auditrec_anchor_parse(const char *text, auditrec_anchor *out)
{
	char *end;
	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	unsigned long n = strtoul(text, &end, 10);
	if (errno || *end != ':')
		return -1;
	end++;
	size_t len = strlen(end);
	if (n == 0 ? len != 0 : (len != 64 || !is_hex64(end)))
		return -1;
	out->records = n;
	memcpy(out->sha256, end, len + 1);
	out->state = 0;
	return 0;
}

void auditrec_anchor_format(const auditrec_anchor *a, char buf[96])
{
	snprintf(buf, 96, "%lu:%s", a->records, a->records ? a->sha256 : "");
}

void auditrec_anchor_see(auditrec_anchor *a, size_t n, unsigned long k,
			 const char line_hash[65])
{
	for (size_t i = 0; i < n; i++)
		if (a[i].records == k)
			a[i].state = strncmp(a[i].sha256, line_hash, 64) ? -1 : 1;
}

int auditrec_anchor_verdict(const auditrec_anchor *a, size_t n, unsigned long records,
			    char *why, size_t cap, unsigned long *bad)
{
	const auditrec_anchor *worst = NULL;
	for (size_t i = 0; i < n; i++) {
		if (a[i].records == 0 || a[i].state == 1)
			continue;
		if (!worst || a[i].records < worst->records)
			worst = &a[i];
	}
	if (!worst)
		return 0;
	if (worst->state == -1) {
		*bad = worst->records;
		snprintf(why, cap, "its line's sha256 is not %.64s, the head anchor in %s: the "
			 "log was cut there and written again", worst->sha256, worst->from);
	} else {
		*bad = records + 1;
		snprintf(why, cap, "missing: the head anchor in %s says %lu records (sha256 "
			 "%.64s), the log holds %lu: records were removed from its end",
			 worst->from, worst->records, worst->sha256, records);
	}
	return -1;
}
