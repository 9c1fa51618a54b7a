/* The table of block devices seen so far (from sysfs scans and uevents):
 * what sysfs says about each, its by-id/by-path names, what libblkid found. */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include "probe.h"
#include "roots.h"

/* The link tree links.c writes, relative to roots->dev: no device node
 * is ever created inside it. */
#define FR_LINK_TREE "disk"

struct fr_blockdev {
    /* Strings the table owns, never NULL in its entries (a few bytes each,
     * where arrays of NAME_MAX + 1 would take 768 bytes an entry). */
    char *name;                 /* sysfs name, e.g. "vda1" ("!" for "/") */
    char *devname;              /* node relative to /dev, e.g. "vda1", "cciss/c0d0" */
    char *disk;                 /* parent disk name for partitions, else own name */
    char *syspath;              /* resolved path under roots->sys */
    unsigned major, minor;
    bool partition;
    int partn;                  /* partition number, 0 for disks */
    bool removed;
    bool identified;            /* id_name and path_name are filled (maybe NULL) */

    struct fr_probeinfo probe;  /* filled by fr_probe() */
    /* Disks: the table's entries, read once for the disk and its partitions
     * (by the disk's probe or by the first partition probed before it);
     * NULL until then, dropped when the disk is added again. */
    struct fr_partlist *parts;

    /* Filled by fr_devices_identify() (udevid.c's rules): names without
     * "-partN", NULL when unknown; the table owns them. */
    char *id_name;              /* "virtio-SERIAL", "scsi-..." */
    char *path_name;            /* "pci-0000:00:02.0", "pci-...-scsi-0:0:0:0" */
};

/* Tables made by hand (tests) may fill only v, n and cap: fr_devtab_find()
 * searches entries the name index does not cover one by one. */
struct fr_devtab {
    struct fr_blockdev *v;
    size_t n, cap;
    unsigned *slots;            /* name index: open addressing, entry + 1, 0 free */
    size_t nslots, nindexed;    /* the index covers v[0 .. nindexed) */
    char **refused;             /* names whose node name was refused (warned about) */
    size_t nrefused;
};

/* Frees the entries' strings and partition lists, the index and the array. */
void fr_devtab_free(struct fr_devtab *t);
/* Add or refresh one device by sysfs name (as in /sys/class/block/NAME).
 * Creates its node under roots->dev from sysfs "dev" if it has none.
 * Returns the index (>=0) or -errno (-ENOENT when it vanished; -EINVAL for
 * an unsafe node name, warned about once per name and table). */
int fr_devtab_add(struct fr_devtab *t, const struct fr_roots *r, const char *name);
/* Add every device now in /sys/class/block. Returns count or -errno. */
int fr_devtab_scan(struct fr_devtab *t, const struct fr_roots *r);
void fr_devtab_remove(struct fr_devtab *t, const char *name);
/* Index of name, or -ENOENT. */
int fr_devtab_find(const struct fr_devtab *t, const char *name);
/* Full node path under roots->dev. */
int fr_devnode_path(const struct fr_roots *r, const struct fr_blockdev *d, char *buf, size_t size);

/* by-id and by-path names from sysfs, as udev's rules would make them. */
void fr_devices_identify(struct fr_blockdev *d, const struct fr_roots *r);

/* Scan, identify, probe: the one way the commands bring the table up to
 * date with sysfs. With scan, every device sysfs lists now is added first
 * (fr_devtab_scan: those no longer listed are marked removed). Then every
 * present device is identified, and probed unless it was before (a rescan
 * keeps earlier results). Stops at the deadline (sysfs.h). Returns the
 * scan's count (t->n without scan) or its -errno; the devices already in
 * the table are identified and probed either way. */
int fr_devices_refresh(struct fr_devtab *t, const struct fr_roots *r, bool scan);
/* The same for one device by sysfs name (a uevent, a sweep): add or refresh
 * it, identify it and, with probe, probe it (again). Returns its index or
 * fr_devtab_add()'s -errno. */
int fr_devices_refresh_one(struct fr_devtab *t, const struct fr_roots *r, const char *name,
                           bool probe);

/* The deterministic preference when several devices claim one name or
 * match one spec: present before removed, then lowest MAJ:MIN, then sysfs
 * name. <0 when a is preferred. */
int fr_blockdev_cmp(const struct fr_blockdev *a, const struct fr_blockdev *b);
