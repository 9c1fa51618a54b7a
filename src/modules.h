/* Module loading through libkmod: by alias, blacklist honoured, each alias
 * tried once; lookups for the diagnosis. */
#pragma once
#include <stdbool.h>
#include <poll.h>
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

/* Concurrent loading (loadq.h): from now on fr_modules_submit() queues
 * aliases for up to jobs worker processes. Returns 1 when on, 0 when
 * loading stays sequential (jobs <= 1, or a kernel that does not
 * decompress modules: libkmod inserts those), -errno. fr_modules_load()
 * still loads in this process, before returning. */
int fr_modules_async(struct fr_modules *m, unsigned jobs);
/* Load the modules for alias (once per alias), concurrently when async,
 * else as fr_modules_load(). prio: fr_modalias_priority(), FR_LOADQ_ALONE
 * for a module that must load with nothing else beside it. Returns 0 or
 * -errno (sequential: as fr_modules_load()). */
int fr_modules_submit(struct fr_modules *m, const char *alias, int prio);
/* Take the workers' results (logged: "loaded X (for ALIAS)"), start queued
 * work. Returns the modules newly inserted. Does not block. */
int fr_modules_collect(struct fr_modules *m);
/* The workers' pipes, to poll for POLLIN. */
size_t fr_modules_pollfds(const struct fr_modules *m, struct pollfd *pfd, size_t max);
/* Workers running plus aliases queued. */
unsigned fr_modules_busy(const struct fr_modules *m);
/* The same, only aliases submitted with priority prio or better. */
unsigned fr_modules_busy_upto(const struct fr_modules *m, int prio);
/* Forget queued aliases not started (root found). Returns how many. */
size_t fr_modules_drop_queued(struct fr_modules *m);
