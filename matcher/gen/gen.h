/*
 * gen.h - `hhmatch gen`: a deterministic synthetic month.
 *
 * Writes the five departmental extracts for a made-up Ningxia-like
 * population (region codes 64xxxx, realistic household sizes, categories,
 * incomes, students, workers, housing, medical settlements over 15
 * months), a config file that `hhmatch run --config` accepts, and the
 * ground truth of every case it planted, so tests can measure recall.
 *
 * Same options and seed -> same bytes, on any machine and thread count.
 * All identities are invented (valid check characters, but random); the
 * ground truth may therefore hold them.
 *
 * Thread safety: gen_month keeps no global state.
 */
#ifndef HH_GEN_H
#define HH_GEN_H

#include <stdint.h>

#include "base/hh_error.h"
#include "domain/pid.h"

/* The month's shape.  DEFAULT lists a person's rows together and gives
 * hr and medical similar sizes.  SKEWED is the shape of real extracts
 * (issue 16): every person source's data rows in a random order (sorted
 * by date or office, not by person), and medical dominant: about 10
 * settlements for each person who has any, in one single-member gzip,
 * hr one or two months a person.
 * truth.csv names the lines where the rows ended up. */
typedef enum { GEN_SHAPE_DEFAULT, GEN_SHAPE_SKEWED } gen_shape;

typedef struct {
	const char *out_dir;     /* created if missing */
	uint64_t households;     /* roster households */
	uint64_t seed;
	int period;              /* YYYYMM, run period the data is for;
				    0: 202611 */
	int clean;               /* 1: no dirty data at all */
	const pid_key *key;      /* optional: ground truth gets pids; and with
				    pid_sources, extracts carry pid */
	int pid_sources;         /* 1: write pid instead of id_number (needs key) */
	gen_shape shape;         /* GEN_SHAPE_DEFAULT: the same bytes as before
				    the option existed */
} gen_opts;

/* Writes into out_dir:
 *   civil_affairs.csv, education.csv, hr.csv.gz, housing.csv,
 *   medical.csv.gz   (dirty mode varies formats: see gen.c)
 *   hhmatch.conf     (sources, period and encodings for run --config)
 *   truth.csv        (planted cases: kind,code,source,household_id,
 *                     id_number,pid,line,detail)
 * Returns HH_EUSAGE for bad options, HH_EINTERNAL for write errors. */
hh_status gen_month(const gen_opts *opts, hh_err *err);

#endif
