/* Coldplug: walk /sys/bus/<bus>/devices, and load modules for each device
 * that has a modalias but no driver, as udev's kmod builtin does on "add". */
#include "coldplug.h"
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "sysfs.h"

/* Kernel modaliases are short (PCI ~60 bytes); longer ones are dropped. */
#define MODALIAS_MAX 512

static int no_dots(const struct dirent *de)
{
    return de->d_name[0] != '.';
}

/* The device's modalias: the "modalias" attribute, else MODALIAS= from
 * "uevent" (some buses only have the latter). Returns length or -errno. */
static int device_modalias(const char *syspath, char *buf, size_t size)
{
    char path[PATH_MAX];
    int r;

    r = fr_path(path, sizeof(path), syspath, "modalias");
    if (r < 0)
        return r;
    r = fr_read_attr(path, buf, size);
    if (r > 0)
        return r;
    r = fr_path(path, sizeof(path), syspath, "uevent");
    if (r < 0)
        return r;
    r = fr_uevent_file_get(path, "MODALIAS", buf, size);
    return r == 0 ? -ENOENT : r;
}

/* One bus. Returns fn's first non-zero return, or 0. */
static int walk_bus(const char *busdir, const char *bus,
                    int (*fn)(const char *, const char *, void *), void *data)
{
    char dir[PATH_MAX], syspath[PATH_MAX], path[PATH_MAX];
    char modalias[MODALIAS_MAX], driver[NAME_MAX + 1];
    struct dirent **names = NULL;
    int n, ret = 0;

    if (fr_path(dir, sizeof(dir), busdir, "%s/devices", bus) < 0)
        return 0;
    /* Sorted, so that modules load and reports list in a stable order. */
    n = scandir(dir, &names, no_dots, alphasort);
    if (n < 0) {
        log_debug_errno(errno, "cannot list %s", dir);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        /* A device may vanish between readdir and here: just skip it. A
         * bound one is skipped before its modalias is read (most of a
         * booted machine's devices are bound; each read is a syscall more). */
        if (ret == 0 && !fr_deadline_passed() &&
            fr_path(syspath, sizeof(syspath), dir, "%s", names[i]->d_name) == 0 &&
            fr_path(path, sizeof(path), syspath, "driver") == 0 &&
            fr_link_basename(path, driver, sizeof(driver)) < 0) {
            int len = device_modalias(syspath, modalias, sizeof(modalias));
            if (len > 0)
                ret = fn(syspath, modalias, data);
            else if (len != -ENOENT)
                log_debug_errno(len, "%s: no usable modalias", syspath);
        }
        free(names[i]);
    }
    free(names);
    return ret;
}

int fr_foreach_driverless_device(const struct fr_roots *r,
                                 int (*fn)(const char *syspath, const char *modalias, void *data),
                                 void *data)
{
    char busdir[PATH_MAX];
    struct dirent **buses = NULL;
    int n, ret = 0;

    if (!r || !fn)
        return -EINVAL;
    if (fr_path(busdir, sizeof(busdir), r->sys, "bus") < 0)
        return -ENAMETOOLONG;
    n = scandir(busdir, &buses, no_dots, alphasort);
    if (n < 0) {
        log_debug_errno(errno, "cannot list %s", busdir);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        if (ret == 0)
            ret = walk_bus(busdir, buses[i]->d_name, fn, data);
        free(buses[i]);
    }
    free(buses);
    return ret;
}

/* Coldplug order, lowest first. Root is usually behind a few storage
 * drivers while a machine has dozens of other devices waiting: loading the
 * storage path first lets the caller stop as soon as root is there (the
 * system's udev loads the rest after switch_root). Nothing is left out, only
 * ordered: an unusual storage path still gets its module, a little later. */
int fr_modalias_priority(const char *modalias)
{
    if (strncmp(modalias, "virtio:", 7) == 0) {
        /* Appear once the transport (and IOMMU) bound: block, SCSI host,
         * persistent memory (a pmem block device) first; the others (net,
         * balloon, console, rng, ...) hold no disk. The virtio-iommu
         * before everything. */
        if (strncmp(modalias + 7, "d00000017v", 10) == 0)
            return 0;
        if (strncmp(modalias + 7, "d00000002v", 10) == 0 ||
            strncmp(modalias + 7, "d00000008v", 10) == 0 ||
            strncmp(modalias + 7, "d0000001Bv", 10) == 0)
            return FR_PRIO_VIRTIO_STORAGE;
        return 40;
    }
    /* storage buses, and virtio-mmio transports (device tree, platform, ACPI) */
    if (strncmp(modalias, "scsi:", 5) == 0 || strncmp(modalias, "nvme", 4) == 0 ||
        strncmp(modalias, "mmc:", 4) == 0 || strncmp(modalias, "xen:", 4) == 0 ||
        strncmp(modalias, "vmbus:", 6) == 0 || strncmp(modalias, "ccw:", 4) == 0 ||
        strstr(modalias, "virtio,mmio") || strcmp(modalias, "platform:virtio-mmio") == 0 ||
        strncmp(modalias, "acpi:LNRO0005:", 14) == 0)
        return FR_PRIO_DISKS;
    if (strncmp(modalias, "usb:", 4) == 0)
        return strstr(modalias, "ic08") ? FR_PRIO_DISKS : 40; /* mass storage interface */
    if (strncmp(modalias, "pci:", 4) == 0) {
        /* pci:vVVVVVVVVdDDDDDDDDsv..sd..bcBBscSSiII (hex digits upper case) */
        const char *bc = strstr(modalias, "bc");
        if (strncmp(modalias + 4, "v00001AF4", 9) == 0) /* virtio transport */
            return 30;
        if (bc && (strncmp(bc + 2, "01", 2) == 0 ||            /* mass storage */
                   strncmp(bc, "bc0Csc04", 8) == 0 ||          /* fibre channel */
                   strncmp(bc, "bc08sc05", 8) == 0))           /* SD host */
            return 30;
        return 40;
    }
    return 50;
}

struct coldplug_item {
    char *modalias;
    int prio;
    size_t seq;
};

struct coldplug_state {
    struct coldplug_item *v;
    size_t n, cap;
    int err;
};

static int collect_one(const char *syspath, const char *modalias, void *data)
{
    struct coldplug_state *s = data;

    (void)syspath;
    if (fr_grow(&s->v, &s->cap, s->n, sizeof(*s->v), 64) < 0)
        return s->err = -ENOMEM;
    char *dup = strdup(modalias);
    if (!dup)
        return s->err = -ENOMEM;
    s->v[s->n] = (struct coldplug_item){dup, fr_modalias_priority(modalias), s->n};
    s->n++;
    return 0;
}

static int item_cmp(const void *a, const void *b)
{
    const struct coldplug_item *x = a, *y = b;
    if (x->prio != y->prio)
        return x->prio < y->prio ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A failed insertion (already logged by modules.c) does not stop the walk:
 * other devices may still get their drivers. Returns the number inserted,
 * or the first error when nothing could be inserted. */
int fr_coldplug_until(const struct fr_roots *r, struct fr_modules *m,
                      bool (*done)(void *data), void *data)
{
    struct coldplug_state s = {0};
    int loaded = 0, first_err = 0, ret;

    if (!r || !m)
        return -EINVAL;
    ret = fr_foreach_driverless_device(r, collect_one, &s);
    if (ret == 0) {
        if (s.n)
            qsort(s.v, s.n, sizeof(*s.v), item_cmp);
        for (size_t i = 0; i < s.n && !fr_deadline_passed(); i++) {
            int k = fr_modules_load(m, s.v[i].modalias);
            if (k > 0)
                loaded += k;
            else if (k < 0 && !first_err)
                first_err = k;
            if (k > 0 && done && done(data)) {
                log_debug("coldplug: stopped after %zu of %zu devices", i + 1, s.n);
                break;
            }
        }
    }
    for (size_t i = 0; i < s.n; i++)
        free(s.v[i].modalias);
    free(s.v);
    if (ret < 0)
        return ret;
    log_debug("coldplug: %d module(s) inserted", loaded);
    return loaded > 0 ? loaded : first_err;
}

int fr_coldplug_submit(const struct fr_roots *r, struct fr_modules *m, int first, bool *held)
{
    struct coldplug_state s = {0};
    int ret, n = 0;

    if (held)
        *held = false;
    if (!r || !m)
        return -EINVAL;
    ret = fr_foreach_driverless_device(r, collect_one, &s);
    /* The first free workers go to the first submitted. */
    if (s.n)
        qsort(s.v, s.n, sizeof(*s.v), item_cmp);
    /* Sorted: the first tier, if any, is at the front. */
    bool only_first = first >= 0 && held && s.n > 0 && s.v[0].prio <= first;
    for (size_t i = 0; i < s.n; i++) {
        if (only_first && s.v[i].prio > first)
            *held = true;
        else if (ret == 0 && fr_modules_submit(m, s.v[i].modalias, s.v[i].prio) >= 0)
            n++;
        free(s.v[i].modalias);
    }
    free(s.v);
    return ret < 0 ? ret : n;
}

int fr_coldplug(const struct fr_roots *r, struct fr_modules *m)
{
    return fr_coldplug_until(r, m, NULL, NULL);
}
