/* Writes the /dev/disk/by-* links (linkname.h names them) safely: relative
 * targets, temp link + rename, never over a non-link, never outside /dev/disk. */
#pragma once
#include "devices.h"
#include "roots.h"

/* Create links for every device in t; a name claimed by several devices
 * goes to one chosen deterministically, with a warning naming all.
 * Logs what fails (once per directory). Returns the number of links created
 * or changed; -errno when /dev/disk cannot be used, or when no link could be
 * made and some failed (a read-only or full /dev). */
int fr_links_sync(const struct fr_devtab *t, const struct fr_roots *r);
