/*
 * idnum.h - national ID numbers (GB 11643-1999): normalise, validate,
 * convert 15 to 18 digits, and enumerate one-typo repairs.
 *
 * Normalisation (contract): trim ASCII and full-width spaces, full-width
 * digits and X to ASCII, 'x' to 'X'; 15-digit legacy numbers get "19"
 * inserted and a computed check character.  Validation: 18 characters,
 * 17 digits and a check character matching ISO 7064 MOD 11-2; the first
 * two digits a province-level code of GB/T 2260, or '9' and such a code
 * (the foreigner's permanent residence ID card, 2023 format: the same
 * layout of birth date, sequence and check character); a real calendar
 * date from 1900-01-01, not after the last day of the run period.
 *
 * Functions here never log, and callers must never put the raw or the
 * normalised number in a message: only the idnum_result reason.
 *
 * Pure functions, no state: safe from any thread.
 */
#ifndef HH_IDNUM_H
#define HH_IDNUM_H

#include <stddef.h>

typedef enum {
	ID_OK = 0,
	ID_EMPTY,       /* nothing after trimming */
	ID_BAD_LENGTH,  /* not 15 or 18 characters */
	ID_BAD_CHAR,    /* a character that is not a digit (or final X) */
	ID_BAD_REGION,  /* no GB/T 2260 province-level code in front */
	ID_BAD_CHECK,   /* check character does not match */
	ID_BAD_DATE,    /* not a real calendar date, or before 1900 */
	ID_FUTURE_DATE  /* birth date after the end of the run period */
} id_result;

/* Normalises and validates raw[0..len) (UTF-8).  period is YYYYMM; the
 * birth date must not be after its last day.  A period that is not a valid
 * YYYYMM (0 in particular) means no upper bound, for callers without a
 * run period.  On ID_OK, out holds the 18-character normalised
 * number and a NUL.  On ID_BAD_REGION, ID_BAD_CHECK, ID_BAD_DATE and
 * ID_FUTURE_DATE out also holds the normalised 18 characters and a NUL (so
 * that a repair can be tried); otherwise out is unspecified.  Reasons are
 * tried in the order empty, length (counted in characters), character,
 * region, date, check, future.
 * No allocation, no locale: runs once per input row. */
/* 1 when the len bytes at s hold something shaped like an ID number: a
 * run of 15 or more digits, ASCII or full-width (U+FF10..U+FF19) mixed,
 * anywhere in the text.  15 and 18 are the ID lengths (the 18th may be X,
 * after 17 digits already counted); longer runs (a bank card, two IDs run
 * together) count too.  What holds one is never echoed in a message nor
 * kept where it cannot be cleaned (the audit log). */
int idnum_shaped(const char *s, size_t len);

id_result idnum_normalize(const char *raw, size_t len, int period,
			  char out[19]);

/* The check character ('0'-'9' or 'X') for 17 digits. */
char idnum_check_char(const char first17[17]);

/* Birth date of a valid normalised number as YYYYMMDD; sex 1 male,
 * 2 female (odd or even sequence). */
int idnum_birth_date(const char id[18]);
int idnum_sex(const char id[18]);

/* Reason code for rejects.csv: "bad_id_empty", "bad_id_length",
 * "bad_id_char", "bad_id_region", "bad_id_check", "bad_id_date",
 * "bad_id_future" ("ok" for ID_OK).  A static string. */
const char *idnum_reason(id_result r);

/* 1 if a failed validation left a full 18-character number in out that a
 * one-typo repair may fix (ID_BAD_REGION, ID_BAD_CHECK, ID_BAD_DATE or
 * ID_FUTURE_DATE). */
int idnum_repairable(id_result r);

/* The 6-digit region an ID was issued under, as a number: digits 1-6 of a
 * citizen's number; for a foreigner's permanent residence card (leading
 * '9', whose digits 4-6 are a nationality, not a place) the province,
 * digits 2-3, followed by 0000.  id is a valid normalised number. */
int idnum_region(const char id[18]);

/* Enumerates repairs of an 18-character number that failed validation
 * (idnum_repairable): every single-character
 * substitution (a digit, or X in the last place) and every adjacent
 * transposition whose result is valid for period.  Calls fn for each
 * distinct candidate (NUL-terminated, 18 characters) until fn returns
 * nonzero; bad itself is never a candidate.  cand is valid only during the
 * call.  Returns the number of candidates passed to fn (0 when bad is not
 * 17 digits and a digit or X). */
size_t idnum_repairs(const char bad[18], int period,
		     int (*fn)(const char cand[19], void *ctx), void *ctx);

/* Age in whole years on date (YYYYMMDD) of someone born on birth
 * (YYYYMMDD): one more on each birthday.  Someone born on 29 February
 * turns a year older on 1 March in common years. */
int idnum_age(int birth, int date);


/* 1 if YYYYMMDD is a real calendar date. */
int idnum_valid_date(int yyyymmdd);

#endif
