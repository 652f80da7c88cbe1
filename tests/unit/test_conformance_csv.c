/*
 * test_conformance_csv.c - other projects' CSV read cases through
 * hhmatch's own reader (connectors/csv.h over connectors/instream.h):
 * csv-spectrum's files against their JSON, Go encoding/csv's TestRead
 * table and rust-csv's csv-core parses_to! cases (tests/data/conformance/
 * csv; docs/conformance.md has the counts).
 *
 * What is compared is what a run makes of the bytes: the records, with a
 * record the run rejects (malformed quotes, a GB18030 sequence that
 * cannot be converted, or a width other than the first record's, which
 * is the header: malformed_quotes, bad_encoding, column_count) as null,
 * and a stream error (the source refused) ending the list.  Go's null (a parse error for that
 * record) agrees with either.  The input is read with the encoding
 * detected as a run detects it (HH_ENC_AUTO), once whole and once a byte
 * at a time, which must give the same result.
 *
 * Every case where hhmatch differs is listed below with the contract rule
 * it follows instead; anything else that differs fails, and so does a
 * listed case that agrees.
 */
#include <criterion/criterion.h>

#include "connectors/csv.h"

#include "conformance.h"

#define CR_ONLY "a lone CR is data: the contract's line ends are LF and " \
	"CRLF (a CR is dropped only before LF or at the end of input)"
#define QUOTE_IN_FIELD "a quote inside an unquoted field breaks RFC 4180 " \
	"(such a field must be quoted): the row is rejected as malformed_quotes"
#define TEXT_AFTER_QUOTE "text after a closing quote breaks RFC 4180: the " \
	"row is rejected as malformed_quotes"

static conf_diff diffs[] = {
	CONF_DIFF("go", "FieldCount", "every row must have the header's width (RFC 4180 "
		  "2.4): a shorter row is rejected as column_count; the Go case turns "
		  "the check off (FieldsPerRecord=-1)"),
	CONF_DIFF("go", "CRLFInQuotedField", "RFC 4180 keeps a quoted field's bytes: its "
		  "CRLF stays CRLF (as in csv-spectrum's newlines_crlf); Go makes it LF"),
	CONF_DIFF("go", "BinaryBlobField", "the input is UTF-8 or GB18030: a first line "
		  "that is not UTF-8 is read as GB18030, and B4 1C is not GB18030, so "
		  "the source is refused (Go passes any bytes through)"),
	CONF_DIFF("go", "TrailingCR", "a CR at the very end of the input ends the line, "
		  "as CRLF does (Go keeps it in the field)"),
	CONF_DIFF("rust", "many_rows_one_field_cr", CR_ONLY),
	CONF_DIFF("rust", "many_rows_many_fields_cr", CR_ONLY),
	CONF_DIFF("rust", "many_rows_trailing_comma_cr", CR_ONLY),
	CONF_DIFF("rust", "trailing_lines_no_record_cr", CR_ONLY),
	CONF_DIFF("rust", "empty_lines_cr", CR_ONLY),
	CONF_DIFF("rust", "empty_lines_interspersed_cr", CR_ONLY),
	CONF_DIFF("rust", "quote_outer_space", QUOTE_IN_FIELD),
	CONF_DIFF("rust", "quote_no_escapes", TEXT_AFTER_QUOTE),
};
#define NDIFFS (sizeof diffs / sizeof diffs[0])

/* Bytes to show in a message: printable ASCII, others as \xNN. */
static void show(char *out, size_t cap, const char *p, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n && w + 5 < cap; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[w++] = (char)c;
		else
			w += (size_t)snprintf(out + w, cap - w, "\\x%02x", c);
	}
	out[w] = '\0';
}

/*
 * The records of a stream as JSON: an array of arrays of strings (bytes
 * as read; json_stringn_nocheck keeps bytes that are not UTF-8), null for
 * a row the run rejects.  *failed is set when the stream failed after
 * the records returned; err says why.
 */
static json_t *read_records(hh_instream *in, int *failed, hh_err *err)
{
	csv_opts co = { .delim = ',' };
	csv_reader *r;
	json_t *recs = json_array();
	size_t width = 0;

	*failed = 0;
	cr_assert_eq(csv_open(in, &co, &r, err), HH_OK, "%s", err->msg);
	for (size_t i = 0;; i++) {
		hh_record rec;
		int got;
		if (csv_next(r, &rec, &got, err) != HH_OK) {
			*failed = 1;
			break;
		}
		if (!got)
			break;
		if (i == 0)
			width = rec.nfields;
		if (rec.malformed || rec.bad_encoding || rec.nfields != width) {
			json_array_append_new(recs, json_null());
			continue;
		}
		json_t *row = json_array();
		for (size_t f = 0; f < rec.nfields; f++)
			json_array_append_new(row, json_stringn_nocheck(rec.fields[f].ptr,
									rec.fields[f].len));
		json_array_append_new(recs, row);
	}
	csv_close(r);
	return recs;
}

/* The expected records with the surrogate-escaped bytes restored. */
static json_t *expected_records(const json_t *exp)
{
	json_t *out = json_array();
	size_t i;
	json_t *row;

	json_array_foreach(exp, i, row) {
		if (json_is_null(row)) {
			json_array_append_new(out, json_null());
			continue;
		}
		json_t *r = json_array();
		size_t k;
		json_t *f;
		json_array_foreach(row, k, f) {
			size_t n;
			char *b = conf_bytes(f, &n);
			json_array_append_new(r, json_stringn_nocheck(b, n));
			free(b);
		}
		json_array_append_new(out, r);
	}
	return out;
}

/* Equal, or the stream failed exactly where a null (an error) was
 * expected after equal records. */
static int records_agree(const json_t *exp, const json_t *got, int failed)
{
	size_t ng = json_array_size(got);

	if (!failed)
		return json_equal(exp, got);
	if (ng >= json_array_size(exp))
		return 0;
	for (size_t i = 0; i < ng; i++)
		if (!json_equal(json_array_get(exp, i), json_array_get(got, i)))
			return 0;
	return json_is_null(json_array_get(exp, ng));
}

static json_t *read_bytes(const char *p, size_t n, size_t chunk, int *failed,
			  hh_err *err)
{
	conf_mem m = { .p = p, .n = n, .chunk = chunk };
	ins_opts o = { .source = "conformance", .encoding = HH_ENC_AUTO };
	hh_instream *in;

	cr_assert_eq(ins_open_pull(conf_pull, &m, "case.csv", &o, &in, err), HH_OK,
		     "%s", err->msg);
	return read_records(in, failed, err);
}

/* Go's and rust-csv's cases: {name, input, expected}. */
static void run_table(const char *rel, const char *corpus, unsigned want)
{
	json_t *doc = conf_json(rel);
	conf_tally t = { .corpus = corpus };
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(doc, "cases"), i, c) {
		const char *name = hj_str(c, "name");
		size_t n;
		char *in = conf_bytes(json_object_get(c, "input"), &n);
		json_t *exp = expected_records(json_object_get(c, "expected"));
		int failed, failed1;
		hh_err err, err1;
		json_t *got = read_bytes(in, n, n ? n : 1, &failed, &err);
		json_t *got1 = read_bytes(in, n, 1, &failed1, &err1);

		cr_assert_not_null(name);
		cr_expect(json_equal(got, got1) && failed == failed1,
			  "%s: %s: reading a byte at a time gives another result",
			  corpus, name);
		char detail[HH_ERR_MAX + 512], shown[200];
		char *gs = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
		show(shown, sizeof shown, in, n);
		snprintf(detail, sizeof detail, "input \"%s\" read as %s%s%s", shown,
			 gs ? gs : "?", failed ? " then the error: " : "",
			 failed ? err.msg : "");
		free(gs);
		conf_verdict(diffs, NDIFFS, &t, name, records_agree(exp, got, failed),
			     detail);
		json_decref(exp);
		json_decref(got);
		json_decref(got1);
		free(in);
	}
	conf_finish(diffs, NDIFFS, &t, want);
	json_decref(doc);
}

Test(conformance_csv, go_encoding_csv)
{
	run_table("csv/go_encoding_csv.json", "go", 32);
}

Test(conformance_csv, rust_csv_core)
{
	run_table("csv/rust_csv_core.json", "rust", 47);
}

/* csv-spectrum: each csvs/NAME.csv read from its file as a run reads a
 * source (header, then one object per row) against json/NAME.json. */
Test(conformance_csv, csv_spectrum)
{
	static const char *const names[] = {
		"comma_in_quotes", "empty", "empty_crlf", "escaped_quotes", "json",
		"newlines", "newlines_crlf", "quotes_and_newlines", "simple",
		"simple_crlf", "utf8",
	};
	conf_tally t = { .corpus = "csv-spectrum" };

	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		char rel[128];
		ins_opts o = { .source = "conformance", .encoding = HH_ENC_AUTO };
		hh_instream *in;
		hh_err err;
		int failed;

		snprintf(rel, sizeof rel, "csv/csv-spectrum/csvs/%s.csv", names[k]);
		cr_assert_eq(ins_open_file(conf_path(rel), &o, &in, &err), HH_OK,
			     "%s", err.msg);
		json_t *recs = read_records(in, &failed, &err);
		json_t *objs = json_array();
		json_t *hdr = json_array_get(recs, 0);
		int ok = !failed && json_is_array(hdr);
		for (size_t i = 1; ok && i < json_array_size(recs); i++) {
			json_t *row = json_array_get(recs, i), *obj = json_object();
			ok = json_is_array(row);
			for (size_t f = 0; ok && f < json_array_size(row); f++)
				json_object_set(obj, json_string_value(json_array_get(hdr, f)),
						json_array_get(row, f));
			json_array_append_new(objs, obj);
		}
		snprintf(rel, sizeof rel, "csv/csv-spectrum/json/%s.json", names[k]);
		json_t *exp = conf_json(rel);
		char *gs = json_dumps(objs, JSON_COMPACT);
		conf_verdict(diffs, NDIFFS, &t, names[k], ok && json_equal(exp, objs),
			     failed ? err.msg : gs);
		free(gs);
		json_decref(exp);
		json_decref(objs);
		json_decref(recs);
	}
	conf_finish(diffs, NDIFFS, &t, 11);
}
