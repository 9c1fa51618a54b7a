/* Concurrent module loading. Plans are made in the main process (libkmod is
 * not thread-safe per context: dependency order, options, blacklist); each
 * plan's finit_module(2) calls run in a forked worker that does nothing but
 * those syscalls and reports each result through a pipe, which the caller
 * polls together with the uevent socket. udevd gets the same effect from its
 * worker processes: the time to root is the slowest driver's probe, not the
 * sum of every driver's probe before the right one.
 *
 * Rules: at most max_jobs workers; jobs start in (priority, submission)
 * order; a job of priority FR_LOADQ_ALONE runs with nothing else beside it;
 * jobs of priority FR_LOADQ_OTHER or worse take at most max_jobs - 2 slots,
 * so that a storage driver found meanwhile always finds a free one. A module
 * is inserted by one job only: a plan whose target is loading or loaded is
 * dropped, modules already loaded are left out of a plan. A dependency that
 * another job is still inserting stays in the plan: the kernel makes the
 * second finit_module wait for the first and answers EEXIST, counted as
 * loaded. Each worker runs at a niceness that grows with the size of the
 * files it inserts (see plan_nice()). */
#pragma once
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#define FR_LOADQ_ALONE 0
#define FR_LOADQ_OTHER 40

struct fr_loadq;

/* One module of a plan, in insertion order. */
struct fr_loadq_mod {
    const char *name;
    const char *path;
    const char *options;
    bool target; /* the module the alias asked for (not a dependency) */
};

struct fr_loadq_ops {
    /* Main process: the modules to insert for alias (into v, at most max),
     * in order. Returns how many, 0 when nothing is to be done, or -errno.
     * The strings must stay valid until the next call. */
    int (*plan)(void *data, const char *alias, struct fr_loadq_mod *v, size_t max);
    /* Worker process: insert one module. 0, -EEXIST or -errno; -ENOTSUP
     * stops the plan and hands it back to fallback(). */
    int (*insert)(void *data, const char *path, const char *options);
    /* Main process: the result of one module of alias's plan, in plan
     * order; err 0 inserted, -EEXIST was already there. target: the module
     * the alias asked for, not a dependency or softdep. */
    void (*done)(void *data, const char *alias, const char *name, bool target, int err);
    /* Main process: load alias some other way (a worker said -ENOTSUP).
     * Returns modules inserted or -errno. May be NULL. */
    int (*fallback)(void *data, const char *alias);
};

int fr_loadq_new(unsigned max_jobs, const struct fr_loadq_ops *ops, void *data,
                 struct fr_loadq **out);
/* Workers still running are left to finish (their insertions cannot be
 * interrupted safely) and are not waited for. */
void fr_loadq_free(struct fr_loadq *q);

/* Queue alias (once: a second submission of the same alias is ignored,
 * returns 0) and start what may start. Returns 1 when queued, 0, -errno. */
int fr_loadq_submit(struct fr_loadq *q, const char *alias, int prio);
/* Read what workers reported (without blocking), reap those that ended,
 * start queued jobs in the freed slots. Returns modules newly inserted. */
int fr_loadq_collect(struct fr_loadq *q);
/* Fill pfd with the workers' pipes (POLLIN). Returns how many. */
size_t fr_loadq_pollfds(const struct fr_loadq *q, struct pollfd *pfd, size_t max);
unsigned fr_loadq_running(const struct fr_loadq *q);
/* Jobs running or queued whose priority is prio or better. */
unsigned fr_loadq_busy_upto(const struct fr_loadq *q, int prio);
size_t fr_loadq_queued(const struct fr_loadq *q);
/* Drop the jobs not started yet (root found). Returns how many. */
size_t fr_loadq_drop_queued(struct fr_loadq *q);
