/* udev's identity rules (60-persistent-storage.rules, scsi_id, path_id) for
 * a disk's directory in sysfs: the by-id and by-path names it would make. */
#pragma once
#include <stddef.h>
#include "roots.h"

/* The by-id name ("virtio-SERIAL", "nvme-MODEL_SERIAL", "scsi-ID") of the
 * disk whose sysfs directory is disk_dir; "" when udev would make none or
 * needs the device itself for it (ata_id, usb_id). */
void fr_udev_id_name(const struct fr_roots *r, const char *disk_dir, char *out, size_t size);
/* path_id's ID_PATH ("pci-0000:00:02.0", "pci-...-scsi-0:0:0:0") of the
 * disk at disk_dir. Returns 0, -ENOENT (none: virtual, no transport),
 * -ENOTSUP (a transport we do not reproduce) or -ENAMETOOLONG; path is ""
 * unless 0. */
int fr_udev_path_name(const struct fr_roots *r, const char *disk_dir, char *path, size_t size);
