/* Unit tests for roots (defaults, environment, derived values, fr_path) and
 * for the small sysfs readers on a temporary tree. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "roots.h"
#include "sysfs.h"

static void clear_env(void)
{
    unsetenv("FINDROOT_SYSFS");
    unsetenv("FINDROOT_DEVFS");
    unsetenv("FINDROOT_CMDLINE");
    unsetenv("FINDROOT_MODULES_DIR");
    unsetenv("FINDROOT_KERNEL_RELEASE");
}

static void test_defaults(void)
{
    struct fr_roots r;
    struct utsname u;
    char want[PATH_MAX];

    clear_env();
    uname(&u);
    fr_roots_init(&r);
    fr_roots_finish(&r);
    CHECK_STR(r.sys, "/sys");
    CHECK_STR(r.dev, "/dev");
    CHECK_STR(r.cmdline, "/proc/cmdline");
    CHECK_STR(r.release, u.release);
    snprintf(want, sizeof(want), "/lib/modules/%s", u.release);
    CHECK_STR(r.modules, want);
    CHECK_STR(r.kmsg, "/dev/kmsg");
    CHECK_INT(r.real_sys, 1);

    /* --kernel-release alone moves the modules dir along. */
    CHECK_INT(fr_roots_set(r.release, sizeof(r.release), "6.12.0-test"), 0);
    fr_roots_finish(&r);
    CHECK_STR(r.modules, "/lib/modules/6.12.0-test");
    CHECK_INT(fr_roots_set(r.release, sizeof(r.release), "6.1.0-x"), 0);
    fr_roots_finish(&r);
    CHECK_STR(r.modules, "/lib/modules/6.1.0-x");

    /* An explicit --modules-dir wins over the release. */
    fr_roots_init(&r);
    CHECK_INT(fr_roots_set(r.modules, sizeof(r.modules), "/fixture/modules/"), 0);
    CHECK_INT(fr_roots_set(r.release, sizeof(r.release), "9.9"), 0);
    CHECK_INT(fr_roots_set(r.sys, sizeof(r.sys), "/tmp/sys/"), 0);
    CHECK_INT(fr_roots_set(r.dev, sizeof(r.dev), "/tmp/dev"), 0);
    fr_roots_finish(&r);
    CHECK_STR(r.modules, "/fixture/modules");
    CHECK_STR(r.sys, "/tmp/sys");
    CHECK_INT(r.real_sys, 0);
    CHECK_STR(r.kmsg, "");

    /* Trailing slashes do not hide the real roots. */
    CHECK_INT(fr_roots_set(r.sys, sizeof(r.sys), "/sys///"), 0);
    CHECK_INT(fr_roots_set(r.dev, sizeof(r.dev), "/dev/"), 0);
    fr_roots_finish(&r);
    CHECK_INT(r.real_sys, 1);
    CHECK_STR(r.kmsg, "/dev/kmsg");
    CHECK_INT(fr_roots_set(r.sys, sizeof(r.sys), "/"), 0);
    CHECK_STR(r.sys, "/");

    char small[8] = "keep";
    CHECK_INT(fr_roots_set(small, sizeof(small), "/too/long/for/it"), -ENAMETOOLONG);
    CHECK_STR(small, "keep");
    CHECK_INT(fr_roots_set(small, sizeof(small), ""), -EINVAL);
    CHECK_INT(fr_roots_set(small, sizeof(small), NULL), -EINVAL);
}

static void test_env(void)
{
    struct fr_roots r;

    clear_env();
    setenv("FINDROOT_SYSFS", "/fx/sys", 1);
    setenv("FINDROOT_DEVFS", "/fx/dev/", 1);
    setenv("FINDROOT_CMDLINE", "/fx/cmdline", 1);
    setenv("FINDROOT_KERNEL_RELEASE", "6.12.22-amd64", 1);
    fr_roots_init(&r);
    fr_roots_finish(&r);
    CHECK_STR(r.sys, "/fx/sys");
    CHECK_STR(r.dev, "/fx/dev");
    CHECK_STR(r.cmdline, "/fx/cmdline");
    CHECK_STR(r.release, "6.12.22-amd64");
    CHECK_STR(r.modules, "/lib/modules/6.12.22-amd64");
    CHECK_STR(r.kmsg, "");
    CHECK_INT(r.real_sys, 0);

    setenv("FINDROOT_MODULES_DIR", "/fx/lib/modules/6.12", 1);
    fr_roots_init(&r);
    CHECK_INT(fr_roots_set(r.release, sizeof(r.release), "other"), 0);
    fr_roots_finish(&r);
    CHECK_STR(r.modules, "/fx/lib/modules/6.12");

    /* Empty variables count as unset. */
    setenv("FINDROOT_SYSFS", "", 1);
    fr_roots_init(&r);
    CHECK_STR(r.sys, "/sys");

    /* An over-long one is refused (with a warning), not truncated. */
    char *huge = malloc(PATH_MAX + 10);
    memset(huge, 'a', PATH_MAX + 9);
    huge[0] = '/';
    huge[PATH_MAX + 9] = '\0';
    setenv("FINDROOT_DEVFS", huge, 1);
    fr_roots_init(&r);
    CHECK_STR(r.dev, "/dev");
    free(huge);
    clear_env();
}

static void test_path(void)
{
    char buf[32];

    CHECK_INT(fr_path(buf, sizeof(buf), "/sys", "class/block/%s", "vda"), 0);
    CHECK_STR(buf, "/sys/class/block/vda");
    CHECK_INT(fr_path(buf, sizeof(buf), "/sys/", "/class/%d", 7), 0);
    CHECK_STR(buf, "/sys/class/7");
    CHECK_INT(fr_path(buf, sizeof(buf), "/", "dev"), 0);
    CHECK_STR(buf, "/dev");
    CHECK_INT(fr_path(buf, sizeof(buf), "rel", "x"), 0);
    CHECK_STR(buf, "rel/x");
    CHECK_INT(fr_path(buf, sizeof(buf), "/sys", "%s", "a-name-that-is-much-too-long"), -ENAMETOOLONG);
    CHECK_STR(buf, "");
    CHECK_INT(fr_path(buf, 10, "/sys/class", "x"), -ENAMETOOLONG);
    CHECK_INT(fr_path(buf, 0, "/sys", "x"), -ENAMETOOLONG);
    /* Exactly fitting: 31 characters. */
    CHECK_INT(fr_path(buf, sizeof(buf), "/sys", "%s", "abcdefghijklmnopqrstuvwxyz"), 0);
    CHECK_INT(strlen(buf), 31);
    CHECK_INT(fr_path(buf, sizeof(buf), "/sys", "%s", "abcdefghijklmnopqrstuvwxyz1"), -ENAMETOOLONG);
}

static void write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "w");

    if (f) {
        fputs(s, f);
        fclose(f);
    }
}

static void test_sysfs(void)
{
    char dir[] = "/tmp/fr-sysfs-XXXXXX";
    char p[128], q[128], buf[64];

    CHECK(mkdtemp(dir) != NULL);
    snprintf(p, sizeof(p), "%s/dev", dir);
    write_file(p, "8:1\n\n");
    CHECK_INT(fr_read_attr(p, buf, sizeof(buf)), 3);
    CHECK_STR(buf, "8:1");
    CHECK_INT(fr_read_attr(p, buf, 4), -EFBIG);
    CHECK_INT(fr_read_attr(p, buf, 6), 3); /* "8:1\n\n" fits in 5 + NUL */
    CHECK(fr_exists(p));

    snprintf(q, sizeof(q), "%s/missing", dir);
    CHECK_INT(fr_read_attr(q, buf, sizeof(buf)), -ENOENT);
    CHECK(!fr_exists(q));
    snprintf(q, sizeof(q), "%s/empty", dir);
    write_file(q, "");
    CHECK_INT(fr_read_attr(q, buf, sizeof(buf)), 0);
    CHECK_STR(buf, "");
    unlink(q);

    CHECK_INT(fr_write_attr(p, "1"), 0);
    CHECK_INT(fr_read_attr(p, buf, sizeof(buf)), 1);
    CHECK_STR(buf, "1");
    CHECK_INT(fr_write_attr(q, "1"), -ENOENT);

    snprintf(q, sizeof(q), "%s/driver", dir);
    CHECK_INT(symlink("../../../bus/virtio/drivers/virtio_iommu", q), 0);
    CHECK_INT(fr_link_basename(q, buf, sizeof(buf)), 12);
    CHECK_STR(buf, "virtio_iommu");
    CHECK(fr_exists(q)); /* lstat: a dangling link exists */
    CHECK_INT(fr_link_basename(q, buf, 5), -ENAMETOOLONG);
    CHECK_INT(fr_link_basename(p, buf, sizeof(buf)), -EINVAL); /* not a link */
    unlink(q);
    CHECK_INT(symlink("plain/", q), 0);
    CHECK_INT(fr_link_basename(q, buf, sizeof(buf)), 5);
    CHECK_STR(buf, "plain");
    unlink(q);

    snprintf(q, sizeof(q), "%s/uevent", dir);
    write_file(q, "MAJOR=8\nMINOR=1\nDEVNAME=sda1\nDEVTYPE=partition\nDISKSEQ=2\nPARTN=1\nEMPTY=\n");
    CHECK_INT(fr_uevent_file_get(q, "DEVNAME", buf, sizeof(buf)), 4);
    CHECK_STR(buf, "sda1");
    CHECK_INT(fr_uevent_file_get(q, "MINOR", buf, sizeof(buf)), 1);
    CHECK_STR(buf, "1");
    CHECK_INT(fr_uevent_file_get(q, "PARTN", buf, sizeof(buf)), 1);
    CHECK_INT(fr_uevent_file_get(q, "EMPTY", buf, sizeof(buf)), 0);
    CHECK_INT(fr_uevent_file_get(q, "DEV", buf, sizeof(buf)), -ENOENT);
    CHECK_INT(fr_uevent_file_get(q, "DEVTYPE", buf, 4), -EFBIG);
    CHECK_INT(fr_uevent_file_get(q, "A=B", buf, sizeof(buf)), -EINVAL);
    CHECK_INT(fr_uevent_file_get(q, "", buf, sizeof(buf)), -EINVAL);
    CHECK_INT(fr_uevent_file_get(p, "MAJOR", buf, sizeof(buf)), -ENOENT);
    /* No trailing newline on the last line. */
    write_file(q, "MODALIAS=virtio:d00000017v00001AF4");
    CHECK_INT(fr_uevent_file_get(q, "MODALIAS", buf, sizeof(buf)), 25);
    CHECK_STR(buf, "virtio:d00000017v00001AF4");
    unlink(q);
    unlink(p);
    rmdir(dir);
}

static const struct check_case cases[] = {
    CASE(defaults),
    CASE(env),
    CASE(path),
    CASE(sysfs),
};
CHECK_MAIN("test_roots", cases)
