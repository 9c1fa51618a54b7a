/* Functions the modules export only for the unit and fuzz tests. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "coldplug.h"
#include "iommu.h"
#include "kinsert.h"
#include "loadq.h"
#include "modules.h"
#include "resolve.h"
#include "roots.h"

/* probe.c: the areas fr_probe() asks the kernel to read ahead for libblkid
 * on a device of size bytes, in increasing order, clipped to the device and
 * merged where they touch. Returns how many (at most max). */
struct fr_area {
    int64_t off, len;
};
size_t fr_probe_prefetch_areas(int64_t size, struct fr_area *out, size_t max);

/* linkname.c: fr_links_lookup_n() without the count. */
int fr_links_lookup(const struct fr_devtab *t, const char *name);

/* resolve.c: fr_resolve_roots() without roots. */
int fr_resolve(const struct fr_devtab *t, const struct fr_spec *s, int *nmatch);

/* coldplug.c: fr_coldplug_until() without a stop test. */
int fr_coldplug(const struct fr_roots *r, struct fr_modules *m);

/* iommu.c: fr_iommu_detect() with the fallback device tree given (NULL:
 * none) instead of /proc/device-tree. */
int fr_iommu_detect_at(const struct fr_roots *r, const char *proc_dt, struct fr_iommu *out);

/* json.c: s (len bytes) as a quoted JSON string. Pure apart from f. */
void fr_json_write_string(FILE *f, const char *s, size_t len);

/* kinsert.c: the compression of a module file, by its magic bytes (reads
 * from the start of fd, which is left at offset 0). FR_KCOMP_NONE for
 * anything else, an ELF object included. */
enum fr_kcomp fr_file_compression(int fd);

/* loadq.c: block until nothing runs or deadline (CLOCK_MONOTONIC seconds,
 * 0: none); returns modules inserted meanwhile. The highest number of
 * workers that ran at once. */
int fr_loadq_wait(struct fr_loadq *q, double deadline);
unsigned fr_loadq_peak(const struct fr_loadq *q);

/* modules.c: the number of modules inserted so far; fr_modules_new() with
 * libkmod reading its configuration (blacklist, options, softdeps) from
 * config_paths (NULL-terminated) instead of the system's modprobe.d. */
unsigned fr_modules_loaded(const struct fr_modules *m);
int fr_modules_new_with_config(const struct fr_roots *r, bool dry_run,
                               const char *const *config_paths, struct fr_modules **out);
