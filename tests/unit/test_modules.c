/* Module lookups and (dry-run) loading against a fake modules dir made by
 * tests/fixture/mkmodules.sh and the real depmod; coldplug over a fixture
 * sysfs. Nothing is ever inserted into the running kernel. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libkmod.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "coldplug.h"
#include "internal.h"
#include "log.h"
#include "modules.h"
#include "roots.h"

#define RELEASE "6.12.0-fr"

static char top[64];
static char capfile[PATH_MAX];
static int saved_stderr = -1;

static void parents(char *path)
{
    for (char *p = path + strlen(top) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
}

static void put(const char *rel, const char *data)
{
    char path[PATH_MAX];
    FILE *f;

    fr_path(path, sizeof(path), top, "%s", rel);
    parents(path);
    f = fopen(path, "w");
    if (!f) {
        perror(path);
        return;
    }
    fputs(data, f);
    fclose(f);
}

static void link_at(const char *target, const char *rel)
{
    char path[PATH_MAX];

    fr_path(path, sizeof(path), top, "%s", rel);
    parents(path);
    if (symlink(target, path) < 0)
        perror(path);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Loaded as a module in the host kernel (libkmod looks at the real
 * /sys/module/NAME/initstate; built-in ones have none and do not count). */
static bool host_has(const char *module)
{
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "/sys/module/%s/initstate", module);
    return access(path, F_OK) == 0;
}

/* Logs go to stderr; catch them in a file to check the words. */
static void capture_begin(void)
{
    int fd = open(capfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
}

static char *capture_end(void)
{
    static char buf[65536];
    FILE *f;
    size_t n = 0;

    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    buf[0] = '\0';
    f = fopen(capfile, "r");
    if (f) {
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    return buf;
}

static int make_modules(struct fr_roots *r)
{
    char script[PATH_MAX], cmd[PATH_MAX * 2];
    const char *env = getenv("FINDROOT_MKMODULES");

    if (env) {
        snprintf(script, sizeof(script), "%s", env);
    } else {
        /* __FILE__ is .../tests/unit/test_modules.c */
        snprintf(script, sizeof(script), "%s", __FILE__);
        char *p = strrchr(script, '/');
        if (p)
            *p = '\0';
        else
            snprintf(script, sizeof(script), ".");
        strncat(script, "/../fixture/mkmodules.sh", sizeof(script) - strlen(script) - 1);
    }
    snprintf(cmd, sizeof(cmd), "sh '%s' '%s/root' %s", script, top, RELEASE);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot build the fake modules dir with %s\n", script);
        return -1;
    }
    fr_path(r->modules, sizeof(r->modules), top, "root/lib/modules/%s", RELEASE);
    snprintf(r->release, sizeof(r->release), "%s", RELEASE);
    fr_path(r->sys, sizeof(r->sys), top, "sys");
    return 0;
}

static void test_new(const struct fr_roots *good)
{
    struct fr_roots r = *good;
    struct fr_modules *m = (struct fr_modules *)&r;

    fr_path(r.modules, sizeof(r.modules), top, "no/such/dir");
    CHECK_INT(fr_modules_new(&r, true, &m), -ENOENT);
    CHECK(m == NULL);
    CHECK_INT(fr_modules_new(NULL, true, &m), -EINVAL);
    fr_modules_free(NULL);
    CHECK_INT(fr_modules_loaded(NULL), 0);
}

static void test_lookup(struct fr_modules *m)
{
    char buf[256];

    CHECK_INT(fr_modules_lookup(m, "virtio:d00000017v00001AF4", buf, sizeof(buf)), 1);
    CHECK_STR(buf, "virtio_iommu");
    /* By module name, as "modprobe virtio_iommu" would. */
    CHECK_INT(fr_modules_lookup(m, "virtio_iommu", buf, sizeof(buf)), 1);
    CHECK_STR(buf, "virtio_iommu");
    CHECK_INT(fr_modules_lookup(m, "virtio:d00000002v00001AF4", buf, sizeof(buf)), 1);
    CHECK_STR(buf, "virtio_blk");
    /* Two modules claim this PCI id. */
    CHECK_INT(fr_modules_lookup(m, "pci:v00001234d00005678sv00000000sd00000000bc01sc00i00", buf,
                                sizeof(buf)),
              2);
    CHECK(strstr(buf, "fake_pci_alt") != NULL);
    CHECK(strstr(buf, "fake_pci,") != NULL || strstr(buf, ",fake_pci") != NULL);
    /* A buffer too small for both keeps whole names only. */
    char small[14];
    CHECK_INT(fr_modules_lookup(m, "pci:v00001234d00005678sv00000000sd00000000bc01sc00i00",
                                small, sizeof(small)),
              2);
    CHECK(strcmp(small, "fake_pci") == 0 || strcmp(small, "fake_pci_alt") == 0);
    /* Built into the kernel (modules.builtin.modinfo). */
    CHECK_INT(fr_modules_lookup(m, "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00", buf,
                                sizeof(buf)),
              1);
    CHECK_STR(buf, "virtio_pci");
    CHECK_INT(fr_modules_lookup(m, "virtio:d000000FFv00001AF4", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "");
    CHECK_INT(fr_modules_lookup(m, "no_such_module", buf, sizeof(buf)), 0);
    CHECK_INT(fr_modules_lookup(NULL, "x", buf, sizeof(buf)), -EINVAL);
    CHECK_INT(fr_modules_lookup(m, "x", buf, 0), -EINVAL);
}

static void test_dry_run(struct fr_modules *m)
{
    char *log;
    int k;

    CHECK_INT(fr_modules_load(m, ""), -EINVAL);
    CHECK_INT(fr_modules_load(NULL, "virtio_iommu"), -EINVAL);

    capture_begin();
    k = fr_modules_load(m, "virtio:d00000017v00001AF4");
    log = capture_end();
    if (!host_has("virtio_iommu")) {
        CHECK_INT(k, 1);
        CHECK(strstr(log, "would load virtio_iommu (for virtio:d00000017v00001AF4)") != NULL);
    }
    /* Each alias is tried once. */
    CHECK_INT(fr_modules_load(m, "virtio:d00000017v00001AF4"), 0);

    /* Dependencies come first, each reported once. */
    capture_begin();
    k = fr_modules_load(m, "virtio:d00000099v00001AF4");
    log = capture_end();
    CHECK_INT(k, 2);
    char *core = strstr(log, "would load fr_test_core (for virtio:d00000099v00001AF4)");
    char *hba = strstr(log, "would load fr_test_hba (for virtio:d00000099v00001AF4)");
    CHECK(core != NULL && hba != NULL && core < hba);
    /* fr_test_core by name: already reported in this dry run. */
    CHECK_INT(fr_modules_load(m, "fr_test_core"), 0);

    /* virtio_blk.ko.zst needs virtio_ring.ko.xz; the host may have
     * virtio_blk loaded already, and libkmod rightly skips it then. */
    k = fr_modules_load(m, "virtio:d00000002v00001AF4");
    if (!host_has("virtio_blk"))
        CHECK_INT(k, host_has("virtio_ring") ? 1 : 2);
    else
        CHECK_INT(k, 0);

    /* Blacklisted (by the test's config): not loaded, not an error. */
    capture_begin();
    k = fr_modules_load(m, "virtio:d00000042v00001AF4");
    log = capture_end();
    CHECK_INT(k, 0);
    CHECK(strstr(log, "would load unwanted") == NULL);

    /* Built in: nothing to do, not an error. */
    CHECK_INT(fr_modules_load(m, "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00"), 0);
    /* No module at all. */
    CHECK_INT(fr_modules_load(m, "virtio:d000000FFv00001AF4"), 0);

    /* Both matches of a PCI id are loaded, as udev does. */
    CHECK_INT(fr_modules_load(m, "pci:v00001234d00005678sv00000000sd00000000bc01sc00i00"), 2);
    /* fake_pci_alt also matches this one, but was already reported. */
    CHECK_INT(fr_modules_load(m, "pci:v00001234d00009999sv00000000sd00000000bc01sc00i00"), 0);
}

/* Many distinct aliases: bounded memory, still correct answers. */
static void test_many(struct fr_modules *m)
{
    char alias[64];
    int bad = 0;

    for (int i = 0; i < 10000; i++) {
        snprintf(alias, sizeof(alias), "acpi:FR%05d:", i);
        if (fr_modules_load(m, alias) != 0)
            bad++;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(fr_modules_load(m, "acpi:FR00001:"), 0);
}

/* Debian's libkmod reads .modinfo out of .ko.xz and .ko.zst. */
static void test_compressed(const struct fr_roots *r)
{
    static const char *const files[] = {"kernel/drivers/iommu/virtio_iommu.ko.xz",
                                        "kernel/drivers/block/virtio_blk.ko.zst"};
    static const char *const aliases[] = {"virtio:d00000017v*", "virtio:d00000002v*"};
    struct kmod_ctx *ctx = kmod_new(r->modules, NULL);

    CHECK(ctx != NULL);
    if (!ctx)
        return;
    kmod_set_log_priority(ctx, 0);
    for (int i = 0; i < 2; i++) {
        char path[PATH_MAX];
        struct kmod_module *mod = NULL;
        struct kmod_list *info = NULL, *l;
        bool found = false;

        fr_path(path, sizeof(path), r->modules, "%s", files[i]);
        CHECK_INT(kmod_module_new_from_path(ctx, path, &mod), 0);
        int n = kmod_module_get_info(mod, &info);
        if (n <= 0)
            fprintf(stderr, "%s: kmod_module_get_info: %s\n", path, strerror(-n));
        CHECK(n > 0);
        kmod_list_foreach(l, info) {
            if (strcmp(kmod_module_info_get_key(l), "alias") == 0 &&
                strcmp(kmod_module_info_get_value(l), aliases[i]) == 0)
                found = true;
        }
        CHECK(found);
        kmod_module_info_free_list(info);
        kmod_module_unref(mod);
    }
    kmod_unref(ctx);
}

static int collect(const char *syspath, const char *modalias, const char *driver, void *data)
{
    char *out = data;
    const char *name = strrchr(syspath, '/');

    snprintf(out + strlen(out), 1024 - strlen(out), "%s=%s[%s];", name ? name + 1 : syspath,
             modalias, driver);
    return 0;
}

static int stop_early(const char *syspath, const char *modalias, const char *driver, void *data)
{
    (void)syspath;
    (void)modalias;
    (void)driver;
    (*(int *)data)++;
    return 7;
}

static void test_coldplug(const struct fr_roots *r, struct fr_modules *m)
{
    char seen[1024] = "";
    int calls = 0;
    char *log;

    /* No sysfs at all: nothing to do, no error. */
    CHECK_INT(fr_coldplug(r, m), 0);
    CHECK_INT(fr_foreach_modalias_device(r, collect, seen), 0);
    CHECK_STR(seen, "");

    put("sys/devices/pci0000:00/0000:00:02.0/modalias",
        "pci:v00001AF4d00001042sv00001AF4sd00000002bc01sc00i00\n");
    put("sys/devices/pci0000:00/0000:00:02.0/virtio1/modalias", "virtio:d00000002v00001AF4\n");
    put("sys/devices/pci0000:00/0000:00:03.0/modalias",
        "pci:v00001AF4d00001057sv00001AF4sd00001100bc08sc06i00\n");
    /* Only in uevent, and no driver yet. */
    put("sys/devices/pci0000:00/0000:00:03.0/virtio0/uevent",
        "DRIVER=\nMODALIAS=virtio:d00000017v00001AF4\n");
    /* A device without any modalias. */
    put("sys/devices/platform/serial8250/uevent", "DRIVER=serial8250\n");
    put("sys/devices/platform/fr-fake/modalias", "virtio:d00000099v00001AF4\n");
    put("sys/bus/pci/drivers/virtio-pci/bind", "");
    put("sys/bus/virtio/drivers/virtio_blk/bind", "");
    put("sys/bus/platform/drivers_autoprobe", "1\n");
    link_at("../../../devices/pci0000:00/0000:00:02.0", "sys/bus/pci/devices/0000:00:02.0");
    link_at("../../../devices/pci0000:00/0000:00:03.0", "sys/bus/pci/devices/0000:00:03.0");
    link_at("../../../devices/pci0000:00/0000:00:02.0/virtio1", "sys/bus/virtio/devices/virtio1");
    link_at("../../../devices/pci0000:00/0000:00:03.0/virtio0", "sys/bus/virtio/devices/virtio0");
    link_at("../../../devices/platform/serial8250", "sys/bus/platform/devices/serial8250");
    link_at("../../../devices/platform/fr-fake", "sys/bus/platform/devices/fr-fake");
    /* Vanished: the link dangles. */
    link_at("../../../devices/pci0000:00/0000:00:09.0", "sys/bus/pci/devices/0000:00:09.0");
    link_at("../../../../bus/pci/drivers/virtio-pci", "sys/devices/pci0000:00/0000:00:02.0/driver");
    link_at("../../../../bus/pci/drivers/virtio-pci", "sys/devices/pci0000:00/0000:00:03.0/driver");
    link_at("../../../../../bus/virtio/drivers/virtio_blk",
            "sys/devices/pci0000:00/0000:00:02.0/virtio1/driver");

    CHECK_INT(fr_foreach_modalias_device(r, collect, seen), 0);
    CHECK_STR(seen, "0000:00:02.0=pci:v00001AF4d00001042sv00001AF4sd00000002bc01sc00i00[virtio-pci];"
                    "0000:00:03.0=pci:v00001AF4d00001057sv00001AF4sd00001100bc08sc06i00[virtio-pci];"
                    "fr-fake=virtio:d00000099v00001AF4[];"
                    "virtio0=virtio:d00000017v00001AF4[];"
                    "virtio1=virtio:d00000002v00001AF4[virtio_blk];");
    CHECK_INT(fr_foreach_modalias_device(r, stop_early, &calls), 7);
    CHECK_INT(calls, 1);
    CHECK_INT(fr_foreach_modalias_device(r, NULL, NULL), -EINVAL);
    CHECK_INT(fr_coldplug(r, NULL), -EINVAL);

    /* A fresh dry run: the two driverless devices get their modules; the
     * bound ones are left alone. */
    struct fr_modules *m2 = NULL;
    CHECK_INT(fr_modules_new(r, true, &m2), 0);
    capture_begin();
    int k = fr_coldplug(r, m2);
    log = capture_end();
    int expect = 2 + (host_has("virtio_iommu") ? 0 : 1);
    CHECK_INT(k, expect);
    CHECK_INT(fr_modules_loaded(m2), expect);
    CHECK(strstr(log, "would load fr_test_hba (for virtio:d00000099v00001AF4)") != NULL);
    CHECK(strstr(log, "virtio_blk") == NULL);
    /* Again: every alias was tried already. */
    CHECK_INT(fr_coldplug(r, m2), 0);
    fr_modules_free(m2);
    (void)m;
}

int main(void)
{
    struct fr_roots r;
    struct fr_modules *m = NULL;
    char conf[PATH_MAX];

    fr_log_init(FR_LOG_INFO, NULL);
    memset(&r, 0, sizeof(r));
    snprintf(top, sizeof(top), "/tmp/fr-modules-XXXXXX");
    if (!mkdtemp(top)) {
        perror("mkdtemp");
        return 1;
    }
    fr_path(capfile, sizeof(capfile), top, "stderr.log");

    if (make_modules(&r) == 0) {
        test_new(&r);
        test_compressed(&r);
        put("modprobe.d/blacklist.conf", "blacklist unwanted\n");
        fr_path(conf, sizeof(conf), top, "modprobe.d");
        const char *paths[] = {conf, NULL};
        CHECK_INT(fr_modules_new_with_config(&r, true, paths, &m), 0);
        if (m) {
            test_lookup(m);
            test_dry_run(m);
            fr_log_init(FR_LOG_WARNING, NULL);
            test_many(m);
            fr_log_init(FR_LOG_INFO, NULL);
            test_coldplug(&r, m);
            fr_modules_free(m);
        }
    } else {
        CHECK(!"fake modules dir");
    }
    nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return check_summary("test_modules");
}
