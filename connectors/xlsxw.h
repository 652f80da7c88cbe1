/*
 * xlsxw.h - a minimal streaming XLSX (OOXML SpreadsheetML) writer over
 * connectors/zipw.h: sheets in order, rows in order, each sheet's XML
 * going into the archive as its rows come.
 *
 * Enough for caseworkers.xlsx (present/workbook.c): text cells as inline
 * strings (so no shared-string table is held: every text cell stays
 * text, a 12-digit code never becomes a number), number cells, a small
 * table of styles (bold, font size, fill, thin border, wrap, vertical
 * centre, number format), column widths, frozen header rows, an
 * autofilter over a range (with the hidden _xlnm._FilterDatabase name
 * Excel expects), print setup (landscape, paper size, one page wide,
 * header rows repeated on every page: _xlnm.Print_Titles) and the
 * document's title, author and created time.
 *
 * Parts: [Content_Types].xml and _rels/.rels first, so that a tool that
 * tells a file's type by its first entries (file(1), and the upload
 * checks built on libmagic) sees an Excel workbook; they list every
 * sheet, so the number of sheets is given at open.  Then the sheets as
 * xl/worksheets/sheetN.xml, and at close docProps/core.xml and app.xml,
 * xl/workbook.xml, xl/_rels/workbook.xml.rels and xl/styles.xml.  No
 * theme, no shared strings, no dimension.
 *
 * Since a sheet's <sheetViews> (freeze) and <cols> (widths) come before
 * its rows in the XML and <autoFilter> after, the widths and the frozen
 * rows are given when the sheet begins and the filter when it ends.
 *
 * Text is UTF-8 and escaped for XML; characters XML cannot hold (C0
 * controls but tab and line feed, and carriage return, which XML would
 * turn into a line feed) are written as Excel writes them, _xHHHH_, and
 * a literal "_xHHHH_" in the text gets its underscore escaped (_x005F_)
 * so that Excel shows it as it is.  A byte sequence that is not UTF-8
 * becomes U+FFFD.  Numbers are written as the shortest decimal that
 * reads back as the same double (1234.5 is "1234.5").
 *
 * The same calls give the same bytes: the created time is the caller's
 * (never the clock), and zipw dates every entry 1980-01-01.
 *
 * Errors are sticky, as in zipw.h: the cell and row calls return
 * nothing; a misuse (rows or columns out of order, a bad sheet name, a
 * number that is not finite, too many styles) or a failed write is
 * reported by the next call that returns a status, xlsxw_close at the
 * latest, naming the file.
 *
 * A sheet can also be made apart from its workbook (xlsxw_part_open),
 * by any thread, and added to it later in the workbook's order
 * (xlsxw_part_add): its XML is deflated into memory as its rows come
 * (connectors/zipw.h, zipw_open_memory), so a workbook's sheets can be
 * made in parallel while the file gets the same bytes as when they are
 * written one after the other.  A part holds its compressed sheet until
 * it is added (a county sheet of caseworkers.xlsx: about 0.5 MB).
 *
 * Lifetime: xlsxw_open (or xlsxw_part_open) / xlsxw_close; close frees
 * whatever happened, NULL is a no-op; xlsxw_part_add frees the part.
 * Strings given are copied or written at once.
 * Thread safety: one workbook or part per thread; they share nothing
 * (xlsxw_part_add uses both: neither may be in use by another thread).
 */
#ifndef HH_XLSXW_H
#define HH_XLSXW_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/hh_error.h"

typedef struct xlsxw xlsxw;

typedef struct {
	const char *title;       /* NULL: none */
	const char *author;      /* NULL: none */
	time_t created;          /* written as UTC, also as the modified time */
} xlsxw_props;

/* Creates path (fsync'ed at close) and writes the first parts, for a
 * workbook of nsheets sheets (xlsxw_close fails when another number was
 * written).  props is copied.  HH_EINTERNAL naming the file when it
 * cannot be created. */
hh_status xlsxw_open(const char *path, const xlsxw_props *props, size_t nsheets, xlsxw **out,
		     hh_err *err);

/* A cell style.  Zero is the default in every field. */
typedef struct {
	int bold;
	double font_size;        /* points; 0: 11 */
	uint32_t fill_rgb;       /* solid background 0xRRGGBB */
	int fill;                /* 1: fill_rgb applies */
	int border;              /* 1: a thin border on the four sides */
	int wrap;                /* 1: text wraps in the cell */
	int valign_center;       /* 1: vertically centred */
	const char *num_format;  /* Excel's format code, NULL: General */
} xlsxw_style;

/* Adds a style (any time before close) and returns its id for the cell
 * calls; 0 is the default style.  At most 32 styles, a format code of at
 * most 63 bytes: past that the error is sticky and 0 is returned. */
int xlsxw_add_style(xlsxw *x, const xlsxw_style *s);

typedef struct {
	const double *widths;    /* column widths in characters, [0] is A;
				    0: the default width */
	size_t nwidths;
	unsigned freeze_rows;    /* rows frozen at the top (0: none) */
	int landscape;           /* printed landscape */
	unsigned paper;          /* Excel's paper size code (9: A4), 0: default */
	int fit_width;           /* printed one page wide, as long as needed */
	unsigned repeat_rows;    /* the first N rows printed on every page */
} xlsxw_sheet;

/* Starts the next sheet (ending the one before), named name: 1 to 31
 * UTF-16 units as written (a byte that is not UTF-8 is one U+FFFD),
 * none of []:*?/\, and not starting or ending with '.
 * The first sheet is the one selected when the workbook opens.
 * opts may be NULL (no widths, no freeze, default print setup). */
hh_status xlsxw_sheet_begin(xlsxw *x, const char *name, const xlsxw_sheet *opts,
			    hh_err *err);

/* Starts row (0-based; each row after the one before, gaps allowed),
 * height in points, 0: the default height. */
void xlsxw_row(xlsxw *x, uint32_t row, double height);

/* A cell of the current row (0-based columns, each after the one before,
 * at most 16,384).  An empty text is a blank cell with the style (none
 * at all with style 0), as Excel keeps it; a text of more than
 * XLSXW_MAX_CHARS UTF-16 units as written is an error (Excel's limit
 * for a cell: a character beyond U+FFFF counts two). */
#define XLSXW_MAX_CHARS 32767
void xlsxw_text(xlsxw *x, uint32_t col, const char *s, int style);
void xlsxw_number(xlsxw *x, uint32_t col, double v, int style);

/* An autofilter on the current sheet over rows [first_row, last_row] and
 * columns [first_col, last_col] (the header in first_row); given before
 * xlsxw_sheet_end. */
void xlsxw_autofilter(xlsxw *x, uint32_t first_row, uint32_t first_col, uint32_t last_row,
		      uint32_t last_col);

/* Ends the current sheet.  Returns the first error, if any. */
hh_status xlsxw_sheet_end(xlsxw *x, hh_err *err);

/* A sheet apart: a part holding one sheet, named and set up as
 * xlsxw_sheet_begin says, begun already, for the workbook at path (named
 * in messages; nothing touches the file system), to be its sheet number
 * index (1 is the first, the one selected; the sheets before it are
 * added first), with cells in styles 0 to nstyles (the ids the workbook's
 * xlsxw_add_style gave: add every style before making parts).  xlsxw_row,
 * xlsxw_text, xlsxw_number and xlsxw_autofilter work on it as on a
 * workbook's current sheet; no other call does but xlsxw_part_add and
 * xlsxw_close.  HH_EINTERNAL naming the file (a bad name, no memory). */
hh_status xlsxw_part_open(const char *path, size_t index, int nstyles, const char *name,
			  const xlsxw_sheet *opts, xlsxw **out, hh_err *err);

/* Ends part's sheet and adds it to x as x's next sheet (ending x's
 * current one): the same bytes as writing the sheet into x directly.
 * The name is checked against x's sheets here, and the number against
 * x's count.  Frees part whatever happens.  Returns part's first error
 * or x's, if any (an error of part's does not fail x). */
hh_status xlsxw_part_add(xlsxw *x, xlsxw *part, hh_err *err);

/* Ends the current sheet, writes the remaining parts and the archive's
 * directory, closes the file and frees x.  Returns the first error of
 * the workbook's life (HH_EINTERNAL naming the file), or HH_OK.  A
 * workbook with no sheet is an error (Excel opens none).  NULL: HH_OK. */
hh_status xlsxw_close(xlsxw *x, hh_err *err);

#endif
