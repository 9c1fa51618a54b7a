/* Module loading through libkmod: modalias -> modules (blacklist honoured,
 * dependencies first), each alias tried once; lookups for the diagnosis. */
#include "modules.h"
#include "internal.h"

#include <errno.h>
#include <libkmod.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "kinsert.h"
#include "loadq.h"
#include "log.h"
#include "util.h"

/* Coldplug sees a few hundred aliases on a big machine; past this many we
 * stop remembering and simply ask libkmod again (cheap, and still right,
 * since loaded modules are skipped by libkmod itself). */
#define SEEN_MAX 8192
#define SEEN_INITIAL 256
/* Modules one probe can insert: the module, its dependencies, softdeps. */
#define PROBE_MAX 64

struct fr_modules {
    struct kmod_ctx *ctx;
    bool dry_run;
    /* What the kernel decompresses itself; FR_KCOMP_NONE: leave insertion
     * to libkmod. */
    enum fr_kcomp kcomp;
    unsigned loaded;
    char dir[PATH_MAX];
    /* Open-addressing string set: "a:ALIAS" for aliases tried, "m:NAME"
     * for modules a dry run already reported. */
    char **seen;
    size_t seen_n, seen_cap;
    bool seen_full_logged;
    /* Concurrent loading (fr_modules_async()); NULL: one at a time. */
    struct fr_loadq *q;
    struct probe_ctx *plan; /* the last plan handed to q */
};

/* kmod's print_action callback has no user data: the probe in progress is
 * kept here. findroot is single-threaded. */
struct probe_ctx {
    struct kmod_module *mods[PROBE_MAX];
    char *options[PROBE_MAX]; /* as libkmod would pass them */
    size_t n;
    bool overflow;
    bool install;             /* a module has an install command */
    bool target[PROBE_MAX];   /* the probed module itself (plan_alias()) */
};
static struct probe_ctx *probe_current;

static void probe_ctx_clear(struct probe_ctx *pc);

__attribute__((format(printf, 6, 0))) static void kmod_log(void *data, int priority,
                                                          const char *file, int line,
                                                          const char *fn, const char *format,
                                                          va_list args)
{
    char msg[1024];
    size_t len;

    (void)data;
    (void)file;
    (void)line;
    (void)fn;
    if (vsnprintf(msg, sizeof(msg), format, args) < 0)
        return;
    len = strlen(msg);
    while (len > 0 && msg[len - 1] == '\n')
        msg[--len] = '\0';
    fr_log(priority <= LOG_ERR ? FR_LOG_WARNING : FR_LOG_DEBUG, "libkmod: %s", msg);
}

static size_t seen_slot(char **tab, size_t cap, const char *key)
{
    size_t i = (size_t)fr_hash(key) & (cap - 1);

    while (tab[i] && strcmp(tab[i], key) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

static int seen_grow(struct fr_modules *m)
{
    size_t cap = m->seen_cap ? m->seen_cap * 2 : SEEN_INITIAL;
    char **tab = calloc(cap, sizeof(*tab));

    if (!tab)
        return -ENOMEM;
    for (size_t i = 0; i < m->seen_cap; i++)
        if (m->seen[i])
            tab[seen_slot(tab, cap, m->seen[i])] = m->seen[i];
    free(m->seen);
    m->seen = tab;
    m->seen_cap = cap;
    return 0;
}

/* Returns 1 when key was added, 0 when it was already there (or cannot be
 * remembered: then the caller just does the work again). */
static int seen_add(struct fr_modules *m, char kind, const char *name)
{
    size_t len = strlen(name), i;
    char *key;

    key = malloc(len + 3);
    if (!key)
        return 1;
    key[0] = kind;
    key[1] = ':';
    memcpy(key + 2, name, len + 1);

    if (m->seen_cap && m->seen[seen_slot(m->seen, m->seen_cap, key)]) {
        free(key);
        return 0;
    }
    if (m->seen_n >= SEEN_MAX) {
        if (!m->seen_full_logged)
            log_debug("remembered %d aliases, remembering no more", SEEN_MAX);
        m->seen_full_logged = true;
        free(key);
        return 1;
    }
    /* Keep the load factor at or below one half. */
    if ((m->seen_n + 1) * 2 > m->seen_cap && seen_grow(m) < 0) {
        free(key);
        return 1;
    }
    i = seen_slot(m->seen, m->seen_cap, key);
    m->seen[i] = key;
    m->seen_n++;
    return 1;
}

int fr_modules_new_with_config(const struct fr_roots *r, bool dry_run,
                               const char *const *config_paths, struct fr_modules **out)
{
    struct fr_modules *m;
    struct stat st;
    int err;

    if (!r || !out)
        return -EINVAL;
    *out = NULL;
    /* kmod_new() wants the full modules dir (/lib/modules/RELEASE), not
     * the /lib/modules base. A missing dir is the caller's news to give. */
    if (stat(r->modules, &st) < 0)
        return log_debug_errno(errno, "modules dir %s", r->modules);
    if (!S_ISDIR(st.st_mode))
        return log_debug_errno(ENOTDIR, "modules dir %s", r->modules);

    m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    m->dry_run = dry_run;
    /* FINDROOT_USERSPACE_DECOMPRESS=1 (the kernel passes it from its
     * command line to /init) leaves decompression to libkmod. */
    const char *ud = getenv("FINDROOT_USERSPACE_DECOMPRESS");
    if (!ud || strcmp(ud, "1") != 0)
        m->kcomp = fr_kernel_compression(r->sys);
    snprintf(m->dir, sizeof(m->dir), "%s", r->modules);
    m->ctx = kmod_new(r->modules, config_paths);
    if (!m->ctx) {
        free(m);
        return log_debug_errno(ENOMEM, "kmod_new(%s) failed", r->modules);
    }
    kmod_set_log_fn(m->ctx, kmod_log, NULL);
    kmod_set_log_priority(m->ctx, fr_log_level() >= FR_LOG_DEBUG ? LOG_INFO : LOG_ERR);

    /* Without the indexes loaded up front libkmod still opens each one
     * when a lookup needs it; an older depmod may lack one of them. */
    err = kmod_load_resources(m->ctx);
    if (err < 0)
        log_debug_errno(err, "kmod_load_resources(%s)", r->modules);
    log_debug("modules from %s%s; the kernel decompresses %s", r->modules,
              dry_run ? " (dry run)" : "", fr_kcomp_name(m->kcomp));
    *out = m;
    return 0;
}

int fr_modules_new(const struct fr_roots *r, bool dry_run, struct fr_modules **out)
{
    return fr_modules_new_with_config(r, dry_run, NULL, out);
}

void fr_modules_free(struct fr_modules *m)
{
    if (!m)
        return;
    fr_loadq_free(m->q);
    if (m->plan) {
        probe_ctx_clear(m->plan);
        free(m->plan);
    }
    for (size_t i = 0; i < m->seen_cap; i++)
        free(m->seen[i]);
    free(m->seen);
    kmod_unref(m->ctx);
    free(m);
}

unsigned fr_modules_loaded(const struct fr_modules *m)
{
    return m ? m->loaded : 0;
}

/* Called by libkmod for each module of a probe (dependencies first), just
 * before it inserts it (or would, in a dry run). */
static void on_action(struct kmod_module *mod, bool install, const char *options)
{
    struct probe_ctx *pc = probe_current;

    if (!pc)
        return;
    if (install)
        pc->install = true;
    if (pc->n < PROBE_MAX) {
        pc->options[pc->n] = strdup(options ? options : "");
        pc->mods[pc->n++] = kmod_module_ref(mod);
    } else {
        pc->overflow = true;
    }
}

static void probe_ctx_clear(struct probe_ctx *pc)
{
    for (size_t i = 0; i < pc->n; i++) {
        kmod_module_unref(pc->mods[i]);
        free(pc->options[i]);
    }
    *pc = (struct probe_ctx){.n = 0};
}

static bool is_inserted(struct kmod_module *mod)
{
    int st = kmod_module_get_initstate(mod);

    return st == KMOD_MODULE_LIVE || st == KMOD_MODULE_COMING;
}

/* Insert what a dry run of the probe listed, in its order (dependencies
 * and pre-softdeps, the module, post-softdeps), each file handed to the
 * kernel as it is. Like libkmod, a module that is already there is no error
 * and a failing softdep does not stop the probe; the public API does not
 * say which listed modules are softdeps, so the failures before the target
 * are kept and reported only if the target then fails too (a missing hard
 * dependency makes it fail). Returns 0, -errno with *failed set, or
 * -ENOTSUP when libkmod has to do the probe itself. */
static int insert_listed(struct fr_modules *m, const char *target, const struct probe_ctx *pc,
                         const char **failed)
{
    int first_err = 0;

    for (size_t i = 0; i < pc->n; i++) {
        const char *n = kmod_module_get_name(pc->mods[i]);
        const char *path = kmod_module_get_path(pc->mods[i]);
        if (!path || !pc->options[i])
            return -ENOTSUP;
        int k = fr_kinsert(path, pc->options[i], m->kcomp);
        if (k == -ENOTSUP)
            return -ENOTSUP;
        if (k == -EEXIST || k == 0) {
            log_debug("inserted %s from %s, the kernel decompressing it", n, path);
            continue;
        }
        if (strcmp(n, target) == 0) {
            *failed = first_err ? *failed : n;
            return first_err ? first_err : k;
        }
        log_debug("loading %s before %s failed: %s", n, target, strerror(-k));
        if (!first_err) {
            first_err = k;
            *failed = n;
        }
    }
    return 0;
}

/* Probe one module with its dependencies. Returns modules newly inserted
 * (or, in a dry run, newly reported), or -errno (logged). */
static int probe_one(struct fr_modules *m, struct kmod_module *mod, const char *alias)
{
    const char *name = kmod_module_get_name(mod);
    const char *failed = NULL;
    unsigned flags = KMOD_PROBE_APPLY_BLACKLIST | (m->dry_run ? KMOD_PROBE_DRY_RUN : 0);
    struct probe_ctx pc = {.n = 0};
    int err = -ENOTSUP, count = 0;

    probe_current = &pc;
    /* Where the kernel decompresses modules, libkmod only plans the probe
     * and the files go to the kernel as they are. Install commands, which
     * libkmod runs through the shell, and anything unusual go the usual
     * way. */
    if ((m->kcomp != FR_KCOMP_NONE || fr_kinsert_test_errno()) && !m->dry_run) {
        err = kmod_module_probe_insert_module(mod, flags | KMOD_PROBE_DRY_RUN, NULL, NULL, NULL,
                                              on_action);
        if (err == 0 && !pc.install && !pc.overflow)
            err = insert_listed(m, name, &pc, &failed);
        else if (err == 0)
            err = -ENOTSUP;
        if (err == -ENOTSUP) {
            probe_ctx_clear(&pc);
            failed = NULL; /* named a module of the list just freed */
        }
    }
    /* Under the test seam nothing reaches the kernel, libkmod's way neither. */
    if (err == -ENOTSUP && !(fr_kinsert_test_errno() && !m->dry_run))
        err = kmod_module_probe_insert_module(mod, flags, NULL, NULL, NULL, on_action);
    probe_current = NULL;

    if (err == KMOD_PROBE_APPLY_BLACKLIST) {
        log_debug("%s (for %s) is blacklisted, not loading it", name, alias);
        err = 0;
    } else if (err == -EEXIST) {
        /* Loaded by someone else between libkmod's check and its insert. */
        err = 0;
    } else if (err < 0) {
        /* Name the module that failed when it was a dependency. */
        if (!failed)
            failed = pc.n ? kmod_module_get_name(pc.mods[pc.n - 1]) : name;
        if (strcmp(failed, name) != 0)
            log_warning("loading %s (for %s) failed at its dependency %s: %s", name, alias,
                        failed, strerror(-err));
        else
            log_warning("loading %s (for %s) failed: %s", name, alias, strerror(-err));
    } else if (pc.n == 0) {
        log_debug("%s (for %s) is already loaded or built in", name, alias);
    }

    for (size_t i = 0; i < pc.n; i++) {
        const char *n = kmod_module_get_name(pc.mods[i]);
        if (m->dry_run) {
            if (err >= 0 && seen_add(m, 'm', n)) {
                log_info("would load %s (for %s)", n, alias);
                count++;
            }
        } else if (is_inserted(pc.mods[i])) {
            /* Dependencies that failed before a later error, or softdeps
             * whose errors libkmod ignores, do not count. */
            log_info("loaded %s (for %s)", n, alias);
            count++;
        }
    }
    if (pc.overflow)
        log_debug("%s has more than %d modules to load; counted the first", name, PROBE_MAX);
    probe_ctx_clear(&pc);
    return err < 0 ? err : count;
}

/* Load alias in this process, whether tried before or not. */
static int load_alias(struct fr_modules *m, const char *alias)
{
    struct kmod_list *list = NULL, *l;
    int err, first_err = 0, count = 0;

    err = kmod_module_new_from_lookup(m->ctx, alias, &list);
    if (err < 0)
        return log_debug_errno(err, "module lookup for %s", alias);
    if (!list) {
        log_debug("no module for %s", alias);
        return 0;
    }
    /* Like udev's kmod builtin: every match is loaded, not just the first. */
    kmod_list_foreach(l, list) {
        struct kmod_module *mod = kmod_module_get_module(l);
        int k = probe_one(m, mod, alias);

        kmod_module_unref(mod);
        if (k < 0 && !first_err)
            first_err = k;
        else if (k > 0)
            count += k;
    }
    kmod_module_unref_list(list);
    m->loaded += (unsigned)count;
    return first_err ? first_err : count;
}

int fr_modules_load(struct fr_modules *m, const char *alias)
{
    if (!m || !alias || !alias[0])
        return -EINVAL;
    if (!seen_add(m, 'a', alias))
        return 0;
    return load_alias(m, alias);
}

/* --- concurrent loading: libkmod plans here, workers insert (loadq.c) --- */

/* The modules of one alias's plan. Where a worker cannot insert (the kernel
 * does not decompress, an install command, a blacklisted or overlong
 * probe) the module is loaded here and now, the way fr_modules_load()
 * does. */
static int plan_alias(void *data, const char *alias, struct fr_loadq_mod *v, size_t max)
{
    struct fr_modules *m = data;
    struct kmod_list *list = NULL, *l;
    struct probe_ctx *pc = m->plan;
    size_t n = 0;
    int err;

    probe_ctx_clear(pc);
    err = kmod_module_new_from_lookup(m->ctx, alias, &list);
    if (err < 0)
        return log_debug_errno(err, "module lookup for %s", alias);
    if (!list)
        log_debug("no module for %s", alias);
    kmod_list_foreach(l, list) {
        struct kmod_module *mod = kmod_module_get_module(l);
        const char *name = kmod_module_get_name(mod);
        size_t first = pc->n;

        probe_current = pc;
        err = -ENOTSUP;
        if (m->kcomp != FR_KCOMP_NONE || m->dry_run)
            err = kmod_module_probe_insert_module(
                mod, KMOD_PROBE_APPLY_BLACKLIST | KMOD_PROBE_DRY_RUN, NULL, NULL, NULL, on_action);
        probe_current = NULL;
        if (err == KMOD_PROBE_APPLY_BLACKLIST) {
            log_debug("%s (for %s) is blacklisted, not loading it", name, alias);
        } else if (err < 0 || pc->install || pc->overflow) {
            /* Back to what the worker would have had: this module alone, here. */
            for (size_t i = first; i < pc->n; i++) {
                kmod_module_unref(pc->mods[i]);
                free(pc->options[i]);
            }
            pc->n = first;
            pc->install = pc->overflow = false;
            int k = probe_one(m, mod, alias);
            if (k > 0)
                m->loaded += (unsigned)k;
        } else if (pc->n == first) {
            log_debug("%s (for %s) is already loaded or built in", name, alias);
        }
        for (size_t i = first; i < pc->n; i++)
            pc->target[i] = strcmp(kmod_module_get_name(pc->mods[i]), name) == 0;
        kmod_module_unref(mod);
    }
    kmod_module_unref_list(list);
    for (size_t i = 0; i < pc->n && n < max; i++) {
        const char *name = kmod_module_get_name(pc->mods[i]);
        const char *path = kmod_module_get_path(pc->mods[i]);
        /* A dry run needs no worker: it says what it would load in the
         * order the jobs would start, each module once. */
        if (m->dry_run) {
            if (seen_add(m, 'm', name)) {
                log_info("would load %s (for %s)", name, alias);
                m->loaded++;
            }
        } else if (path) {
            /* An alias matched by two lines of modules.alias names the
             * module twice, and with it its dependencies. */
            size_t k = 0;
            while (k < n && strcmp(v[k].name, name) != 0)
                k++;
            if (k == n)
                v[n++] = (struct fr_loadq_mod){name, path, pc->options[i], pc->target[i]};
            else
                v[k].target |= pc->target[i];
        }
    }
    return (int)n;
}

static int insert_file(void *data, const char *path, const char *options)
{
    const struct fr_modules *m = data;

    return fr_kinsert(path, options, m->kcomp);
}

static void inserted(void *data, const char *alias, const char *name, bool target, int err)
{
    struct fr_modules *m = data;

    if (err == -EEXIST) {
        log_debug("%s (for %s) was loaded already", name, alias);
    } else if (err < 0) {
        if (target)
            log_warning("loading %s (for %s) failed: %s", name, alias, strerror(-err));
        else
            log_debug("loading %s before the module for %s failed: %s", name, alias,
                      strerror(-err));
    } else {
        log_info("loaded %s (for %s)", name, alias);
        m->loaded++;
    }
}

static int fallback(void *data, const char *alias)
{
    return load_alias(data, alias);
}

static const struct fr_loadq_ops loadq_ops = {
    .plan = plan_alias, .insert = insert_file, .done = inserted, .fallback = fallback,
};

int fr_modules_async(struct fr_modules *m, unsigned jobs)
{
    if (!m)
        return -EINVAL;
    if (m->q)
        return 1;
    /* Where the kernel does not decompress (before Linux 6.4), libkmod
     * inserts, in this process: one at a time. */
    if (jobs <= 1 || (m->kcomp == FR_KCOMP_NONE && !m->dry_run))
        return 0;
    m->plan = calloc(1, sizeof(*m->plan));
    if (!m->plan)
        return -ENOMEM;
    int k = fr_loadq_new(jobs, &loadq_ops, m, &m->q);
    if (k < 0) {
        free(m->plan);
        m->plan = NULL;
        return k;
    }
    return 1;
}

int fr_modules_submit(struct fr_modules *m, const char *alias, int prio)
{
    if (!m || !alias || !alias[0])
        return -EINVAL;
    if (!m->q)
        return fr_modules_load(m, alias);
    if (!seen_add(m, 'a', alias))
        return 0;
    int k = fr_loadq_submit(m->q, alias, prio);
    return k < 0 ? k : 0;
}

int fr_modules_collect(struct fr_modules *m)
{
    return m ? fr_loadq_collect(m->q) : 0;
}

size_t fr_modules_pollfds(const struct fr_modules *m, struct pollfd *pfd, size_t max)
{
    return m ? fr_loadq_pollfds(m->q, pfd, max) : 0;
}

unsigned fr_modules_busy(const struct fr_modules *m)
{
    return m && m->q ? fr_loadq_running(m->q) + (unsigned)fr_loadq_queued(m->q) : 0;
}

unsigned fr_modules_busy_upto(const struct fr_modules *m, int prio)
{
    return m && m->q ? fr_loadq_busy_upto(m->q, prio) : 0;
}

size_t fr_modules_drop_queued(struct fr_modules *m)
{
    return m && m->q ? fr_loadq_drop_queued(m->q) : 0;
}

int fr_modules_lookup(struct fr_modules *m, const char *alias, char *buf, size_t size)
{
    struct kmod_list *list = NULL, *l;
    size_t used = 0;
    int err, count = 0;

    if (!m || !alias || !buf || size == 0)
        return -EINVAL;
    buf[0] = '\0';
    err = kmod_module_new_from_lookup(m->ctx, alias, &list);
    if (err < 0)
        return log_debug_errno(err, "module lookup for %s", alias);
    kmod_list_foreach(l, list) {
        struct kmod_module *mod = kmod_module_get_module(l);
        const char *name = kmod_module_get_name(mod);
        size_t len = strlen(name);

        /* Names that do not fit are left out; the count still has them. */
        if (used + (used ? 1 : 0) + len < size) {
            if (used)
                buf[used++] = ',';
            memcpy(buf + used, name, len + 1);
            used += len;
        }
        count++;
        kmod_module_unref(mod);
    }
    kmod_module_unref_list(list);
    return count;
}
