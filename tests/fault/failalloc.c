/* failalloc.c - an LD_PRELOAD shim that makes one allocation fail.
 *
 * scripts/alloc-sweep.sh (and through it tests/e2e/it_alloc_failure.sh)
 * preloads this library into hhmatch to fail each allocation of a small
 * run in turn, as curl's torture mode and SQLite's malloc tests do:
 *
 *   HH_FAIL_ALLOC=N          allocation call number N (1-based, counted
 *                            from the first call in the process) returns
 *                            NULL with errno ENOMEM; every other succeeds
 *   HH_FAIL_ALLOC_COUNT=FILE the number of calls, written at exit (a
 *                            process killed by a signal writes nothing)
 *   HH_FAIL_ALLOC_TRACE=1    the failing call prints a backtrace on stderr
 *                            (addr2line -e BINARY turns it into lines);
 *                            =FILE (a path) appends it to FILE instead
 *
 * Counted: malloc, calloc, realloc, memalign, posix_memalign,
 * aligned_alloc, valloc, pvalloc.  glibc's strdup, strndup, asprintf,
 * getline, iconv_open... call malloc through the PLT (glibc supports
 * replacing malloc, so its own callers reach the replacement), so they are
 * counted and failed through it; OpenSSL, jansson and zlib call malloc too.
 * free is not replaced: every block comes from glibc's allocator.
 *
 * The real allocator is reached through glibc's exported __libc_* entry
 * points, not dlsym: dlsym allocates (calloc) and would recurse into this
 * file before it knew where the real calloc is.  The counter is atomic, so
 * threads are counted exactly, though at more than one thread which call
 * gets number N depends on scheduling.
 *
 * Built by CMake as a shared library (hh_failalloc) only in builds without
 * a sanitizer: ASan and TSan replace malloc themselves and refuse to run
 * when another library is preloaded before their runtime.
 */
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);

static atomic_ulong fa_calls;
/* -1: not read yet; 0: no failure asked; N: fail call N. */
static atomic_long fa_target = -1;
static _Thread_local int fa_inside; /* the backtrace's own allocations */

static long fa_read_target(void)
{
	long t = atomic_load_explicit(&fa_target, memory_order_relaxed);
	if (t >= 0)
		return t;
	/* getenv does not allocate; two threads racing here store the same. */
	const char *s = getenv("HH_FAIL_ALLOC");
	char *end = NULL;
	t = 0;
	if (s && *s) {
		errno = 0;
		long v = strtol(s, &end, 10);
		if (errno == 0 && *end == '\0' && v > 0)
			t = v;
	}
	atomic_store_explicit(&fa_target, t, memory_order_relaxed);
	return t;
}

static void fa_trace(unsigned long n)
{
	const char *s = getenv("HH_FAIL_ALLOC_TRACE");
	if (!s || !*s || !strcmp(s, "0"))
		return;
	int fd = strcmp(s, "1") ? open(s, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : 2;
	if (fd < 0)
		return;
	char head[64];
	int len = snprintf(head, sizeof head, "failalloc: call %lu fails here:\n", n);
	if (len > 0 && write(fd, head, (size_t)len) == len) {
		void *frames[48];
		int depth = backtrace(frames, 48);
		backtrace_symbols_fd(frames, depth, fd);
	}
	if (fd != 2)
		close(fd);
}

/* true when this call is the one to fail; counts it either way. */
static int fa_fail_now(void)
{
	if (fa_inside)
		return 0;
	unsigned long n = atomic_fetch_add_explicit(&fa_calls, 1, memory_order_relaxed) + 1;
	long t = fa_read_target();
	if (t <= 0 || (unsigned long)t != n)
		return 0;
	fa_inside = 1;
	fa_trace(n);
	fa_inside = 0;
	errno = ENOMEM;
	return 1;
}

void *malloc(size_t size)
{
	return fa_fail_now() ? NULL : __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	return fa_fail_now() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	/* realloc(p, 0) frees p in glibc; failing it would leave p allocated
	 * while the caller believes it gone, which no real allocator does. */
	if (p && size == 0)
		return __libc_realloc(p, size);
	return fa_fail_now() ? NULL : __libc_realloc(p, size);
}

void *memalign(size_t align, size_t size)
{
	return fa_fail_now() ? NULL : __libc_memalign(align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	return fa_fail_now() ? NULL : __libc_memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	if (fa_fail_now())
		return ENOMEM;
	void *p = __libc_memalign(align, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *valloc(size_t size)
{
	return fa_fail_now() ? NULL : __libc_memalign((size_t)sysconf(_SC_PAGESIZE), size);
}

void *pvalloc(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	return fa_fail_now() ? NULL : __libc_memalign(page, (size + page - 1) / page * page);
}

/* At exit, after main's own atexit handlers (a destructor of a preloaded
 * library runs late): the number of calls, for the sweep's range. */
__attribute__((destructor)) static void fa_write_count(void)
{
	const char *path = getenv("HH_FAIL_ALLOC_COUNT");
	if (!path || !*path)
		return;
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%lu\n", atomic_load(&fa_calls));
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (len > 0 && write(fd, buf, (size_t)len) != len)
		(void)unlink(path); /* a short count would mislead the sweep */
	close(fd);
}
