/* The case runner of the unit tests: each named case in a child process
 * with a fresh fixture dir, its verdict from its checks and its exit. */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "log.h"

int check_passed, check_failed;

/* What a case reports to the runner (one write, below PIPE_BUF). */
struct outcome {
    int passed, failed;
    bool skipped;
    char reason[200];
};

static struct outcome current;

void check_skip(const char *fmt, ...)
{
    va_list ap;

    current.skipped = true;
    va_start(ap, fmt);
    vsnprintf(current.reason, sizeof(current.reason), fmt, ap);
    va_end(ap);
}

int check_summary(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    if (check_passed + check_failed == 0) {
        printf("%s: FAIL: no check ran\n", name);
        return 1;
    }
    return check_failed ? 1 : 0;
}

static void run_here(const struct check_case *c)
{
    check_passed = check_failed = 0;
    current = (struct outcome){.skipped = false};
    fr_log_init(FR_LOG_ERR, NULL);
    c->fn();
    current.passed = check_passed;
    current.failed = check_failed;
}

/* Runs one case in a child; returns its exit status (-1 if it could not
 * run), the counts in *out. */
static int run_forked(const struct check_case *c, struct outcome *out)
{
    int fds[2], status;
    pid_t pid;

    if (pipe(fds) < 0)
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        run_here(c);
        (void)!write(fds[1], &current, sizeof(current));
        close(fds[1]);
        /* exit(), not _exit(): LeakSanitizer and stdio run at exit. */
        exit(check_failed ? 1 : 0);
    }
    close(fds[1]);
    /* The report fits in the pipe: read it once the case has exited, and
     * without waiting for processes the case left behind (which hold the
     * pipe open). */
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            status = -1;
            break;
        }
    }
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    if (read(fds[0], out, sizeof(*out)) != (ssize_t)sizeof(*out))
        *out = (struct outcome){.reason = "no report"};
    close(fds[0]);
    return status;
}

static bool selected(const char *name, int argc, char **argv)
{
    const char *env = getenv("TEST_CASE");

    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            if (strcmp(argv[i], name) == 0)
                return true;
        return false;
    }
    if (!env || !*env)
        return true;
    size_t len = strlen(name);
    for (const char *p = env; *p; p += strcspn(p, ","), p += *p == ',')
        if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
            return true;
    return false;
}

/* Every name asked for must exist: a typo must not make an empty pass. */
static int unknown_names(const char *suite, const struct check_case *cases, size_t n, int argc,
                         char **argv)
{
    int bad = 0;

    for (int i = 1; i < argc; i++) {
        size_t k = 0;
        while (k < n && strcmp(cases[k].name, argv[i]) != 0)
            k++;
        if (k == n) {
            fprintf(stderr, "%s: no case named \"%s\" (--list lists them)\n", suite, argv[i]);
            bad++;
        }
    }
    return bad;
}

int check_main(const char *suite, const struct check_case *cases, size_t n, int argc, char **argv)
{
    bool nofork = getenv("TEST_NOFORK") && strcmp(getenv("TEST_NOFORK"), "0") != 0;
    int passed = 0, failed = 0, ran = 0, bad_cases = 0, skipped = 0;

    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", cases[i].name);
        return 0;
    }
    if (unknown_names(suite, cases, n, argc, argv))
        return 1;
    if (fx_run_begin(suite) < 0)
        return 1;
    for (size_t i = 0; i < n; i++) {
        const struct check_case *c = &cases[i];
        struct outcome o;
        int status = 0;

        if (!selected(c->name, argc, argv))
            continue;
        ran++;
        if (fx_begin(suite, c->name) < 0) {
            printf("%s/%s: FAIL: no fixture dir\n", suite, c->name);
            bad_cases++;
            continue;
        }
        if (nofork) {
            run_here(c);
            o = current;
        } else {
            status = run_forked(c, &o);
        }
        fx_end();
        passed += o.passed;
        failed += o.failed;

        const char *why = NULL;
        char buf[64];
        if (status == -1) {
            why = "could not run it";
        } else if (WIFSIGNALED(status)) {
            snprintf(buf, sizeof(buf), "killed by signal %d", WTERMSIG(status));
            why = buf;
        } else if (o.failed) {
            snprintf(buf, sizeof(buf), "%d of %d checks failed", o.failed, o.passed + o.failed);
            why = buf;
        } else if (WEXITSTATUS(status) != 0) {
            snprintf(buf, sizeof(buf), "exited with status %d", WEXITSTATUS(status));
            why = buf;
        } else if (strcmp(o.reason, "no report") == 0) {
            why = "no report from the case";
        } else if (o.skipped) {
            printf("%s/%s: SKIP: %s (%d checks ran)\n", suite, c->name, o.reason, o.passed);
            skipped++;
            continue;
        } else if (o.passed == 0) {
            why = "ran no checks";
        }
        if (why) {
            printf("%s/%s: FAIL: %s\n", suite, c->name, why);
            bad_cases++;
        } else {
            printf("%s/%s: ok (%d checks)\n", suite, c->name, o.passed);
        }
    }
    fx_run_end();
    printf("%s: %d passed, %d failed (%d cases: %d failed, %d skipped)\n", suite, passed, failed,
           ran, bad_cases, skipped);
    if (passed + failed == 0) {
        printf("%s: FAIL: no check ran\n", suite);
        return 1;
    }
    /* a skipped case is no pass: ctest reports the run as skipped (77) */
    return failed || bad_cases ? 1 : skipped ? 77 : 0;
}
