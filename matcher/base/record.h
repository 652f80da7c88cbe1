/*
 * record.h - one row of text fields, as a source hands it over.
 *
 * The CSV reader (connectors/csv.h) produces these and the schema's row
 * checks (domain/schema.h) consume them, so the type lives below both:
 * the domain never needs to know which connector a row came from.
 *
 * Fields point into the producer's buffer and stay valid until the
 * producer's next read; they are not NUL-terminated.
 */
#ifndef HH_RECORD_H
#define HH_RECORD_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	const char *ptr; /* not NUL-terminated */
	uint32_t len;
} hh_field;

typedef struct {
	const hh_field *fields;
	size_t nfields;
	uint64_t line;   /* physical line where the record starts, 1-based */
	int malformed;   /* nonzero: quote misuse; fields are best effort */
	int bad_encoding; /* nonzero: holds a GB18030 sequence that could
			   * not be converted (instream.h); reject it */
} hh_record;

#endif
