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
 * With first >= 0 and held set: when devices of priority first or better
 * are there, only they are submitted and *held says whether others were
 * left for a later call. Returns the number of aliases submitted, or
 * -errno. */
int fr_coldplug_submit(const struct fr_roots *r, struct fr_modules *m, int first, bool *held);

#define FR_PRIO_VIRTIO_STORAGE 10
/* Devices that are disks or hold them directly (virtio block and SCSI, SCSI
 * and NVMe devices, MMC cards, USB mass storage, virtio-mmio): this
 * priority and better. */
#define FR_PRIO_DISKS 20

/* Coldplug rank of a modalias: the virtio-iommu 0 (FR_LOADQ_ALONE), virtio
 * block, SCSI and pmem devices 10,
 * other storage buses 20, PCI storage and virtio transports 30, other
 * virtio, PCI and USB devices 40, the rest 50. */
int fr_modalias_priority(const char *modalias);

/* Callback walk over the devices with a modalias and no driver:
 * fn(syspath, modalias, data); a non-zero return stops the walk and is
 * returned. */
int fr_foreach_driverless_device(const struct fr_roots *r,
                                 int (*fn)(const char *syspath, const char *modalias, void *data),
                                 void *data);
