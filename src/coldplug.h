/* Coldplug: load modules for every device under /sys/bus/BUS/devices that
 * has a modalias and no driver, as udev's kmod builtin would on "add". */
#pragma once
#include "modules.h"
#include "roots.h"

/* Returns number of modules newly inserted, or -errno. */
int fr_coldplug(const struct fr_roots *r, struct fr_modules *m);

/* Callback walk over devices with a modalias: fn(syspath, modalias, driver-or-"", data). */
int fr_foreach_modalias_device(const struct fr_roots *r,
                               int (*fn)(const char *syspath, const char *modalias,
                                         const char *driver, void *data),
                               void *data);
