/*
 * fsutil.h - small file-system helpers shared by the engine's publication
 * (engine.c) and the run history (state.c).
 */
#ifndef HH_FSUTIL_H
#define HH_FSUTIL_H

/* Removes dir and everything below it, best effort (for temporary and
 * replaced output folders; errors are ignored because the caller has
 * already succeeded or already failed). */
void fs_remove_tree(const char *dir);

#endif
