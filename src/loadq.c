/* Concurrent module loading: plans made here, insertions in forked workers
 * (see loadq.h for the rules). */
#include "loadq.h"
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* Modules one plan can insert: the modules of an alias, their
 * dependencies, softdeps. */
#define PLAN_MAX 64

enum mstate { M_NONE, M_LOADING, M_LOADED, M_FAILED };

struct mod {
    char *name;
    enum mstate state;
};

struct jmod {
    char *name;
    char *path;
    char *options;
    bool owned; /* this job reports it (nobody else is loading it) */
    bool target;
    bool reported;
};

struct job {
    pid_t pid; /* 0: free slot */
    int fd;
    int prio;
    char *alias;
    struct jmod m[PLAN_MAX];
    size_t n;
    int nice;      /* the worker's, from the size of what it inserts */
    bool fallback; /* a worker said -ENOTSUP */
};

struct item {
    char *alias;
    int prio;
    size_t seq;
};

/* One result, written by the worker in one write(2) (atomic on a pipe). */
struct record {
    uint32_t index;
    int32_t err;
};

struct fr_loadq {
    const struct fr_loadq_ops *ops;
    void *data;
    unsigned max_jobs, running, peak;
    struct job *jobs;
    struct item *queue;
    size_t nqueue, capqueue, seq;
    struct mod *mods;
    size_t nmods, capmods;
};

int fr_loadq_new(unsigned max_jobs, const struct fr_loadq_ops *ops, void *data,
                 struct fr_loadq **out)
{
    struct fr_loadq *q;

    if (!out || !ops || !ops->plan || !ops->insert || max_jobs == 0)
        return -EINVAL;
    *out = NULL;
    q = calloc(1, sizeof(*q));
    if (!q)
        return -ENOMEM;
    q->jobs = calloc(max_jobs, sizeof(*q->jobs));
    if (!q->jobs) {
        free(q);
        return -ENOMEM;
    }
    q->ops = ops;
    q->data = data;
    q->max_jobs = max_jobs;
    *out = q;
    return 0;
}

static void job_clear(struct job *j)
{
    for (size_t i = 0; i < j->n; i++) {
        free(j->m[i].name);
        free(j->m[i].path);
        free(j->m[i].options);
    }
    free(j->alias);
    *j = (struct job){.pid = 0, .fd = -1};
}

void fr_loadq_free(struct fr_loadq *q)
{
    if (!q)
        return;
    if (q->running)
        log_debug("%u module worker(s) still running, left to finish", q->running);
    for (unsigned i = 0; i < q->max_jobs; i++) {
        if (q->jobs[i].pid > 0) {
            close(q->jobs[i].fd);
            /* Reaped if it is done already; otherwise init will. */
            waitpid(q->jobs[i].pid, NULL, WNOHANG);
        }
        job_clear(&q->jobs[i]);
    }
    fr_loadq_drop_queued(q);
    free(q->queue);
    for (size_t i = 0; i < q->nmods; i++)
        free(q->mods[i].name);
    free(q->mods);
    free(q->jobs);
    free(q);
}

/* The state entry of a module, added (M_NONE) when missing and add is set. */
static struct mod *mod_get(struct fr_loadq *q, const char *name, bool add)
{
    for (size_t i = 0; i < q->nmods; i++)
        if (strcmp(q->mods[i].name, name) == 0)
            return &q->mods[i];
    if (!add)
        return NULL;
    if (fr_grow(&q->mods, &q->capmods, q->nmods, sizeof(*q->mods), 32) < 0)
        return NULL;
    char *dup = strdup(name);
    if (!dup)
        return NULL;
    q->mods[q->nmods] = (struct mod){dup, M_NONE};
    return &q->mods[q->nmods++];
}

static void set_state(struct fr_loadq *q, const char *name, enum mstate s)
{
    struct mod *md = mod_get(q, name, true);
    if (md)
        md->state = s;
}

unsigned fr_loadq_running(const struct fr_loadq *q)
{
    return q ? q->running : 0;
}

unsigned fr_loadq_busy_upto(const struct fr_loadq *q, int prio)
{
    unsigned n = 0;

    for (unsigned i = 0; q && i < q->max_jobs; i++)
        n += q->jobs[i].pid > 0 && q->jobs[i].prio <= prio;
    for (size_t i = 0; q && i < q->nqueue; i++)
        n += q->queue[i].prio <= prio;
    return n;
}

size_t fr_loadq_queued(const struct fr_loadq *q)
{
    return q ? q->nqueue : 0;
}

unsigned fr_loadq_peak(const struct fr_loadq *q)
{
    return q ? q->peak : 0;
}

size_t fr_loadq_drop_queued(struct fr_loadq *q)
{
    size_t n = q->nqueue;

    for (size_t i = 0; i < q->nqueue; i++)
        free(q->queue[i].alias);
    q->nqueue = 0;
    return n;
}

size_t fr_loadq_pollfds(const struct fr_loadq *q, struct pollfd *pfd, size_t max)
{
    size_t n = 0;

    for (unsigned i = 0; q && i < q->max_jobs && n < max; i++)
        if (q->jobs[i].pid > 0)
            pfd[n++] = (struct pollfd){.fd = q->jobs[i].fd, .events = POLLIN};
    return n;
}

/* The worker: only the insertions and the reports. Its stdin, stdout and
 * stderr go to /dev/null, so that a caller reading findroot's output (the
 * hook's DEV=$(findroot)) is not held up by a worker that outlives it. */
static _Noreturn void worker(const struct fr_loadq *q, const struct job *j, int fd)
{
    /* stdin, stdout and stderr first: /dev/null's descriptor is one the
     * closing below takes away again, and a worker starved by its niceness
     * must not keep the caller's pipe open until it gets the CPU. */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int i = 0; i < 3; i++) {
        if (null < 0 || dup2(null, i) < 0)
            close(i);
    }
#ifdef SYS_close_range
    /* Nothing of findroot's (the uevent socket, a disk libblkid has open,
     * /dev/null's own descriptor) stays open in a worker that may outlive
     * it. */
    if (fd > 3)
        (void)syscall(SYS_close_range, 3U, (unsigned)fd - 1, 0U);
    (void)syscall(SYS_close_range, (unsigned)fd + 1, ~0U, 0U);
#else
    if (null > 2 && null != fd)
        close(null);
#endif
    /* findroot may be gone (root found) before the plan is through: the
     * insertions go on, unreported. */
    signal(SIGPIPE, SIG_IGN);
    if (j->nice > 0)
        (void)setpriority(PRIO_PROCESS, 0, j->nice);
    for (size_t i = 0; i < j->n; i++) {
        struct record rec = {(uint32_t)i, q->ops->insert(q->data, j->m[i].path, j->m[i].options)};
        (void)!write(fd, &rec, sizeof(rec));
        if (rec.err == -ENOTSUP || (j->m[i].target && rec.err < 0 && rec.err != -EEXIST))
            break;
    }
    _exit(0);
}

/* The niceness of a worker that inserts size bytes of module files: 0 up to
 * 64 KiB, 4 more for each factor of sqrt(2). Reading, decompressing and
 * linking a module is CPU work done in the worker's context, so with one
 * CPU two workers would share it and both drivers would probe late: this
 * way the smaller plan (a likelier quick probe: nvme's 130 KiB of .ko.xz
 * against the 330 KiB of ahci with libata and scsi_mod) gets most of it.
 * The workers also leave the CPU to findroot itself and to the kernel's
 * threads that probe the devices (all at niceness 0): the work that finds
 * root once a driver is in. */
static int plan_nice(double size)
{
    int nice = 0;

    for (double t = 64 * 1024; size > t && nice < 19; t *= 1.41421356)
        nice += 4;
    return nice < 19 ? nice : 19;
}

/* Fill j from the plan of its alias. Returns the number of modules this job
 * is the one to insert. */
static int job_plan(struct fr_loadq *q, struct job *j)
{
    struct fr_loadq_mod v[PLAN_MAX];
    int n = q->ops->plan(q->data, j->alias, v, PLAN_MAX), owned = 0;
    double size = 0;
    struct stat st;

    if (n < 0)
        log_debug("no plan for %s: %s", j->alias, strerror(-n));
    for (int i = 0; i < n && i < PLAN_MAX; i++) {
        const struct mod *md = mod_get(q, v[i].name, false);
        enum mstate s = md ? md->state : M_NONE;
        if (s == M_LOADED)
            continue;
        struct jmod *jm = &j->m[j->n];
        *jm = (struct jmod){strdup(v[i].name), strdup(v[i].path),
                            strdup(v[i].options ? v[i].options : ""), s == M_NONE, v[i].target,
                            false};
        j->n++;
        if (!jm->name || !jm->path || !jm->options)
            return -ENOMEM;
        if (jm->owned) {
            owned++;
            if (stat(jm->path, &st) == 0)
                size += (double)st.st_size;
        } else {
            log_debug("%s (for %s) is being loaded already", jm->name, j->alias);
        }
    }
    j->nice = plan_nice(size);
    return owned;
}

static void job_start(struct fr_loadq *q, struct job *j)
{
    int p[2];
    int owned = job_plan(q, j);

    if (owned <= 0) {
        job_clear(j);
        return;
    }
    if (pipe2(p, O_CLOEXEC) < 0) {
        log_warning_errno(errno, "cannot make a pipe for a module worker");
        job_clear(j);
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        log_warning_errno(errno, "cannot fork a module worker");
        close(p[0]);
        close(p[1]);
        job_clear(j);
        return;
    }
    if (pid == 0) {
        close(p[0]);
        worker(q, j, p[1]);
    }
    close(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    j->pid = pid;
    j->fd = p[0];
    for (size_t i = 0; i < j->n; i++)
        if (j->m[i].owned)
            set_state(q, j->m[i].name, M_LOADING);
    q->running++;
    if (q->running > q->peak)
        q->peak = q->running;
    log_debug("module worker %d for %s: %zu module(s), nice %d, %u running", (int)pid, j->alias,
              j->n, j->nice, q->running);
}

/* Start queued jobs while the rules allow. */
static void dispatch(struct fr_loadq *q)
{
    unsigned max_other = q->max_jobs > 2 ? q->max_jobs - 2 : 1;

    while (q->nqueue > 0 && q->running < q->max_jobs) {
        unsigned other = 0;
        bool alone = false;
        for (unsigned i = 0; i < q->max_jobs; i++) {
            if (q->jobs[i].pid <= 0)
                continue;
            alone |= q->jobs[i].prio <= FR_LOADQ_ALONE;
            other += q->jobs[i].prio >= FR_LOADQ_OTHER;
        }
        size_t best = 0;
        for (size_t i = 1; i < q->nqueue; i++)
            if (q->queue[i].prio < q->queue[best].prio ||
                (q->queue[i].prio == q->queue[best].prio && q->queue[i].seq < q->queue[best].seq))
                best = i;
        const struct item *it = &q->queue[best];
        if (alone || (it->prio <= FR_LOADQ_ALONE && q->running > 0) ||
            (it->prio >= FR_LOADQ_OTHER && other >= max_other))
            return;
        struct job *j = NULL;
        for (unsigned i = 0; i < q->max_jobs && !j; i++)
            if (q->jobs[i].pid <= 0)
                j = &q->jobs[i];
        *j = (struct job){.pid = 0, .fd = -1, .prio = it->prio, .alias = it->alias};
        q->queue[best] = q->queue[--q->nqueue];
        job_start(q, j);
    }
}

int fr_loadq_submit(struct fr_loadq *q, const char *alias, int prio)
{
    if (!q || !alias || !alias[0])
        return -EINVAL;
    if (fr_grow(&q->queue, &q->capqueue, q->nqueue, sizeof(*q->queue), 64) < 0)
        return -ENOMEM;
    char *dup = strdup(alias);
    if (!dup)
        return -ENOMEM;
    q->queue[q->nqueue++] = (struct item){dup, prio, q->seq++};
    dispatch(q);
    return 1;
}

/* A result from job j. Returns 1 when a module was newly inserted. */
static int job_result(struct fr_loadq *q, struct job *j, const struct record *rec)
{
    if (rec->index >= j->n)
        return 0;
    struct jmod *jm = &j->m[rec->index];
    jm->reported = true;
    if (rec->err == -ENOTSUP) {
        j->fallback = true;
        return 0;
    }
    if (!jm->owned)
        return 0;
    set_state(q, jm->name, rec->err == 0 || rec->err == -EEXIST ? M_LOADED : M_FAILED);
    if (q->ops->done)
        q->ops->done(q->data, j->alias, jm->name, jm->target, rec->err);
    return rec->err == 0;
}

/* The worker closed its pipe: reap it, forget what it did not get to. */
static int job_end(struct fr_loadq *q, struct job *j)
{
    int status = 0, count = 0;

    close(j->fd);
    while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        log_warning("module worker for %s ended abnormally", j->alias);
    for (size_t i = 0; i < j->n; i++)
        if (j->m[i].owned && !j->m[i].reported)
            set_state(q, j->m[i].name, M_NONE);
    q->running--;
    if (j->fallback && q->ops->fallback) {
        int k = q->ops->fallback(q->data, j->alias);
        count = k > 0 ? k : 0;
    }
    job_clear(j);
    return count;
}

int fr_loadq_collect(struct fr_loadq *q)
{
    int count = 0;

    if (!q)
        return 0;
    for (unsigned i = 0; i < q->max_jobs; i++) {
        struct job *j = &q->jobs[i];
        if (j->pid <= 0)
            continue;
        for (;;) {
            struct record rec;
            ssize_t r = read(j->fd, &rec, sizeof(rec));
            if (r == (ssize_t)sizeof(rec)) {
                count += job_result(q, j, &rec);
                continue;
            }
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0 && errno == EAGAIN)
                break;
            count += job_end(q, j); /* EOF (or an error: the same end) */
            break;
        }
    }
    dispatch(q);
    return count;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int fr_loadq_wait(struct fr_loadq *q, double deadline)
{
    int count = 0;

    while (q && q->running > 0) {
        struct pollfd pfd[64];
        size_t n = fr_loadq_pollfds(q, pfd, sizeof(pfd) / sizeof(pfd[0]));
        int ms = -1;
        if (deadline > 0) {
            double left = deadline - mono();
            if (left <= 0)
                break;
            ms = (int)(left * 1000.0) + 1;
        }
        if (poll(pfd, (nfds_t)n, ms) < 0 && errno != EINTR)
            break;
        count += fr_loadq_collect(q);
    }
    return count;
}
