/* What the kernel has built in, read from the modules dir: module names
 * (modules.builtin, modules.builtin.modinfo) and the aliases the modinfo
 * gives them, so the diagnosis tells a built-in driver from a missing one. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct fr_builtin;

/* Reads modules_dir/modules.builtin and modules.builtin.modinfo; either may
 * be missing. Returns 0 with *out set, or -ENOMEM. */
int fr_builtin_read(const char *modules_dir, struct fr_builtin **out);
void fr_builtin_free(struct fr_builtin *b);
/* Whether modules.builtin.modinfo was read: without it nothing can be said
 * about which built-in driver matches a device. */
bool fr_builtin_has_modinfo(const struct fr_builtin *b);
/* Whether module name (dashes and underscores alike) is built in. */
bool fr_builtin_is(const struct fr_builtin *b, const char *name);
/* Names of built-in modules with an alias matching modalias, each once,
 * appended comma-separated to buf (which holds a list already, or "").
 * Returns the number of names added. */
int fr_builtin_match(const struct fr_builtin *b, const char *modalias, char *buf, size_t size);
/* Adds name to the comma-separated list in buf unless it is there already.
 * Returns 1 when added, 0 when already there or it does not fit. */
int fr_name_list_add(char *buf, size_t size, const char *name);
