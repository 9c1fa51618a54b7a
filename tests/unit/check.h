/* Unit test checks and cases: each CHECK counts, each named case runs in a
 * process of its own with a fresh fixture dir, the summary is the verdict. */
#pragma once
#include <stddef.h>
#include <stdio.h>
#include <string.h>

extern int check_passed, check_failed;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (cond) {                                                                    \
            check_passed++;                                                            \
        } else {                                                                       \
            check_failed++;                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
        }                                                                              \
    } while (0)

#define CHECK_STR(a, b)                                                                \
    do {                                                                               \
        const char *a_ = (a), *b_ = (b);                                               \
        if (a_ && b_ && strcmp(a_, b_) == 0) {                                         \
            check_passed++;                                                            \
        } else {                                                                       \
            check_failed++;                                                            \
            fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__,           \
                    a_ ? a_ : "(null)", b_ ? b_ : "(null)");                           \
        }                                                                              \
    } while (0)

#define CHECK_INT(a, b)                                                                \
    do {                                                                               \
        long long a_ = (long long)(a), b_ = (long long)(b);                            \
        if (a_ == b_) {                                                                \
            check_passed++;                                                            \
        } else {                                                                       \
            check_failed++;                                                            \
            fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__,  \
                    #a, a_, b_);                                                       \
        }                                                                              \
    } while (0)

/* A named case: the function test_NAME, listed in a table given to
 * CHECK_MAIN. Each one runs in a child process (fresh globals, its own
 * fx_top from fixture.h, removed afterwards, logging at FR_LOG_ERR to
 * stderr only) and must run at least one check.
 * TEST_CASE=NAME[,NAME...] in the environment, or the names as arguments,
 * run only those; --list prints them; TEST_NOFORK=1 runs the cases in the
 * test's own process (for a debugger). */
struct check_case {
    const char *name;
    void (*fn)(void);
};
#define CASE(name) {#name, test_##name}

int check_main(const char *suite, const struct check_case *cases, size_t n, int argc,
               char **argv);
#define CHECK_MAIN(suite, cases)                                                       \
    int main(int argc, char **argv)                                                    \
    {                                                                                  \
        return check_main((suite), (cases), sizeof(cases) / sizeof((cases)[0]), argc,  \
                          argv);                                                       \
    }

/* Marks the current case skipped, with the reason printed (the caller then
 * returns): a skip is reported as such and never counts as a pass. */
void check_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For tests without cases: prints the counts; a run with failures or
 * without a single check returns 1. */
int check_summary(const char *name);
