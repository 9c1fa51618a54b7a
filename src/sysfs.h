/* Small sysfs readers: attributes, symlink basenames, uevent files; the
 * process-wide deadline that bounds every walk over sysfs and /dev. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

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
