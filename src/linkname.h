/* The /dev/disk/by-* names udev's 60-persistent-storage.rules gives a
 * device, and which device gets a name several claim; nothing is written. */
#pragma once
#include <limits.h>
#include <stddef.h>
#include "devices.h"

#define FR_LINKS_MAX 8

/* "by-partlabel/" and a leaf of at most NAME_MAX bytes. */
#define FR_LINK_NAME_MAX (16 + NAME_MAX + 1)

struct fr_linkset {
    size_t n;
    char name[FR_LINKS_MAX][FR_LINK_NAME_MAX]; /* relative to /dev/disk, e.g. "by-uuid/1234-ABCD" */
};

/* libblkid's blkid_encode_string. Returns 0 or -EINVAL/-ENAMETOOLONG. */
int fr_encode_name(const char *in, char *out, size_t size);
/* Names for one device; disk is the parent (or d itself). */
void fr_link_names(const struct fr_blockdev *d, const struct fr_blockdev *disk, struct fr_linkset *out);
/* Link target for name (relative to /dev/disk) pointing at /dev/devname,
 * relative to the link's directory: ("by-uuid/X", "vda1") -> "../../vda1". */
int fr_link_target(const char *name, const char *devname, char *buf, size_t size);

/* Every (name, device) pair of the present devices of a table, sorted by
 * name and then by preference (fr_blockdev_cmp), so the first of each run
 * of equal names is the device the name goes to. */
struct fr_claim {
    const char *name; /* points into sets */
    int idx;
};
struct fr_claims {
    struct fr_claim *v;
    struct fr_linkset *sets;
    size_t n;
};
/* Returns 0 or -ENOMEM; free with fr_claims_free(). */
int fr_claims_collect(const struct fr_devtab *t, struct fr_claims *c);
void fr_claims_free(struct fr_claims *c);

/* The device a /dev/disk/... name (relative to /dev/disk, or starting with
 * "disk/") goes to, by the same rules and choice as fr_links_sync; *ncand
 * (may be NULL) is the number of devices claiming it. Returns the index,
 * -ENOENT when no device claims it, or -ENOMEM. */
int fr_links_lookup_n(const struct fr_devtab *t, const char *name, int *ncand);
