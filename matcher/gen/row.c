/* row.c - number formatting, field replacement and joining of generated
 * rows (see row.h). */
#include "gen/row.h"

#include <stdio.h>

void row_addu(row *r, uint64_t v)
{
	char t[24];
	int i = 24;
	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	row_add(r, t + i, (size_t)(24 - i));
}

void row_money(row *r, int64_t fen, int plain)
{
	if (fen < 0) {
		row_add(r, "", 0);
		return;
	}
	char t[32];
	int n;
	if (plain && fen % 100 == 0)
		n = snprintf(t, sizeof t, "%lld", (long long)(fen / 100));
	else
		n = snprintf(t, sizeof t, "%lld.%02lld", (long long)(fen / 100),
			     (long long)(fen % 100));
	row_add(r, t, (size_t)n);
}

void row_date(row *r, int ymd, int compact)
{
	char t[16];
	int n = compact ? snprintf(t, sizeof t, "%08d", ymd)
			: snprintf(t, sizeof t, "%04d-%02d-%02d", ymd / 10000,
				   ymd / 100 % 100, ymd % 100);
	row_add(r, t, (size_t)n);
}

void row_replace(row *dst, const row *src, int i, const char *s, int n)
{
	row_reset(dst);
	for (int k = 0; k < src->n; k++) {
		if (k != i)
			row_add(dst, src->buf + src->off[k], src->len[k]);
		else if (n >= 0)
			row_add(dst, s, (size_t)n);
	}
}

size_t row_join(const row *r, char sep, const char *eol, char *out)
{
	size_t o = 0;
	for (int k = 0; k < r->n; k++) {
		const char *f = r->buf + r->off[k];
		size_t n = r->len[k];
		if (k)
			out[o++] = sep;
		int q = 0;
		if (sep == ',')
			for (size_t i = 0; i < n; i++)
				if (f[i] == ',' || f[i] == '"' || f[i] == '\n' || f[i] == '\r')
					q = 1;
		if (!q) {
			memcpy(out + o, f, n);
			o += n;
			continue;
		}
		out[o++] = '"';
		for (size_t i = 0; i < n; i++) {
			if (f[i] == '"')
				out[o++] = '"';
			out[o++] = f[i];
		}
		out[o++] = '"';
	}
	size_t el = strlen(eol);
	memcpy(out + o, eol, el);
	return o + el;
}
