/* The report for the person at the emergency shell: what is there, what is
 * deferred or driverless, what module is missing, what to try next. */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include "devices.h"
#include "modules.h"
#include "roots.h"
#include "spec.h"

/* spec may be NULL (no root= given). t: devices already known (may be NULL,
 * then it scans). json: the document findroot(8) describes under JSON OUTPUT
 * (its keys, types and versioning rule), else the plain report. Returns 0 or
 * -errno. */
int fr_diagnose(const struct fr_roots *r, const struct fr_spec *spec, struct fr_modules *m,
                struct fr_devtab *t, bool json, FILE *out);
