/* Matching a root spec against the device table, with a deterministic
 * choice and a warning when several devices match. */
#pragma once
#include "devices.h"
#include "spec.h"

/* Returns index of the matching device, -1 none. *nmatch gets the number of
 * candidates (more than one: duplicates, warned about once per call). */
int fr_resolve(const struct fr_devtab *t, const struct fr_spec *s, int *nmatch);

#include "roots.h"
/* fr_resolve, and for /dev/... specs that exist under r->dev as symlinks
 * (udevd's or an administrator's), also the device they point at. r may be NULL. */
int fr_resolve_roots(const struct fr_devtab *t, const struct fr_spec *s, const struct fr_roots *r,
                     int *nmatch);
