/*
 * fuzz_xlsxw.c - libFuzzer target: the XLSX writer (connectors/xlsxw.c
 * over zipw.c), whose cell texts come from departments' extracts.
 *
 * The input is cut at NUL bytes into fields: the sheets' names (the first
 * sheet's, then after a byte 0x01 the second's, "Sheet2" when there is no
 * 0x01), then at most 48 cells, three to a row, each:
 *   "#" and up to 8 bytes   a number: a double's bits, most significant byte
 *                           first, missing bytes zero (any double, NaN too)
 *   "*" k1 k2 TEXT          TEXT repeated k1 + 256 * k2 times (all repeated
 *                           texts together at most 160 KB), to reach
 *                           XLSXW_MAX_CHARS from a small input
 *   anything else           the text itself (empty: a blank cell)
 * Column B's cells have a style.  The workbook's two sheets hold the same
 * cells; the first has a frozen header, autofilter and print titles (so its
 * name is also written in formulas).  It is written twice into the
 * target's temporary folder: with the second sheet written in place, and
 * with it made apart (xlsxw_part_open) and added.
 *
 * Checked besides memory safety:
 *  - an error exactly when one is due: a name is bad (not 1 to 31 UTF-16
 *    units, one of []:*?/\, an apostrophe at either end, the other's as it
 *    reads back, in any ASCII case), a text is over XLSXW_MAX_CHARS UTF-16
 *    units, a number is not finite; never a silently damaged file;
 *    xlsxw_part_add reports an earlier error of the workbook;
 *  - both files have the same bytes;
 *  - the archive: every local header, inflated with zlib (raw inflate) to
 *    exactly its sizes and CRC-32, one after the other up to the central
 *    directory, whose records repeat the local headers' fields and offsets,
 *    and the end record; the nine parts in xlsxw.h's order;
 *  - every part is well-formed XML in valid UTF-8 of XML characters (no raw
 *    control character but tab, LF and CR; '&' only as a reference, '<'
 *    only opening a tag; tags balanced);
 *  - the text of every <t>, unescaped (XML references, then Excel's
 *    _xHHHH_), is the cell's text with each byte that does not start a
 *    well-formed UTF-8 sequence of an XML character replaced by U+FFFD, in
 *    order, with xml:space="preserve" when it starts or ends with white
 *    space; every <v> reads back (strtod) as the number; the sheet names
 *    read back so from workbook.xml, app.xml and the defined names.
 */
#include <math.h>
#include <zlib.h>

#include "fuzz_util.h"

#include "base/strbuf.h"
#include "connectors/xlsxw.h"

#define MAX_FIELDS 48
#define COLS 3
#define MAX_REPEAT_BYTES (160 * 1024) /* the repeated texts' bytes, together */
#define MAX_FILE (16u << 20)

typedef struct {
	int is_number;
	double v;
	char *text;       /* the cell's text as given (is_number: NULL) */
	strbuf want;      /* the text as it must read back */
	size_t units;     /* its UTF-16 units */
} cell;

static cell cells[MAX_FIELDS];
static size_t ncells;

#define CHECK(cond)                                                               \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stderr, "fuzz_xlsxw: line %d: %s\n", __LINE__, #cond); \
			abort();                                                  \
		}                                                                 \
	} while (0)

static void put_utf8(strbuf *b, unsigned long cp)
{
	unsigned char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xF0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	sb_add(b, u, n);
}

static int xml_char(unsigned long cp)
{
	return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
	       (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* The code point of the well-formed UTF-8 sequence at p[0, n), its length
 * in *len; -1 when p does not start one (overlong, surrogate, too large,
 * cut short). */
static long decode_utf8(const unsigned char *p, size_t n, size_t *len)
{
	unsigned c = p[0];
	size_t k;
	unsigned long cp, min;
	if (c < 0x80) {
		*len = 1;
		return (long)c;
	}
	if (c >= 0xC0 && c < 0xE0) {
		k = 2, cp = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c < 0xF0) {
		k = 3, cp = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c < 0xF8) {
		k = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return -1;
	}
	if (k > n)
		return -1;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*len = k;
	return (long)cp;
}

/* s as it must read back, into out: each byte that starts no well-formed
 * UTF-8 sequence, or one of a character XML cannot hold (U+FFFE, U+FFFF;
 * the C0 controls are kept: xlsxw escapes them), as U+FFFD.  Returns its
 * UTF-16 units. */
static size_t expected_text(const char *s, strbuf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), units = 0;
	for (size_t i = 0; i < n;) {
		size_t len;
		long cp = decode_utf8(p + i, n - i, &len);
		if (cp < 0 || (cp >= 0x20 && !xml_char((unsigned long)cp))) {
			put_utf8(out, 0xFFFD);
			units++;
			i++;
			continue;
		}
		sb_add(out, p + i, len);
		units += cp >= 0x10000 ? 2 : 1;
		i += len;
	}
	CHECK(!out->oom);
	return units;
}

static int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* Excel's _xHHHH_ escapes of s decoded, into out. */
static void x_decode(const char *s, size_t n, strbuf *out)
{
	for (size_t i = 0; i < n;) {
		if (i + 7 <= n && s[i] == '_' && s[i + 1] == 'x' && s[i + 6] == '_') {
			unsigned long cp = 0;
			size_t k = 2;
			for (; k < 6; k++) {
				int v = hex_value(s[i + k]);
				if (v < 0)
					break;
				cp = cp << 4 | (unsigned long)v;
			}
			if (k == 6) {
				put_utf8(out, cp);
				i += 7;
				continue;
			}
		}
		sb_addc(out, s[i++]);
	}
}

/* ---- a strict little XML reader ---- */

enum { IT_T, IT_V, IT_DEFNAME, IT_LPSTR, IT_SHEETNAME };

typedef struct {
	int kind;
	int preserve;    /* IT_T: xml:space="preserve" */
	strbuf text;     /* unescaped, _xHHHH_ decoded */
} item;

#define MAX_ITEMS (2 * MAX_FIELDS + 16)
static item items[MAX_ITEMS];
static size_t nitems;

static item *new_item(int kind)
{
	CHECK(nitems < MAX_ITEMS);
	item *it = &items[nitems++];
	it->kind = kind;
	it->preserve = 0;
	sb_reset(&it->text);
	return it;
}

static int name_start(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':';
}

static int name_char(unsigned char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* The reference at p (just after '&') unescaped into out; returns its
 * length up to and with ';'. */
static size_t reference(const char *p, strbuf *out)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
	for (size_t i = 0; i < sizeof named / sizeof *named; i++) {
		size_t n = strlen(named[i].name);
		if (!strncmp(p, named[i].name, n)) {
			sb_addc(out, named[i].c);
			return n;
		}
	}
	CHECK(p[0] == '#');
	int hex = p[1] == 'x';
	const char *d = p + 1 + hex;
	unsigned long cp = 0;
	size_t digits = 0;
	for (; digits < 8; digits++) {
		int v = hex ? hex_value(d[digits])
			    : d[digits] >= '0' && d[digits] <= '9' ? d[digits] - '0' : -1;
		if (v < 0)
			break;
		cp = cp * (hex ? 16 : 10) + (unsigned long)v;
	}
	CHECK(digits > 0 && d[digits] == ';' && xml_char(cp));
	put_utf8(out, cp);
	return (size_t)(d + digits + 1 - p);
}

/* Reads the XML document doc[0, len) (NUL-terminated), checking it is
 * well-formed as the file comment says, and collects the items of
 * interest. */
static void read_xml(const char *doc, size_t len)
{
	/* every byte: UTF-8 of XML characters */
	for (size_t i = 0; i < len;) {
		size_t k;
		long cp = decode_utf8((const unsigned char *)doc + i, len - i, &k);
		CHECK(cp >= 0 && xml_char((unsigned long)cp));
		i += k;
	}
	static const char head[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
	CHECK(len > sizeof head && !memcmp(doc, head, sizeof head - 1));
	const char *p = doc + sizeof head - 1, *end = doc + len;
	const char *stack[64];
	size_t stack_len[64], depth = 0;
	int roots = 0;
	strbuf raw = STRBUF_INIT;
	item *cur = NULL; /* the item whose text is being read */
	while (p < end) {
		if (*p != '<') {
			CHECK(depth > 0); /* no text outside the root */
			if (*p == '&') {
				p++;
				p += reference(p, &raw);
			} else {
				sb_addc(&raw, *p++);
			}
			continue;
		}
		p++;
		if (*p == '/') { /* an end tag */
			p++;
			const char *name = p;
			while (name_char((unsigned char)*p))
				p++;
			size_t n = (size_t)(p - name);
			CHECK(depth > 0 && n == stack_len[depth - 1] &&
			      !memcmp(name, stack[depth - 1], n) && *p == '>');
			p++;
			depth--;
			if (cur) {
				x_decode(raw.buf ? raw.buf : "", raw.len, &cur->text);
				cur = NULL;
			}
			sb_reset(&raw);
			continue;
		}
		/* a start tag: no text may come between elements */
		for (size_t i = 0; i < raw.len; i++)
			CHECK(cur == NULL && strchr(" \t\n\r", raw.buf[i]));
		sb_reset(&raw);
		CHECK(!cur);
		const char *name = p;
		CHECK(name_start((unsigned char)*p));
		while (name_char((unsigned char)*p))
			p++;
		size_t n = (size_t)(p - name);
		int kind = -1;
#define IS(lit) (n == sizeof(lit) - 1 && !memcmp(name, lit, n))
		if (IS("t"))
			kind = IT_T;
		else if (IS("v"))
			kind = IT_V;
		else if (IS("definedName"))
			kind = IT_DEFNAME;
		else if (IS("vt:lpstr"))
			kind = IT_LPSTR;
		int is_sheet = IS("sheet");
#undef IS
		int preserve = 0;
		for (;;) {
			int space = 0;
			while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
				p++, space = 1;
			if (*p == '>' || (p[0] == '/' && p[1] == '>'))
				break;
			CHECK(space && name_start((unsigned char)*p));
			const char *an = p;
			while (name_char((unsigned char)*p))
				p++;
			size_t alen = (size_t)(p - an);
			CHECK(p[0] == '=' && p[1] == '"');
			p += 2;
			strbuf val = STRBUF_INIT;
			while (*p != '"') {
				CHECK(*p && *p != '<');
				if (*p == '&') {
					p++;
					p += reference(p, &val);
				} else {
					sb_addc(&val, *p++);
				}
			}
			p++;
			if (alen == 9 && !memcmp(an, "xml:space", 9))
				preserve = val.len == 8 && !memcmp(val.buf, "preserve", 8);
			if (is_sheet && alen == 4 && !memcmp(an, "name", 4))
				x_decode(val.buf ? val.buf : "", val.len, &new_item(IT_SHEETNAME)->text);
			sb_release(&val);
		}
		CHECK(depth > 0 || !roots++);
		if (*p == '/') {
			p += 2;
			if (kind >= 0)
				new_item(kind); /* empty */
			continue;
		}
		p++;
		CHECK(depth < 64);
		stack[depth] = name;
		stack_len[depth++] = n;
		if (kind >= 0) {
			cur = new_item(kind);
			cur->preserve = preserve;
		}
	}
	CHECK(depth == 0 && roots == 1 && raw.len == 0 && !raw.oom);
	sb_release(&raw);
}

/* ---- the archive ---- */

static uint32_t rd16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const unsigned char *p)
{
	return rd16(p) | rd16(p + 2) << 16;
}

static const char *const part_names[] = {
	"[Content_Types].xml", "_rels/.rels",		  "xl/worksheets/sheet1.xml",
	"xl/worksheets/sheet2.xml", "docProps/core.xml",   "docProps/app.xml",
	"xl/workbook.xml",	   "xl/_rels/workbook.xml.rels", "xl/styles.xml"};
#define NPARTS (sizeof part_names / sizeof *part_names)

/* Walks the archive, inflating and reading every part; items are the
 * parts' in order, first_item[i] the index of part i's first. */
static void read_zip(const unsigned char *z, size_t len, size_t first_item[NPARTS + 1])
{
	CHECK(len >= 22);
	const unsigned char *eocd = z + len - 22;
	CHECK(rd32(eocd) == 0x06054b50 && rd16(eocd + 4) == 0 && rd16(eocd + 6) == 0 &&
	      rd16(eocd + 20) == 0);
	size_t n = rd16(eocd + 8), cd_size = rd32(eocd + 12), cd_off = rd32(eocd + 16);
	CHECK(n == NPARTS && rd16(eocd + 10) == n && cd_off + cd_size == len - 22);
	size_t off = 0, cd = cd_off, offsets[NPARTS];
	for (size_t i = 0; i < n; i++) {
		/* the local header */
		CHECK(off + 30 <= cd_off);
		const unsigned char *h = z + off;
		uint32_t flags = rd16(h + 6), crc = rd32(h + 14), csize = rd32(h + 18),
			 usize = rd32(h + 22), nlen = rd16(h + 26);
		CHECK(rd32(h) == 0x04034b50 && rd16(h + 4) == 20 && (flags & ~0x800u) == 0 &&
		      rd16(h + 8) == 8 && rd16(h + 10) == 0 && rd16(h + 12) == 0x21 &&
		      rd16(h + 28) == 0);
		CHECK(nlen == strlen(part_names[i]) && off + 30 + nlen + csize <= cd_off &&
		      !memcmp(h + 30, part_names[i], nlen));
		offsets[i] = off;
		/* its data */
		unsigned char *out = malloc((size_t)usize + 1);
		CHECK(out != NULL);
		z_stream s = {0};
		CHECK(inflateInit2(&s, -15) == Z_OK);
		s.next_in = (Bytef *)(uintptr_t)(h + 30 + nlen);
		s.avail_in = csize;
		s.next_out = out;
		s.avail_out = usize + 1;
		int rc = inflate(&s, Z_FINISH);
		CHECK(rc == Z_STREAM_END && s.avail_in == 0 && s.total_out == usize);
		inflateEnd(&s);
		CHECK(crc32(0, out, usize) == crc);
		out[usize] = '\0';
		first_item[i] = nitems;
		read_xml((const char *)out, usize);
		free(out);
		off += 30 + nlen + csize;
		/* its central record */
		CHECK(cd + 46 + nlen <= len - 22);
		const unsigned char *c = z + cd;
		CHECK(rd32(c) == 0x02014b50 && rd16(c + 4) == 20 && !memcmp(c + 6, h + 4, 26) &&
		      rd16(c + 30) == 0 && rd16(c + 32) == 0 && rd16(c + 34) == 0 &&
		      rd16(c + 36) == 0 && rd32(c + 38) == 0 && rd32(c + 42) == offsets[i] &&
		      !memcmp(c + 46, part_names[i], nlen));
		cd += 46 + nlen;
	}
	first_item[NPARTS] = nitems;
	CHECK(off == cd_off && cd == len - 22);
}

/* ---- the input and the workbook ---- */

static struct {
	char *given;
	strbuf want;      /* as it must read back */
	size_t units;
} names[2];

static void parse_input(const uint8_t *data, size_t size)
{
	size_t start = 0, field = 0, budget = MAX_REPEAT_BYTES;
	for (size_t i = 0; i <= size && field <= MAX_FIELDS; i++) {
		if (i < size && data[i])
			continue;
		const uint8_t *f = data + start;
		size_t n = i - start;
		start = i + 1;
		if (field++ == 0) {
			const uint8_t *sep = memchr(f, 1, n);
			size_t k = sep ? (size_t)(sep - f) : n;
			names[0].given = fuzz_cstr(f, k);
			names[1].given = sep ? fuzz_cstr(sep + 1, n - k - 1)
					     : fuzz_cstr((const uint8_t *)"Sheet2", 6);
			for (int j = 0; j < 2; j++) {
				sb_reset(&names[j].want);
				names[j].units = expected_text(names[j].given, &names[j].want);
			}
			continue;
		}
		cell *c = &cells[ncells++];
		c->is_number = n > 0 && f[0] == '#';
		c->text = NULL;
		sb_reset(&c->want);
		if (c->is_number) {
			uint64_t bits = 0;
			for (size_t k = 0; k < 8; k++)
				bits = bits << 8 | (k + 1 < n ? f[k + 1] : 0);
			memcpy(&c->v, &bits, sizeof c->v);
			continue;
		}
		if (n > 3 && f[0] == '*') {
			size_t reps = f[1] + 256u * f[2], unit = n - 3;
			if (reps * unit > budget)
				reps = budget / unit;
			budget -= reps * unit;
			c->text = malloc(reps * unit + 1);
			CHECK(c->text != NULL);
			for (size_t r = 0; r < reps; r++)
				memcpy(c->text + r * unit, f + 3, unit);
			c->text[reps * unit] = '\0';
		} else {
			c->text = fuzz_cstr(f, n);
		}
		c->units = expected_text(c->text, &c->want);
	}
}

static int bad_name(int j)
{
	const char *s = names[j].given;
	size_t n = strlen(s);
	return names[j].units < 1 || names[j].units > 31 || strpbrk(s, "[]:*?/\\") ||
	       s[0] == '\'' || s[n - 1] == '\'';
}

static int fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Whether the names read back the same but for ASCII case. */
static int same_names(void)
{
	const strbuf *a = &names[0].want, *b = &names[1].want;
	if (a->len != b->len)
		return 0;
	for (size_t i = 0; i < a->len; i++)
		if (fold((unsigned char)a->buf[i]) != fold((unsigned char)b->buf[i]))
			return 0;
	return 1;
}

/* Whether the input must make xlsxw fail. */
static int must_fail(void)
{
	if (bad_name(0) || bad_name(1) || same_names())
		return 1;
	for (size_t i = 0; i < ncells; i++) {
		const cell *c = &cells[i];
		if (c->is_number ? !isfinite(c->v) : c->units > XLSXW_MAX_CHARS)
			return 1;
	}
	return 0;
}

static void write_cells(xlsxw *x, int style)
{
	for (size_t i = 0; i < ncells; i++) {
		if (i % COLS == 0)
			xlsxw_row(x, (uint32_t)(i / COLS), i % 2 ? 18.5 : 0);
		int st = i % COLS == 1 ? style : 0;
		if (cells[i].is_number)
			xlsxw_number(x, (uint32_t)(i % COLS), cells[i].v, st);
		else
			xlsxw_text(x, (uint32_t)(i % COLS), cells[i].text, st);
	}
}

/* The workbook into path, its second sheet made apart or in place; its
 * xlsxw_close status. */
static hh_status write_book(const char *path, int apart, int fail)
{
	static const double widths[] = {12, 0, 30.5};
	xlsxw_props props = {.title = "fuzz", .author = "hhmatch", .created = 1764460800};
	xlsxw_sheet first = {.widths = widths, .nwidths = 3, .freeze_rows = 1, .landscape = 1,
			     .paper = 9, .fit_width = 1, .repeat_rows = 1};
	xlsxw *x;
	hh_err err;
	if (xlsxw_open(path, &props, 2, &x, &err) != HH_OK)
		fuzz_die(err.msg);
	xlsxw_style wrap = {.wrap = 1, .border = 1, .num_format = "#,##0.00"};
	int style = xlsxw_add_style(x, &wrap);
	hh_status first_st = xlsxw_sheet_begin(x, names[0].given, &first, &err);
	write_cells(x, style);
	xlsxw_autofilter(x, 0, 0, ncells ? (uint32_t)((ncells - 1) / COLS) : 0, COLS - 1);
	if (apart) {
		xlsxw *part;
		if (xlsxw_part_open(path, 2, style, names[1].given, NULL, &part, &err) != HH_OK) {
			CHECK(bad_name(1)); /* and x has a sheet less: an error at close */
			return xlsxw_close(x, &err);
		}
		write_cells(part, style);
		hh_status st = xlsxw_part_add(x, part, &err);
		CHECK(first_st == HH_OK || st != HH_OK);
		CHECK(fail || st == HH_OK);
	} else {
		xlsxw_sheet_begin(x, names[1].given, NULL, &err);
		write_cells(x, style);
	}
	return xlsxw_close(x, &err);
}

static char *read_all(const char *path, size_t *len)
{
	char *data;
	hh_err err;
	if (fs_read_file(path, MAX_FILE, HH_EINPUT, &data, len, &err) != HH_OK)
		fuzz_die(err.msg);
	return data;
}

/* The items of sheet part p against the cells. */
static void check_sheet(size_t from, size_t to)
{
	size_t k = from;
	for (size_t i = 0; i < ncells; i++) {
		const cell *c = &cells[i];
		if (c->is_number) {
			CHECK(k < to && items[k].kind == IT_V);
			const strbuf *t = &items[k++].text;
			char *e;
			CHECK(t->len > 0);
			double v = strtod(t->buf, &e);
			CHECK(e == t->buf + t->len && v == c->v);
			continue;
		}
		if (!c->text[0])
			continue;
		CHECK(k < to && items[k].kind == IT_T);
		const item *it = &items[k++];
		CHECK(it->text.len == c->want.len && !memcmp(it->text.buf, c->want.buf, c->want.len));
		size_t n = strlen(c->text);
		if (strchr(" \t\n\r", c->text[0]) || strchr(" \t\n\r", c->text[n - 1]))
			CHECK(it->preserve);
	}
	CHECK(k == to);
}

static int text_is(const item *it, const char *s, size_t n)
{
	return it->text.len == n && !memcmp(it->text.buf ? it->text.buf : "", s, n);
}

static void check_book(const unsigned char *z, size_t len)
{
	size_t first[NPARTS + 1];
	nitems = 0;
	read_zip(z, len, first);
	check_sheet(first[2], first[3]);
	check_sheet(first[3], first[4]);
	const char *nw = names[0].want.buf, *nw2 = names[1].want.buf;
	size_t nn = names[0].want.len, nn2 = names[1].want.len;
	/* app.xml: "Worksheets", then the names */
	CHECK(first[6] - first[5] == 3 && text_is(&items[first[5]], "Worksheets", 10) &&
	      text_is(&items[first[5] + 1], nw, nn) && text_is(&items[first[5] + 2], nw2, nn2));
	/* workbook.xml: the names, then the filter's and the print titles' */
	CHECK(first[7] - first[6] == 4);
	const item *it = &items[first[6]];
	CHECK(it[0].kind == IT_SHEETNAME && text_is(&it[0], nw, nn));
	CHECK(it[1].kind == IT_SHEETNAME && text_is(&it[1], nw2, nn2));
	strbuf quoted = STRBUF_INIT;
	sb_addc(&quoted, '\'');
	for (size_t i = 0; i < nn; i++) {
		sb_addc(&quoted, nw[i]);
		if (nw[i] == '\'')
			sb_addc(&quoted, '\'');
	}
	sb_adds(&quoted, "'!");
	for (int i = 2; i < 4; i++)
		CHECK(it[i].kind == IT_DEFNAME && it[i].text.len > quoted.len &&
		      !memcmp(it[i].text.buf, quoted.buf, quoted.len));
	sb_release(&quoted);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ncells = 0;
	parse_input(data, size);
	int fail = must_fail();
	const char *pa = fuzz_tmp_path("a.xlsx"), *pb = fuzz_tmp_path("b.xlsx");
	hh_status sa = write_book(pa, 0, fail), sb = write_book(pb, 1, fail);
	CHECK((sa != HH_OK) == fail && (sb != HH_OK) == fail);
	if (!fail) {
		size_t la, lb;
		char *a = read_all(pa, &la), *b = read_all(pb, &lb);
		CHECK(la == lb && !memcmp(a, b, la));
		check_book((const unsigned char *)a, la);
		free(a);
		free(b);
	}
	for (int j = 0; j < 2; j++) {
		free(names[j].given);
		names[j].given = NULL;
	}
	for (size_t i = 0; i < ncells; i++)
		free(cells[i].text);
	return 0;
}
