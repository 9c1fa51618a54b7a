/* Module loading through libkmod: by alias, blacklist honoured, each alias
 * tried once; lookups for the diagnosis. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "roots.h"

struct fr_modules;

/* dry_run: resolve and log ("would load X") but never insert. */
int fr_modules_new(const struct fr_roots *r, bool dry_run, struct fr_modules **out);
void fr_modules_free(struct fr_modules *m);
/* Load the modules matching alias (a modalias or a module name). Returns the
 * number of modules newly inserted (0 if none match, already tried, or
 * built in), or -errno when an insertion failed (logged). */
int fr_modules_load(struct fr_modules *m, const char *alias);
/* Names of modules matching alias, comma-separated, into buf. Returns count
 * (0: "no module in this initramfs matches"), or -errno. */
int fr_modules_lookup(struct fr_modules *m, const char *alias, char *buf, size_t size);
/* Number of modules inserted so far. */
unsigned fr_modules_loaded(const struct fr_modules *m);

/* As fr_modules_new(), but libkmod reads its configuration (blacklist,
 * options, softdeps) from config_paths (NULL-terminated) instead of the
 * system's modprobe.d directories. For tests and rescue use. */
int fr_modules_new_with_config(const struct fr_roots *r, bool dry_run,
                               const char *const *config_paths, struct fr_modules **out);
