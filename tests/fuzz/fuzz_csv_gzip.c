/*
 * fuzz_csv_gzip.c - libFuzzer target: the CSV reader over a gzip input
 * stream (instream.c's inflate, ISA-L or zlib as the build chose, every
 * member of a multi-member file).
 *
 * The input is the bytes of a .gz file, written to the target's private
 * folder as input.csv.gz and opened with ins_open_file as a source is.
 * Decompressed text is capped by the reader (csv.h's max_record, here
 * FUZZ_CSV_MAX) and by libFuzzer's -rss_limit_mb, so a small bomb is a
 * finding only if the reader's memory grows with it.
 */
#include "fuzz_util.h"
#include "fuzz_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write("input.csv.gz", data, size);
	ins_opts io = {.source = "fuzz", .encoding = HH_ENC_AUTO, .want_sha256 = 1};
	hh_instream *in = NULL;
	csv_reader *r = NULL;
	hh_err err;
	if (ins_open_file(path, &io, &in, &err) != HH_OK)
		return 0;
	csv_opts co = {.max_record = FUZZ_CSV_MAX};
	if (csv_open(in, &co, &r, &err) == HH_OK)
		(void)fuzz_csv_drain(r);
	return 0;
}
