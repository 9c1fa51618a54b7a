/* Fixture trees for the unit tests: each case's fresh temp dir, files and
 * links in it, stderr capture, and the fake modules dir of mkmodules.sh. */
#include "fixture.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "roots.h"

char fx_top[PATH_MAX];
static char run_dir[PATH_MAX]; /* what the cases of one run share, read-only */
static char capfile[PATH_MAX];
static int saved_stderr = -1;

static const char *tmpdir(void)
{
    const char *tmp = getenv("TMPDIR");

    return tmp && *tmp ? tmp : "/tmp";
}

int fx_run_begin(const char *suite)
{
    snprintf(run_dir, sizeof(run_dir), "%s/fr-%s-XXXXXX", tmpdir(), suite);
    if (!mkdtemp(run_dir)) {
        perror(run_dir);
        run_dir[0] = '\0';
        return -1;
    }
    return 0;
}

void fx_run_end(void)
{
    if (run_dir[0])
        fx_rm_tree(run_dir);
    run_dir[0] = '\0';
}

int fx_begin(const char *suite, const char *name)
{
    char sysmod[PATH_MAX];

    snprintf(fx_top, sizeof(fx_top), "%s/fr-%s-%s-XXXXXX", tmpdir(), suite, name);
    if (!mkdtemp(fx_top)) {
        perror(fx_top);
        fx_top[0] = '\0';
        return -1;
    }
    fr_path(capfile, sizeof(capfile), fx_top, "stderr.capture");
    fr_path(sysmod, sizeof(sysmod), fx_top, "sys/module");
    setenv("FINDROOT_TEST_SYS_MODULE", sysmod, 1);
    return 0;
}

void fx_end(void)
{
    if (fx_top[0])
        fx_rm_tree(fx_top);
    fx_top[0] = '\0';
    unsetenv("FINDROOT_TEST_SYS_MODULE");
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void fx_rm_tree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Makes the dirs of path (absolute, under fx_top) up to its last slash. */
static void parents(char *path)
{
    for (char *p = path + strlen(fx_top) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
}

void fx_mkdirs(const char *rel)
{
    char path[PATH_MAX];

    fr_path(path, sizeof(path), fx_top, "%s/", rel);
    parents(path);
}

void fx_put_bytes(const char *rel, const void *data, size_t len)
{
    char path[PATH_MAX];
    FILE *f;

    fr_path(path, sizeof(path), fx_top, "%s", rel);
    parents(path);
    f = fopen(path, "w");
    if (!f) {
        perror(path);
        return;
    }
    if (fwrite(data, 1, len, f) != len)
        perror(path);
    fclose(f);
}

void fx_put(const char *rel, const char *text)
{
    fx_put_bytes(rel, text, strlen(text));
}

void fx_link(const char *target, const char *rel)
{
    char path[PATH_MAX];

    fr_path(path, sizeof(path), fx_top, "%s", rel);
    parents(path);
    if (symlink(target, path) < 0)
        perror(path);
}

void fx_unlink(const char *rel)
{
    char path[PATH_MAX];

    fr_path(path, sizeof(path), fx_top, "%s", rel);
    unlink(path);
}

char *fx_slurp(const char *path)
{
    static char buf[1 << 17];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

void fx_capture_begin(void)
{
    int fd = open(capfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
}

char *fx_capture_end(void)
{
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    saved_stderr = -1;
    return fx_slurp(capfile);
}

void fx_script(char *buf, size_t size, const char *name, const char *env)
{
    const char *over = env ? getenv(env) : NULL;

    if (over && *over) {
        snprintf(buf, size, "%s", over);
        return;
    }
    /* __FILE__ is .../tests/unit/fixture.c (CMake compiles with absolute
     * paths; the tests run from the source dir when it is relative). */
    snprintf(buf, size, "%s", __FILE__);
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(buf, size, ".");
    size_t len = strlen(buf);
    snprintf(buf + len, size - len, "/../fixture/%s", name);
}

int fx_make_modules(struct fr_roots *r, const char *release)
{
    char script[PATH_MAX], root[PATH_MAX], done[PATH_MAX], cmd[PATH_MAX * 3 + 64];

    /* Made once a run (mkmodules.sh runs depmod: seconds), in the run's
     * dir when there is one; no case writes to it. */
    fr_path(root, sizeof(root), run_dir[0] ? run_dir : fx_top, "root-%s", release);
    fr_path(done, sizeof(done), root, ".made");
    if (access(done, F_OK) != 0) {
        fx_script(script, sizeof(script), "mkmodules.sh", "FINDROOT_MKMODULES");
        snprintf(cmd, sizeof(cmd), "sh '%s' '%s' %s && : >'%s'", script, root, release, done);
        if (system(cmd) != 0) {
            fprintf(stderr, "cannot build the fake modules dir with %s\n", script);
            return -1;
        }
    }
    fr_path(r->modules, sizeof(r->modules), root, "lib/modules/%s", release);
    snprintf(r->release, sizeof(r->release), "%s", release);
    return 0;
}

void fx_module_state(const char *name, const char *state)
{
    char rel[PATH_MAX], path[PATH_MAX];

    snprintf(rel, sizeof(rel), "sys/module/%s/initstate", name);
    if (state) {
        fx_put(rel, state);
        return;
    }
    fx_unlink(rel);
    fr_path(path, sizeof(path), fx_top, "sys/module/%s", name);
    rmdir(path);
}

bool fx_trap_active(void)
{
    static const char probe[] = "fr-trap-probe";
    char path[PATH_MAX];
    struct stat st;
    bool seen;

    fx_module_state(probe, "live\n");
    snprintf(path, sizeof(path), "/sys/module/%s/initstate", probe);
    seen = stat(path, &st) == 0;
    fx_module_state(probe, NULL);
    return seen;
}
