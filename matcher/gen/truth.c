/*
 * truth.c - phase 4 of `hhmatch gen` (see gen_int.h): truth.csv, the
 * ground truth of every planted case and every piece of dirt, and
 * hhmatch.conf, the config `hhmatch run --config` reads the month with.
 *
 * truth.csv rows are collected in g->truth while the other phases run
 * (plans at population time, dirt with the physical line it was written
 * on) and written last, after their header.  The IDs in it are invented,
 * so the ground truth may hold them; with a key it also gives their pids.
 */
#include <stdio.h>
#include <string.h>

#include "gen/gen_int.h"

static const char truth_header[] =
	"kind,code,source,household_id,id_number,pid,line,detail\n";

static void truth_row(gen *g, const char *kind, const char *code, int src,
		      int64_t hi, int64_t pi, long line, long first, const char *detail)
{
	char buf[512], hid[32] = "", id[19] = "", pidhex[PID_HEX + 1] = "";
	char ln[24] = "";
	if (hi >= 0)
		pop_household_id(g, (size_t)hi, hid);
	if (pi >= 0) {
		memcpy(id, P(g, pi).id, 18);
		id[18] = 0;
		if (g->o->key) {
			uint8_t bin[PID_BYTES];
			pid_compute(g->o->key, id, bin);
			pid_to_hex(bin, pidhex);
		}
	}
	if (line > 0 && src >= 0 && g->shuffled[src]) {
		/* its place is known once the extract is shuffled (truth_write) */
		truth_moved *m = gen_push(g, &g->truth_moved);
		if (!m)
			return;
		m->src = src;
		m->line = line;
		m->first = first;
		snprintf(m->pre, sizeof m->pre, "%s,%s,%s,%s,%s,%s,", kind, code,
			 source_name((source_id)src), hid, id, pidhex);
		snprintf(m->post, sizeof m->post, ",%s\n", detail);
		return;
	}
	if (line > 0)
		snprintf(ln, sizeof ln, "%ld", line);
	snprintf(buf, sizeof buf, "%s,%s,%s,%s,%s,%s,%s,%s\n", kind, code,
		 src >= 0 ? source_name((source_id)src) : "", hid, id, pidhex, ln, detail);
	sb_adds(&g->truth, buf);
}

void truth_add(gen *g, const char *kind, const char *code, int src,
	       int64_t hi, int64_t pi, long line, const char *detail)
{
	truth_row(g, kind, code, src, hi, pi, line, 0, detail);
}

void truth_add_repeat(gen *g, const char *kind, const char *code, int src,
		      int64_t hi, int64_t pi, long first, long line, const char *detail)
{
	truth_row(g, kind, code, src, hi, pi, line, first, detail);
}

/* The truth rows about lines of shuffled extracts, at the lines the rows
 * ended on; of a repeated row's two lines, the later is the repeat. */
static void truth_place_moved(gen *g)
{
	for (size_t i = 0; i < g->truth_moved.n; i++) {
		const truth_moved *m = vec_at(&g->truth_moved, i);
		const uint32_t *to = g->moved_to[m->src];
		long l = to[m->line - 2];
		if (m->first > 0 && (long)to[m->first - 2] > l)
			l = to[m->first - 2];
		sb_addf(&g->truth, "%s%ld%s", m->pre, l, m->post);
	}
}

/* Writes head and then body into the file name of the output folder. */
static hh_status write_text(gen *g, const char *name, const char *head, size_t nhead,
			    const char *body, size_t nbody)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", g->o->out_dir, name);
	outstream *os;
	hh_status st = outstream_open(path, NULL, &os, g->err);
	if (st == HH_OK) {
		outstream_write(os, head, nhead);
		outstream_write(os, body, nbody);
		st = outstream_close(os, g->err);
	}
	return st == HH_OK ? st : hh_wrap(g->err, st, "gen");
}

static hh_status write_conf(gen *g, const extract_form forms[SRC_COUNT])
{
	strbuf t = STRBUF_INIT;
	sb_addf(&t,
		"# hhmatch.conf written by `hhmatch gen` (seed %llu, %llu households%s).\n"
		"# Paths are relative to this file's folder.  Run with:\n"
		"#   hhmatch run --config hhmatch.conf --key KEYFILE --out DIR\n"
		"period = %d\n",
		(unsigned long long)g->o->seed, (unsigned long long)g->o->households,
		g->dirty ? "" : ", clean", g->period);
	for (int s = 0; s < SRC_COUNT; s++)
		sb_addf(&t, "%s = %s\n", source_option((source_id)s), forms[s].file);
	/* the transcoded extracts are named, so the run need not guess */
	for (int s = 0; s < SRC_COUNT; s++)
		if (forms[s].gb18030)
			sb_addf(&t, "encoding = %s=gb18030\n", source_option((source_id)s));
	hh_status st = t.oom ? hh_fail(g->err, HH_EINTERNAL, "gen: out of memory")
			     : write_text(g, "hhmatch.conf", t.buf, t.len, "", 0);
	sb_release(&t);
	return st;
}

hh_status truth_write(gen *g, const extract_form forms[SRC_COUNT])
{
	HH_TRY(write_conf(g, forms));
	truth_place_moved(g);
	if (g->truth.oom || g->oom)
		return hh_fail(g->err, HH_EINTERNAL, "gen: out of memory");
	return write_text(g, "truth.csv", truth_header, sizeof truth_header - 1,
			  sb_str(&g->truth), g->truth.len);
}
