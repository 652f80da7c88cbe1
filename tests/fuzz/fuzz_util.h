/*
 * fuzz_util.h - what the fuzz targets of tests/fuzz/ share: a private
 * temporary folder for the parsers that read files, and a way to hand
 * them the fuzzer's bytes as one.
 *
 * Each target is one file fuzz_NAME.c defining LLVMFuzzerTestOneInput.
 * It is linked either with libFuzzer (scripts/fuzz.sh, -DHH_FUZZ=ON with
 * clang) or with replay_main.c, which feeds it every file of its corpus
 * (the ctest tests fuzz_replay_NAME).  A target writes files only into
 * the folder fuzz_tmp_path makes: a fresh mkdtemp folder under $TMPDIR
 * (else /tmp), made on first use and removed with everything in it when
 * the process exits normally (libFuzzer's end of -max_total_time, the
 * replay's end).  A crashing process leaves it behind; scripts/fuzz.sh
 * points TMPDIR at its own work folder, which it removes.
 *
 * Thread safety: none; libFuzzer calls a target from one thread.
 */
#ifndef HH_FUZZ_UTIL_H
#define HH_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[512];
static char fuzz_path_buf[4][600];
static int fuzz_path_next;

static inline void fuzz_tmp_remove(void)
{
	if (fuzz_dir[0])
		fs_remove_tree(fuzz_dir);
}

/* A harness failure (no temporary folder, a full disk): not a finding
 * about the parser, but it must not pass silently either. */
static inline void fuzz_die(const char *what)
{
	fprintf(stderr, "fuzz harness: %s\n", what);
	abort();
}

/* dir/name in the target's private folder (made on first call); one of
 * four rotating buffers, so four results are valid at once. */
static inline const char *fuzz_tmp_path(const char *name)
{
	if (!fuzz_dir[0]) {
		const char *base = getenv("TMPDIR");
		if (!base || !*base)
			base = "/tmp";
		int n = snprintf(fuzz_dir, sizeof fuzz_dir, "%s/hh_fuzz.XXXXXX", base);
		if (n < 0 || (size_t)n >= sizeof fuzz_dir || !mkdtemp(fuzz_dir))
			fuzz_die("cannot make a temporary folder under $TMPDIR");
		atexit(fuzz_tmp_remove);
	}
	char *buf = fuzz_path_buf[fuzz_path_next++ % 4];
	int n = snprintf(buf, sizeof fuzz_path_buf[0], "%s/%s", fuzz_dir, name);
	if (n < 0 || (size_t)n >= sizeof fuzz_path_buf[0])
		fuzz_die("temporary path too long");
	return buf;
}

/* Writes data[0..size) as the file name in the private folder (replacing
 * it); returns its path (fuzz_tmp_path's buffer). */
static inline const char *fuzz_write(const char *name, const uint8_t *data, size_t size)
{
	const char *path = fuzz_tmp_path(name);
	/* Not fs_write_file: its fsync would cost more than the parse. */
	FILE *f = fopen(path, "wb");
	if (!f)
		fuzz_die("cannot create a file in the temporary folder");
	int bad = size && fwrite(data, 1, size, f) != size;
	if (fclose(f) != 0 || bad)
		fuzz_die("cannot write a file in the temporary folder");
	return path;
}

/* The bytes as a malloc'ed NUL-terminated string (a NUL inside ends it
 * early, as it would in a file read by a C string parser). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		fuzz_die("out of memory");
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
