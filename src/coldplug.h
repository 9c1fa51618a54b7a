/* Coldplug: load modules for every device under /sys/bus/BUS/devices that
 * has a modalias and no driver, as udev's kmod builtin would on "add". */
#pragma once
#include "modules.h"
#include "roots.h"

#include <stdbool.h>

/* Returns number of modules newly inserted, or -errno. Devices are taken
 * in fr_modalias_priority() order, storage paths first; after each
 * insertion that loaded something done(data) is asked whether to stop
 * (root found). */
int fr_coldplug_until(const struct fr_roots *r, struct fr_modules *m,
                      bool (*done)(void *data), void *data);

/* Hand every driverless device's modalias to fr_modules_submit() with its
 * fr_modalias_priority() (concurrent loading when the modules are async).
 * Returns the number of aliases submitted, or -errno. */
int fr_coldplug_submit(const struct fr_roots *r, struct fr_modules *m);

/* Coldplug rank of a modalias: virtio 10, other storage buses 20, PCI
 * storage and virtio transports 30, other PCI/USB 40, the rest 50. */
int fr_modalias_priority(const char *modalias);

/* Callback walk over devices with a modalias: fn(syspath, modalias, driver-or-"", data). */
int fr_foreach_modalias_device(const struct fr_roots *r,
                               int (*fn)(const char *syspath, const char *modalias,
                                         const char *driver, void *data),
                               void *data);
