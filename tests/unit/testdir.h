/*
 * testdir.h - the one temporary-folder helper of the unit tests.
 *
 * A unit test that writes files writes them in a fresh private folder
 * (mkdtemp under $TMPDIR, else /tmp) made before the test and removed,
 * with everything below it, after the test, whether it passed or failed.
 * No test names a fixed path under /tmp, so tests never meet each other's
 * files and a run leaves nothing behind.  Include it once per test file:
 *
 *   #define TESTDIR_NAME "csv"          (the folder is hh_test_csv.XXXXXX)
 *   #include "testdir.h"
 *   TestSuite(csv, .init = testdir_setup, .fini = testdir_teardown);
 *
 *   write_bytes(tpath("x.csv"), "a,b\n", 4);
 *
 * A suite that prepares more (paths of its own under tdir) calls
 * testdir_setup first from its own .init.  tdir is the folder's path;
 * tpath(name) is tdir/name in one of four rotating buffers, so four
 * results are valid at once (copy one that must live longer).  write_bytes
 * and read_bytes write and read back a whole file.
 *
 * The folder is removed with base/fsutil.h's fs_remove_tree, not a shell,
 * and teardown checks that it is gone.  Criterion runs each test in its
 * own process, so the static state below is per test.
 */
#ifndef HH_TESTDIR_H
#define HH_TESTDIR_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"

#ifndef TESTDIR_NAME
#error "define TESTDIR_NAME (the test file's short name) before including testdir.h"
#endif

static char tdir[1024];

static inline void testdir_setup(void)
{
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	int n = snprintf(tdir, sizeof tdir, "%s/hh_test_" TESTDIR_NAME ".XXXXXX", base);
	cr_assert(n > 0 && (size_t)n < sizeof tdir, "TMPDIR too long: %s", base);
	cr_assert_not_null(mkdtemp(tdir), "mkdtemp %s: %s", tdir, strerror(errno));
}

static inline void testdir_teardown(void)
{
	fs_remove_tree(tdir);
	cr_assert(access(tdir, F_OK) != 0 && errno == ENOENT, "%s was not removed", tdir);
}

static inline const char *tpath(const char *name)
{
	static char p[4][1280];
	static int k;
	k = (k + 1) % 4;
	int n = snprintf(p[k], sizeof p[k], "%s/%s", tdir, name);
	cr_assert(n > 0 && (size_t)n < sizeof p[k], "path too long: %s/%s", tdir, name);
	return p[k];
}

static inline void write_bytes(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(b, 1, n, f), n, "%s: short write", path);
	cr_assert_eq(fclose(f), 0, "%s: %s", path, strerror(errno));
}

/* The whole file at path, malloc'ed and NUL-terminated (the caller frees
 * it); its length in *len unless len is NULL. */
static inline char *read_bytes(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	size_t cap = 1 << 16, n = 0, r;
	char *b = malloc(cap);
	cr_assert_not_null(b);
	while ((r = fread(b + n, 1, cap - 1 - n, f)) > 0) {
		n += r;
		if (n == cap - 1) {
			b = realloc(b, cap *= 2);
			cr_assert_not_null(b);
		}
	}
	fclose(f);
	b[n] = '\0';
	if (len)
		*len = n;
	return b;
}

#endif
