/* Small sysfs readers, writers and walkers, and the process-wide deadline
 * that bounds every walk over sysfs and /dev. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "roots.h"

/* Read a whole attribute, strip trailing newlines. Returns length or -errno;
 * -EFBIG when it does not fit in size-1 bytes (buf then holds the prefix). */
int fr_read_attr(const char *path, char *buf, size_t size);
/* Basename of the target of symlink path (e.g. a "driver" link). Returns length or -errno. */
int fr_link_basename(const char *path, char *buf, size_t size);
/* Look up KEY= in a sysfs "uevent" file. Returns length or -ENOENT/-errno
 * (-EFBIG: the value does not fit in size-1 bytes). */
int fr_uevent_file_get(const char *uevent_path, const char *key, char *buf, size_t size);
/* Write a string to a sysfs attribute. Returns 0 or -errno. */
int fr_write_attr(const char *path, const char *value);
/* true if path exists (lstat). */
bool fr_exists(const char *path);

/* CLOCK_MONOTONIC in seconds. */
double fr_monotonic(void);
/* The hard deadline (fr_monotonic() seconds; 0: none). Once it has passed,
 * the readers and writers here fail at once with -ETIMEDOUT, and the scans
 * (devices, coldplug, links, diagnosis) stop where they are. */
void fr_deadline_set(double when);
bool fr_deadline_passed(void);
/* open() that never blocks and admits only a regular file: -EINVAL for a
 * FIFO, device, socket, -EISDIR for a directory, -ETIMEDOUT past the
 * deadline. flags: O_RDONLY or O_WRONLY (and O_TRUNC); O_NONBLOCK,
 * O_CLOEXEC, O_NOCTTY are added. Returns the fd or -errno. */
int fr_open_regular(const char *path, int flags);

/* fr_read_attr() of dir/attr. */
int fr_read_attr_at(const char *dir, const char *attr, char *buf, size_t size);
/* Length of roots->sys without trailing slashes ("/" gives 0, so joins work). */
size_t fr_sysfs_root_len(const struct fr_roots *r);
/* The device directory (resolved, under roots->sys) of block device NAME:
 * /sys/class/block/NAME, or on kernels without it /sys/block/NAME or
 * /sys/block/DISK/NAME. Returns 0, -ENOENT (gone), -EXDEV (a link leaving
 * roots->sys), -ENAMETOOLONG. */
int fr_sysfs_block_dir(const struct fr_roots *r, const char *name, char *out, size_t size);
/* A device directory's subsystem (basename of its "subsystem" link) and
 * DEVTYPE (from its uevent file); "" when it has none. */
void fr_sysfs_subsystem(const char *dir, char *buf, size_t size);
void fr_sysfs_devtype(const char *dir, char *buf, size_t size);
/* Move dir up to its parent device (nearest ancestor with a uevent file),
 * never leaving roots->sys/devices. false at the top (dir may be cut short). */
bool fr_sysfs_parent(const struct fr_roots *r, char *dir);
