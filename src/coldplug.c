/* Coldplug: walk /sys/bus/<bus>/devices, and load modules for each device
 * that has a modalias but no driver, as udev's kmod builtin does on "add". */
#include "coldplug.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
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
                    int (*fn)(const char *, const char *, const char *, void *), void *data)
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
        if (ret == 0 && fr_path(syspath, sizeof(syspath), dir, "%s", names[i]->d_name) == 0) {
            /* A device may vanish between readdir and here: just skip it. */
            int len = device_modalias(syspath, modalias, sizeof(modalias));
            if (len > 0) {
                driver[0] = '\0';
                if (fr_path(path, sizeof(path), syspath, "driver") == 0 &&
                    fr_link_basename(path, driver, sizeof(driver)) < 0)
                    driver[0] = '\0';
                ret = fn(syspath, modalias, driver, data);
            } else if (len != -ENOENT) {
                log_debug_errno(len, "%s: no usable modalias", syspath);
            }
        }
        free(names[i]);
    }
    free(names);
    return ret;
}

int fr_foreach_modalias_device(const struct fr_roots *r,
                               int (*fn)(const char *syspath, const char *modalias,
                                         const char *driver, void *data),
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

struct coldplug_state {
    struct fr_modules *m;
    int loaded;
    int first_err;
};

static int coldplug_one(const char *syspath, const char *modalias, const char *driver,
                        void *data)
{
    struct coldplug_state *s = data;
    int k;

    if (driver[0])
        return 0;
    k = fr_modules_load(s->m, modalias);
    if (k > 0)
        s->loaded += k;
    else if (k < 0 && !s->first_err)
        s->first_err = k;
    if (k < 0)
        log_debug("%s: module for %s failed to load", syspath, modalias);
    return 0;
}

/* A failed insertion (already logged by modules.c) does not stop the walk:
 * other devices may still get their drivers. Returns the number inserted,
 * or the first error when nothing could be inserted. */
int fr_coldplug(const struct fr_roots *r, struct fr_modules *m)
{
    struct coldplug_state s = {.m = m};
    int r2;

    if (!r || !m)
        return -EINVAL;
    r2 = fr_foreach_modalias_device(r, coldplug_one, &s);
    if (r2 < 0)
        return r2;
    log_debug("coldplug: %d module(s) inserted", s.loaded);
    return s.loaded > 0 ? s.loaded : s.first_err;
}
