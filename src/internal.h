/* Functions the modules export only for the unit and fuzz tests. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* probe.c: the areas fr_probe() asks the kernel to read ahead for libblkid
 * on a device of size bytes, in increasing order, clipped to the device and
 * merged where they touch. Returns how many (at most max). */
struct fr_area {
    int64_t off, len;
};
size_t fr_probe_prefetch_areas(int64_t size, struct fr_area *out, size_t max);

/* linkname.c: fr_links_lookup_n() without the count. */
struct fr_devtab;
int fr_links_lookup(const struct fr_devtab *t, const char *name);

/* resolve.c: fr_resolve_roots() without roots. */
struct fr_spec;
int fr_resolve(const struct fr_devtab *t, const struct fr_spec *s, int *nmatch);
