/* Every kernel filesystem path findroot touches is built from these roots,
 * so tests can point them at fixture trees and run unprivileged. */
#pragma once
#include <limits.h>
#include <stddef.h>

struct fr_roots {
    char sys[PATH_MAX];     /* "/sys" (env FINDROOT_SYSFS, --sysfs) */
    char dev[PATH_MAX];     /* "/dev" (env FINDROOT_DEVFS, --devfs) */
    char cmdline[PATH_MAX]; /* "/proc/cmdline" (env FINDROOT_CMDLINE, --cmdline) */
    char modules[PATH_MAX]; /* "/lib/modules/$(uname -r)" (env FINDROOT_MODULES_DIR, --modules-dir) */
    char release[256];      /* uname -r (env FINDROOT_KERNEL_RELEASE) */
    char kmsg[PATH_MAX];    /* "/dev/kmsg"; "" when dev is not "/dev" */
    int real_sys;           /* 1 when sys is the real "/sys": mounting debugfs allowed */
    /* Bookkeeping for fr_roots_finish(): modules follows release unless it
     * was set explicitly (env, or an option: set modules_explicit = 1, or just
     * fr_roots_set() it to anything but the default). */
    int modules_explicit;
    char modules_auto[PATH_MAX]; /* the default fr_roots_init() derived */
};

/* Fill defaults, then apply the environment. Options override afterwards
 * through fr_roots_set(); call fr_roots_finish() when done. */
void fr_roots_init(struct fr_roots *r);
/* Copies value (trailing '/' removed). Returns 0, -EINVAL (NULL or empty),
 * or -ENAMETOOLONG (field left unchanged). */
int fr_roots_set(char *field, size_t size, const char *value);
void fr_roots_finish(struct fr_roots *r);

/* snprintf into buf: "<root>/<fmt...>". Returns 0, or -ENAMETOOLONG. */
int fr_path(char *buf, size_t size, const char *root, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
