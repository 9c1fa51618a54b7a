/* Matching a root spec against the device table, with a deterministic
 * choice and a warning when several devices match. */
#pragma once
#include "devices.h"
#include "roots.h"
#include "spec.h"

/* The index of the device spec s names, -ENOENT when none does (or
 * -ENOMEM). *nmatch (may be NULL) gets the number of candidates: more than
 * one are duplicates, warned about once per call. /dev/... specs that exist
 * under r->dev as symlinks (udevd's or an administrator's) also match the
 * device they point at; r may be NULL. */
int fr_resolve_roots(const struct fr_devtab *t, const struct fr_spec *s, const struct fr_roots *r,
                     int *nmatch);
