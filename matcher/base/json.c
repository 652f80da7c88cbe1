/* json.c - jansson with hhmatch's errors (see json.h). */
#include "base/json.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"

/* jansson allocates through hj_malloc once a load has installed it, so a
 * failed allocation is counted (per thread) and the load that saw one is
 * refused, instead of trusting a text jansson shortened without saying
 * so.  free stays free: memory allocated before the switch is freed the
 * same way. */
static _Thread_local unsigned long alloc_failures;
static pthread_once_t alloc_once = PTHREAD_ONCE_INIT;

static void *hj_malloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		alloc_failures++;
	return p;
}

static void alloc_install(void)
{
	json_set_alloc_funcs(hj_malloc, free);
}

/* The load that began with failures == before saw no failed allocation:
 * j, or NULL with je saying out of memory. */
static json_t *checked(json_t *j, unsigned long before, json_error_t *je)
{
	if (alloc_failures == before)
		return j;
	json_decref(j);
	if (je) {
		je->line = je->column = -1;
		snprintf(je->text, sizeof je->text, "out of memory");
	}
	return NULL;
}

json_t *hj_loadb(const char *buf, size_t len, size_t flags, json_error_t *je)
{
	pthread_once(&alloc_once, alloc_install);
	unsigned long before = alloc_failures;
	return checked(json_loadb(buf, len, flags, je), before, je);
}

static hh_status load_error(const json_error_t *je, const char *what, hh_err *err)
{
	if (je->line < 0 && !strcmp(je->text, "out of memory"))
		return hh_fail(err, HH_EINTERNAL, "%s: out of memory", what);
	if (je->line < 0)
		return hh_fail(err, HH_EINPUT, "%s: %s", what, je->text);
	return hh_fail(err, HH_EINPUT, "%s:%d:%d: not valid JSON: %s", what, je->line,
		       je->column, je->text);
}

hh_status hj_load_path(const char *path, json_t **out, hh_err *err)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return hh_fail(err, HH_EINPUT, "cannot read %s: %s", path, strerror(errno));
	json_error_t je;
	errno = 0;
	pthread_once(&alloc_once, alloc_install);
	unsigned long before = alloc_failures;
	*out = checked(json_loadf(f, JSON_REJECT_DUPLICATES, &je), before, &je);
	/* the read's errno says why (a folder opens, then reads EISDIR) */
	int read_err = ferror(f) ? (errno ? errno : EIO) : 0;
	fclose(f);
	if (read_err) {
		json_decref(*out);
		*out = NULL;
		return hh_fail(err, HH_EINPUT, "cannot read %s: %s", path, strerror(read_err));
	}
	return *out ? HH_OK : load_error(&je, path, err);
}

hh_status hj_load_text(const char *text, size_t len, const char *what, json_t **out,
		       hh_err *err)
{
	json_error_t je;
	*out = hj_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	return *out ? HH_OK : load_error(&je, what, err);
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
	strbuf *b = data;
	sb_add(b, buffer, size);
	return b->oom ? -1 : 0;
}

void hj_dump(strbuf *b, const json_t *j, size_t flags)
{
	if (json_dump_callback(j, dump_cb, b, flags) != 0)
		b->oom = 1;
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one
 * (overlong forms, surrogates and values past U+10FFFF are not valid). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t len;
	unsigned min, cp;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, min = 0x80, cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, min = 0x800, cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, min = 0x10000, cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

json_t *hj_string_bytes(const char *s, size_t len, int *lossy)
{
	const unsigned char *u = (const unsigned char *)s;
	strbuf b = STRBUF_INIT;
	int bad = 0;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_seq(u + i, len - i);
		if (k && u[i]) {
			sb_add(&b, s + i, k);
			i += k;
		} else {
			/* U+FFFD, or U+0000 written as its escape by jansson */
			if (u[i])
				sb_adds(&b, "\xef\xbf\xbd");
			else
				sb_addc(&b, '\0');
			bad |= u[i] != 0;
			i++;
		}
	}
	if (lossy)
		*lossy = bad;
	json_t *j = b.oom ? NULL : json_stringn(sb_str(&b), b.len);
	sb_release(&b);
	return j;
}

int hj_set_bytes(json_t *obj, const char *key, const char *s)
{
	int lossy = 0;
	size_t n = strlen(s);
	json_t *v = hj_string_bytes(s, n, &lossy);
	if (!v || json_object_set_new(obj, key, v) != 0)
		return -1;
	strbuf k = STRBUF_INIT;
	sb_addf(&k, "%s_hex", key);
	int rc = -1;
	if (!k.oom && !lossy) {
		/* a _hex member from an earlier value of key would be read back
		 * by hj_get_bytes instead of s */
		json_object_del(obj, sb_str(&k));
		rc = 0;
	} else if (!k.oom) {
		char *hex = malloc(2 * n + 1);
		if (hex) {
			hex_encode(s, n, hex);
			rc = json_object_set_new(obj, sb_str(&k), json_string(hex));
		}
		free(hex);
	}
	sb_release(&k);
	return rc;
}

char *hj_get_bytes(const json_t *obj, const char *key)
{
	strbuf k = STRBUF_INIT;
	sb_addf(&k, "%s_hex", key);
	const char *hex = k.oom ? NULL : hj_str(obj, sb_str(&k));
	sb_release(&k);
	if (hex) {
		size_t n = strlen(hex) / 2;
		char *out = malloc(n + 1);
		if (out && strlen(hex) % 2 == 0 && hex_decode(hex, n, (uint8_t *)out) == 0) {
			out[n] = '\0';
			return out;
		}
		free(out);
		return NULL;
	}
	const char *s = hj_str(obj, key);
	return s ? strdup(s) : NULL;
}

const char *hj_str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}
