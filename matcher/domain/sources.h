/*
 * sources.h - the five departmental sources, named once.
 *
 * The order is the contract's (and rejects.csv's): civil_affairs first.
 * The names are the schema's (schemas/sources.schema) and the command
 * line's option names with '-' for '_' ("civil-affairs").  Everything else
 * about a source (columns, aliases, enumerations) is data in the schema.
 *
 * Thread safety: pure functions over constant tables.
 */
#ifndef HH_SOURCES_H
#define HH_SOURCES_H

typedef enum {
	SRC_CIVIL_AFFAIRS,
	SRC_EDUCATION,
	SRC_HR,
	SRC_HOUSING,
	SRC_MEDICAL,
	SRC_COUNT
} source_id;

/* "civil_affairs", "education", "hr", "housing", "medical". */
const char *source_name(source_id s);

/* The run's option for the source: "civil-affairs", "education", ... */
const char *source_option(source_id s);

/* The source called name (schema name or option name, exact), or -1. */
int source_by_name(const char *name);

#endif
