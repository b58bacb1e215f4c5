/* Counts heap allocations of a process, for scripts/bench.sh (LD_PRELOAD).
 *
 *   cc -O2 -shared -fPIC -o /tmp/malloc_count.so scripts/bench/malloc_count.c
 *   LD_PRELOAD=/tmp/malloc_count.so exptrain-bench rollout-allocations
 *
 * Every malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign adds one to
 * a counter that the program can read with dlsym(RTLD_DEFAULT, "exptrain_malloc_count").
 * With EXPTRAIN_MALLOC_COUNT_FILE set, the count is also appended to that file at exit
 * as "<pid> <count> <comm>", so a run of an unmodified binary can be counted too.
 * Calls go on to glibc's own allocator (__libc_*), so behaviour is unchanged. */
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

__attribute__((destructor)) static void report(void) {
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
