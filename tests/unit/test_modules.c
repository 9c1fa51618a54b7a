/* Module lookups and (dry-run) loading against a fake modules dir made by
 * tests/fixture/mkmodules.sh and the real depmod; coldplug over a fixture
 * sysfs. Nothing is ever inserted into the running kernel. */
#include <dirent.h>
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
#include "fixture.h"
#include "coldplug.h"
#include "internal.h"
#include "log.h"
#include "modules.h"
#include "roots.h"

#define RELEASE "6.12.0-fr"
#define PCI_TWO "pci:v00001234d00005678sv00000000sd00000000bc01sc00i00"
#define PCI_BUILTIN "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00"

static struct fr_roots roots;
static char conf[PATH_MAX];

/* The fake modules dir, a blacklist, and a dry-run context over them.
 * Returns NULL (a failed check) when the fixture cannot be made. */
static struct fr_modules *setup(void)
{
    struct fr_modules *m = NULL;
    const char *paths[] = {conf, NULL};

    fr_log_init(FR_LOG_INFO, NULL);
    memset(&roots, 0, sizeof(roots));
    fr_path(roots.sys, sizeof(roots.sys), fx_top, "sys");
    fx_put("modprobe.d/blacklist.conf", "blacklist unwanted\n");
    fr_path(conf, sizeof(conf), fx_top, "modprobe.d");
    if (fx_make_modules(&roots, RELEASE) < 0) {
        CHECK(!"fake modules dir");
        return NULL;
    }
    CHECK_INT(fr_modules_new_with_config(&roots, true, paths, &m), 0);
    return m;
}

/* Whether the host's loaded modules are out of the picture: always with
 * the /sys/module trap; in builds without it (static) only while the host
 * has none of the fixture's modules loaded (an initstate: built-in ones
 * have none and do not count), else the case is skipped. */
static bool host_hidden(bool needs_trap)
{
    static const char *const mods[] = {"virtio_iommu", "virtio_blk", "virtio_ring",
                                       "fr_test_core", "fr_test_hba"};
    char path[PATH_MAX];

    if (fx_trap_active())
        return true;
    if (needs_trap) {
        check_skip("no /sys/module trap in this build: cannot fake a loaded module");
        return false;
    }
    for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
        snprintf(path, sizeof(path), "/sys/module/%s/initstate", mods[i]);
        if (access(path, F_OK) == 0) {
            check_skip("no /sys/module trap in this build and the host has %s loaded", mods[i]);
            return false;
        }
    }
    return true;
}

static void test_new(void)
{
    struct fr_modules *good = setup();
    struct fr_roots r = roots;
    struct fr_modules *m = (struct fr_modules *)&r;

    fr_path(r.modules, sizeof(r.modules), fx_top, "no/such/dir");
    CHECK_INT(fr_modules_new(&r, true, &m), -ENOENT);
    CHECK(m == NULL);
    CHECK_INT(fr_modules_new(NULL, true, &m), -EINVAL);
    fr_modules_free(NULL);
    CHECK_INT(fr_modules_loaded(NULL), 0);
    fr_modules_free(good);
}

static void test_lookup(void)
{
    /* names: the whole answer, or NULL where it is checked below. */
    static const struct fx_alias lookups[] = {
        {"virtio:d00000017v00001AF4", 1, "virtio_iommu"},
        {"virtio_iommu", 1, "virtio_iommu"}, /* by name, as "modprobe virtio_iommu" */
        {"virtio:d00000002v00001AF4", 1, "virtio_blk"},
        {PCI_TWO, 2, NULL},                 /* two modules claim this PCI id */
        {PCI_BUILTIN, 1, "virtio_pci"},     /* modules.builtin.modinfo */
        {"virtio:d000000FFv00001AF4", 0, ""},
        {"no_such_module", 0, ""},
    };
    struct fr_modules *m = setup();
    char buf[256];

    if (!m)
        return;
    for (size_t i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
        CHECK_INT(fr_modules_lookup(m, lookups[i].alias, buf, sizeof(buf)), lookups[i].n);
        if (lookups[i].names)
            CHECK_STR(buf, lookups[i].names);
    }
    CHECK_INT(fr_modules_lookup(m, PCI_TWO, buf, sizeof(buf)), 2);
    CHECK(strstr(buf, "fake_pci_alt") != NULL);
    CHECK(strstr(buf, "fake_pci,") != NULL || strstr(buf, ",fake_pci") != NULL);
    /* A buffer too small for both keeps whole names only. */
    char small[14];
    CHECK_INT(fr_modules_lookup(m, PCI_TWO, small, sizeof(small)), 2);
    CHECK(strcmp(small, "fake_pci") == 0 || strcmp(small, "fake_pci_alt") == 0);
    CHECK_INT(fr_modules_lookup(NULL, "x", buf, sizeof(buf)), -EINVAL);
    CHECK_INT(fr_modules_lookup(m, "x", buf, 0), -EINVAL);
    fr_modules_free(m);
}

/* What a dry run reports for alias: the count, and whether the log says it
 * would load module (NULL: not checked). */
static void dry_load(struct fr_modules *m, const char *alias, int want, const char *module,
                     bool said)
{
    char line[256];

    fx_capture_begin();
    int k = fr_modules_load(m, alias);
    char *log = fx_capture_end();
    CHECK_INT(k, want);
    if (module) {
        snprintf(line, sizeof(line), "would load %s (for %s)", module, alias);
        CHECK((strstr(log, line) != NULL) == said);
    }
}

/* Nothing loaded (the fixture's /sys/module is empty, whatever the host
 * has). */
static void test_dry_run(void)
{
    struct fr_modules *m = setup();
    char *log;
    int k;

    if (!m || !host_hidden(false)) {
        fr_modules_free(m);
        return;
    }
    CHECK_INT(fr_modules_load(m, ""), -EINVAL);
    CHECK_INT(fr_modules_load(NULL, "virtio_iommu"), -EINVAL);

    dry_load(m, "virtio:d00000017v00001AF4", 1, "virtio_iommu", true);
    /* Each alias is tried once. */
    CHECK_INT(fr_modules_load(m, "virtio:d00000017v00001AF4"), 0);

    /* Dependencies come first, each reported once. */
    fx_capture_begin();
    k = fr_modules_load(m, "virtio:d00000099v00001AF4");
    log = fx_capture_end();
    CHECK_INT(k, 2);
    char *core = strstr(log, "would load fr_test_core (for virtio:d00000099v00001AF4)");
    char *hba = strstr(log, "would load fr_test_hba (for virtio:d00000099v00001AF4)");
    CHECK(core != NULL && hba != NULL && core < hba);
    /* fr_test_core by name: already reported in this dry run. */
    CHECK_INT(fr_modules_load(m, "fr_test_core"), 0);

    /* virtio_blk.ko.zst needs virtio_ring.ko.xz. */
    dry_load(m, "virtio:d00000002v00001AF4", 2, "virtio_ring", true);

    /* Blacklisted (by the test's config): not loaded, not an error. */
    dry_load(m, "virtio:d00000042v00001AF4", 0, "unwanted", false);

    /* Built in: nothing to do, not an error. */
    CHECK_INT(fr_modules_load(m, PCI_BUILTIN), 0);
    /* No module at all. */
    CHECK_INT(fr_modules_load(m, "virtio:d000000FFv00001AF4"), 0);

    /* Both matches of a PCI id are loaded, as udev does. */
    CHECK_INT(fr_modules_load(m, PCI_TWO), 2);
    /* fake_pci_alt also matches this one, but was already reported. */
    CHECK_INT(fr_modules_load(m, "pci:v00001234d00009999sv00000000sd00000000bc01sc00i00"), 0);
    fr_modules_free(m);
}

/* The fixture says some modules are loaded: libkmod (which reads
 * /sys/module/NAME/initstate, through the trap) skips them. */
__attribute__((unused)) static void test_dry_run_loaded(void)
{
    struct fr_modules *m = setup();

    if (!m || !host_hidden(true)) {
        fr_modules_free(m);
        return;
    }
    fx_module_state("virtio_iommu", "live\n");
    fx_module_state("virtio_ring", "live\n");
    dry_load(m, "virtio:d00000017v00001AF4", 0, "virtio_iommu", false);
    /* virtio_blk alone: its dependency is there. */
    dry_load(m, "virtio:d00000002v00001AF4", 1, "virtio_blk", true);
    fr_modules_free(m);

    /* virtio_blk loaded as well: nothing to do. */
    m = setup();
    fx_module_state("virtio_blk", "live\n");
    dry_load(m, "virtio:d00000002v00001AF4", 0, "virtio_ring", false);
    /* A loaded dependency is left out of the chain. */
    fx_module_state("fr_test_core", "live\n");
    dry_load(m, "virtio:d00000099v00001AF4", 1, "fr_test_core", false);
    fr_modules_free(m);
}

/* libkmod's own view of /sys/module follows the fixture. */
__attribute__((unused)) static void test_trap(void)
{
    struct fr_modules *m = setup();
    struct kmod_ctx *ctx = kmod_new(roots.modules, NULL);
    struct kmod_module *mod = NULL;

    fr_modules_free(m);
    if (!ctx || !host_hidden(true)) {
        CHECK(ctx != NULL);
        kmod_unref(ctx);
        return;
    }
    kmod_set_log_priority(ctx, 0);
    CHECK_INT(kmod_module_new_from_name(ctx, "virtio_iommu", &mod), 0);
    CHECK_INT(kmod_module_get_initstate(mod), -ENOENT);
    fx_module_state("virtio_iommu", "live\n");
    CHECK_INT(kmod_module_get_initstate(mod), KMOD_MODULE_LIVE);
    fx_module_state("virtio_iommu", "going\n");
    CHECK_INT(kmod_module_get_initstate(mod), KMOD_MODULE_GOING);
    fx_module_state("virtio_iommu", NULL);
    CHECK_INT(kmod_module_get_initstate(mod), -ENOENT);
    kmod_module_unref(mod);

    /* What the host has in /sys/module (read past the trap by another
     * spelling of the path) does not reach libkmod. */
    char name[256] = "";
    DIR *dir = opendir("/sys/./module");
    for (struct dirent *e; dir && !name[0] && (e = readdir(dir));)
        if (e->d_name[0] != '.')
            snprintf(name, sizeof(name), "%s", e->d_name);
    if (dir)
        closedir(dir);
    if (name[0] && kmod_module_new_from_name(ctx, name, &mod) == 0) {
        printf("test_modules/trap: the host has /sys/module/%s, libkmod sees state %d\n", name,
               kmod_module_get_initstate(mod));
        CHECK_INT(kmod_module_get_initstate(mod), -ENOENT);
        kmod_module_unref(mod);
    }
    kmod_unref(ctx);
}

/* Many distinct aliases: bounded memory, still correct answers. */
static void test_many(void)
{
    struct fr_modules *m = setup();
    char alias[64];
    int bad = 0;

    if (!m)
        return;
    fr_log_init(FR_LOG_WARNING, NULL);
    for (int i = 0; i < 10000; i++) {
        snprintf(alias, sizeof(alias), "acpi:FR%05d:", i);
        if (fr_modules_load(m, alias) != 0)
            bad++;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(fr_modules_load(m, "acpi:FR00001:"), 0);
    fr_modules_free(m);
}

/* Debian's libkmod reads .modinfo out of .ko.xz and .ko.zst. */
static void test_compressed(void)
{
    static const char *const files[] = {"kernel/drivers/iommu/virtio_iommu.ko.xz",
                                        "kernel/drivers/block/virtio_blk.ko.zst"};
    static const char *const aliases[] = {"virtio:d00000017v*", "virtio:d00000002v*"};
    struct fr_modules *m = setup();
    const struct fr_roots *r = &roots;
    struct kmod_ctx *ctx = kmod_new(r->modules, NULL);

    fr_modules_free(m);
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

static int collect(const char *syspath, const char *modalias, void *data)
{
    char *out = data;
    const char *name = strrchr(syspath, '/');

    snprintf(out + strlen(out), 1024 - strlen(out), "%s=%s;", name ? name + 1 : syspath,
             modalias);
    return 0;
}

static int stop_early(const char *syspath, const char *modalias, void *data)
{
    (void)syspath;
    (void)modalias;
    (*(int *)data)++;
    return 7;
}

/* The fixture sysfs of the coldplug cases: two PCI functions, their
 * virtio children (virtio-iommu without a driver), a platform device with
 * and one without a modalias, and a vanished device. */
static void make_sysfs(void)
{
    fx_put("sys/devices/pci0000:00/0000:00:02.0/modalias",
           "pci:v00001AF4d00001042sv00001AF4sd00000002bc01sc00i00\n");
    fx_put("sys/devices/pci0000:00/0000:00:02.0/virtio1/modalias", "virtio:d00000002v00001AF4\n");
    fx_put("sys/devices/pci0000:00/0000:00:03.0/modalias",
           "pci:v00001AF4d00001057sv00001AF4sd00001100bc08sc06i00\n");
    /* Only in uevent, and no driver yet. */
    fx_put("sys/devices/pci0000:00/0000:00:03.0/virtio0/uevent",
           "DRIVER=\nMODALIAS=virtio:d00000017v00001AF4\n");
    /* A device without any modalias. */
    fx_put("sys/devices/platform/serial8250/uevent", "DRIVER=serial8250\n");
    fx_put("sys/devices/platform/fr-fake/modalias", "virtio:d00000099v00001AF4\n");
    fx_put("sys/bus/pci/drivers/virtio-pci/bind", "");
    fx_put("sys/bus/virtio/drivers/virtio_blk/bind", "");
    fx_put("sys/bus/platform/drivers_autoprobe", "1\n");
    fx_link("../../../devices/pci0000:00/0000:00:02.0", "sys/bus/pci/devices/0000:00:02.0");
    fx_link("../../../devices/pci0000:00/0000:00:03.0", "sys/bus/pci/devices/0000:00:03.0");
    fx_link("../../../devices/pci0000:00/0000:00:02.0/virtio1", "sys/bus/virtio/devices/virtio1");
    fx_link("../../../devices/pci0000:00/0000:00:03.0/virtio0", "sys/bus/virtio/devices/virtio0");
    fx_link("../../../devices/platform/serial8250", "sys/bus/platform/devices/serial8250");
    fx_link("../../../devices/platform/fr-fake", "sys/bus/platform/devices/fr-fake");
    /* Vanished: the link dangles. */
    fx_link("../../../devices/pci0000:00/0000:00:09.0", "sys/bus/pci/devices/0000:00:09.0");
    fx_link("../../../../bus/pci/drivers/virtio-pci", "sys/devices/pci0000:00/0000:00:02.0/driver");
    fx_link("../../../../bus/pci/drivers/virtio-pci", "sys/devices/pci0000:00/0000:00:03.0/driver");
    fx_link("../../../../../bus/virtio/drivers/virtio_blk",
            "sys/devices/pci0000:00/0000:00:02.0/virtio1/driver");
}

/* A fresh dry run over the fixture sysfs: the driverless devices get their
 * modules (want of them), the bound ones are left alone. */
static void coldplug_dry_run(int want)
{
    struct fr_modules *m2 = NULL;

    CHECK_INT(fr_modules_new(&roots, true, &m2), 0);
    fx_capture_begin();
    int k = fr_coldplug(&roots, m2);
    char *log = fx_capture_end();
    CHECK_INT(k, want);
    CHECK_INT(fr_modules_loaded(m2), want);
    CHECK(strstr(log, "would load fr_test_hba (for virtio:d00000099v00001AF4)") != NULL);
    CHECK((strstr(log, "would load virtio_iommu (for virtio:d00000017v00001AF4)") != NULL) ==
          (want == 3));
    CHECK(strstr(log, "virtio_blk") == NULL);
    /* Again: every alias was tried already. */
    CHECK_INT(fr_coldplug(&roots, m2), 0);
    fr_modules_free(m2);
}

static void test_coldplug(void)
{
    struct fr_modules *m = setup();
    const struct fr_roots *r = &roots;
    char seen[1024] = "";
    int calls = 0;

    if (!m || !host_hidden(false)) {
        fr_modules_free(m);
        return;
    }
    /* No sysfs at all: nothing to do, no error. */
    CHECK_INT(fr_coldplug(r, m), 0);
    CHECK_INT(fr_foreach_driverless_device(r, collect, seen), 0);
    CHECK_STR(seen, "");

    make_sysfs();
    CHECK_INT(fr_foreach_driverless_device(r, collect, seen), 0);
    /* Only the driverless ones: the PCI functions and virtio1 are bound. */
    CHECK_STR(seen, "fr-fake=virtio:d00000099v00001AF4;"
                    "virtio0=virtio:d00000017v00001AF4;");
    CHECK_INT(fr_foreach_driverless_device(r, stop_early, &calls), 7);
    CHECK_INT(calls, 1);
    CHECK_INT(fr_foreach_driverless_device(r, NULL, NULL), -EINVAL);
    CHECK_INT(fr_coldplug(r, NULL), -EINVAL);

    fr_modules_free(m);
    /* virtio-iommu, fr_test_core and fr_test_hba. */
    coldplug_dry_run(3);
}

/* The first coldplug: with a virtio block device without its driver, only
 * the first tier is handed over (the IOMMU and virtio_blk here), the rest
 * is held for the next call. */
static void test_coldplug_first(void)
{
    struct fr_modules *m = setup();
    bool held = false;

    if (!m || !host_hidden(false)) {
        fr_modules_free(m);
        return;
    }
    make_sysfs();
    fx_unlink("sys/devices/pci0000:00/0000:00:02.0/virtio1/driver");
    fx_capture_begin();
    int k = fr_coldplug_submit(&roots, m, FR_PRIO_DISKS, &held);
    char *log = fx_capture_end();
    CHECK_INT(k, 2);
    CHECK(held);
    CHECK(strstr(log, "would load virtio_iommu (for virtio:d00000017v00001AF4)") != NULL);
    CHECK(strstr(log, "would load virtio_blk (for virtio:d00000002v00001AF4)") != NULL);
    CHECK(strstr(log, "fr_test_hba") == NULL);
    /* Then the rest; what was handed over is not again. */
    fx_capture_begin();
    k = fr_coldplug_submit(&roots, m, -1, &held);
    log = fx_capture_end();
    CHECK_INT(k, 3);
    CHECK(!held);
    CHECK(strstr(log, "would load fr_test_hba (for virtio:d00000099v00001AF4)") != NULL);
    CHECK(strstr(log, "virtio_blk") == NULL);
    /* Nothing of the first tier there: everything at once, nothing held. */
    fr_modules_free(m);
    m = setup();
    fx_link("../../../../../bus/virtio/drivers/virtio_blk",
            "sys/devices/pci0000:00/0000:00:02.0/virtio1/driver");
    fx_link("../../../../../bus/virtio/drivers/virtio_iommu",
            "sys/devices/pci0000:00/0000:00:03.0/virtio0/driver");
    fx_capture_begin();
    k = fr_coldplug_submit(&roots, m, FR_PRIO_DISKS, &held);
    log = fx_capture_end();
    CHECK_INT(k, 1);
    CHECK(!held);
    CHECK(strstr(log, "would load fr_test_hba (for virtio:d00000099v00001AF4)") != NULL);
    CHECK_INT(fr_coldplug_submit(&roots, NULL, FR_PRIO_DISKS, &held), -EINVAL);
    fr_modules_free(m);
}

/* The same with virtio_iommu loaded (by the fixture's account): two. */
__attribute__((unused)) static void test_coldplug_iommu_loaded(void)
{
    struct fr_modules *m = setup();

    fr_modules_free(m);
    if (!m || !host_hidden(true))
        return;
    make_sysfs();
    fx_module_state("virtio_iommu", "live\n");
    coldplug_dry_run(2);
}

/* The cases that fake a loaded module need the /sys/module trap: a build
 * without it (static) leaves them out instead of skipping them. */
static const struct check_case cases[] = {
    CASE(new),     CASE(compressed), CASE(lookup), CASE(dry_run),
    CASE(many),    CASE(coldplug), CASE(coldplug_first),
#ifndef FR_NO_SYSTRAP
    CASE(dry_run_loaded), CASE(trap), CASE(coldplug_iommu_loaded),
#endif
};
CHECK_MAIN("test_modules", cases)
