/* Collects the facts of a diagnosis (kernel, IOMMU, deferred and driverless
 * devices, block devices, the root spec's match or near misses, advice) and
 * has diagnose_text.c or diagnose_json.c render them. */
#include "diagnose.h"
#include "diagnose_facts.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "coldplug.h"
#include "iommu.h"
#include "log.h"
#include "resolve.h"
#include "sysfs.h"
#include "util.h"

#define DEFERRED_READ_MAX 65536

static void trim(char *s)
{
    size_t len = strlen(s), start = 0;

    while (len > 0 && isspace((unsigned char)s[len - 1]))
        s[--len] = '\0';
    while (s[start] && isspace((unsigned char)s[start]))
        start++;
    memmove(s, s + start, len - start + 1);
}

const char *fr_diag_list_next(const char *p, char *name, size_t size)
{
    size_t n = strcspn(p, ",");

    fr_copy_cut(name, n < size ? n + 1 : size, p);
    return p + n + (p[n] == ',');
}

void fr_diag_node(const struct fr_diag *f, const struct fr_blockdev *d, char *buf, size_t size)
{
    if (fr_devnode_path(f->r, d, buf, size) < 0)
        fr_copy_cut(buf, size, d->devname);
}

/* Whether <sys>/module/name exists: the module is loaded. */
static bool module_loaded(const struct fr_diag *f, const char *name)
{
    char path[PATH_MAX];

    return fr_path(path, sizeof(path), f->r->sys, "module/%s", name) == 0 && fr_exists(path);
}

__attribute__((format(printf, 2, 3))) static void advise(struct fr_diag *f, const char *fmt, ...)
{
    va_list ap;

    if (f->nadvice >= FR_DIAG_MAX_ADVICE)
        return;
    va_start(ap, fmt);
    vsnprintf(f->advice[f->nadvice], sizeof(f->advice[0]), fmt, ap);
    va_end(ap);
    /* The same command suggested twice helps nobody. */
    for (size_t i = 0; i < f->nadvice; i++)
        if (strcmp(f->advice[i], f->advice[f->nadvice]) == 0)
            return;
    f->nadvice++;
}

/* ---- deferred probes ------------------------------------------------- */

static void parse_deferred(struct fr_diag *f, char *text)
{
    char *line, *rest = text;

    /* Up to the first empty line. */
    while ((line = strsep(&rest, "\n")) && *line) {
        /* "0000:00:02.0\t<reason>"; older kernels print the name only. */
        char *tab = line;
        strsep(&tab, "\t");
        trim(line);
        if (!line[0])
            continue;
        if (f->ndef >= FR_DIAG_MAX_DEFERRED) {
            f->def_dropped++;
            continue;
        }
        struct fr_diag_deferred *d = &f->def[f->ndef++];
        fr_copy_cut(d->device, sizeof(d->device), line);
        fr_copy_cut(d->reason, sizeof(d->reason), tab ? tab : "");
        trim(d->reason);
    }
}

/* Whether dir is a mount point: a different device than its parent. */
static bool is_mountpoint(const char *dir)
{
    char parent[PATH_MAX];
    struct stat a, b;

    if (fr_path(parent, sizeof(parent), dir, "..") < 0)
        return false;
    return stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

static int read_deferred_file(struct fr_diag *f)
{
    char *buf = malloc(DEFERRED_READ_MAX);
    int len;

    if (!buf)
        return -ENOMEM;
    len = fr_read_attr(f->deferred_path, buf, DEFERRED_READ_MAX);
    if (len >= 0 || len == -EFBIG) {
        /* -EFBIG: a prefix was read; still worth showing. */
        parse_deferred(f, buf);
        len = 0;
    }
    free(buf);
    return len;
}

static void collect_deferred(struct fr_diag *f)
{
    char dir[PATH_MAX];
    bool mounted = false;
    int r;

    f->deferred_status = "absent";
    if (fr_path(dir, sizeof(dir), f->r->sys, "kernel/debug") < 0 ||
        fr_path(f->deferred_path, sizeof(f->deferred_path), dir, "devices_deferred") < 0)
        return;

    r = read_deferred_file(f);
    if (r == -ENOENT && f->r->real_sys && !is_mountpoint(dir)) {
        /* Only on the real /sys: debugfs is where the kernel lists them. */
        if (mount("debugfs", dir, "debugfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
            f->deferred_err = errno;
            f->deferred_status =
                (errno == EPERM || errno == EACCES) ? "mount_denied" : "not_mounted";
            log_debug_errno(errno, "mounting debugfs on %s", dir);
            return;
        }
        mounted = true;
        r = read_deferred_file(f);
    }
    if (r == 0)
        f->deferred_status = "ok";
    else if (r != -ENOENT) {
        /* Kernel lockdown denies reading debugfs. */
        f->deferred_status = "unreadable";
        f->deferred_err = -r;
    }
    if (mounted && umount2(dir, MNT_DETACH) < 0)
        log_debug_errno(errno, "unmounting %s", dir);
}

/* ---- devices without a driver ---------------------------------------- */

/* Built-in drivers whose aliases a kernel may not list: up to at least 6.12,
 * modules.builtin.modinfo carries only MODULE_ALIAS() lines, not the device
 * tables (Debian 6.12: 150 aliases, crypto and filesystems; Debian 7.2 lists
 * the tables too, 593 PCI aliases), so virtio_pci, which Debian builds in,
 * matches nothing there. Used only where modules.builtin(.modinfo) names the
 * module. Virtio's PCI ids: 1af4:1000-107f. */
static const struct {
    const char *pattern, *module;
} unlisted_builtin[] = {
    {"pci:v00001AF4d000010[0-7]?sv*", "virtio_pci"},
};

/* Storage the root may sit behind: virtio block/SCSI, PCI class 01. */
static bool storage_like(const struct fr_diag_driverless *d)
{
    return strncmp(d->modalias, "virtio:d00000002v", 17) == 0 ||
           strncmp(d->modalias, "virtio:d00000008v", 17) == 0 ||
           (strncmp(d->modalias, "pci:", 4) == 0 && strstr(d->modalias, "bc01sc"));
}

/* Deferred behind the virtio-iommu: PCI functions and platform devices are
 * what it translates for; the kernel gives no reason for that wait (or
 * names the IOMMU). */
static bool behind_unbound_iommu(const struct fr_diag *f, const struct fr_diag_driverless *d)
{
    if (!d->deferred || !fr_iommu_present(&f->io) || f->io.bound)
        return false;
    if (strcmp(d->bus, "pci") != 0 && strcmp(d->bus, "platform") != 0)
        return false;
    return !d->reason[0] || strcasestr(d->reason, "iommu") != NULL;
}

/* Which drivers match d: modules (each once: libkmod reports a module once
 * per matching alias), the built-in ones among them, and what that says. */
static void match_drivers(struct fr_diag *f, struct fr_diag_driverless *d)
{
    char found[sizeof(d->modules)] = "", name[128];
    bool looked = false;

    if (f->m) {
        looked = fr_modules_lookup(f->m, d->modalias, found, sizeof(found)) >= 0;
        for (const char *p = found; *p;) {
            p = fr_diag_list_next(p, name, sizeof(name));
            fr_name_list_add(d->modules, sizeof(d->modules), name);
        }
    }
    fr_builtin_match(f->bi, d->modalias, d->modules, sizeof(d->modules));
    for (size_t i = 0; i < sizeof(unlisted_builtin) / sizeof(unlisted_builtin[0]); i++)
        if (fr_builtin_is(f->bi, unlisted_builtin[i].module) &&
            fnmatch(unlisted_builtin[i].pattern, d->modalias, 0) == 0)
            fr_name_list_add(d->modules, sizeof(d->modules), unlisted_builtin[i].module);

    int loadable = 0;
    for (const char *p = d->modules; *p;) {
        p = fr_diag_list_next(p, name, sizeof(name));
        d->nmodules++;
        if (fr_builtin_is(f->bi, name)) {
            d->nbuiltin += fr_name_list_add(d->builtin, sizeof(d->builtin), name);
            continue;
        }
        loadable++;
        if (module_loaded(f, name))
            fr_name_list_add(d->loaded, sizeof(d->loaded), name);
    }
    if (loadable > 0)
        d->driver = "module";
    else if (d->nbuiltin > 0)
        d->driver = "builtin";
    else if (d->deferred)
        d->driver = "builtin"; /* a driver matched, and no module does */
    else if (looked && fr_builtin_has_modinfo(f->bi))
        d->driver = "none";
    else
        d->driver = "unknown";
    d->waits_iommu = behind_unbound_iommu(f, d);
}

static int collect_driverless_one(const char *syspath, const char *modalias, void *data)
{
    struct fr_diag *f = data;
    const char *name, *p;
    struct fr_diag_driverless *d;

    if (f->ndl >= FR_DIAG_MAX_DRIVERLESS) {
        f->dl_dropped++;
        return 0;
    }
    d = &f->dl[f->ndl++];
    memset(d, 0, sizeof(*d));
    /* syspath is <sys>/bus/<bus>/devices/<name>. */
    name = strrchr(syspath, '/');
    fr_copy_cut(d->device, sizeof(d->device), name ? name + 1 : syspath);
    p = name ? name : syspath;
    static const char devices[] = "/devices";
    if (p - syspath > (long)sizeof(devices) - 1 &&
        strncmp(p - (sizeof(devices) - 1), devices, sizeof(devices) - 1) == 0) {
        const char *end = p - (sizeof(devices) - 1), *start = end;
        while (start > syspath && start[-1] != '/')
            start--;
        size_t n = (size_t)(end - start) < sizeof(d->bus) ? (size_t)(end - start)
                                                          : sizeof(d->bus) - 1;
        memcpy(d->bus, start, n);
        d->bus[n] = '\0';
    }
    fr_copy_cut(d->modalias, sizeof(d->modalias), modalias);
    for (size_t i = 0; i < f->ndef; i++)
        if (strcmp(f->def[i].device, d->device) == 0) {
            d->deferred = true;
            fr_copy_cut(d->reason, sizeof(d->reason), f->def[i].reason);
        }
    match_drivers(f, d);
    d->storage = storage_like(d);
    return 0;
}

/* ---- block devices and the spec -------------------------------------- */

static void collect_blockdevs(struct fr_diag *f)
{
    /* A table handed over (wait's, at the deadline) is completed, not
     * scanned again. */
    int r = fr_devices_refresh(f->t, f->r, f->t->n == 0);
    if (r < 0)
        log_debug_errno(r, "scanning block devices");
}

/* Equal after dropping case, dashes and surrounding blanks: the mistakes
 * people make copying a UUID or typing a label. */
static bool loosely_equal(const char *a, const char *b, bool ignore_dashes)
{
    char x[FR_SPEC_VALUE_MAX], y[FR_SPEC_VALUE_MAX];
    size_t i, j;

    if (!a[0] || !b[0])
        return false;
    for (int k = 0; k < 2; k++) {
        const char *s = k ? b : a;
        char *o = k ? y : x;
        for (i = 0, j = 0; s[i] && j < sizeof(x) - 1; i++) {
            if (ignore_dashes && s[i] == '-')
                continue;
            o[j++] = (char)tolower((unsigned char)s[i]);
        }
        o[j] = '\0';
        trim(o);
    }
    return strcmp(x, y) == 0;
}

static void near(struct fr_diag *f, size_t idx, const char *field, const char *value,
                 const char *note)
{
    if (f->nnm >= FR_DIAG_MAX_NEAR)
        return;
    struct fr_diag_near *n = &f->nm[f->nnm++];
    n->idx = idx;
    n->field = field;
    fr_copy_cut(n->value, sizeof(n->value), value);
    fr_copy_cut(n->note, sizeof(n->note), note);
}

/* "sda1" vs "vda1": the same partition on a different disk driver. */
static const char *disk_suffix(const char *name)
{
    static const char *const prefixes[] = {"xvd", "sd", "vd", "hd"};

    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            return name + strlen(prefixes[i]);
    return NULL;
}

/* A tag's value under another spelling, or the other tag of the pair:
 * for each tag spec kind, the two fields looked at, in this order. */
enum near_tag { NEAR_UUID, NEAR_PARTUUID, NEAR_LABEL, NEAR_PARTLABEL };

struct near_rule {
    const char *field;
    enum near_tag tag;
    const char *note;
};

static const char *near_value(const struct fr_blockdev *d, enum near_tag tag)
{
    switch (tag) {
    case NEAR_UUID: return fr_str(d->probe.uuid);
    case NEAR_PARTUUID: return fr_str(d->probe.partuuid);
    case NEAR_LABEL: return fr_str(d->probe.label);
    case NEAR_PARTLABEL: return fr_str(d->probe.partlabel);
    }
    return "";
}

static const struct {
    enum fr_spec_kind kind;
    bool ignore_dashes;
    struct near_rule rule[2];
} near_rules[] = {
    {FR_SPEC_UUID, true,
     {{"UUID", NEAR_UUID, "the same UUID written differently (case or dashes)"},
      {"PARTUUID", NEAR_PARTUUID,
       "this is a partition UUID, not a filesystem UUID: use root=PARTUUID="}}},
    {FR_SPEC_PARTUUID, true,
     {{"PARTUUID", NEAR_PARTUUID, "the same partition UUID written differently (case or dashes)"},
      {"UUID", NEAR_UUID, "this is a filesystem UUID, not a partition UUID: use root=UUID="}}},
    {FR_SPEC_LABEL, false,
     {{"LABEL", NEAR_LABEL, "a label differing only in letter case or surrounding blanks"},
      {"PARTLABEL", NEAR_PARTLABEL,
       "this is a partition label, not a filesystem label: use root=PARTLABEL="}}},
    {FR_SPEC_PARTLABEL, false,
     {{"PARTLABEL", NEAR_PARTLABEL,
       "a partition label differing only in letter case or surrounding blanks"},
      {"LABEL", NEAR_LABEL, "this is a filesystem label, not a partition label: use root=LABEL="}}},
};

static void collect_near_misses(struct fr_diag *f)
{
    const struct fr_spec *s = f->spec;
    const char *want = s->value;

    for (size_t i = 0; i < f->t->n; i++) {
        const struct fr_blockdev *d = &f->t->v[i];
        if (d->removed)
            continue;
        if (s->kind == FR_SPEC_PATH) {
            const char *a = disk_suffix(want), *b = disk_suffix(d->devname);
            if (a && b && a[0] && strcmp(a, b) == 0)
                near(f, i, "name", d->devname,
                     "the same disk and partition under another driver's name");
            continue;
        }
        for (size_t k = 0; k < sizeof(near_rules) / sizeof(near_rules[0]); k++) {
            if (near_rules[k].kind != s->kind)
                continue;
            for (size_t n = 0; n < 2; n++) {
                const struct near_rule *nr = &near_rules[k].rule[n];
                const char *value = near_value(d, nr->tag);
                if (loosely_equal(value, want, near_rules[k].ignore_dashes))
                    near(f, i, nr->field, value, nr->note);
            }
        }
    }
}

/* ---- advice ---------------------------------------------------------- */

/* The first of d's modules that is not built in: the one to modprobe. */
static bool first_loadable(const struct fr_diag *f, const struct fr_diag_driverless *d, char *buf,
                           size_t size)
{
    for (const char *p = d->modules; *p;) {
        p = fr_diag_list_next(p, buf, size);
        if (!fr_builtin_is(f->bi, buf))
            return true;
    }
    return false;
}

static void rebuild_advice(struct fr_diag *f, const char *mod)
{
    advise(f, "so that the next boot works, put %s into the initramfs:", mod);
    advise(f, "  dracut:          dracut -f --add-drivers %s", mod);
    advise(f, "  mkinitcpio:      MODULES=(%s) in /etc/mkinitcpio.conf, then mkinitcpio -P", mod);
    advise(f, "  initramfs-tools: echo %s >> /etc/initramfs-tools/modules; update-initramfs -u",
           mod);
}

static void collect_advice(struct fr_diag *f)
{
    bool iommu_blocks = fr_iommu_present(&f->io) && !f->io.bound;

    if (iommu_blocks) {
        if (f->iommu_module) {
            advise(f, "modprobe virtio_iommu   (the disks behind it should appear within a second)");
        } else {
            advise(f, "virtio_iommu is not in this initramfs, so it cannot be loaded here; boot "
                      "another kernel, or remove the VM's virtio-iommu (Incus: "
                      "security.iommu=false)");
        }
        rebuild_advice(f, "virtio_iommu");
    }

    int shown = 0;
    for (size_t i = 0; i < f->ndl; i++) {
        const struct fr_diag_driverless *d = &f->dl[i];
        /* A deferred device has its driver; it waits for something else. */
        if (!d->storage || d->deferred)
            continue;
        char first[128];
        if (strcmp(d->driver, "module") == 0 && shown < 8 &&
            first_loadable(f, d, first, sizeof(first))) {
            advise(f, "modprobe %s   (driver for %s %s)", first, d->bus, d->device);
            shown++;
        } else if (strcmp(d->driver, "builtin") == 0) {
            advise(f, "dmesg | grep %s   (its driver %s is built into the kernel but did not "
                      "take it)",
                   d->device, d->builtin);
        } else if (strcmp(d->driver, "none") == 0) {
            advise(f, "no driver for storage device %s %s (%s) in this initramfs: add its module",
                   d->bus, d->device, d->modalias);
        } else {
            advise(f, "no module for storage device %s %s (%s) in this initramfs: add its module "
                      "unless its driver is built into the kernel",
                   d->bus, d->device, d->modalias);
        }
    }
    if (f->ndef > 0 && !iommu_blocks)
        advise(f, "dmesg | grep -i defer   (devices are waiting for something: see why)");

    if (!f->spec) {
        advise(f, "no root= was given: boot with root=UUID=... or run: findroot wait UUID=...");
    } else if (f->match < 0) {
        for (size_t i = 0; i < f->nnm; i++) {
            const struct fr_diag_near *n = &f->nm[i];
            const char *field = n->field;
            if (strcmp(field, "name") == 0)
                advise(f, "check root= on the kernel command line: did you mean root=/dev/%s?",
                       n->value);
            else
                advise(f, "check root= on the kernel command line: did you mean root=%s=%s?",
                       field, n->value);
        }
        if (f->t->n == 0 && !iommu_blocks)
            advise(f, "no block device at all: the disk controller's driver is missing or "
                      "waiting (see the lists above)");
        advise(f, "findroot wait   (waits again for %s, loading drivers as devices appear)",
               f->spec_text);
    }
    advise(f, "findroot diagnose   (this report again, after any change)");
}

int fr_diagnose(const struct fr_roots *r, const struct fr_spec *spec, struct fr_modules *m,
                struct fr_devtab *t, bool json, FILE *out)
{
    struct fr_devtab own_t = {0};
    struct fr_modules *own_m = NULL;
    struct fr_diag *f;
    char buf[64];
    int ret = 0;

    if (!r || !out)
        return -EINVAL;
    f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->def = calloc(FR_DIAG_MAX_DEFERRED, sizeof(*f->def));
    f->dl = calloc(FR_DIAG_MAX_DRIVERLESS, sizeof(*f->dl));
    if (!f->def || !f->dl) {
        ret = -ENOMEM;
        goto out;
    }
    f->r = r;
    f->spec = spec;
    f->t = t ? t : &own_t;
    f->match = -1;
    if (spec)
        fr_spec_format(spec, f->spec_text, sizeof(f->spec_text));

    /* Lookups only: with module loading off there is still a modules dir
     * to ask what would have matched. */
    f->m = m;
    if (!f->m && fr_modules_new(r, true, &own_m) == 0)
        f->m = own_m;

    if (fr_builtin_read(r->modules, &f->bi) < 0) {
        ret = -ENOMEM;
        goto out;
    }
    fr_iommu_detect(r, &f->io);
    if (f->m)
        f->iommu_module = fr_modules_lookup(f->m, "virtio_iommu", buf, sizeof(buf)) > 0 ||
                          fr_modules_lookup(f->m, "virtio:d00000017v00001AF4", buf,
                                            sizeof(buf)) > 0;
    f->iommu_loaded = module_loaded(f, "virtio_iommu");
    collect_deferred(f);
    fr_foreach_driverless_device(r, collect_driverless_one, f);
    collect_blockdevs(f);
    if (spec) {
        f->match = fr_resolve_roots(f->t, spec, r, &f->nmatch);
        if (f->match < 0)
            collect_near_misses(f);
    }
    collect_advice(f);

    ret = json ? fr_diag_write_json(f, out) : fr_diag_write_text(f, out);
out:
    fr_modules_free(own_m);
    fr_devtab_free(&own_t);
    if (f) {
        fr_builtin_free(f->bi);
        free(f->def);
        free(f->dl);
        free(f);
    }
    return ret;
}

