/* /dev/disk/by-* links named as udev's 60-persistent-storage.rules names
 * them, created safely: relative targets, temp link + rename, never over a
 * non-link, never outside /dev/disk. */
#pragma once
#include <limits.h>
#include <stddef.h>
#include "devices.h"
#include "roots.h"

#define FR_LINKS_MAX 8

/* "by-partlabel/" and a leaf of at most NAME_MAX bytes. */
#define FR_LINK_NAME_MAX (16 + NAME_MAX + 1)

struct fr_linkset {
    size_t n;
    char name[FR_LINKS_MAX][FR_LINK_NAME_MAX]; /* relative to /dev/disk, e.g. "by-uuid/1234-ABCD" */
};

/* libblkid's blkid_encode_string. Returns 0 or -EINVAL/-ENAMETOOLONG. */
int fr_encode_name(const char *in, char *out, size_t size);
/* Names for one device; disk is the parent (or d itself). Pure. */
void fr_link_names(const struct fr_blockdev *d, const struct fr_blockdev *disk, struct fr_linkset *out);
/* Create links for every device in t; a name claimed by several devices
 * goes to one chosen deterministically, with a warning naming all.
 * Logs what fails (once per directory). Returns the number of links created
 * or changed; -errno when /dev/disk cannot be used, or when no link could be
 * made and some failed (a read-only or full /dev). */
int fr_links_sync(const struct fr_devtab *t, const struct fr_roots *r);
/* The device a /dev/disk/... name (relative to /dev/disk) would point to, by
 * the same rules and choice as fr_links_sync, or -1. */
int fr_links_lookup(const struct fr_devtab *t, const char *name);

/* Link target for name (relative to /dev/disk) pointing at /dev/devname,
 * relative to the link's directory: ("by-uuid/X", "vda1") -> "../../vda1". */
int fr_link_target(const char *name, const char *devname, char *buf, size_t size);
/* fr_links_lookup, also giving the number of devices claiming the name. */
int fr_links_lookup_n(const struct fr_devtab *t, const char *name, int *ncand);
