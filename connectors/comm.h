/*
 * comm.h - the ranks of a run started by mpirun or srun (`run --mpi`):
 * who this process is, and the three collective steps the engine's
 * distributed run is made of (engine/dist.c).  Open MPI underneath when
 * the build found it (HH_WITH_MPI); without it comm_open refuses with a
 * message saying so, and nothing else may be called.
 *
 * Every function but comm_rank, comm_size and comm_stats is collective:
 * every rank calls it, in the same order, or the run hangs.  Callers keep
 * that symmetric by never leaving a sequence of steps early: a rank that
 * failed says so at the next comm_agree and the others stop there too.
 *
 * Ranks are assumed alike (one architecture): records travel as their
 * bytes in memory.  A rank that dies ends the job (mpirun kills the
 * others: Open MPI's default, kept on purpose).
 *
 * Thread safety: one thread per process calls these (MPI_THREAD_FUNNELED);
 * other threads may run meanwhile, without calling comm.
 */
#ifndef HH_COMM_H
#define HH_COMM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/hh_error.h"
#include "base/strbuf.h"

typedef struct comm comm;

typedef struct {
	uint64_t bytes_sent, bytes_received; /* to and from other ranks */
	uint64_t exchanges;                  /* comm_exchange calls */
} comm_stats;

/* 1 when this build can run across ranks. */
int comm_available(void);
/* 1 when the launcher (mpirun, srun) says this process is not rank 0,
 * before comm_open: what a rank that fails to read its command line
 * needs to know to stay quiet (rank 0 says it). */
int comm_launcher_rank(void);

/* Joins the job (MPI_Init_thread).  Started without mpirun, the process
 * is a job of one rank.  HH_EUSAGE in a build without MPI.  cancel (may
 * be NULL): a flag a signal handler sets; a rank waiting for the others
 * then stops waiting and its step fails ("interrupted"), and the
 * communicator is spent: every later step fails at once. */
hh_status comm_open(const _Atomic int *cancel, comm **out, hh_err *err);
/* Leaves the job (MPI_Finalize, unless a wait was given up: the job is
 * being torn down then); NULL is fine. */
void comm_close(comm *c);

int comm_rank(const comm *c);
int comm_size(const comm *c);
void comm_stats_get(const comm *c, comm_stats *out);

/* Every rank's st: HH_OK when all are, else the status of the lowest
 * rank that failed, with that rank's message in *err on every rank.
 * `more`, when not NULL: in, whether this rank has more to do; out,
 * whether any rank has. */
hh_status comm_agree(comm *c, hh_status st, int *more, hh_err *err);

/* Sends send[k] to rank k (send: comm_size buffers; this rank's own
 * comes back too, copied) and receives what every rank sent this one:
 * rank j's bytes at *recv + off[j], len[j] bytes.  *recv, off and len are
 * the communicator's, valid until the next exchange.  A buffer over
 * 2 GiB, or one whose strbuf ran out of memory, is refused (HH_EINTERNAL
 * here, then in comm_agree for the others): callers send in rounds.
 * Not to be called after a failed comm_agree. */
hh_status comm_exchange(comm *c, const strbuf *send, const uint8_t **recv,
			const size_t **off, const size_t **len, hh_err *err);

/* A round: comm_agree, then, when every rank is well, comm_exchange. */
hh_status comm_round(comm *c, hh_status st, int *more, const strbuf *send,
		     const uint8_t **recv, const size_t **off, const size_t **len,
		     hh_err *err);

/* Rank root's n bytes at buf, copied into every rank's buf. */
hh_status comm_bcast(comm *c, void *buf, size_t n, int root, hh_err *err);

#endif
