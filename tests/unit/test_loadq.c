/* The concurrent module loader's scheduling, with a fake planner and a fake
 * insert that sleeps and writes what it did to a file: nothing is inserted
 * into any kernel. Checks the bound, the start order by priority, the cap
 * on non-storage jobs, the job that runs alone, one load per module, the
 * fallback on -ENOTSUP and that waiting stops at the deadline. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "internal.h"
#include "loadq.h"
#include "roots.h"

/* alias -> modules; "path" is "NAME MS ERR": the fake insert sleeps MS
 * milliseconds and returns -ERR. */
struct fake_alias {
    const char *alias;
    const char *mods[4]; /* the last one is the target */
};

static const struct fake_alias world[] = {
    {"slow1", {"slow1 300 0"}},
    {"slow2", {"slow2 300 0"}},
    {"slow3", {"slow3 300 0"}},
    {"slow4", {"slow4 300 0"}},
    {"slow5", {"slow5 300 0"}},
    {"slow6", {"slow6 300 0"}},
    {"fast1", {"fast1 0 0"}},
    {"fast2", {"fast2 0 0"}},
    {"fast3", {"fast3 0 0"}},
    {"iommu", {"iommu 100 0"}},
    {"ahci-dev", {"scsi_mod 200 0", "libata 200 0", "ahci 300 0"}},
    {"sd-dev", {"scsi_mod 200 0", "sd_mod 0 0"}},
    {"ahci-dev2", {"ahci 300 0"}},
    {"broken", {"broken 0 2"}},
    {"broken2", {"broken 0 2"}},
    {"packed", {"packed 0 95"}}, /* 95: EOPNOTSUPP == ENOTSUP on Linux */
    {"forever", {"forever 2000 0"}},
};

static char logpath[PATH_MAX];
static int done_calls, fallback_calls;
static char done_log[2048];

static const struct fake_alias *find(const char *alias)
{
    for (size_t i = 0; i < sizeof(world) / sizeof(world[0]); i++)
        if (strcmp(world[i].alias, alias) == 0)
            return &world[i];
    return NULL;
}

static char names[4][32];

static int plan(void *data, const char *alias, struct fr_loadq_mod *v, size_t max)
{
    const struct fake_alias *a = find(alias);
    size_t n = 0;

    (void)data;
    if (!a)
        return 0;
    while (n < 4 && n < max && a->mods[n]) {
        sscanf(a->mods[n], "%31s", names[n]);
        v[n] = (struct fr_loadq_mod){names[n], a->mods[n], "", false};
        n++;
    }
    v[n - 1].target = true;
    return (int)n;
}

static void append(const char *what, const char *name)
{
    char line[96];
    int fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    int len = snprintf(line, sizeof(line), "%s %s\n", what, name);

    if (fd >= 0) {
        (void)!write(fd, line, (size_t)len);
        close(fd);
    }
}

static int insert(void *data, const char *path, const char *options)
{
    char name[32];
    int ms = 0, err = 0;

    (void)data;
    (void)options;
    if (sscanf(path, "%31s %d %d", name, &ms, &err) != 3)
        return -EINVAL;
    append("S", name);
    usleep((useconds_t)ms * 1000);
    append("E", name);
    return -err;
}

static void done(void *data, const char *alias, const char *name, bool target, int err)
{
    (void)data;
    done_calls++;
    snprintf(done_log + strlen(done_log), sizeof(done_log) - strlen(done_log), "%s/%s%s=%d ",
             alias, name, target ? "*" : "", err);
}

static int fallback(void *data, const char *alias)
{
    (void)data;
    (void)alias;
    fallback_calls++;
    return 1;
}

static const struct fr_loadq_ops ops = {plan, insert, done, fallback};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void reset(void)
{
    fr_path(logpath, sizeof(logpath), fx_top, "loadq.log");
    unlink(logpath);
    done_calls = fallback_calls = 0;
    done_log[0] = '\0';
}

static char events[4096];

static void read_events(void)
{
    int fd = open(logpath, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, events, sizeof(events) - 1) : 0;

    events[n > 0 ? n : 0] = '\0';
    if (fd >= 0)
        close(fd);
}

/* The most inserts running at once, from the S/E lines. */
static int max_overlap(void)
{
    int cur = 0, best = 0;

    for (const char *p = events; *p; p = strchr(p, '\n') + 1) {
        cur += *p == 'S' ? 1 : -1;
        if (cur > best)
            best = cur;
    }
    return best;
}

/* Position of "S name\n" / "E name\n" in the events, -1 if missing. */
static long pos(char what, const char *name)
{
    char key[48];
    snprintf(key, sizeof(key), "%c %s\n", what, name);
    for (const char *p = events; *p; p = strchr(p, '\n') + 1)
        if (strncmp(p, key, strlen(key)) == 0)
            return p - events;
    return -1;
}

static struct fr_loadq *run(unsigned jobs, const char *const *aliases, const int *prios)
{
    struct fr_loadq *q = NULL;

    reset();
    CHECK_INT(fr_loadq_new(jobs, &ops, NULL, &q), 0);
    for (size_t i = 0; q && aliases[i]; i++)
        CHECK_INT(fr_loadq_submit(q, aliases[i], prios[i]), 1);
    return q;
}

static void finish(struct fr_loadq *q)
{
    fr_loadq_wait(q, mono() + 20);
    CHECK_INT(fr_loadq_running(q), 0);
    CHECK_INT(fr_loadq_queued(q), 0);
    read_events();
}

static void test_bad_args(void)
{
    struct fr_loadq *q = NULL;
    CHECK_INT(fr_loadq_new(0, &ops, NULL, &q), -EINVAL);
    CHECK_INT(fr_loadq_new(2, NULL, NULL, &q), -EINVAL);
}

/* The bound: six slow jobs, three workers. Three run together, never
 * more, and all six finish. */
static void test_bound(void)
{
    struct fr_loadq *q;

    const char *a[] = {"slow1", "slow2", "slow3", "slow4", "slow5", "slow6", NULL};
    const int p[] = {20, 20, 20, 20, 20, 20};
    q = run(3, a, p);
    CHECK_INT(fr_loadq_running(q), 3);
    CHECK_INT(fr_loadq_queued(q), 3);
    finish(q);
    CHECK_INT(fr_loadq_peak(q), 3);
    CHECK(max_overlap() <= 3);
    CHECK(max_overlap() >= 2); /* they did overlap */
    CHECK_INT(done_calls, 6);
    fr_loadq_free(q);
}

/* Start order: with the worker busy, queued jobs start by priority,
 * then by submission (one worker, so that the order is the file's). */
static void test_start_order(void)
{
    struct fr_loadq *q;

    const char *a[] = {"slow1", "fast1", "fast2", "fast3", NULL};
    const int p[] = {20, 40, 10, 20};
    q = run(1, a, p);
    CHECK_INT(fr_loadq_running(q), 1);
    /* Running or queued, by priority: slow1 and fast3 (20), fast2 (10). */
    CHECK_INT(fr_loadq_busy_upto(q, 9), 0);
    CHECK_INT(fr_loadq_busy_upto(q, 10), 1);
    CHECK_INT(fr_loadq_busy_upto(q, 20), 3);
    CHECK_INT(fr_loadq_busy_upto(q, 40), 4);
    CHECK_INT(fr_loadq_busy_upto(NULL, 40), 0);
    finish(q);
    CHECK_INT(fr_loadq_busy_upto(q, 40), 0);
    CHECK(pos('E', "slow1") >= 0 && pos('E', "slow1") < pos('S', "fast2"));
    CHECK(pos('S', "fast2") >= 0 && pos('S', "fast2") < pos('S', "fast3"));
    CHECK(pos('S', "fast3") >= 0 && pos('S', "fast3") < pos('S', "fast1"));
    fr_loadq_free(q);
}

/* Jobs of priority 40 and worse take at most max_jobs - 2 workers:
 * a storage job submitted after them starts at once. */
static void test_other_cap(void)
{
    struct fr_loadq *q;

    const char *a[] = {"slow1", "slow2", "slow3", "slow4", "fast1", NULL};
    const int p[] = {40, 40, 50, 40, 20};
    q = run(4, a, p);
    CHECK_INT(fr_loadq_running(q), 3); /* two "other" jobs and fast1 */
    CHECK_INT(fr_loadq_queued(q), 2);
    finish(q);
    CHECK(pos('S', "fast1") >= 0 && pos('S', "fast1") < pos('S', "slow3"));
    CHECK(max_overlap() <= 3);
    fr_loadq_free(q);
}

/* A job of priority FR_LOADQ_ALONE waits for the running ones and
 * runs alone; what comes after waits for it. */
static void test_alone(void)
{
    struct fr_loadq *q;

    const char *a[] = {"slow1", "iommu", "fast1", NULL};
    const int p[] = {20, FR_LOADQ_ALONE, 10};
    q = run(4, a, p);
    CHECK_INT(fr_loadq_running(q), 1);
    finish(q);
    CHECK(pos('E', "slow1") >= 0 && pos('E', "slow1") < pos('S', "iommu"));
    CHECK(pos('E', "iommu") >= 0 && pos('E', "iommu") < pos('S', "fast1"));
    fr_loadq_free(q);
}

/* One load per module: a shared dependency is reported once (by the
 * job that inserts it first), a target that is loading or loaded is not
 * planned again, and the log names each module with its alias in plan
 * order. */
static void test_one_load_per_module(void)
{
    struct fr_loadq *q;

    const char *a[] = {"ahci-dev", "sd-dev", "ahci-dev2", NULL};
    const int p[] = {30, 20, 30};
    q = run(4, a, p);
    CHECK_INT(fr_loadq_running(q), 2); /* ahci-dev2: ahci is loading */
    finish(q);
    CHECK_INT(done_calls, 4);
    CHECK(strstr(done_log, "ahci-dev/scsi_mod=0 ") != NULL);
    CHECK(strstr(done_log, "sd-dev/scsi_mod") == NULL);
    CHECK(strstr(done_log, "sd-dev/sd_mod*=0 ") != NULL);
    CHECK(strstr(done_log, "ahci-dev/libata=0 ") < strstr(done_log, "ahci-dev/ahci*=0 "));
    CHECK(strstr(done_log, "ahci-dev2") == NULL);
    /* Planned again once all is loaded: nothing to do, no worker. */
    CHECK_INT(fr_loadq_submit(q, "ahci-dev", 30), 1);
    CHECK_INT(fr_loadq_running(q), 0);
    CHECK_INT(fr_loadq_collect(q), 0);
    CHECK_INT(done_calls, 4);
    fr_loadq_free(q);
}

/* A failed target is reported with its error and not retried for
 * another alias; -ENOTSUP hands the alias to the fallback. */
static void test_failure_and_fallback(void)
{
    struct fr_loadq *q;

    const char *a[] = {"broken", "packed", NULL};
    const int p[] = {20, 20};
    q = run(2, a, p);
    finish(q);
    CHECK(strstr(done_log, "broken/broken*=-2 ") != NULL);
    CHECK(strstr(done_log, "packed") == NULL);
    CHECK_INT(fallback_calls, 1);
    CHECK_INT(fr_loadq_submit(q, "broken2", 20), 1);
    CHECK_INT(fr_loadq_running(q), 0);
    fr_loadq_free(q);
}

/* Waiting stops at the deadline, not when the slow insert ends; the
 * worker is left running and the queue can be dropped. */
static void test_deadline(void)
{
    struct fr_loadq *q;

    const char *a[] = {"forever", "fast1", "fast2", NULL};
    const int p[] = {FR_LOADQ_ALONE, 20, 20};
    q = run(2, a, p);
    double t0 = mono();
    fr_loadq_wait(q, t0 + 0.2);
    double waited = mono() - t0;
    CHECK(waited >= 0.19 && waited < 1.5);
    CHECK_INT(fr_loadq_running(q), 1);
    CHECK_INT(fr_loadq_drop_queued(q), 2);
    fr_loadq_free(q); /* does not wait for the worker */
    CHECK(mono() - t0 < 1.5);
}

/* A worker that outlives findroot does not hold findroot's output open:
 * the hook reads DEV=$(findroot) until end of file, so the end must come
 * when findroot exits, not when its slowest worker does (the "forever"
 * insert takes 2 s; its end mark must not be in the log at end of file).
 * The workers' nice level is the highest (19) here, as for a large plan. */
static void test_output_not_held(void)
{
    int p[2];
    char buf[16] = "";
    ssize_t n, got = 0;

    reset();
    CHECK(pipe(p) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], STDOUT_FILENO);
        close(p[1]);
        const char *a[] = {"forever", NULL};
        const int pr[] = {20};
        struct fr_loadq *q = run(1, a, pr);
        /* findroot exits while the insert runs: once it has started */
        for (int i = 0; i < 200; i++) {
            read_events();
            if (pos('S', "forever") >= 0)
                break;
            usleep(10000);
        }
        fr_loadq_free(q);
        fputs("dev\n", stdout);
        fflush(stdout);
        _exit(0);
    }
    close(p[1]);
    while ((n = read(p[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
        got += n;
    close(p[0]);
    read_events();
    CHECK_STR(buf, "dev\n");
    CHECK(pos('S', "forever") >= 0);
    CHECK_INT((int)pos('E', "forever"), -1);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static const struct check_case cases[] = {
    CASE(bad_args), CASE(bound), CASE(start_order), CASE(other_cap),
    CASE(alone), CASE(one_load_per_module), CASE(failure_and_fallback), CASE(deadline),
    CASE(output_not_held),
};

CHECK_MAIN("test_loadq", cases)
