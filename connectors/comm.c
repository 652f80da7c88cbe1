/*
 * comm.c - the ranks of a distributed run over MPI (design in comm.h).
 * Built against Open MPI when CMake found it (HH_WITH_MPI); otherwise
 * only comm_open is reachable, and it says why it cannot run.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectors/comm.h"

hh_status comm_round(comm *c, hh_status st, int *more, const strbuf *send,
		     const uint8_t **recv, const size_t **off, const size_t **len,
		     hh_err *err)
{
	st = comm_agree(c, st, more, err);
	return st == HH_OK ? comm_exchange(c, send, recv, off, len, err) : st;
}

#ifdef HH_WITH_MPI
#include <mpi.h>

struct comm {
	int rank, size;
	int finalize;            /* this process called MPI_Init */
	int broken;              /* a wait was given up (wait_for) */
	const _Atomic int *cancel;
	int *scount, *sdispl, *rcount, *rdispl; /* size entries each */
	int64_t *len64;          /* 2 * size: counts sent, counts received */
	int *agree;              /* 2 * size: comm_agree's slots */
	size_t *off, *len;       /* what comm_exchange hands back */
	uint8_t *recv;
	size_t recv_cap;
	comm_stats st;
};

int comm_available(void) { return 1; }

int comm_launcher_rank(void)
{
	static const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK",
					   "SLURM_PROCID"};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v) /* "0", or digits naming another rank */
			return strspn(v, "0") != strlen(v);
	}
	return 0;
}

/* Waits for req, polling: a rank waiting for the others sleeps between
 * polls instead of spinning (ranks may share cores with their own
 * threads, or with each other: mpirun --oversubscribe), and gives up when
 * the process is told to stop (a signal: mpirun sends SIGTERM to every
 * rank when one dies), so that rank 0 can remove its temporary outputs
 * before the job is killed.  The request is then left behind, and MPI
 * with it (comm_close does not finalize). */
static int wait_for(comm *c, MPI_Request *req)
{
	struct timespec nap = {0, 20000};
	for (unsigned spins = 0;; spins++) {
		int done = 0;
		if (MPI_Test(req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
			return MPI_ERR_OTHER;
		if (done)
			return MPI_SUCCESS;
		if (c->cancel && atomic_load(c->cancel)) {
			c->broken = 1;
			return MPI_ERR_PENDING;
		}
		if (spins > 64)
			nanosleep(&nap, NULL);
	}
}

static hh_status mpi_fail(hh_err *err, int rc, const char *what)
{
	char msg[MPI_MAX_ERROR_STRING] = "";
	int n = 0;
	if (rc == MPI_ERR_PENDING)
		return hh_fail(err, HH_EINTERNAL,
			       "interrupted by a signal while waiting for the other ranks; "
			       "nothing was published");
	MPI_Error_string(rc, msg, &n);
	return hh_fail(err, HH_EINTERNAL, "MPI: %s failed: %s", what, msg);
}

hh_status comm_open(const _Atomic int *cancel, comm **out, hh_err *err)
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
	c->cancel = cancel;
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
	/* A wait given up leaves a request that never completes: finalizing
	 * would wait for it.  Nothing writes into its buffers once MPI is no
	 * longer called (collectives progress inside MPI calls), so they go. */
	if (c->finalize && !c->broken)
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
	MPI_Request req;
	if (c->broken)
		return mpi_fail(err, MPI_ERR_PENDING, "");
	int rc = MPI_Iallgather(mine, 2, MPI_INT, v, 2, MPI_INT, MPI_COMM_WORLD, &req);
	if (rc == MPI_SUCCESS)
		rc = wait_for(c, &req);
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
	rc = MPI_Ibcast(e->msg, (int)sizeof e->msg, MPI_CHAR, first, MPI_COMM_WORLD, &req);
	if (rc == MPI_SUCCESS)
		rc = wait_for(c, &req);
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
	MPI_Request req;
	if (c->broken)
		return mpi_fail(err, MPI_ERR_PENDING, "");
	int rc = MPI_Ialltoall(slen, 1, MPI_INT64_T, rlen, 1, MPI_INT64_T, MPI_COMM_WORLD,
			       &req);
	if (rc == MPI_SUCCESS)
		rc = wait_for(c, &req);
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
	/* Whether every rank can go on: a failure seen by one rank only (its
	 * receive buffer, a total over what MPI counts in) stops them all
	 * here, rather than leave the others in the exchange. */
	int mine = bad || peer_bad, any = 0;
	rc = MPI_Iallreduce(&mine, &any, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD, &req);
	if (rc == MPI_SUCCESS)
		rc = wait_for(c, &req);
	if (rc != MPI_SUCCESS || any) {
		free(sbuf);
		if (rc != MPI_SUCCESS)
			return mpi_fail(err, rc, "MPI_Allreduce");
		return hh_fail(err, HH_EINTERNAL,
			       "exchanging rows between ranks: a buffer could not be made "
			       "(out of memory, or over 2 GiB in one round)");
	}
	size_t at = 0;
	for (size_t k = 0; k < n; k++) {
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
	rc = MPI_Ialltoallv(sbuf, c->scount, c->sdispl, MPI_BYTE, c->recv, c->rcount,
			    c->rdispl, MPI_BYTE, MPI_COMM_WORLD, &req);
	if (rc == MPI_SUCCESS)
		rc = wait_for(c, &req);
	free(sbuf);
	if (rc != MPI_SUCCESS)
		return mpi_fail(err, rc, "MPI_Alltoallv");
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
	if (n > (size_t)INT32_MAX)
		return hh_fail(err, HH_EINTERNAL, "MPI: broadcast of %zu bytes", n);
	MPI_Request req;
	if (c->broken)
		return mpi_fail(err, MPI_ERR_PENDING, "");
	int rc = MPI_Ibcast(buf, (int)n, MPI_BYTE, root, MPI_COMM_WORLD, &req);
	if (rc == MPI_SUCCESS)
		rc = wait_for(c, &req);
	return rc == MPI_SUCCESS ? HH_OK : mpi_fail(err, rc, "MPI_Bcast");
}

#else /* a build without MPI */

struct comm {
	int unused;
};

int comm_available(void) { return 0; }
int comm_launcher_rank(void) { return 0; }

hh_status comm_open(const _Atomic int *cancel, comm **out, hh_err *err)
{
	(void)cancel;
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
