/*
 * fuzz_csv_plain.c - libFuzzer target: the CSV reader over a plain
 * input stream (connectors/csv.h over connectors/instream.h).
 *
 * The input is the file's bytes.  It is read through pull streams
 * (fuzz_csv.h: cut unevenly and cut as the stream asks, the two compared)
 * as the engine reads an extract (encoding chosen from the first line,
 * commas), and as UTF-8 with tabs and a 512-byte record limit, so that
 * the over-long-record error is reached by small inputs too.  It is also
 * opened as a file (ins_open_file, the path a source takes), which must
 * give the same records as the stream.  The record limit is
 * FUZZ_CSV_MAX rather than the 1 MiB default, whose zeroed buffer would
 * cost more than the parse of a fuzzer-sized input.
 */
#include "fuzz_util.h"
#include "fuzz_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t pulled = fuzz_csv_pull(data, size, HH_ENC_AUTO, ',', FUZZ_CSV_MAX);
	(void)fuzz_csv_pull(data, size, HH_ENC_UTF8, '\t', 512);

	const char *path = fuzz_write("input.csv", data, size);
	ins_opts io = {.source = "fuzz", .encoding = HH_ENC_AUTO, .want_sha256 = 1};
	hh_instream *in = NULL;
	csv_reader *r = NULL;
	hh_err err;
	if (ins_open_file(path, &io, &in, &err) == HH_OK) {
		csv_opts co = {.max_record = FUZZ_CSV_MAX};
		if (csv_open(in, &co, &r, &err) == HH_OK && fuzz_csv_drain(r) != pulled) {
			fprintf(stderr, "fuzz_csv_plain: a file reads otherwise than a stream\n");
			abort();
		}
	}
	return 0;
}
