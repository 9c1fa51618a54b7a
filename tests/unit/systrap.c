/* The /sys/module trap of the unit tests: libkmod's absolute /sys/module
 * lookups go to $FINDROOT_TEST_SYS_MODULE, a fixture dir, instead.
 *
 * libkmod reads /sys/module/NAME/initstate (and stats /sys/module/NAME) to
 * tell whether a module is loaded, with no way to give it another root; on
 * a host with virtio_iommu loaded the module tests would see that. kmod's
 * own testsuite (testsuite/path.c) traps such paths in an LD_PRELOAD
 * library, since it runs its tools as separate programs. Here the code
 * under test is in the test's own process, so the trap is linked into the
 * test executable: its definitions come first in symbol lookup, also for
 * libkmod's calls, under ASan (whose runtime is either a later shared
 * library or weak interceptors linked in) and valgrind alike, with no
 * environment to set up. Static (musl) builds do not link it: there is no
 * dlsym(RTLD_NEXT) there; fx_trap_active() tells the tests. */
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char prefix[] = "/sys/module";

/* The path to use instead of path: itself unless it is /sys/module or
 * below and the trap is on. A redirected path too long for buf becomes one
 * that does not exist, never the host's. */
static const char *trap(const char *path, char *buf, size_t size)
{
    const char *dir = getenv("FINDROOT_TEST_SYS_MODULE");
    size_t len = sizeof(prefix) - 1;

    if (!dir || !path || strncmp(path, prefix, len) != 0 ||
        (path[len] != '/' && path[len] != '\0'))
        return path;
    if ((size_t)snprintf(buf, size, "%s%s", dir, path + len) >= size)
        snprintf(buf, size, "%s/fr-trap-path-too-long", dir);
    return buf;
}

/* The next definition of a function (libc's, or ASan's in front of it). */
#define REAL(fn)                                                                       \
    static __typeof__(fn) *real_;                                                      \
    if (!real_)                                                                        \
        real_ = (__typeof__(fn) *)dlsym(RTLD_NEXT, #fn)

static mode_t mode_arg(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

int open(const char *path, int flags, ...)
{
    char buf[PATH_MAX];
    va_list ap;

    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    REAL(open);
    return real_(trap(path, buf, sizeof(buf)), flags, mode);
}

/* The same call where large file support renames it. */
extern __typeof__(open) open64 __attribute__((alias("open")));

int openat(int dirfd, const char *path, int flags, ...)
{
    char buf[PATH_MAX];
    va_list ap;

    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    REAL(openat);
    return real_(dirfd, trap(path, buf, sizeof(buf)), flags, mode);
}

FILE *fopen(const char *path, const char *mode)
{
    char buf[PATH_MAX];

    REAL(fopen);
    return real_(trap(path, buf, sizeof(buf)), mode);
}

DIR *opendir(const char *path)
{
    char buf[PATH_MAX];

    REAL(opendir);
    return real_(trap(path, buf, sizeof(buf)));
}

int stat(const char *restrict path, struct stat *restrict st)
{
    char buf[PATH_MAX];

    REAL(stat);
    return real_(trap(path, buf, sizeof(buf)), st);
}

int fstatat(int dirfd, const char *restrict path, struct stat *restrict st, int flags)
{
    char buf[PATH_MAX];

    REAL(fstatat);
    return real_(dirfd, trap(path, buf, sizeof(buf)), st, flags);
}
