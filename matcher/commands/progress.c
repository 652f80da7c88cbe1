/* progress.c - progress lines on a terminal (see progress.h). */
#include "commands/progress.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct progress {
	const engine *e;
	pthread_t thread;
	_Atomic int stop;
};

/* Draws every source's line; returns how many were drawn and, in *done,
 * whether every source is read. */
static int draw(const engine *e, int *done)
{
	int lines = 0;
	*done = 1;
	for (int s = 0; s < SRC_COUNT; s++) {
		engine_source_progress p;
		engine_progress(e, (source_id)s, &p);
		if (!p.present)
			continue;
		*done &= p.state == ENGINE_SOURCE_DONE;
		fprintf(stderr, "\r\033[K  %-14s %12" PRIu64 " rows %8.1f MB/s %5.1f%%  %s\n",
			source_name((source_id)s), p.rows,
			p.seconds > 0 ? (double)p.bytes / 1e6 / p.seconds : 0.0,
			p.total ? 100.0 * (double)p.bytes / (double)p.total : 0.0,
			p.state == ENGINE_SOURCE_DONE      ? "done"
			: p.state == ENGINE_SOURCE_READING ? "reading"
							   : "waiting");
		lines++;
	}
	fflush(stderr);
	return lines;
}

static void *redraw(void *arg)
{
	progress *p = arg;
	int lines = 0, done = 0;
	while (!done && !atomic_load(&p->stop)) {
		struct timespec ts = {0, 500 * 1000 * 1000};
		nanosleep(&ts, NULL);
		if (lines)
			fprintf(stderr, "\033[%dA", lines);
		lines = draw(p->e, &done);
	}
	return NULL;
}

progress *progress_start(const engine *e)
{
	progress *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->e = e;
	if (pthread_create(&p->thread, NULL, redraw, p)) {
		free(p);
		return NULL;
	}
	return p;
}

void progress_stop(progress *p)
{
	if (!p)
		return;
	atomic_store(&p->stop, 1);
	pthread_join(p->thread, NULL);
	free(p);
}
