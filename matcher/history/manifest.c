/*
 * manifest.c - building manifest.json (and manifest.sig) for a run
 * folder, and checking a folder against them (see manifest.h).
 *
 * What a manifest says of the run (version, period, key, rules, inputs)
 * is copied from the folder's report.json, which the engine wrote from
 * the same run: one source of those facts, so the two cannot disagree.
 * The outputs are whatever the folder holds at the time, hashed as
 * streams (rejects.csv may be large).
 */
#include "history/manifest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/fsutil.h"
#include "base/hex.h"
#include "base/json.h"

#define MANIFEST_VERSION 1
/* manifest.json and manifest.sig are read whole; larger is not ours. */
#define MANIFEST_MAX (64u << 20)
#define SIG_MAX 4096

/* SHA-256 of the file at path as hex, and its size.  0 on success, else
 * -1 with errno set (EIO when OpenSSL failed). */
static int file_sha256(const char *path, char out[65], uint64_t *bytes)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	unsigned char buf[1 << 16], md[32];
	unsigned mdlen = 0;
	int e = ok ? 0 : EIO;
	*bytes = 0;
	while (ok) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			ok = 0;
		} else if (r == 0) {
			break;
		} else if (EVP_DigestUpdate(ctx, buf, (size_t)r) != 1) {
			e = EIO;
			ok = 0;
		} else {
			*bytes += (uint64_t)r;
		}
	}
	if (ok && (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != sizeof md)) {
		e = EIO;
		ok = 0;
	}
	EVP_MD_CTX_free(ctx);
	close(fd);
	if (!ok) {
		errno = e;
		return -1;
	}
	hex_encode(md, sizeof md, out);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The names in dir, but ".", "..", manifest.json and manifest.sig,
 * sorted bytewise.  status is what an unreadable folder is. */
static hh_status list_names(const char *dir, hh_status status, char ***out, size_t *n,
			    hh_err *err)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return hh_fail(err, status, "cannot read run folder %s: %s", dir,
			       strerror(errno));
	char **names = NULL;
	size_t cap = 0, len = 0;
	hh_status st = HH_OK;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		if (!strcmp(nm, ".") || !strcmp(nm, "..") || !strcmp(nm, MANIFEST_JSON) ||
		    !strcmp(nm, MANIFEST_SIG))
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			char **p = realloc(names, cap * sizeof *p);
			if (!p) {
				st = hh_fail(err, HH_EINTERNAL, "listing %s: out of memory", dir);
				break;
			}
			names = p;
		}
		if (!(names[len] = strdup(nm))) {
			st = hh_fail(err, HH_EINTERNAL, "listing %s: out of memory", dir);
			break;
		}
		len++;
	}
	closedir(d);
	if (st != HH_OK) {
		free_names(names, len);
		return st;
	}
	if (len > 1)
		qsort(names, len, sizeof *names, cmp_name);
	*out = names;
	*n = len;
	return HH_OK;
}

/* dst[key] = a copy of src[key], when src has it; -1 on no memory. */
static int copy_member(json_t *dst, const json_t *src, const char *key)
{
	json_t *v = json_object_get(src, key);
	return v ? json_object_set_new(dst, key, json_deep_copy(v)) : 0;
}

/* The manifest's "inputs", from report.json's "sources". */
static json_t *inputs_of(const json_t *report)
{
	static const char *const kept[] = {"file", "file_hex", "sha256", "rows_read",
					   "rows_accepted", "rows_rejected"};
	json_t *arr = json_array();
	const char *name;
	json_t *src;
	int bad = !arr;
	json_object_foreach(json_object_get(report, "sources"), name, src) {
		json_t *o = json_object();
		bad |= !o || json_object_set_new(o, "source", json_string(name));
		if (json_is_true(json_object_get(src, "absent")))
			bad |= !o || json_object_set_new(o, "absent", json_true());
		else
			for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
				bad |= !o || copy_member(o, src, kept[i]);
		bad |= json_array_append_new(arr, o) != 0;
	}
	if (bad) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/* The manifest's "outputs": every file of dir, hashed. */
static hh_status outputs_of(const char *dir, json_t **out, hh_err *err)
{
	char **names;
	size_t n;
	*out = NULL;
	HH_TRY(list_names(dir, HH_EINTERNAL, &names, &n, err));
	json_t *arr = json_array();
	hh_status st = arr ? HH_OK : hh_fail(err, HH_EINTERNAL, "manifest: out of memory");
	for (size_t i = 0; st == HH_OK && i < n; i++) {
		char path[PATH_MAX], sha[65];
		struct stat sb;
		uint64_t bytes;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			st = hh_fail(err, HH_EINTERNAL,
				     "cannot write the manifest of %s: %s is not a regular file "
				     "(a run folder holds only files)", dir, names[i]);
			break;
		}
		if (file_sha256(path, sha, &bytes) != 0) {
			st = hh_fail(err, HH_EINTERNAL, "cannot write the manifest of %s: "
				     "cannot hash %s: %s", dir, names[i], strerror(errno));
			break;
		}
		json_t *o = json_object();
		if (!o || hj_set_bytes(o, "name", names[i]) ||
		    json_object_set_new(o, "bytes", json_integer((json_int_t)bytes)) ||
		    json_object_set_new(o, "sha256", json_string(sha)) ||
		    json_array_append_new(arr, o))
			st = hh_fail(err, HH_EINTERNAL, "manifest: out of memory");
	}
	free_names(names, n);
	if (st != HH_OK) {
		json_decref(arr);
		return st;
	}
	*out = arr;
	return HH_OK;
}

hh_status manifest_build(const char *dir, strbuf *out, hh_err *err)
{
	char path[PATH_MAX];
	json_t *report = NULL, *outputs = NULL;
	snprintf(path, sizeof path, "%s/report.json", dir);
	hh_status st = hj_load_path(path, &report, err);
	if (st != HH_OK)
		return hh_wrap(err, HH_EINTERNAL, "cannot write the manifest of %s", dir);
	if (!json_is_object(report) || !json_is_object(json_object_get(report, "sources"))) {
		json_decref(report);
		return hh_fail(err, HH_EINTERNAL, "cannot write the manifest of %s: %s is not "
			       "a report.json written by hhmatch", dir, path);
	}
	st = outputs_of(dir, &outputs, err);
	json_t *m = json_object();
	if (st == HH_OK) {
		int bad = !m;
		bad |= bad || json_object_set_new(m, "manifest_version",
						  json_integer(MANIFEST_VERSION));
		bad |= bad || json_object_set_new(m, "hhmatch_version", json_string(HH_VERSION));
		bad |= bad || copy_member(m, report, "period");
		bad |= bad || copy_member(m, report, "key_id");
		bad |= bad || copy_member(m, report, "rules_sha256");
		bad |= bad || copy_member(m, report, "rules");
		bad |= bad || json_object_set_new(m, "inputs", inputs_of(report));
		bad |= bad || json_object_set(m, "outputs", outputs);
		if (!bad) {
			hj_dump(out, m, HJ_PRETTY);
			sb_addc(out, '\n');
		}
		if (bad || out->oom)
			st = hh_fail(err, HH_EINTERNAL, "cannot write the manifest of %s: "
				     "out of memory", dir);
	}
	json_decref(m);
	json_decref(outputs);
	json_decref(report);
	return st;
}

hh_status manifest_write(const char *dir, const sign_key *key, hh_err *err)
{
	char path[PATH_MAX];
	strbuf b = STRBUF_INIT;
	hh_status st = manifest_build(dir, &b, err);
	if (st == HH_OK) {
		snprintf(path, sizeof path, "%s/%s", dir, MANIFEST_JSON);
		st = fs_write_file(path, b.buf, b.len, 0666, err);
	}
	if (st == HH_OK && key) {
		uint8_t sig[SIGN_BYTES];
		char hex[2 * SIGN_BYTES + 1];
		st = sign_data(key, b.buf, b.len, sig, err);
		if (st == HH_OK) {
			hex_encode(sig, sizeof sig, hex);
			json_t *s = json_pack("{s:s, s:s, s:s}", "algorithm", "ed25519",
					      "key_fingerprint", sign_key_fingerprint(key),
					      "signature", hex);
			strbuf t = STRBUF_INIT;
			if (s) {
				hj_dump(&t, s, HJ_PRETTY);
				sb_addc(&t, '\n');
			}
			json_decref(s);
			snprintf(path, sizeof path, "%s/%s", dir, MANIFEST_SIG);
			st = !s || t.oom ? hh_fail(err, HH_EINTERNAL, "cannot write %s: out of "
						   "memory", path)
					 : fs_write_file(path, t.buf, t.len, 0666, err);
			sb_release(&t);
		}
	}
	sb_release(&b);
	return st;
}

/* ---- verification ---- */

typedef struct {
	const char *dir;
	manifest_problem_fn fn;
	void *ctx;
	size_t *problems;
} checker;

static void problem(checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(checker *c, const char *fmt, ...)
{
	char msg[HH_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	(*c->problems)++;
	c->fn(c->ctx, msg);
}

/* One output listed in the manifest, against the folder. */
static void check_output(checker *c, const char *name, const char *want)
{
	char path[PATH_MAX], sha[65];
	struct stat sb;
	uint64_t bytes;
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		problem(c, "%s/%s: manifest.json lists '%s', which is not a file name (the "
			"manifest was changed after the run)", c->dir, MANIFEST_JSON, name);
		return;
	}
	snprintf(path, sizeof path, "%s/%s", c->dir, name);
	if (lstat(path, &sb) != 0)
		problem(c, "%s: missing, listed in manifest.json (the file was removed after "
			"the run)", path);
	else if (!S_ISREG(sb.st_mode))
		problem(c, "%s: not a regular file, listed in manifest.json as one", path);
	else if (file_sha256(path, sha, &bytes) != 0)
		problem(c, "%s: cannot read it to compare with manifest.json: %s", path,
			strerror(errno));
	else if (!want || strcmp(sha, want))
		problem(c, "%s: sha256 differs from manifest.json (the file was changed after "
			"the run)", path);
}

/* manifest.sig against pubkey and the exact bytes of manifest.json. */
static void check_signature(checker *c, const sign_key *pub, const char *text, size_t len)
{
	char path[PATH_MAX], *sigtext = NULL;
	json_t *s = NULL;
	hh_err e;
	uint8_t sig[SIGN_BYTES];
	snprintf(path, sizeof path, "%s/%s", c->dir, MANIFEST_SIG);
	if (access(path, F_OK) != 0) {
		problem(c, "%s: missing, so manifest.json cannot be checked against --pubkey "
			"(key %s): the run was not signed, or its signature was removed",
			path, sign_key_fingerprint(pub));
		return;
	}
	size_t n = 0;
	const char *hex = NULL;
	if (fs_read_file(path, SIG_MAX, HH_EINPUT, &sigtext, &n, &e) == HH_OK &&
	    hj_load_text(sigtext, n, path, &s, &e) == HH_OK)
		hex = hj_str(s, "signature");
	if (!hex || strlen(hex) != 2 * SIGN_BYTES || hex_decode(hex, SIGN_BYTES, sig) != 0) {
		problem(c, "%s: not a signature hhmatch wrote (expected a JSON object with "
			"\"signature\": 128 hex characters)", path);
	} else if (!sign_check(pub, text, len, sig)) {
		const char *by = hj_str(s, "key_fingerprint");
		if (by && strcmp(by, sign_key_fingerprint(pub)))
			problem(c, "%s: the signature does not verify under --pubkey (key %s); "
				"it names key %s: the run was signed with another key",
				path, sign_key_fingerprint(pub), by);
		else
			problem(c, "%s: the signature does not verify under --pubkey (key %s): "
				"manifest.json was changed after the run, or signed with "
				"another key", path, sign_key_fingerprint(pub));
	}
	json_decref(s);
	free(sigtext);
}

hh_status manifest_verify(const char *dir, const sign_key *pubkey, manifest_problem_fn fn,
			  void *ctx, size_t *problems, hh_err *err)
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	json_t *m = NULL;
	*problems = 0;
	snprintf(path, sizeof path, "%s/%s", dir, MANIFEST_JSON);
	HH_TRY(fs_read_file(path, MANIFEST_MAX, HH_EINPUT, &text, &len, err));
	hh_status st = hj_load_text(text, len, path, &m, err);
	json_t *outputs = json_object_get(m, "outputs");
	if (st == HH_OK && !json_is_array(outputs))
		st = hh_fail(err, HH_EINPUT, "%s: not a manifest written by hhmatch (no "
			     "\"outputs\" list)", path);
	char **names = NULL;
	size_t n = 0;
	if (st == HH_OK)
		st = list_names(dir, HH_EINPUT, &names, &n, err);
	if (st != HH_OK) {
		json_decref(m);
		free(text);
		return st;
	}
	checker c = {dir, fn, ctx, problems};
	/* Which names of the folder the manifest lists, for the extras. */
	char *listed = calloc(n ? n : 1, 1);
	size_t i;
	json_t *o;
	json_array_foreach(outputs, i, o) {
		char *name = hj_get_bytes(o, "name");
		if (!name) {
			problem(&c, "%s: output %zu has no name (the manifest was changed after "
				"the run)", path, i + 1);
			continue;
		}
		check_output(&c, name, hj_str(o, "sha256"));
		char **hit = bsearch(&name, names, n, sizeof *names, cmp_name);
		if (hit && listed)
			listed[hit - names] = 1;
		free(name);
	}
	for (size_t k = 0; listed && k < n; k++)
		if (!listed[k])
			problem(&c, "%s/%s: not in manifest.json (the file was added after the "
				"run)", dir, names[k]);
	if (!listed)
		st = hh_fail(err, HH_EINTERNAL, "verifying %s: out of memory", dir);
	if (st == HH_OK && pubkey)
		check_signature(&c, pubkey, text, len);
	free(listed);
	free_names(names, n);
	json_decref(m);
	free(text);
	return st;
}
