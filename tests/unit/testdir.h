/*
 * testdir.h - a fresh temporary folder per test, for the Criterion unit
 * tests that write their inputs to files.  Include once per test file:
 *
 *   #define TESTDIR_NAME "csv"
 *   #include "testdir.h"
 *   TestSuite(csv, .init = testdir_setup, .fini = testdir_teardown);
 *
 * tpath("x.csv") names a file in it (four results stay valid at once);
 * write_bytes writes one.  The folder is removed after each test.
 */
#ifndef HH_TESTDIR_H
#define HH_TESTDIR_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

static char tdir[256];

static void testdir_setup(void)
{
	snprintf(tdir, sizeof tdir, "/tmp/hh_test_" TESTDIR_NAME ".XXXXXX");
	cr_assert_not_null(mkdtemp(tdir));
}

static void testdir_teardown(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tdir);
	cr_assert_eq(system(cmd), 0);
}

static const char *tpath(const char *name)
{
	static char p[4][512];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "%s/%s", tdir, name);
	return p[k];
}

static void write_bytes(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(b, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
}

#endif
