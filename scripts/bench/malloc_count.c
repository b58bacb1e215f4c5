/* Counts heap allocations of a process, for scripts/bench.sh (LD_PRELOAD).
 *
 *   cc -O2 -shared -fPIC -o /tmp/malloc_count.so scripts/bench/malloc_count.c
 *   LD_PRELOAD=/tmp/malloc_count.so exptrain-bench rollout-allocations
 *
 * Every malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign adds one to
 * a counter that the program can read with dlsym(RTLD_DEFAULT, "exptrain_malloc_count").
 * With EXPTRAIN_MALLOC_COUNT_FILE set, the count is also appended to that file at exit
 * as "<pid> <count> <comm>", so a run of an unmodified binary can be counted too.
 *
 * With EXPTRAIN_MALLOC_MARKS_FILE and EXPTRAIN_MALLOC_MARK_SUFFIX set, every write(2) to
 * a file whose path ends with the suffix (say "/metrics.jsonl", one write per log point)
 * records the count at that moment, and at exit the counts are appended to the marks file
 * one per line. Two marks of one run bound the allocations between two log points, with
 * start-up, the first log point's one-off buffers, the last checkpoint and exit outside.
 *
 * Calls go on to glibc's own allocator (__libc_*) and write (__write), so behaviour is
 * unchanged. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static unsigned long long allocations;

enum { MARK_CAPACITY = 1 << 16 };
static unsigned long long marks[MARK_CAPACITY];
static int markCount;

unsigned long long exptrain_malloc_count(void) { return __atomic_load_n(&allocations, __ATOMIC_RELAXED); }

static inline void count(void) { __atomic_fetch_add(&allocations, 1, __ATOMIC_RELAXED); }

void *malloc(size_t size) { count(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { count(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { count(); return __libc_realloc(p, size); }
void free(void *p) { __libc_free(p); }
void *memalign(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    count();
    void *p = __libc_memalign(alignment, size);
    if (!p && size) return ENOMEM;
    *out = p;
    return 0;
}

extern ssize_t __write(int, const void *, size_t);

/* Whether `descriptor` is open on a path ending with EXPTRAIN_MALLOC_MARK_SUFFIX. Reads
 * /proc/self/fd on each call: writes are per log point, not per step, and descriptors are
 * reused after close. */
static int isMarkedFile(int descriptor) {
    const char *suffix = getenv("EXPTRAIN_MALLOC_MARK_SUFFIX");
    if (!suffix || !*suffix) return 0;
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", descriptor);
    ssize_t length = readlink(link, target, sizeof target - 1);
    size_t suffixLength = strlen(suffix);
    if (length < 0 || (size_t)length < suffixLength) return 0;
    return memcmp(target + length - suffixLength, suffix, suffixLength) == 0;
}

ssize_t write(int descriptor, const void *bytes, size_t count) {
    if (markCount < MARK_CAPACITY && isMarkedFile(descriptor)) marks[markCount++] = exptrain_malloc_count();
    return __write(descriptor, bytes, count);
}

static void reportMarks(void) {
    const char *path = getenv("EXPTRAIN_MALLOC_MARKS_FILE");
    if (!path) return;
    FILE *f = fopen(path, "a");
    if (!f) return;
    for (int i = 0; i < markCount; i++) fprintf(f, "%llu\n", marks[i]);
    fclose(f);
}

__attribute__((destructor)) static void report(void) {
    reportMarks();
    const char *path = getenv("EXPTRAIN_MALLOC_COUNT_FILE");
    if (!path) return;
    char comm[64] = "?";
    FILE *c = fopen("/proc/self/comm", "r");
    if (c) { if (fgets(comm, sizeof comm, c)) comm[strcspn(comm, "\n")] = 0; fclose(c); }
    FILE *f = fopen(path, "a");
    if (!f) return;
    fprintf(f, "%d %llu %s\n", (int)getpid(), exptrain_malloc_count(), comm);
    fclose(f);
}
