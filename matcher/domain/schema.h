/*
 * schema.h - the five sources' columns, aliases and enumerations, loaded
 * from schemas/sources.schema (embedded at build time), and the row
 * validation they drive.
 *
 * One place defines every column: its canonical name, aliases, type and
 * whether it is required.  schema_map_header maps a file's header row to
 * columns (case-insensitive after trimming, canonical name or any alias,
 * unknown columns ignored); schema_parse_row turns one record into typed
 * values (money in fen, dates as YYYYMMDD, enumerations as the index of
 * their code) or says why it cannot: the reason code goes into
 * rejects.csv together with the column it concerns.
 *
 * Lifetime: schema_new / schema_free; everything returned points into
 * the schema and lives as long as it.  A schema is immutable after
 * schema_new and may be shared by threads; a schema_map and a schema_row
 * belong to one thread.
 */
#ifndef HH_SCHEMA_H
#define HH_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "base/record.h"
#include "base/hh_error.h"

#define SCHEMA_MAX_COLS 32

typedef enum {
	COL_TEXT,
	COL_REGION, /* 6-12 digits */
	COL_ID,     /* raw ID number: normalised by the engine */
	COL_PID,    /* 64 hex */
	COL_NAME,
	COL_MONEY,  /* yuan -> fen */
	COL_INT,    /* with min..max */
	COL_DATE,   /* YYYYMMDD or YYYY-MM-DD -> YYYYMMDD */
	COL_PERIOD, /* YYYYMM */
	COL_FLAG,   /* 0/1 */
	COL_SEX,    /* 1/2 */
	COL_ENUM
} col_type;

typedef enum {
	PRES_REQUIRED,
	PRES_OPTIONAL,
	PRES_IDENTITY, /* id_number or pid: exactly one must be present */
	PRES_WITHPID   /* read only when the source carries pid */
} col_presence;

typedef struct {
	const char *name;
	const char **codes;        /* English codes, index = value */
	const char **labels;       /* all Chinese labels ... */
	const int *label_value;    /* ... and the code each maps to */
	size_t ncodes, nlabels;
} schema_enum;

typedef struct {
	const char *name;
	col_type type;
	col_presence presence;
	int64_t min, max;          /* COL_INT */
	const schema_enum *en;     /* COL_ENUM */
	const char **aliases;
	size_t naliases;
} schema_col;

typedef struct {
	const char *name;          /* "civil_affairs" */
	const char *label;         /* "民政" */
	const schema_col *cols;
	size_t ncols;
} schema_source;

typedef struct schema schema;

/* Parses the embedded schemas/sources.schema. */
hh_status schema_new(schema **out, hh_err *err);
/* Parses schema text (tests). origin names it in messages. */
hh_status schema_parse(const char *text, const char *origin, schema **out,
		       hh_err *err);
void schema_free(schema *s);

/* NULL when there is no such source. */
const schema_source *schema_source_by_name(const schema *s, const char *name);
size_t schema_nsources(const schema *s);

/* Index of a column by canonical name; -1 when absent.  The engine
 * resolves the columns it needs once, at start-up. */
int schema_col_index(const schema_source *src, const char *name);

/* The enumeration value of a code, or -1. */
int schema_enum_code(const schema_enum *en, const char *code);

/* How one file's header maps to a source's columns. */
typedef struct {
	const schema_source *src;
	size_t nfields;                        /* header width */
	int field_of_col[SCHEMA_MAX_COLS];     /* -1: column absent */
	/* The header's field of every column, read or not: a withpid column
	 * of an extract with id_number (birth_date, sex) is not read with
	 * the row, only by schema_read_unread, to link a row that has no
	 * usable ID; -1 absent. */
	int header_field_of_col[SCHEMA_MAX_COLS];
	int identity_col;                      /* id_number's or pid's index */
	int has_pid;                           /* identity is pid */
} schema_map;

/* Maps a header record.  Errors (HH_EINPUT): a required column missing
 * (the message names the column and every name accepted for it), no
 * identity column, a column given twice. */
hh_status schema_map_header(const schema_source *src, const hh_record *hdr,
			    schema_map *map, hh_err *err);

/* One record's typed values.  val[] holds money (fen), ints, dates,
 * periods, flags, sex and enum indexes; str[] the trimmed text of text,
 * region, id, pid and name columns; pid[] the bytes of a pid column.  present has bit c set when column c
 * has a non-empty value. */
typedef struct {
	int64_t val[SCHEMA_MAX_COLS];
	hh_field str[SCHEMA_MAX_COLS];
	uint32_t present;
	uint8_t pid[32];           /* a pid column, decoded */
} schema_row;

/* Validates rec against map.  Returns NULL when the row is valid, else
 * the reject reason code ("column_count", "missing_value", "bad_money",
 * "negative_money", "bad_int", "bad_date", "bad_period", "bad_flag",
 * "bad_sex", "bad_enum", "bad_region", "bad_pid", "malformed_quotes",
 * "bad_encoding")
 * and sets *bad_col to the column concerned (-1 when none).  The identity
 * column is only trimmed here: the engine validates ID numbers. */
const char *schema_parse_row(const schema_map *map, const hh_record *rec,
			     schema_row *row, int *bad_col);

/* Trims ASCII whitespace and U+3000 from both ends. */
hh_field schema_trim(hh_field f);

/* schema_parse_row, with column skip_col (the identity column of a row
 * whose ID is empty or fails its type) left out: not parsed, not present.
 * For a row that may be linked without a usable ID. */
const char *schema_parse_row_except(const schema_map *map, const hh_record *rec,
				    schema_row *row, int *bad_col, int skip_col);

/* Column col's value in rec, from the field the header gave it even when
 * the map does not read it (schema_map.header_field_of_col).  1 and *val
 * set when the field is there, not empty and valid for the column's type;
 * 0 otherwise. */
int schema_read_unread(const schema_map *map, const hh_record *rec, int col,
		       int64_t *val);

/* Parses a date "YYYYMMDD" or "YYYY-MM-DD" (or "YYYY/MM/DD") and checks
 * it is a real date: 0 and *out = YYYYMMDD, or -1. */
int schema_parse_date(const char *s, size_t len, int *out);

#endif
