/* strbuf.c - the growable string (see strbuf.h). */
#include "base/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sb_grow(strbuf *b, size_t len)
{
	if (b->oom)
		return 0;
	size_t need = b->len + len + 1;
	if (need > len && need <= b->cap)
		return 1;
	if (need <= len) { /* overflow */
		b->oom = 1;
		return 0;
	}
	size_t ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
	char *nb = realloc(b->buf, ncap);
	if (!nb) {
		b->oom = 1;
		return 0;
	}
	b->buf = nb;
	b->cap = ncap;
	return 1;
}

void sb_add(strbuf *b, const void *data, size_t len)
{
	if (!sb_grow(b, len))
		return;
	if (len)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

void sb_adds(strbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

void sb_addc(strbuf *b, char c) { sb_add(b, &c, 1); }

void sb_addf(strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if (!sb_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_reset(strbuf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->buf)
		b->buf[0] = '\0';
}

const char *sb_str(const strbuf *b) { return b->buf ? b->buf : ""; }

char *sb_detach(strbuf *b, size_t *len)
{
	if (b->oom) {
		sb_release(b);
		return NULL;
	}
	if (!b->buf && !sb_grow(b, 0))
		return NULL;
	if (!b->len)
		b->buf[0] = '\0';
	char *s = b->buf;
	if (len)
		*len = b->len;
	b->buf = NULL;
	b->len = b->cap = 0;
	return s;
}

void sb_release(strbuf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}
