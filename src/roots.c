/* The roots every kernel path is built from: defaults, environment
 * overrides, and the derived values (modules dir, kmsg, real /sys). */
#include "roots.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "log.h"

int fr_roots_set(char *field, size_t size, const char *value)
{
    size_t len;

    if (!field || !value || !value[0])
        return -EINVAL;
    len = strlen(value);
    /* "/sys/" and "/sys" must compare equal for real_sys and kmsg, and
     * must not yield "//" in built paths; "/" itself stays "/". */
    while (len > 1 && value[len - 1] == '/')
        len--;
    if (len >= size)
        return -ENAMETOOLONG;
    memcpy(field, value, len);
    field[len] = '\0';
    return 0;
}

static void set_from_env(char *field, size_t size, const char *name, int *was_set)
{
    const char *v = getenv(name);
    int r;

    if (!v || !v[0])
        return;
    r = fr_roots_set(field, size, v);
    if (r < 0) {
        /* No caller sees this: keeping the default silently could point a
         * test at the real /sys, so say so. */
        fr_log_errno(FR_LOG_WARNING, r, "ignoring %s", name);
        return;
    }
    if (was_set)
        *was_set = 1;
}

/* /lib/modules/REL, or /usr/lib/modules/REL where only that exists: from
 * Debian 13 on, kernels ship their modules under /usr, and an image built
 * without the /lib -> usr/lib link has them there alone. */
static void modules_from_release(const struct fr_roots *r, char *buf, size_t size)
{
    struct stat st;
    char usr[sizeof(r->modules)];

    if (fr_path(buf, size, "/lib/modules", "%s", r->release) < 0) {
        snprintf(buf, size, "/lib/modules");
        return;
    }
    if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
        return;
    if (fr_path(usr, sizeof(usr), "/usr/lib/modules", "%s", r->release) == 0 &&
        stat(usr, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(buf, size, "%s", usr);
}

void fr_roots_init(struct fr_roots *r)
{
    struct utsname u;

    memset(r, 0, sizeof(*r));
    snprintf(r->sys, sizeof(r->sys), "/sys");
    snprintf(r->dev, sizeof(r->dev), "/dev");
    snprintf(r->cmdline, sizeof(r->cmdline), "/proc/cmdline");
    if (uname(&u) == 0)
        snprintf(r->release, sizeof(r->release), "%s", u.release);

    set_from_env(r->sys, sizeof(r->sys), "FINDROOT_SYSFS", NULL);
    set_from_env(r->dev, sizeof(r->dev), "FINDROOT_DEVFS", NULL);
    set_from_env(r->cmdline, sizeof(r->cmdline), "FINDROOT_CMDLINE", NULL);
    set_from_env(r->release, sizeof(r->release), "FINDROOT_KERNEL_RELEASE", NULL);

    modules_from_release(r, r->modules_auto, sizeof(r->modules_auto));
    snprintf(r->modules, sizeof(r->modules), "%s", r->modules_auto);
    set_from_env(r->modules, sizeof(r->modules), "FINDROOT_MODULES_DIR", &r->modules_explicit);
    fr_roots_finish(r);
}

void fr_roots_finish(struct fr_roots *r)
{
    /* --kernel-release=X alone must move the modules dir along, but an
     * explicit --modules-dir always wins. */
    if (!r->modules_explicit && strcmp(r->modules, r->modules_auto) == 0) {
        modules_from_release(r, r->modules, sizeof(r->modules));
        snprintf(r->modules_auto, sizeof(r->modules_auto), "%s", r->modules);
    }
    /* Only the real /dev has the real kmsg; a fixture /dev must not make
     * tests write into the host's kernel log. */
    if (strcmp(r->dev, "/dev") == 0)
        snprintf(r->kmsg, sizeof(r->kmsg), "/dev/kmsg");
    else
        r->kmsg[0] = '\0';
    r->real_sys = strcmp(r->sys, "/sys") == 0;
}

int fr_path(char *buf, size_t size, const char *root, const char *fmt, ...)
{
    size_t rlen;
    va_list ap;
    int n;

    if (!buf || size == 0)
        return -ENAMETOOLONG;
    buf[0] = '\0';
    if (!root || !fmt)
        return -EINVAL;

    rlen = strlen(root);
    while (rlen > 0 && root[rlen - 1] == '/')
        rlen--;
    if (rlen + 1 >= size)
        return -ENAMETOOLONG;
    memcpy(buf, root, rlen);
    buf[rlen] = '/';

    va_start(ap, fmt);
    n = vsnprintf(buf + rlen + 1, size - rlen - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size - rlen - 1) {
        buf[0] = '\0';
        return n < 0 ? -EINVAL : -ENAMETOOLONG;
    }
    /* Callers may write "/class/block"; do not produce "/sys//class". */
    if (buf[rlen + 1] == '/') {
        size_t skip = 0;
        while (buf[rlen + 1 + skip] == '/')
            skip++;
        memmove(buf + rlen + 1, buf + rlen + 1 + skip, (size_t)n - skip + 1);
    }
    return 0;
}
