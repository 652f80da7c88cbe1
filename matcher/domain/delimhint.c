/*
 * delimhint.c - another delimiter that would make a header map (see
 * delimhint.h).
 */
#include "domain/delimhint.h"

#include <stdlib.h>
#include <string.h>

/* A header wider than this is not a delimiter mix-up worth a hint. */
#define HINT_MAX_FIELDS 256
#define HINT_MAX_BYTES 16384

/* Splits text[0..len) on d into fields (plain, no quoting); 0 when there
 * are more than HINT_MAX_FIELDS. */
static size_t split(const char *text, size_t len, char d, hh_field *f)
{
	size_t n = 0, start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != d)
			continue;
		if (n == HINT_MAX_FIELDS)
			return 0;
		f[n++] = (hh_field){text + start, (uint32_t)(i - start)};
		start = i + 1;
	}
	return n;
}

char delimhint_find(const schema_source *src, const hh_record *hdr, char used)
{
	static const char candidates[] = {';', '|', '\t', ','};
	size_t len = 0;
	if (!src || !hdr)
		return 0;
	for (size_t i = 0; i < hdr->nfields; i++)
		len += hdr->fields[i].len + 1;
	if (len > HINT_MAX_BYTES)
		return 0;
	char *text = malloc(len + 1);
	hh_field *f = malloc(HINT_MAX_FIELDS * sizeof *f);
	char found = 0;
	if (!text || !f)
		goto done; /* no hint is no harm */
	size_t n = 0;
	for (size_t i = 0; i < hdr->nfields; i++) {
		if (i)
			text[n++] = used;
		memcpy(text + n, hdr->fields[i].ptr, hdr->fields[i].len);
		n += hdr->fields[i].len;
	}
	for (size_t c = 0; !found && c < sizeof candidates; c++) {
		char d = candidates[c];
		if (d == used || !memchr(text, d, n))
			continue;
		size_t nf = split(text, n, d, f);
		hh_record rec = {.fields = f, .nfields = nf, .line = 1};
		schema_map map;
		hh_err err;
		if (nf > 1 && schema_map_header(src, &rec, &map, &err) == HH_OK)
			found = d;
	}
done:
	free(text);
	free(f);
	return found;
}

const char *delimhint_name(char d, char buf[4])
{
	if (d == '\t')
		return "tab";
	buf[0] = d;
	buf[1] = '\0';
	return buf;
}
