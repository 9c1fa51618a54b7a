/* libblkid's view of a block device (probe.c): the probe result codes and
 * the one probe that serves every device of the table. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "roots.h"

struct fr_devtab;
struct fr_blockdev;

/* What fr_probe() made of a device. Negative: it could not be read, so a
 * later sweep probes it again (wait.c); the others are final. */
enum fr_probe_result {
    FR_PROBE_ERROR = -2,     /* cannot be read: err says why */
    FR_PROBE_GONE = -1,      /* vanished: no node (ENOENT) or no device behind it (ENXIO, ENODEV) */
    FR_PROBE_OK = 0,         /* one signature: type, uuid, label are valid */
    FR_PROBE_NOTHING = 1,    /* readable, nothing recognised on it */
    FR_PROBE_AMBIVALENT = 2, /* several superblocks (types): no UUID or label trusted */
};

/* What fr_probe() found on a device. */
struct fr_probeinfo {
    bool done;                  /* probed at all */
    enum fr_probe_result rc;
    int err;                    /* GONE, ERROR: the positive errno; else 0 */
    /* libblkid's own names, short: kept in the entry. */
    char type[64], usage[32];
    char pttype[32];            /* disks: partition table */
    /* Values read from the device, most often empty or short: allocated
     * strings the table owns, NULL when empty (util.h fr_str()), not cut. */
    char *types;                /* AMBIVALENT: the superblocks seen, "vfat,ext4" */
    char *uuid, *label;
    char *ptuuid;               /* disks: partition table */
    char *partuuid, *partlabel; /* partitions: from the disk's table */
};

/* Frees info's strings and empties it: not probed. */
void fr_probeinfo_clear(struct fr_probeinfo *info);

/* A disk's partition table entries as fr_probe() read them (probe.c); one
 * allocation, released with free(). */
struct fr_partlist;

/* Probe with libblkid (superblocks; for disks also the partition table,
 * whose entries are kept with the disk and copied to its partitions in t;
 * a partition takes its entry from there, reading the disk's table itself
 * only when the disk has none). Returns probe.rc (FR_PROBE_ERROR for an
 * idx out of range). */
enum fr_probe_result fr_probe(struct fr_devtab *t, size_t idx, const struct fr_roots *r);
/* The probe result in words for a person: "device vanished (No such file or
 * directory)", "ambivalent superblocks (vfat and ext4)", ... Returns buf. */
const char *fr_probe_describe(const struct fr_blockdev *d, char *buf, size_t size);
/* Free the libblkid probe fr_probe() keeps between calls. */
void fr_probe_cleanup(void);
