/*
 * xlsxw.c - a minimal streaming XLSX writer (see xlsxw.h).
 *
 * XML is assembled in one fixed buffer and handed to zipw a buffer at a
 * time; a cell costs a few copies into it and no allocation.  What must
 * outlive a sheet (its name, filter and print titles, for workbook.xml's
 * defined names) is kept in a small record per sheet; the styles live in
 * a fixed table.  The parts that list every sheet or style are written
 * at close, once everything is known.
 *
 * A part (xlsxw_part_open) is a workbook of one sheet whose zip writer
 * is a memory writer (zipw_open_memory): the same code writes its XML,
 * and xlsxw_part_add moves its sheet record and its compressed entry
 * into the workbook.  Only the sheet's number (its part name, and
 * whether it is the selected first sheet) has to be known in advance.
 *
 * Strings are the cost that matters (a county sheet is mostly Chinese
 * labels): runs of bytes that need no escaping are copied whole, and only
 * the bytes at which a run stops are looked at one by one.
 */
#include "connectors/xlsxw.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "connectors/zipw.h"

#define XW_BUF (64 * 1024)
#define XW_MAX_STYLES 32
#define XW_FMT_MAX 64
#define XW_MAX_COLS 16384u
#define XW_MAX_ROWS 1048576u
#define XW_NAME_MAX 31          /* characters in a sheet name */
#define XW_FIRST_CUSTOM_FMT 164 /* below: Excel's built-in formats */

#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_PKG_REL "http://schemas.openxmlformats.org/package/2006/relationships"
#define XML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"

typedef struct {
	xlsxw_style s;
	char fmt[XW_FMT_MAX];    /* s.num_format points here, or is NULL */
} xw_style;

typedef struct {
	char *name;
	int filter;
	uint32_t f_row0, f_col0, f_row1, f_col1;
	unsigned repeat_rows;
	int landscape, fit_width;
	unsigned paper;
} xw_sheet;

struct xlsxw {
	char *path;
	zipw *zip;
	int failed;
	hh_err err;
	char *title, *author;
	time_t created;
	xw_style styles[XW_MAX_STYLES];
	int nstyles;             /* style id i + 1 is styles[i] */
	vec sheets;              /* xw_sheet, in order */
	size_t nsheets;          /* as many as xlsxw_open was told */
	size_t part_index;       /* a part: its sheet's number in the workbook; else 0 */
	int in_sheet, in_row;
	int64_t row, col;        /* the last row and cell written, -1: none */
	size_t used;
	char buf[XW_BUF];
};

static void bad(xlsxw *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(xlsxw *x, const char *fmt, ...)
{
	if (x->failed)
		return;
	x->failed = 1;
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	hh_fail(&x->err, HH_EINTERNAL, "%s: %s", x->path, why);
}

static xw_sheet *sheet(const xlsxw *x, size_t i)
{
	return (xw_sheet *)x->sheets.items + i;
}

static hh_status status(const xlsxw *x, hh_err *err)
{
	if (!x->failed)
		return HH_OK;
	if (err)
		*err = x->err;
	return HH_EINTERNAL;
}

static void flush(xlsxw *x)
{
	if (x->used)
		zipw_write(x->zip, x->buf, x->used);
	x->used = 0;
}

static void put(xlsxw *x, const char *s, size_t n)
{
	if (n > XW_BUF - x->used) {
		flush(x);
		if (n >= XW_BUF) {
			zipw_write(x->zip, s, n);
			return;
		}
	}
	memcpy(x->buf + x->used, s, n);
	x->used += n;
}

#define PUTS(x, lit) put((x), (lit), sizeof(lit) - 1)

static void puts_(xlsxw *x, const char *s)
{
	put(x, s, strlen(s));
}

static void putf(xlsxw *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(xlsxw *x, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof tmp)
		bad(x, "an XML line longer than %zu bytes (a bug)", sizeof tmp);
	else
		put(x, tmp, (size_t)n);
}

static void part_begin(xlsxw *x, const char *name)
{
	hh_err e;
	if (!x->failed && zipw_begin(x->zip, name, &e) != HH_OK) {
		x->failed = 1;
		x->err = e;
	}
	PUTS(x, XML_HEAD);
}

static void part_end(xlsxw *x)
{
	hh_err e;
	flush(x);
	if (!x->failed && zipw_end(x->zip, &e) != HH_OK) {
		x->failed = 1;
		x->err = e;
	}
}

/* The length of the well-formed UTF-8 sequence at p that XML may hold,
 * or 0 (not UTF-8, a surrogate, U+FFFE or U+FFFF). */
static int utf8_len(const unsigned char *p)
{
	unsigned c = p[0];
#define CONT(b) (((b) & 0xC0) == 0x80)
	if (c >= 0xC2 && c <= 0xDF)
		return CONT(p[1]) ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
		if (p[1] < lo || p[1] > hi || !CONT(p[2]))
			return 0;
		if (c == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
		return p[1] >= lo && p[1] <= hi && CONT(p[2]) && CONT(p[3]) ? 4 : 0;
	}
	return 0;
#undef CONT
}

/* s's length as Excel counts it, in UTF-16 units, as escape writes it:
 * a character beyond U+FFFF is two, a byte that starts no sequence
 * (U+FFFD) one.  Never more than s's bytes. */
static size_t utf16_units(const char *s)
{
	size_t units = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		int n = *p < 0x80 ? 1 : utf8_len(p);
		units += n == 4 ? 2 : 1;
		p += n ? n : 1;
	}
	return units;
}

/* The character at *p as escape writes it (a byte that is not UTF-8:
 * U+FFFD), ASCII letters in lower case; *p moved past it. */
static unsigned long next_char(const unsigned char **p)
{
	const unsigned char *s = *p;
	if (*s < 0x80) {
		*p = s + 1;
		return *s >= 'A' && *s <= 'Z' ? *s + 32u : *s;
	}
	int n = utf8_len(s);
	if (!n) {
		*p = s + 1;
		return 0xFFFD;
	}
	unsigned long c = *s & (0x7Fu >> n);
	for (int i = 1; i < n; i++)
		c = c << 6 | (s[i] & 0x3Fu);
	*p = s + n;
	return c;
}

static int is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* escape's modes: ESC_ATTR, for an attribute value in double quotes
 * (", tab and line feed too); ESC_APOS, inside a quoted sheet name of a
 * formula (' doubled). */
enum { ESC_TEXT = 0, ESC_ATTR = 1, ESC_APOS = 2 };

/* Writes s escaped for XML element content, or as mode says. */
static void escape(xlsxw *x, const char *s, int mode)
{
	const unsigned char *p = (const unsigned char *)s;
	for (;;) {
		const unsigned char *q = p;
		while (*q >= 0x20 && *q < 0x80 && *q != '&' && *q != '<' && *q != '>' &&
		       *q != '"' && *q != '_' && *q != '\'')
			q++;
		put(x, (const char *)p, (size_t)(q - p));
		p = q;
		if (!*p)
			return;
		unsigned c = *p;
		if (c >= 0x80) {
			int n = utf8_len(p);
			if (n)
				put(x, (const char *)p, (size_t)n);
			else
				PUTS(x, "\xEF\xBF\xBD"); /* U+FFFD */
			p += n ? n : 1;
			continue;
		}
		switch (c) {
		case '&':
			PUTS(x, "&amp;");
			break;
		case '<':
			PUTS(x, "&lt;");
			break;
		case '>':
			PUTS(x, "&gt;");
			break;
		case '"':
			if (mode & ESC_ATTR)
				PUTS(x, "&quot;");
			else
				PUTS(x, "\"");
			break;
		case '\'':
			if (mode & ESC_APOS)
				PUTS(x, "''");
			else
				PUTS(x, "'");
			break;
		case '_':
			/* "_x0041_" in a cell is read by Excel as "A": its
			 * underscore is escaped so it reads as written; so is
			 * "_x0041" before a control character, whose escape
			 * would give it the closing underscore */
			if (p[1] == 'x' && is_hex(p[2]) && is_hex(p[3]) && is_hex(p[4]) &&
			    is_hex(p[5]) &&
			    (p[6] == '_' || (p[6] && p[6] < 0x20 && p[6] != '\t' && p[6] != '\n')))
				PUTS(x, "_x005F_");
			else
				PUTS(x, "_");
			break;
		case '\t':
		case '\n':
			if (mode & ESC_ATTR)
				putf(x, "&#%u;", c);
			else
				put(x, (const char *)p, 1);
			break;
		default: /* a C0 control, or CR (XML reads it as a line feed) */
			putf(x, "_x%04X_", c);
			break;
		}
		p++;
	}
}

/* v as the shortest decimal that reads back as v, into out (32 bytes);
 * returns its length. */
static size_t num_text(double v, char *out)
{
	/* The common case, counts and money: at most two decimals.  If
	 * m / 100.0 == v, the decimal m/100 reads back as v (both are the
	 * double nearest the same exact quotient), and below 1e13 no other
	 * decimal of fewer digits does (the doubles there are closer than
	 * 0.005 apart), so trimmed it is the shortest. */
	if (v > -1e13 && v < 1e13) {
		long long m = (long long)(v * 100.0 + (v < 0 ? -0.5 : 0.5));
		if ((double)m / 100.0 == v) {
			char tmp[24];
			size_t n = 0, k = 0;
			unsigned long long a = m < 0 ? (unsigned long long)-m : (unsigned long long)m;
			unsigned frac = (unsigned)(a % 100);
			a /= 100;
			do
				tmp[n++] = (char)('0' + a % 10);
			while (a /= 10);
			if (m < 0)
				out[k++] = '-';
			while (n)
				out[k++] = tmp[--n];
			if (frac) {
				out[k++] = '.';
				out[k++] = (char)('0' + frac / 10);
				if (frac % 10)
					out[k++] = (char)('0' + frac % 10);
			}
			out[k] = '\0';
			return k;
		}
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, 32, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	return strlen(out);
}

static void put_num(xlsxw *x, double v)
{
	char t[32];
	put(x, t, num_text(v, t));
}

static void put_uint(xlsxw *x, uint64_t v)
{
	char t[24];
	size_t n = sizeof t;
	do
		t[--n] = (char)('0' + v % 10);
	while (v /= 10);
	put(x, t + n, sizeof t - n);
}

/* Column letters: 0 is A, 25 Z, 26 AA. */
static void put_col(xlsxw *x, uint32_t col)
{
	char t[4];
	size_t n = sizeof t;
	col++;
	do {
		col--;
		t[--n] = (char)('A' + col % 26);
		col /= 26;
	} while (col);
	put(x, t + n, sizeof t - n);
}

static void put_ref(xlsxw *x, uint32_t row, uint32_t col, int absolute)
{
	if (absolute)
		PUTS(x, "$");
	put_col(x, col);
	if (absolute)
		PUTS(x, "$");
	put_uint(x, (uint64_t)row + 1);
}

static char *dup_or_null(const char *s, int *oom)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*oom = 1;
	return d;
}

/* The content types of the parts, every sheet's among them: written
 * first, for the tools that tell a file's type by its first entries
 * (file(1) looks for [Content_Types].xml, then _rels/.rels, then xl/). */
static void part_content_types(xlsxw *x)
{
#define CT "application/vnd.openxmlformats-"
	part_begin(x, "[Content_Types].xml");
	PUTS(x, "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
		"<Default Extension=\"rels\" ContentType=\"" CT "package.relationships+xml\"/>"
		"<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
		"<Override PartName=\"/docProps/app.xml\" ContentType=\"" CT
		"officedocument.extended-properties+xml\"/>"
		"<Override PartName=\"/docProps/core.xml\" ContentType=\"" CT
		"package.core-properties+xml\"/>"
		"<Override PartName=\"/xl/styles.xml\" ContentType=\"" CT
		"officedocument.spreadsheetml.styles+xml\"/>"
		"<Override PartName=\"/xl/workbook.xml\" ContentType=\"" CT
		"officedocument.spreadsheetml.sheet.main+xml\"/>");
	for (size_t i = 0; i < x->nsheets; i++)
		putf(x, "<Override PartName=\"/xl/worksheets/sheet%zu.xml\" ContentType=\"" CT
			"officedocument.spreadsheetml.worksheet+xml\"/>", i + 1);
	PUTS(x, "</Types>");
	part_end(x);
#undef CT
}

hh_status xlsxw_open(const char *path, const xlsxw_props *props, size_t nsheets, xlsxw **out,
		     hh_err *err)
{
	*out = NULL;
	xlsxw *x = calloc(1, sizeof *x);
	int oom = 0;
	if (!x || !(x->path = strdup(path))) {
		free(x);
		return hh_fail(err, HH_EINTERNAL, "cannot write %s: out of memory", path);
	}
	vec_init(&x->sheets, sizeof(xw_sheet));
	x->title = dup_or_null(props ? props->title : NULL, &oom);
	x->author = dup_or_null(props ? props->author : NULL, &oom);
	x->created = props ? props->created : 0;
	x->row = x->col = -1;
	x->nsheets = nsheets;
	if (oom) {
		xlsxw_close(x, NULL);
		return hh_fail(err, HH_EINTERNAL, "cannot write %s: out of memory", path);
	}
	if (zipw_open(path, 1, &x->zip, err) != HH_OK) {
		xlsxw_close(x, NULL);
		return HH_EINTERNAL;
	}
	part_content_types(x);
	part_begin(x, "_rels/.rels");
	PUTS(x, "<Relationships xmlns=\"" NS_PKG_REL "\">"
		"<Relationship Id=\"rId1\" Type=\"" NS_REL "/officeDocument\" "
		"Target=\"xl/workbook.xml\"/>"
		"<Relationship Id=\"rId2\" Type=\"" NS_PKG_REL "/metadata/core-properties\" "
		"Target=\"docProps/core.xml\"/>"
		"<Relationship Id=\"rId3\" Type=\"" NS_REL "/extended-properties\" "
		"Target=\"docProps/app.xml\"/></Relationships>");
	part_end(x);
	if (x->failed) {
		hh_status st = status(x, err);
		xlsxw_close(x, NULL);
		return st;
	}
	*out = x;
	return HH_OK;
}

int xlsxw_add_style(xlsxw *x, const xlsxw_style *s)
{
	if (x->failed)
		return 0;
	if (x->nstyles == XW_MAX_STYLES) {
		bad(x, "more than %d cell styles", XW_MAX_STYLES);
		return 0;
	}
	xw_style *d = &x->styles[x->nstyles];
	d->s = *s;
	if (s->num_format) {
		size_t n = strlen(s->num_format);
		if (n >= sizeof d->fmt) {
			bad(x, "a number format longer than %zu bytes", sizeof d->fmt - 1);
			return 0;
		}
		memcpy(d->fmt, s->num_format, n + 1);
		d->s.num_format = d->fmt;
	}
	return ++x->nstyles;
}

/* Whether sheet names a and b are the same name in the file: as
 * escape writes them, ASCII letters in either case. */
static int same_name(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	while (*p && *q)
		if (next_char(&p) != next_char(&q))
			return 0;
	return !*p && !*q;
}

/* Excel's checks on a sheet name; NULL when it passes, else why not. */
static const char *name_problem(const xlsxw *x, const char *name)
{
	size_t chars = utf16_units(name), len = strlen(name);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (strchr("[]:*?/\\", *p))
			return "holds one of []:*?/\\";
	if (!chars)
		return "is empty";
	if (chars > XW_NAME_MAX)
		return "is longer than 31 characters";
	if (name[0] == '\'' || name[len - 1] == '\'')
		return "starts or ends with an apostrophe";
	for (size_t i = 0; i < x->sheets.n; i++)
		if (same_name(sheet(x, i)->name, name))
			return "is the name of an earlier sheet";
	return NULL;
}

/* Excel's column width as stored: the characters plus the cell's
 * padding, in 1/256 of a character (what Excel writes for a width typed
 * in; 15 is stored as 15.7109375). */
static double stored_width(double chars)
{
	const double digit = 7, padding = 5; /* pixels, Calibri 11 */
	double px = chars < 1 ? (double)(unsigned)(chars * (digit + padding) + 0.5)
			      : (double)(unsigned)(chars * digit + 0.5) + padding;
	return (double)(unsigned)(px / digit * 256.0) / 256.0;
}

hh_status xlsxw_sheet_begin(xlsxw *x, const char *name, const xlsxw_sheet *opts, hh_err *err)
{
	static const xlsxw_sheet none;
	if (!opts)
		opts = &none;
	if (x->in_sheet && xlsxw_sheet_end(x, err) != HH_OK)
		return HH_EINTERNAL;
	const char *why = name_problem(x, name);
	if (why)
		bad(x, "sheet name '%s' %s", name, why);
	char *copy = x->failed ? NULL : strdup(name);
	xw_sheet *sh = copy ? vec_push(&x->sheets) : NULL;
	if (!x->failed && !sh) {
		free(copy);
		bad(x, "out of memory");
	}
	if (x->failed)
		return status(x, err);
	*sh = (xw_sheet){.name = copy, .repeat_rows = opts->repeat_rows,
			 .landscape = opts->landscape, .fit_width = opts->fit_width,
			 .paper = opts->paper};
	size_t number = x->part_index ? x->part_index : x->sheets.n;
	char part[64];
	snprintf(part, sizeof part, "xl/worksheets/sheet%zu.xml", number);
	part_begin(x, part);
	PUTS(x, "<worksheet xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\">");
	if (opts->fit_width)
		PUTS(x, "<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>");
	PUTS(x, "<sheetViews><sheetView ");
	if (number == 1)
		PUTS(x, "tabSelected=\"1\" ");
	PUTS(x, "workbookViewId=\"0\"");
	if (opts->freeze_rows) {
		PUTS(x, "><pane ySplit=\"");
		put_uint(x, opts->freeze_rows);
		PUTS(x, "\" topLeftCell=\"");
		put_ref(x, opts->freeze_rows, 0, 0);
		PUTS(x, "\" activePane=\"bottomLeft\" state=\"frozen\"/>"
			"<selection pane=\"bottomLeft\"/></sheetView>");
	} else {
		PUTS(x, "/>");
	}
	PUTS(x, "</sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>");
	int cols = 0;
	for (size_t i = 0; i < opts->nwidths && i < XW_MAX_COLS; i++) {
		if (opts->widths[i] <= 0)
			continue;
		size_t j = i; /* a run of equal widths is one <col> */
		while (j + 1 < opts->nwidths && opts->widths[j + 1] == opts->widths[i])
			j++;
		if (!cols++)
			PUTS(x, "<cols>");
		PUTS(x, "<col min=\"");
		put_uint(x, i + 1);
		PUTS(x, "\" max=\"");
		put_uint(x, j + 1);
		PUTS(x, "\" width=\"");
		put_num(x, stored_width(opts->widths[i]));
		PUTS(x, "\" customWidth=\"1\"/>");
		i = j;
	}
	if (cols)
		PUTS(x, "</cols>");
	PUTS(x, "<sheetData>");
	x->in_sheet = 1;
	x->in_row = 0;
	x->row = x->col = -1;
	return status(x, err);
}

void xlsxw_row(xlsxw *x, uint32_t row, double height)
{
	if (x->failed)
		return;
	if (!x->in_sheet || (int64_t)row <= x->row || row >= XW_MAX_ROWS) {
		bad(x, "row %u written out of order or outside a sheet (a bug)", (unsigned)row);
		return;
	}
	if (x->in_row)
		PUTS(x, "</row>");
	PUTS(x, "<row r=\"");
	put_uint(x, (uint64_t)row + 1);
	if (height > 0) {
		PUTS(x, "\" ht=\"");
		put_num(x, height);
		PUTS(x, "\" customHeight=\"1");
	}
	PUTS(x, "\">");
	x->in_row = 1;
	x->row = row;
	x->col = -1;
}

/* Whether a cell may go in column col of the current row with style,
 * which becomes the row's last column; 0 (and the error) when not. */
static int cell_check(xlsxw *x, uint32_t col, int style)
{
	if (x->failed)
		return 0;
	if (!x->in_row || (int64_t)col <= x->col || col >= XW_MAX_COLS) {
		bad(x, "cell in column %u written out of order or outside a row (a bug)",
		    (unsigned)col);
		return 0;
	}
	if (style < 0 || style > x->nstyles) {
		bad(x, "unknown style %d (a bug)", style);
		return 0;
	}
	x->col = col;
	return 1;
}

/* The cell's opening up to its value; 0 when the call is a misuse. */
static int cell_open(xlsxw *x, uint32_t col, int style, const char *type)
{
	if (!cell_check(x, col, style))
		return 0;
	PUTS(x, "<c r=\"");
	put_ref(x, (uint32_t)x->row, col, 0);
	if (style) {
		PUTS(x, "\" s=\"");
		put_uint(x, (uint64_t)style);
	}
	put(x, "\"", 1);
	if (type)
		puts_(x, type);
	return 1;
}

void xlsxw_text(xlsxw *x, uint32_t col, const char *s, int style)
{
	if (!*s) {
		/* blank: only a style would show, so without one nothing is written */
		if (!style)
			cell_check(x, col, 0);
		else if (cell_open(x, col, style, NULL))
			PUTS(x, "/>");
		return;
	}
	/* Excel holds at most 32,767 characters (UTF-16 units) in a cell
	 * (and repairs the file, dropping cells, when one holds more); a
	 * text of fewer bytes has fewer units */
	size_t n = strlen(s), chars;
	if (n > XLSXW_MAX_CHARS && (chars = utf16_units(s)) > XLSXW_MAX_CHARS) {
		bad(x, "a text of %zu characters in column %u: Excel holds at most 32,767 "
		       "in a cell", chars, (unsigned)col);
		return;
	}
	if (!cell_open(x, col, style, " t=\"inlineStr\"><is>"))
		return;
	/* without xml:space, Excel drops spaces at either end */
	int edge = strchr(" \t\n\r", s[0]) || strchr(" \t\n\r", s[n - 1]);
	if (edge)
		PUTS(x, "<t xml:space=\"preserve\">");
	else
		PUTS(x, "<t>");
	escape(x, s, ESC_TEXT);
	PUTS(x, "</t></is></c>");
}

void xlsxw_number(xlsxw *x, uint32_t col, double v, int style)
{
	if (v != v || v - v != 0) {
		bad(x, "a number that is not finite, in column %u", (unsigned)col);
		return;
	}
	if (!cell_open(x, col, style, "><v>"))
		return;
	put_num(x, v);
	PUTS(x, "</v></c>");
}

void xlsxw_autofilter(xlsxw *x, uint32_t first_row, uint32_t first_col, uint32_t last_row,
		      uint32_t last_col)
{
	if (x->failed)
		return;
	if (!x->in_sheet || last_row < first_row || last_col < first_col ||
	    last_row >= XW_MAX_ROWS || last_col >= XW_MAX_COLS) {
		bad(x, "autofilter over a bad range or outside a sheet (a bug)");
		return;
	}
	xw_sheet *sh = sheet(x, x->sheets.n - 1);
	sh->filter = 1;
	sh->f_row0 = first_row;
	sh->f_col0 = first_col;
	sh->f_row1 = last_row;
	sh->f_col1 = last_col;
}

static void put_range(xlsxw *x, uint32_t r0, uint32_t c0, uint32_t r1, uint32_t c1, int abs)
{
	put_ref(x, r0, c0, abs);
	put(x, ":", 1);
	put_ref(x, r1, c1, abs);
}

hh_status xlsxw_sheet_end(xlsxw *x, hh_err *err)
{
	if (!x->in_sheet)
		return status(x, err);
	const xw_sheet *sh = sheet(x, x->sheets.n - 1);
	if (x->in_row)
		PUTS(x, "</row>");
	PUTS(x, "</sheetData>");
	if (sh->filter) {
		PUTS(x, "<autoFilter ref=\"");
		put_range(x, sh->f_row0, sh->f_col0, sh->f_row1, sh->f_col1, 0);
		PUTS(x, "\"/>");
	}
	PUTS(x, "<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" "
		"header=\"0.3\" footer=\"0.3\"/>");
	if (sh->paper || sh->fit_width || sh->landscape) {
		PUTS(x, "<pageSetup");
		if (sh->paper)
			putf(x, " paperSize=\"%u\"", sh->paper);
		if (sh->fit_width) /* fitToWidth is 1 unless said otherwise */
			PUTS(x, " fitToHeight=\"0\"");
		if (sh->landscape)
			PUTS(x, " orientation=\"landscape\"");
		PUTS(x, "/>");
	}
	PUTS(x, "</worksheet>");
	part_end(x);
	x->in_sheet = x->in_row = 0;
	return status(x, err);
}

/* 'name' as a formula names a sheet: always quoted, ' doubled. */
static void put_sheet_ref(xlsxw *x, const char *name)
{
	put(x, "'", 1);
	escape(x, name, ESC_APOS);
	PUTS(x, "'!");
}

static void part_core(xlsxw *x)
{
	struct tm tm;
	char when[32] = "1970-01-01T00:00:00Z";
	if (gmtime_r(&x->created, &tm))
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	part_begin(x, "docProps/core.xml");
	PUTS(x, "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/"
		"metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
		"xmlns:dcterms=\"http://purl.org/dc/terms/\" "
		"xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" "
		"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">");
	if (x->title) {
		PUTS(x, "<dc:title>");
		escape(x, x->title, ESC_TEXT);
		PUTS(x, "</dc:title>");
	}
	if (x->author) {
		PUTS(x, "<dc:creator>");
		escape(x, x->author, ESC_TEXT);
		PUTS(x, "</dc:creator><cp:lastModifiedBy>");
		escape(x, x->author, ESC_TEXT);
		PUTS(x, "</cp:lastModifiedBy>");
	}
	putf(x, "<dcterms:created xsi:type=\"dcterms:W3CDTF\">%s</dcterms:created>"
		"<dcterms:modified xsi:type=\"dcterms:W3CDTF\">%s</dcterms:modified>"
		"</cp:coreProperties>", when, when);
	part_end(x);
}

static void part_app(xlsxw *x)
{
	part_begin(x, "docProps/app.xml");
	PUTS(x, "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/"
		"extended-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/"
		"officeDocument/2006/docPropsVTypes\"><Application>hhmatch</Application>"
		"<HeadingPairs><vt:vector size=\"2\" baseType=\"variant\"><vt:variant>"
		"<vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>");
	put_uint(x, x->sheets.n);
	PUTS(x, "</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts>"
		"<vt:vector size=\"");
	put_uint(x, x->sheets.n);
	PUTS(x, "\" baseType=\"lpstr\">");
	for (size_t i = 0; i < x->sheets.n; i++) {
		PUTS(x, "<vt:lpstr>");
		escape(x, sheet(x, i)->name, ESC_TEXT);
		PUTS(x, "</vt:lpstr>");
	}
	PUTS(x, "</vt:vector></TitlesOfParts></Properties>");
	part_end(x);
}

/* Opens the defined name NAME local to sheet i, up to the sheet's name
 * in its value; the caller puts the range and closes it. */
static void defined_name(xlsxw *x, const char *name, size_t i, int hidden)
{
	PUTS(x, "<definedName name=\"");
	puts_(x, name);
	PUTS(x, "\" localSheetId=\"");
	put_uint(x, i);
	if (hidden)
		PUTS(x, "\" hidden=\"1");
	PUTS(x, "\">");
	put_sheet_ref(x, sheet(x, i)->name);
}

static void part_workbook(xlsxw *x)
{
	part_begin(x, "xl/workbook.xml");
	PUTS(x, "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\"><workbookPr/>"
		"<bookViews><workbookView xWindow=\"240\" yWindow=\"15\" windowWidth=\"16095\" "
		"windowHeight=\"9660\"/></bookViews><sheets>");
	int names = 0;
	for (size_t i = 0; i < x->sheets.n; i++) {
		PUTS(x, "<sheet name=\"");
		escape(x, sheet(x, i)->name, ESC_ATTR);
		PUTS(x, "\" sheetId=\"");
		put_uint(x, i + 1);
		PUTS(x, "\" r:id=\"rId");
		put_uint(x, i + 1);
		PUTS(x, "\"/>");
		names += sheet(x, i)->filter || sheet(x, i)->repeat_rows;
	}
	PUTS(x, "</sheets>");
	if (names)
		PUTS(x, "<definedNames>");
	/* Excel keeps a filter's range in this hidden name, and breaks the
	 * filter without it */
	for (size_t i = 0; i < x->sheets.n; i++) {
		const xw_sheet *sh = sheet(x, i);
		if (!sh->filter)
			continue;
		defined_name(x, "_xlnm._FilterDatabase", i, 1);
		put_range(x, sh->f_row0, sh->f_col0, sh->f_row1, sh->f_col1, 1);
		PUTS(x, "</definedName>");
	}
	for (size_t i = 0; i < x->sheets.n; i++) {
		const xw_sheet *sh = sheet(x, i);
		if (!sh->repeat_rows)
			continue;
		defined_name(x, "_xlnm.Print_Titles", i, 0);
		PUTS(x, "$1:$");
		put_uint(x, sh->repeat_rows);
		PUTS(x, "</definedName>");
	}
	if (names)
		PUTS(x, "</definedNames>");
	PUTS(x, "<calcPr calcId=\"124519\" fullCalcOnLoad=\"1\"/></workbook>");
	part_end(x);

	part_begin(x, "xl/_rels/workbook.xml.rels");
	PUTS(x, "<Relationships xmlns=\"" NS_PKG_REL "\">");
	for (size_t i = 0; i < x->sheets.n; i++)
		putf(x, "<Relationship Id=\"rId%zu\" Type=\"" NS_REL "/worksheet\" "
			"Target=\"worksheets/sheet%zu.xml\"/>", i + 1, i + 1);
	putf(x, "<Relationship Id=\"rId%zu\" Type=\"" NS_REL "/styles\" Target=\"styles.xml\"/>"
		"</Relationships>", x->sheets.n + 1);
	part_end(x);
}

/* Excel's built-in number formats that a style may name by id. */
static int builtin_format(const char *code)
{
	static const struct {
		const char *code;
		int id;
	} b[] = {{"General", 0}, {"0", 1},   {"0.00", 2},   {"#,##0", 3},
		 {"#,##0.00", 4}, {"0%", 9}, {"0.00%", 10}, {"@", 49}};
	for (size_t i = 0; i < sizeof b / sizeof *b; i++)
		if (!strcmp(code, b[i].code))
			return b[i].id;
	return -1;
}

static void put_font(xlsxw *x, int bold, double size)
{
	PUTS(x, "<font>");
	if (bold)
		PUTS(x, "<b/>");
	PUTS(x, "<sz val=\"");
	put_num(x, size > 0 ? size : 11);
	PUTS(x, "\"/><name val=\"Calibri\"/><family val=\"2\"/></font>");
}

static void part_styles(xlsxw *x)
{
	int fmt_id[XW_MAX_STYLES], ncustom = 0;
	const char *custom[XW_MAX_STYLES];
	for (int i = 0; i < x->nstyles; i++) {
		const char *code = x->styles[i].s.num_format;
		fmt_id[i] = code ? builtin_format(code) : 0;
		if (fmt_id[i] >= 0)
			continue;
		int k = 0;
		while (k < ncustom && strcmp(custom[k], code))
			k++;
		if (k == ncustom)
			custom[ncustom++] = code;
		fmt_id[i] = XW_FIRST_CUSTOM_FMT + k;
	}
	part_begin(x, "xl/styles.xml");
	PUTS(x, "<styleSheet xmlns=\"" NS_MAIN "\">");
	if (ncustom) {
		putf(x, "<numFmts count=\"%d\">", ncustom);
		for (int k = 0; k < ncustom; k++) {
			putf(x, "<numFmt numFmtId=\"%d\" formatCode=\"", XW_FIRST_CUSTOM_FMT + k);
			escape(x, custom[k], ESC_ATTR);
			PUTS(x, "\"/>");
		}
		PUTS(x, "</numFmts>");
	}
	/* one font per style after the default (a handful: no sharing) */
	putf(x, "<fonts count=\"%d\">", x->nstyles + 1);
	put_font(x, 0, 0);
	for (int i = 0; i < x->nstyles; i++)
		put_font(x, x->styles[i].s.bold, x->styles[i].s.font_size);
	int nfills = 0, nborders = 0;
	for (int i = 0; i < x->nstyles; i++) {
		nfills += x->styles[i].s.fill;
		nborders += x->styles[i].s.border;
	}
	putf(x, "</fonts><fills count=\"%d\"><fill><patternFill patternType=\"none\"/></fill>"
		"<fill><patternFill patternType=\"gray125\"/></fill>", nfills + 2);
	for (int i = 0; i < x->nstyles; i++)
		if (x->styles[i].s.fill)
			putf(x, "<fill><patternFill patternType=\"solid\"><fgColor rgb=\"FF%06X\"/>"
				"<bgColor indexed=\"64\"/></patternFill></fill>",
			     (unsigned)(x->styles[i].s.fill_rgb & 0xFFFFFFu));
	putf(x, "</fills><borders count=\"%d\"><border><left/><right/><top/><bottom/>"
		"<diagonal/></border>", nborders + 1);
	for (int i = 0; i < x->nstyles; i++)
		if (x->styles[i].s.border)
			PUTS(x, "<border><left style=\"thin\"><color auto=\"1\"/></left>"
				"<right style=\"thin\"><color auto=\"1\"/></right>"
				"<top style=\"thin\"><color auto=\"1\"/></top>"
				"<bottom style=\"thin\"><color auto=\"1\"/></bottom><diagonal/></border>");
	putf(x, "</borders><cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" "
		"fillId=\"0\" borderId=\"0\"/></cellStyleXfs><cellXfs count=\"%d\">"
		"<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>",
	     x->nstyles + 1);
	int fill = 2, border = 1;
	for (int i = 0; i < x->nstyles; i++) {
		const xlsxw_style *s = &x->styles[i].s;
		int align = s->wrap || s->valign_center;
		putf(x, "<xf numFmtId=\"%d\" fontId=\"%d\" fillId=\"%d\" borderId=\"%d\" xfId=\"0\"",
		     fmt_id[i], i + 1, s->fill ? fill++ : 0, s->border ? border++ : 0);
		if (fmt_id[i])
			PUTS(x, " applyNumberFormat=\"1\"");
		if (s->bold || s->font_size > 0)
			PUTS(x, " applyFont=\"1\"");
		if (s->fill)
			PUTS(x, " applyFill=\"1\"");
		if (s->border)
			PUTS(x, " applyBorder=\"1\"");
		if (!align) {
			PUTS(x, "/>");
			continue;
		}
		PUTS(x, " applyAlignment=\"1\"><alignment");
		if (s->valign_center)
			PUTS(x, " vertical=\"center\"");
		if (s->wrap)
			PUTS(x, " wrapText=\"1\"");
		PUTS(x, "/></xf>");
	}
	PUTS(x, "</cellXfs><cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" "
		"builtinId=\"0\"/></cellStyles><dxfs count=\"0\"/><tableStyles count=\"0\" "
		"defaultTableStyle=\"TableStyleMedium9\" defaultPivotStyle=\"PivotStyleLight16\"/>"
		"</styleSheet>");
	part_end(x);
}

hh_status xlsxw_part_open(const char *path, size_t index, int nstyles, const char *name,
			  const xlsxw_sheet *opts, xlsxw **out, hh_err *err)
{
	*out = NULL;
	xlsxw *x = calloc(1, sizeof *x);
	if (!x || !(x->path = strdup(path))) {
		free(x);
		return hh_fail(err, HH_EINTERNAL, "cannot write %s: out of memory", path);
	}
	vec_init(&x->sheets, sizeof(xw_sheet));
	x->row = x->col = -1;
	x->part_index = index;
	x->nsheets = 1;
	if (!index || nstyles < 0 || nstyles > XW_MAX_STYLES)
		bad(x, "a sheet apart numbered %zu with %d styles (a bug)", index, nstyles);
	x->nstyles = nstyles; /* ids only: the styles are the workbook's */
	if (zipw_open_memory(path, &x->zip, err) != HH_OK) {
		xlsxw_close(x, NULL);
		return HH_EINTERNAL;
	}
	if (!x->failed)
		xlsxw_sheet_begin(x, name, opts, NULL);
	if (x->failed) {
		hh_status st = status(x, err);
		xlsxw_close(x, NULL);
		return st;
	}
	*out = x;
	return HH_OK;
}

hh_status xlsxw_part_add(xlsxw *x, xlsxw *part, hh_err *err)
{
	hh_status st = xlsxw_sheet_end(part, err);
	if (st == HH_OK && x->in_sheet)
		st = xlsxw_sheet_end(x, err);
	if (st == HH_OK && !x->failed) {
		xw_sheet *ps = part->sheets.n == 1 ? sheet(part, 0) : NULL;
		const char *why = ps ? name_problem(x, ps->name) : "is missing";
		if (why)
			bad(x, "sheet name '%s' %s", ps ? ps->name : "", why);
		else if (part->part_index != x->sheets.n + 1 || !x->part_index == !part->part_index)
			bad(x, "sheet %zu added as sheet %zu (a bug)", part->part_index,
			    x->sheets.n + 1);
		xw_sheet *sh = x->failed ? NULL : vec_push(&x->sheets);
		if (!x->failed && !sh)
			bad(x, "out of memory");
		if (sh) {
			*sh = *ps; /* the name moves with it */
			part->sheets.n = 0;
			hh_err e;
			if (zipw_add_entry(x->zip, part->zip, &e) != HH_OK) {
				x->failed = 1;
				x->err = e;
			}
		}
	}
	if (st == HH_OK) /* x's error, an earlier one too */
		st = status(x, err);
	xlsxw_close(part, NULL);
	return st;
}

hh_status xlsxw_close(xlsxw *x, hh_err *err)
{
	if (!x)
		return HH_OK;
	if (x->zip && x->part_index) {
		zipw_close(x->zip, NULL);
	} else if (x->zip) {
		xlsxw_sheet_end(x, NULL);
		if (!x->sheets.n)
			bad(x, "a workbook without a sheet (a bug)");
		else if (x->sheets.n != x->nsheets)
			bad(x, "%zu sheets written, %zu announced at open (a bug)", x->sheets.n,
			    x->nsheets);
		if (!x->failed) {
			part_core(x);
			part_app(x);
			part_workbook(x);
			part_styles(x);
		}
		hh_err e;
		if (zipw_close(x->zip, &e) != HH_OK && !x->failed) {
			x->failed = 1;
			x->err = e;
		}
	}
	hh_status st = status(x, err);
	for (size_t i = 0; i < x->sheets.n; i++)
		free(sheet(x, i)->name);
	vec_free(&x->sheets);
	free(x->title);
	free(x->author);
	free(x->path);
	free(x);
	return st;
}
