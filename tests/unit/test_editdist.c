/*
 * test_editdist.c - base/editdist.h: the edit distance that ranks option
 * names (commands/opts.c) and rules keys (domain/rules.c) for "did you
 * mean": known distances, symmetry, empty names and the longest names.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "base/editdist.h"

static size_t d(const char *a, const char *b)
{
	return editdist(a, strlen(a), b, strlen(b));
}

Test(editdist, known_distances)
{
	cr_assert_eq(d("config", "config"), 0);
	cr_assert_eq(d("conf", "config"), 2);
	cr_assert_eq(d("kitten", "sitting"), 3);
	cr_assert_eq(d("medcal_oop", "medical_oop"), 1);
	cr_assert_eq(d("peroid", "period"), 2); /* a swap is two edits */
	cr_assert_eq(d("", "threads"), 7);
	cr_assert_eq(d("threads", ""), 7);
	cr_assert_eq(d("", ""), 0);
}

Test(editdist, symmetric_and_bounded)
{
	static const char *const w[] = {"period", "key", "out", "threads", "rules", "state",
					"encoding", "delimiter", "log-format", ""};
	for (size_t i = 0; i < sizeof w / sizeof *w; i++)
		for (size_t j = 0; j < sizeof w / sizeof *w; j++) {
			size_t la = strlen(w[i]), lb = strlen(w[j]);
			cr_assert_eq(d(w[i], w[j]), d(w[j], w[i]));
			cr_assert_geq(d(w[i], w[j]), la > lb ? la - lb : lb - la);
			cr_assert_leq(d(w[i], w[j]), la > lb ? la : lb);
		}
}

Test(editdist, longest_names)
{
	char a[EDITDIST_MAX + 1], b[EDITDIST_MAX + 1];
	memset(a, 'a', EDITDIST_MAX);
	memset(b, 'a', EDITDIST_MAX);
	a[EDITDIST_MAX] = b[EDITDIST_MAX] = '\0';
	cr_assert_eq(d(a, b), 0);
	b[0] = b[EDITDIST_MAX - 1] = 'b';
	cr_assert_eq(d(a, b), 2);
	/* only the first la bytes count */
	cr_assert_eq(editdist("configure", 4, "conf", 4), 0);
}
