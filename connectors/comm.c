/*
 * comm.c - the ranks of a distributed run over MPI (design in comm.h).
 * Built against Open MPI when CMake found it (HH_WITH_MPI); otherwise
 * only comm_open is reachable, and it says why it cannot run.
 */
#include <stdlib.h>
#include <string.h>

#include "connectors/comm.h"

#ifdef HH_WITH_MPI
#include <mpi.h>

struct comm {
	int rank, size;
	int finalize;            /* this process called MPI_Init */
	int *scount, *sdispl, *rcount, *rdispl; /* size entries each */
	int64_t *len64;          /* 2 * size: counts sent, counts received */
	int *agree;              /* 2 * size: comm_agree's slots */
	size_t *off, *len;       /* what comm_exchange hands back */
	uint8_t *recv;
	size_t recv_cap;
	comm_stats st;
};

int comm_available(void) { return 1; }

static hh_status mpi_fail(hh_err *err, int rc, const char *what)
{
	char msg[MPI_MAX_ERROR_STRING] = "";
	int n = 0;
	MPI_Error_string(rc, msg, &n);
	return hh_fail(err, HH_EINTERNAL, "MPI: %s failed: %s", what, msg);
}

hh_status comm_open(comm **out, hh_err *err)
{
	int inited = 0, provided = 0, rc;
	*out = NULL;
	comm *c = calloc(1, sizeof *c);
	if (!c)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	MPI_Initialized(&inited);
	if (!inited) {
		rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
		if (rc != MPI_SUCCESS) {
			free(c);
			return mpi_fail(err, rc, "MPI_Init_thread");
		}
		c->finalize = 1;
	}
	MPI_Comm_rank(MPI_COMM_WORLD, &c->rank);
	MPI_Comm_size(MPI_COMM_WORLD, &c->size);
	size_t n = (size_t)c->size;
	c->scount = calloc(4 * n, sizeof(int));
	c->len64 = calloc(2 * n, sizeof(int64_t));
	c->agree = calloc(2 * n, sizeof(int));
	c->off = calloc(n, sizeof(size_t));
	c->len = calloc(n, sizeof(size_t));
	if (!c->scount || !c->len64 || !c->agree || !c->off || !c->len) {
		comm_close(c);
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	}
	c->sdispl = c->scount + n;
	c->rcount = c->scount + 2 * n;
	c->rdispl = c->scount + 3 * n;
	*out = c;
	return HH_OK;
}

void comm_close(comm *c)
{
	if (!c)
		return;
	if (c->finalize)
		MPI_Finalize();
	free(c->scount);
	free(c->len64);
	free(c->agree);
	free(c->off);
	free(c->len);
	free(c->recv);
	free(c);
}

int comm_rank(const comm *c) { return c->rank; }
int comm_size(const comm *c) { return c->size; }
void comm_stats_get(const comm *c, comm_stats *out) { *out = c->st; }

/* One fixed-size slot per rank: its status, whether it has more to do. */
hh_status comm_agree(comm *c, hh_status st, int *more, hh_err *err)
{
	int mine[2] = {(int)st, more ? *more : 0};
	int *v = c->agree;
	int rc = MPI_Allgather(mine, 2, MPI_INT, v, 2, MPI_INT, MPI_COMM_WORLD);
	if (rc != MPI_SUCCESS)
		return mpi_fail(err, rc, "MPI_Allgather");
	int first = -1, any_more = 0;
	for (int r = 0; r < c->size; r++) {
		if (v[2 * r] != HH_OK && first < 0)
			first = r;
		any_more |= v[2 * r + 1];
	}
	if (more)
		*more = any_more;
	if (first < 0)
		return HH_OK;
	hh_status agreed = (hh_status)v[2 * first];
	/* the failing rank's message, to everyone (err may be NULL) */
	hh_err tmp;
	hh_err *e = err ? err : &tmp;
	rc = MPI_Bcast(e->msg, (int)sizeof e->msg, MPI_CHAR, first, MPI_COMM_WORLD);
	if (rc != MPI_SUCCESS)
		return mpi_fail(err, rc, "MPI_Bcast");
	e->msg[sizeof e->msg - 1] = '\0';
	return agreed;
}

hh_status comm_exchange(comm *c, const strbuf *send, const uint8_t **recv,
			const size_t **off, const size_t **len, hh_err *err)
{
	size_t n = (size_t)c->size;
	int64_t *slen = c->len64, *rlen = c->len64 + n;
	int bad = 0;
	for (size_t k = 0; k < n; k++) {
		bad |= send[k].oom || send[k].len > (size_t)INT32_MAX;
		slen[k] = (int64_t)send[k].len;
	}
	/* A rank that cannot send still takes part, sending nothing and a
	 * length of -1, so that every rank leaves this call and fails. */
	for (size_t k = 0; bad && k < n; k++)
		slen[k] = -1;
	int rc = MPI_Alltoall(slen, 1, MPI_INT64_T, rlen, 1, MPI_INT64_T, MPI_COMM_WORLD);
	if (rc != MPI_SUCCESS)
		return mpi_fail(err, rc, "MPI_Alltoall");
	size_t total_s = 0, total_r = 0;
	int peer_bad = 0;
	for (size_t k = 0; k < n; k++) {
		peer_bad |= rlen[k] < 0;
		c->scount[k] = slen[k] < 0 ? 0 : (int)slen[k];
		c->rcount[k] = rlen[k] < 0 ? 0 : (int)rlen[k];
		total_s += (size_t)c->scount[k];
		total_r += (size_t)c->rcount[k];
	}
	/* displacements are ints too: a round's total must fit */
	if (total_s > (size_t)INT32_MAX || total_r > (size_t)INT32_MAX)
		peer_bad = 1;
	uint8_t *sbuf = NULL;
	if (!bad && !peer_bad && total_r + 1 > c->recv_cap) {
		uint8_t *p = realloc(c->recv, total_r + 1);
		if (!p)
			bad = 1;
		else {
			c->recv = p;
			c->recv_cap = total_r + 1;
		}
	}
	if (!bad && !peer_bad && total_s && !(sbuf = malloc(total_s)))
		bad = 1;
	size_t at = 0;
	for (size_t k = 0; k < n; k++) {
		if (bad || peer_bad)
			c->scount[k] = c->rcount[k] = 0;
		c->sdispl[k] = (int)at;
		if (c->scount[k])
			memcpy(sbuf + at, send[k].buf, (size_t)c->scount[k]);
		at += (size_t)c->scount[k];
	}
	at = 0;
	for (size_t k = 0; k < n; k++) {
		c->rdispl[k] = (int)at;
		c->off[k] = at;
		c->len[k] = (size_t)c->rcount[k];
		at += (size_t)c->rcount[k];
	}
	rc = MPI_Alltoallv(sbuf, c->scount, c->sdispl, MPI_BYTE, c->recv, c->rcount,
			   c->rdispl, MPI_BYTE, MPI_COMM_WORLD);
	free(sbuf);
	if (rc != MPI_SUCCESS)
		return mpi_fail(err, rc, "MPI_Alltoallv");
	if (bad || peer_bad)
		return hh_fail(err, HH_EINTERNAL,
			       "exchanging rows between ranks: a buffer could not be made "
			       "(out of memory, or over 2 GiB in one round)");
	c->st.exchanges++;
	for (size_t k = 0; k < n; k++)
		if ((int)k != c->rank) {
			c->st.bytes_sent += (uint64_t)c->scount[k];
			c->st.bytes_received += (uint64_t)c->rcount[k];
		}
	*recv = c->recv;
	*off = c->off;
	*len = c->len;
	return HH_OK;
}

hh_status comm_bcast(comm *c, void *buf, size_t n, int root, hh_err *err)
{
	(void)c;
	if (n > (size_t)INT32_MAX)
		return hh_fail(err, HH_EINTERNAL, "MPI: broadcast of %zu bytes", n);
	int rc = MPI_Bcast(buf, (int)n, MPI_BYTE, root, MPI_COMM_WORLD);
	return rc == MPI_SUCCESS ? HH_OK : mpi_fail(err, rc, "MPI_Bcast");
}

#else /* a build without MPI */

struct comm {
	int unused;
};

int comm_available(void) { return 0; }

hh_status comm_open(comm **out, hh_err *err)
{
	*out = NULL;
	return hh_fail(err, HH_EUSAGE,
		       "--mpi: this hhmatch was built without MPI (Open MPI's "
		       "libopenmpi-dev was not found when it was built); install "
		       "libopenmpi-dev and build again, or run without --mpi");
}

void comm_close(comm *c) { (void)c; }
int comm_rank(const comm *c) { (void)c; return 0; }
int comm_size(const comm *c) { (void)c; return 1; }
void comm_stats_get(const comm *c, comm_stats *out)
{
	(void)c;
	memset(out, 0, sizeof *out);
}

hh_status comm_agree(comm *c, hh_status st, int *more, hh_err *err)
{
	(void)c, (void)more, (void)err;
	return st;
}

hh_status comm_exchange(comm *c, const strbuf *send, const uint8_t **recv,
			const size_t **off, const size_t **len, hh_err *err)
{
	(void)c, (void)send, (void)recv, (void)off, (void)len;
	return hh_fail(err, HH_EINTERNAL, "comm_exchange without MPI");
}

hh_status comm_bcast(comm *c, void *buf, size_t n, int root, hh_err *err)
{
	(void)c, (void)buf, (void)n, (void)root, (void)err;
	return HH_OK;
}

#endif
