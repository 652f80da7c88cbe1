/*
 * progress.h - the progress lines of `hhmatch run` on a terminal.
 *
 * A thread redraws one line per given source on stderr twice a second
 * (rows, MB/s of raw bytes over the time the source has been read, share
 * of the file, state) until every source is read or progress_stop.  It
 * reads the engine only through engine_progress, which is safe while the
 * engine runs.
 *
 * Lifetime: progress_start / progress_stop (NULL is a no-op); the engine
 * must outlive the progress.
 */
#ifndef HH_PROGRESS_H
#define HH_PROGRESS_H

#include "engine/engine.h"

typedef struct progress progress;

/* NULL when the thread cannot be started (the run goes on without). */
progress *progress_start(const engine *e);
void progress_stop(progress *p);

#endif
