/*
 * replay_main.c - the main of the replay builds of the fuzz targets:
 * every build (GCC, clang, ASan, TSan) links each tests/fuzz/fuzz_NAME.c
 * with this file as replay_NAME, and ctest runs it over the target's
 * corpus (test fuzz_replay_NAME), so that the seeds and every crash or
 * timeout reproducer ever found keep passing without libFuzzer.
 *
 *   replay_NAME PATH...    each PATH a file or a folder (its regular
 *                          files, recursively, in name order)
 *
 * Each file's bytes go to LLVMFuzzerTestOneInput once.  A finding
 * aborts (the target's checks, or a sanitizer), so exit 0 means every
 * file passed; a path that cannot be read is exit 2, and so is a corpus
 * with no file at all (a wrong path must not pass as an empty corpus).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fsutil.h"
#include "base/hh_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer's default -max_len is smaller; a corpus file is kept under
 * 100 KB (tests/fuzz/corpus/README.md). */
#define REPLAY_MAX_BYTES (1u << 20)

static int replay_path(const char *path, unsigned long *files);

static int filter_visible(const struct dirent *e) { return e->d_name[0] != '.'; }

static int replay_dir(const char *path, unsigned long *files)
{
	struct dirent **list = NULL;
	int n = scandir(path, &list, filter_visible, alphasort);
	if (n < 0) {
		perror(path);
		return 2;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		char child[4096];
		int len = snprintf(child, sizeof child, "%s/%s", path, list[i]->d_name);
		if (len < 0 || (size_t)len >= sizeof child) {
			fprintf(stderr, "%s/%s: path too long\n", path, list[i]->d_name);
			rc = 2;
		} else if (rc == 0) {
			rc = replay_path(child, files);
		}
		free(list[i]);
	}
	free(list);
	return rc;
}

static int replay_path(const char *path, unsigned long *files)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		perror(path);
		return 2;
	}
	if (S_ISDIR(sb.st_mode))
		return replay_dir(path, files);
	if (!S_ISREG(sb.st_mode))
		return 0;
	char *data = NULL;
	size_t len = 0;
	hh_err err;
	if (fs_read_file(path, REPLAY_MAX_BYTES, HH_EINPUT, &data, &len, &err) != HH_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return 2;
	}
	/* A copy of exactly len bytes, so that a read past the input is
	 * AddressSanitizer's to see, as under libFuzzer. */
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy) {
		free(data);
		fprintf(stderr, "%s: out of memory\n", path);
		return 2;
	}
	if (len)
		memcpy(copy, data, len);
	free(data);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	(*files)++;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
		return 2;
	}
	unsigned long files = 0;
	for (int i = 1; i < argc; i++) {
		int rc = replay_path(argv[i], &files);
		if (rc)
			return rc;
	}
	if (files == 0) {
		fprintf(stderr, "%s: no input file under the paths given\n", argv[0]);
		return 2;
	}
	printf("%s: %lu inputs replayed\n", argv[0], files);
	return 0;
}
