/*
 * fuzz_csv_gb18030.c - libFuzzer target: the CSV reader over an input
 * stream declared GB18030 (--encoding gb18030; iconv conversion to
 * UTF-8 with its state carried across buffer boundaries).
 *
 * The input is the raw GB18030/GBK bytes, read through pull streams
 * (fuzz_csv.h) cut unevenly, so that two- and four-byte sequences are
 * split between reads, and cut as the stream asks, the two compared;
 * once with commas and once with tabs and a small record limit.
 */
#include "fuzz_util.h"
#include "fuzz_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)fuzz_csv_pull(data, size, HH_ENC_GB18030, ',', FUZZ_CSV_MAX);
	(void)fuzz_csv_pull(data, size, HH_ENC_GB18030, '\t', 512);
	return 0;
}
