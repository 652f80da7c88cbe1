/*
 * strbuf.h - the one growable string of the code base (after git's
 * strbuf.h).
 *
 *   strbuf b = STRBUF_INIT;
 *   sb_adds(&b, "a");  sb_addf(&b, "%d", 1);
 *   if (b.oom) ...     // no memory: every add after the failure was dropped
 *   use(b.buf, b.len); sb_release(&b);
 *
 * buf is NUL-terminated whenever it is not NULL; sb_str() gives "" for a
 * buffer nothing was added to.  Running out of memory is sticky: the
 * buffer stops growing and keeps oom set, so a caller builds the whole
 * text and checks once at the end (the text is then incomplete and must
 * not be used).
 *
 * Lifetime: the caller owns the struct; sb_release frees the memory and
 * leaves an empty buffer; sb_detach hands the memory to the caller.
 * Thread safety: none; one owner at a time.
 */
#ifndef HH_STRBUF_H
#define HH_STRBUF_H

#include <stddef.h>

typedef struct {
	char *buf;
	size_t len, cap;
	int oom;
} strbuf;

#define STRBUF_INIT {NULL, 0, 0, 0}

void sb_add(strbuf *b, const void *data, size_t len);
void sb_adds(strbuf *b, const char *s);
void sb_addc(strbuf *b, char c);
void sb_addf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Makes room for len more bytes; 0 on no memory (and sets oom). */
int sb_grow(strbuf *b, size_t len);
/* Empties the buffer, keeping its memory (and clearing oom). */
void sb_reset(strbuf *b);
/* The text, or "" when there is none. */
const char *sb_str(const strbuf *b);
/* The text (malloc'ed, NUL-terminated, never NULL unless out of memory),
 * *len (may be NULL) its length; the buffer is empty afterwards.  NULL
 * when oom was set (the memory is freed then). */
char *sb_detach(strbuf *b, size_t *len);
void sb_release(strbuf *b);

#endif
