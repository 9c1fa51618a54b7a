/* The report for the person at the emergency shell: IOMMU, deferred and
 * driverless devices, block devices, the root spec, and what to try next.
 *
 * JSON (--json) keys, stable; absent facts are null or empty, never left out:
 *   version            1
 *   kernel_release     string
 *   modules_dir        string
 *   modules_usable     bool: the modules dir could be read through libkmod
 *   builtin_modinfo    bool: modules_dir has modules.builtin.modinfo, so drivers
 *                      built into the kernel can be told apart
 *   root               {spec: string|null, kind: string|null, found: bool,
 *                       device: string|null, node: string|null, candidates: int,
 *                       near_misses: [{device, field, value, note}]}
 *   iommu              {present: bool, evidence: [ "acpi_viot" | "virtio_device" |
 *                       "pci_device" | "devicetree" ], virtio_device: string|null,
 *                       devicetree_iommu_map: string|null (the node whose iommu-map
 *                       points at the device tree's virtio-iommu, e.g. "pcie@10000000"),
 *                       driver_bound: bool, module_available: bool,
 *                       driver_module: "virtio_iommu"}
 *   deferred           {source: string, status: "ok" | "absent" | "not_mounted" |
 *                       "mount_denied" | "unreadable", error: string|null,
 *                       devices: [{device, reason}]}
 *   driverless         [{bus, device, modalias, deferred: bool, modules: [string],
 *                        builtin: [string], driver: string, waits_for: string|null}]
 *                      modules: every module matching modalias, each once, built-in
 *                      ones included; builtin: those built into the kernel; driver:
 *                      "module" (a module in modules_dir matches), "builtin" (a
 *                      built-in driver matches: by its alias, or inferred when the
 *                      probe was deferred and no module matches), "none" (neither),
 *                      "unknown" (no module matches; without modules.builtin.modinfo
 *                      or a usable modules dir built-in drivers cannot be told);
 *                      waits_for: "virtio_iommu" when the probe is deferred behind
 *                      a virtio-iommu whose driver is not bound
 *   block_devices      [{name, node, major, minor, partition, disk, probe, type, usage,
 *                        uuid, label, partuuid, partlabel}]   probe: "found" |
 *                       "nothing" | "ambivalent" | "no_node" (vanished: no node, or no
 *                       device behind it) | "error" | "not_probed"
 *   advice             [string]: the "What to try next" lines
 */
#include "diagnose.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "coldplug.h"
#include "iommu.h"
#include "json.h"
#include "log.h"
#include "resolve.h"
#include "sysfs.h"

/* Bounds: a report must stay readable and its memory small. */
#define MAX_DEFERRED 128
#define MAX_DRIVERLESS 128
#define MAX_NEAR 16
#define MAX_ADVICE 24
#define DEFERRED_READ_MAX 65536

struct deferred {
    char device[128];
    char reason[256];
};

struct driverless {
    char bus[64];
    char device[128];
    char modalias[512];
    char modules[512]; /* comma-separated, each once, "" when none */
    int nmodules;
    char builtin[256];  /* those of modules built into the kernel */
    int nbuiltin;
    const char *driver; /* "module", "builtin", "none", "unknown" */
    char reason[256];   /* the deferral's, "" when none given */
    bool deferred; /* also in devices_deferred: a driver matched and waits */
    bool waits_iommu; /* deferred behind an unbound virtio-iommu */
};

struct near_miss {
    size_t idx;
    const char *field;
    char value[256];
    char note[256];
};

struct facts {
    const struct fr_roots *r;
    const struct fr_spec *spec;
    char spec_text[FR_SPEC_VALUE_MAX + 32];
    struct fr_modules *m; /* NULL when the modules dir is unusable */
    struct fr_builtin *bi; /* NULL only without memory */

    struct fr_iommu io;
    bool iommu_module;

    char deferred_path[PATH_MAX];
    const char *deferred_status;
    int deferred_err;
    struct deferred *def;
    size_t ndef, def_dropped;

    struct driverless *dl;
    size_t ndl, dl_dropped;

    struct fr_devtab *t;
    int match, nmatch;
    struct near_miss nm[MAX_NEAR];
    size_t nnm;

    char advice[MAX_ADVICE][512];
    size_t nadvice;
};

static void trim(char *s)
{
    size_t len = strlen(s), start = 0;

    while (len > 0 && isspace((unsigned char)s[len - 1]))
        s[--len] = '\0';
    while (s[start] && isspace((unsigned char)s[start]))
        start++;
    memmove(s, s + start, len - start + 1);
}

/* Copies what fits; src is always NUL-terminated. */
static void copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);

    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The next name of a comma-separated list into name; returns what follows. */
static const char *list_next(const char *p, char *name, size_t size)
{
    size_t n = strcspn(p, ",");

    copy(name, n < size ? n + 1 : size, p);
    return p + n + (p[n] == ',');
}

__attribute__((format(printf, 2, 3))) static void advise(struct facts *f, const char *fmt, ...)
{
    va_list ap;

    if (f->nadvice >= MAX_ADVICE)
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

static void parse_deferred(struct facts *f, char *text)
{
    char *line, *next;

    for (line = text; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        /* "0000:00:02.0\t<reason>"; older kernels print the name only. */
        char *tab = strchr(line, '\t');
        if (tab)
            *tab++ = '\0';
        trim(line);
        if (!line[0])
            continue;
        if (f->ndef >= MAX_DEFERRED) {
            f->def_dropped++;
            continue;
        }
        struct deferred *d = &f->def[f->ndef++];
        copy(d->device, sizeof(d->device), line);
        copy(d->reason, sizeof(d->reason), tab ? tab : "");
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

static int read_deferred_file(struct facts *f)
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

static void collect_deferred(struct facts *f)
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

/* Deferred behind the virtio-iommu: PCI functions and platform devices are
 * what it translates for; the kernel gives no reason for that wait (or
 * names the IOMMU). */
static bool behind_unbound_iommu(const struct facts *f, const struct driverless *d)
{
    if (!d->deferred || !fr_iommu_present(&f->io) || f->io.bound)
        return false;
    if (strcmp(d->bus, "pci") != 0 && strcmp(d->bus, "platform") != 0)
        return false;
    return !d->reason[0] || strcasestr(d->reason, "iommu") != NULL;
}

/* Which drivers match d: modules (each once: libkmod reports a module once
 * per matching alias), the built-in ones among them, and what that says. */
static void match_drivers(struct facts *f, struct driverless *d)
{
    char found[sizeof(d->modules)] = "", name[128];
    bool looked = false;

    if (f->m) {
        looked = fr_modules_lookup(f->m, d->modalias, found, sizeof(found)) >= 0;
        for (const char *p = found; *p;) {
            p = list_next(p, name, sizeof(name));
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
        p = list_next(p, name, sizeof(name));
        d->nmodules++;
        if (fr_builtin_is(f->bi, name))
            d->nbuiltin += fr_name_list_add(d->builtin, sizeof(d->builtin), name);
        else
            loadable++;
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

static int collect_driverless_one(const char *syspath, const char *modalias, const char *driver,
                                  void *data)
{
    struct facts *f = data;
    const char *name, *p;
    struct driverless *d;

    if (driver[0])
        return 0;
    if (f->ndl >= MAX_DRIVERLESS) {
        f->dl_dropped++;
        return 0;
    }
    d = &f->dl[f->ndl++];
    memset(d, 0, sizeof(*d));
    /* syspath is <sys>/bus/<bus>/devices/<name>. */
    name = strrchr(syspath, '/');
    copy(d->device, sizeof(d->device), name ? name + 1 : syspath);
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
    copy(d->modalias, sizeof(d->modalias), modalias);
    for (size_t i = 0; i < f->ndef; i++)
        if (strcmp(f->def[i].device, d->device) == 0) {
            d->deferred = true;
            copy(d->reason, sizeof(d->reason), f->def[i].reason);
        }
    match_drivers(f, d);
    return 0;
}

/* Storage the root may sit behind: virtio block/SCSI, PCI class 01. */
static bool storage_like(const struct driverless *d)
{
    return strncmp(d->modalias, "virtio:d00000002v", 17) == 0 ||
           strncmp(d->modalias, "virtio:d00000008v", 17) == 0 ||
           (strncmp(d->modalias, "pci:", 4) == 0 && strstr(d->modalias, "bc01sc"));
}

/* ---- block devices and the spec -------------------------------------- */

static void collect_blockdevs(struct facts *f)
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

static void near(struct facts *f, size_t idx, const char *field, const char *value,
                 const char *note)
{
    if (f->nnm >= MAX_NEAR)
        return;
    struct near_miss *n = &f->nm[f->nnm++];
    n->idx = idx;
    n->field = field;
    copy(n->value, sizeof(n->value), value);
    copy(n->note, sizeof(n->note), note);
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

static void collect_near_misses(struct facts *f)
{
    const struct fr_spec *s = f->spec;
    const char *want = s->value;

    for (size_t i = 0; i < f->t->n; i++) {
        const struct fr_blockdev *d = &f->t->v[i];
        if (d->removed)
            continue;
        switch (s->kind) {
        case FR_SPEC_UUID:
            if (loosely_equal(d->probe.uuid, want, true))
                near(f, i, "UUID", d->probe.uuid, "the same UUID written differently (case or dashes)");
            if (loosely_equal(d->probe.partuuid, want, true))
                near(f, i, "PARTUUID", d->probe.partuuid,
                     "this is a partition UUID, not a filesystem UUID: use root=PARTUUID=");
            break;
        case FR_SPEC_PARTUUID:
            if (loosely_equal(d->probe.partuuid, want, true))
                near(f, i, "PARTUUID", d->probe.partuuid,
                     "the same partition UUID written differently (case or dashes)");
            if (loosely_equal(d->probe.uuid, want, true))
                near(f, i, "UUID", d->probe.uuid,
                     "this is a filesystem UUID, not a partition UUID: use root=UUID=");
            break;
        case FR_SPEC_LABEL:
            if (loosely_equal(d->probe.label, want, false))
                near(f, i, "LABEL", d->probe.label,
                     "a label differing only in letter case or surrounding blanks");
            if (loosely_equal(d->probe.partlabel, want, false))
                near(f, i, "PARTLABEL", d->probe.partlabel,
                     "this is a partition label, not a filesystem label: use root=PARTLABEL=");
            break;
        case FR_SPEC_PARTLABEL:
            if (loosely_equal(d->probe.partlabel, want, false))
                near(f, i, "PARTLABEL", d->probe.partlabel,
                     "a partition label differing only in letter case or surrounding blanks");
            if (loosely_equal(d->probe.label, want, false))
                near(f, i, "LABEL", d->probe.label,
                     "this is a filesystem label, not a partition label: use root=LABEL=");
            break;
        case FR_SPEC_PATH: {
            const char *a = disk_suffix(want), *b = disk_suffix(d->devname);
            if (a && b && a[0] && strcmp(a, b) == 0)
                near(f, i, "name", d->devname,
                     "the same disk and partition under another driver's name");
            break;
        }
        default:
            break;
        }
    }
}

/* ---- advice ---------------------------------------------------------- */

/* The first of d's modules that is not built in: the one to modprobe. */
static bool first_loadable(const struct facts *f, const struct driverless *d, char *buf,
                           size_t size)
{
    for (const char *p = d->modules; *p;) {
        p = list_next(p, buf, size);
        if (!fr_builtin_is(f->bi, buf))
            return true;
    }
    return false;
}

static void rebuild_advice(struct facts *f, const char *mod)
{
    advise(f, "so that the next boot works, put %s into the initramfs:", mod);
    advise(f, "  dracut:          dracut -f --add-drivers %s", mod);
    advise(f, "  mkinitcpio:      MODULES=(%s) in /etc/mkinitcpio.conf, then mkinitcpio -P", mod);
    advise(f, "  initramfs-tools: echo %s >> /etc/initramfs-tools/modules; update-initramfs -u",
           mod);
}

static void collect_advice(struct facts *f)
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
        const struct driverless *d = &f->dl[i];
        /* A deferred device has its driver; it waits for something else. */
        if (!storage_like(d) || d->deferred)
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
            const struct near_miss *n = &f->nm[i];
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

/* ---- output ---------------------------------------------------------- */

/* The JSON "probe" word; a vanished device is "no_node". */
static const char *probe_word(const struct fr_blockdev *d)
{
    if (!d->probe.done)
        return "not_probed";
    switch (d->probe.rc) {
    case FR_PROBE_OK: return "found";
    case FR_PROBE_NOTHING: return "nothing";
    case FR_PROBE_AMBIVALENT: return "ambivalent";
    case FR_PROBE_GONE: return "no_node";
    case FR_PROBE_ERROR: break;
    }
    return "error";
}

static void node_of(const struct facts *f, const struct fr_blockdev *d, char *buf, size_t size)
{
    if (fr_devnode_path(f->r, d, buf, size) < 0)
        copy(buf, size, d->devname);
}

/* Every piece of the plain report is written through here: labels, serials,
 * modaliases, the spec and paths come from disks, sysfs and the command
 * line, and a control byte in one must neither break a line nor reach the
 * terminal raw. The result is escaped as log lines are (\xHH), except for
 * the newlines that begin and end fmt itself. */
__attribute__((format(printf, 2, 3))) static void say(FILE *out, const char *fmt, ...)
{
    char small[512], small_esc[4 * sizeof(small)], *line = small, *esc = small_esc;
    size_t len, lead, trail, flen = strlen(fmt);
    bool cut = false;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    len = (size_t)n;
    if (len >= sizeof(small)) {
        line = malloc(len + 1);
        esc = malloc(4 * len + 1);
        if (line && esc) {
            va_start(ap, fmt);
            vsnprintf(line, len + 1, fmt, ap);
            va_end(ap);
        } else {
            /* No memory: the line cut short, fmt's final newline with it. */
            free(line);
            free(esc);
            line = small;
            esc = small_esc;
            len = sizeof(small) - 1;
            cut = true;
        }
    }
    lead = strspn(fmt, "\n");
    if (lead > len)
        lead = len;
    trail = flen > lead && fmt[flen - 1] == '\n';
    if (trail && !cut && len > lead)
        line[--len] = '\0';
    /* 4 * len + 1: what any len bytes need escaped; esc holds that. */
    fr_log_escape(line + lead, esc, 4 * len + 1);
    for (size_t i = 0; i < lead; i++)
        fputc('\n', out);
    fputs(esc, out);
    if (trail)
        fputc('\n', out);
    if (line != small) {
        free(line);
        free(esc);
    }
}

static void text_tag(FILE *out, const char *tag, const char *value)
{
    if (value && value[0])
        say(out, " %s=\"%s\"", tag, value);
}

/* The "driver:" lines of a device without a driver: which one matches and
 * whether it is built in, in this initramfs (and loaded), or nowhere. */
static void write_driver(const struct facts *f, const struct driverless *d, FILE *out)
{
    char path[PATH_MAX];

    for (const char *p = d->modules; *p;) {
        char name[128];
        p = list_next(p, name, sizeof(name));
        if (fr_builtin_is(f->bi, name)) {
            say(out, "      driver: %s, built into the kernel (present, not missing)\n", name);
            continue;
        }
        bool loaded = fr_path(path, sizeof(path), f->r->sys, "module/%s", name) == 0 &&
                      fr_exists(path);
        say(out, "      driver: %s, a module in this initramfs, %s\n", name,
            loaded ? "loaded" : "not loaded");
    }
    if (d->nmodules > 0)
        return;
    if (d->deferred)
        say(out, "      driver: built into the kernel (one matched it, as its probe was "
                 "deferred, and no module in this initramfs does)\n");
    else if (strcmp(d->driver, "none") == 0)
        say(out, "      no driver: no module in this initramfs matches it, and no driver built "
                 "into the kernel took it\n");
    else if (!f->m)
        say(out, "      modules cannot be looked up (%s unusable)\n", f->r->modules);
    else
        say(out, "      no module in this initramfs matches it; whether a driver built into the "
                 "kernel does cannot be told (no modules.builtin.modinfo in %s)\n",
            f->r->modules);
}

static void write_text(const struct facts *f, FILE *out)
{
    const struct fr_iommu *io = &f->io;
    char node[PATH_MAX];

    say(out, "findroot diagnosis\n");
    say(out, "  kernel:       %s\n", f->r->release[0] ? f->r->release : "(unknown)");
    say(out, "  root wanted:  %s\n",
            f->spec ? f->spec_text : "(none: no root= on the kernel command line)");
    say(out, "  modules dir:  %s%s\n", f->r->modules,
            f->m ? "" : "  (missing or unusable: no module can be loaded)");

    say(out, "\nIOMMU\n");
    if (!fr_iommu_present(io)) {
        say(out, "  no virtio-iommu found: nothing is held back by one.\n");
    } else {
        const char *sep = "";
        say(out, "  virtio-iommu found: ");
        if (io->viot) {
            say(out, "%sACPI VIOT table", sep);
            sep = ", ";
        }
        if (io->virtio_device) {
            say(out, "%svirtio device %s", sep, io->virtio_name);
            sep = ", ";
        }
        if (io->pci_device) {
            say(out, "%sPCI device 1af4:1057", sep);
            sep = ", ";
        }
        if (io->devicetree)
            say(out, "%sdevice tree node \"virtio,pci-iommu\"%s%s%s%s%s", sep,
                    io->dt_iommu_map ? " (" : "", io->dt_prop, io->dt_iommu_map ? " on " : "",
                    io->dt_user, io->dt_iommu_map ? ")" : "");
        say(out, "\n");
        if (io->bound)
            say(out, "  its driver is bound: devices behind it can probe.\n");
        else
            say(out, "  its driver, virtio_iommu, is not bound: until it is, the kernel holds "
                     "back every device behind the IOMMU, disk controllers included "
                     "(modprobe virtio_iommu)\n");
        say(out, "  virtio_iommu in %s: %s\n", f->r->modules,
                f->iommu_module ? "yes"
                                : "NO: this initramfs cannot load it; it must be added");
    }

    say(out, "\nDeferred devices (%s)\n", f->deferred_path);
    if (strcmp(f->deferred_status, "ok") == 0) {
        if (f->ndef == 0)
            say(out, "  none: no device is waiting for a dependency.\n");
        else
            say(out, "  the kernel put off starting these: a driver matched each, but something "
                     "it needs is not ready\n");
        for (size_t i = 0; i < f->ndef; i++)
            say(out, "  %s: %s\n", f->def[i].device,
                    f->def[i].reason[0] ? f->def[i].reason : "(no reason given)");
        if (f->def_dropped)
            say(out, "  ... and %zu more\n", f->def_dropped);
    } else if (strcmp(f->deferred_status, "mount_denied") == 0) {
        say(out, "  unknown: debugfs is not mounted and mounting it is not allowed (%s).\n",
                strerror(f->deferred_err));
    } else if (strcmp(f->deferred_status, "not_mounted") == 0) {
        say(out, "  unknown: debugfs is not mounted and could not be mounted (%s).\n",
                strerror(f->deferred_err));
    } else if (strcmp(f->deferred_status, "unreadable") == 0) {
        say(out, "  unknown: the list cannot be read (%s; kernel lockdown?).\n",
                strerror(f->deferred_err));
    } else {
        say(out, "  unknown: the kernel does not offer the list here (no debugfs).\n");
    }

    say(out, "\nDevices without a driver\n");
    size_t quiet = 0, shown = 0;
    bool iommu_loaded = fr_path(node, sizeof(node), f->r->sys, "module/virtio_iommu") == 0 &&
                        fr_exists(node);
    for (size_t i = 0; i < f->ndl; i++) {
        const struct driverless *d = &f->dl[i];
        /* Many ACPI and platform devices never get a driver; only list
         * what a module could change or what storage may hang on. */
        if (f->m && d->nmodules == 0 && !storage_like(d) && !d->deferred) {
            quiet++;
            continue;
        }
        shown++;
        say(out, "  %s %s  %s\n", d->bus[0] ? d->bus : "?", d->device, d->modalias);
        write_driver(f, d, out);
        if (d->waits_iommu)
            say(out, "      probe deferred: it waits for the IOMMU driver, virtio_iommu, which is "
                     "%s%s\n",
                iommu_loaded ? "loaded but not bound" : "not loaded",
                iommu_loaded        ? ""
                : f->iommu_module ? " (it is in this initramfs: modprobe virtio_iommu)"
                                  : "; virtio_iommu is NOT in this initramfs");
        else if (d->deferred)
            say(out, "      probe deferred: a driver matched it but waits for a dependency\n");
    }
    if (shown == 0 && quiet == 0)
        say(out, "  none.\n");
    if (quiet)
        say(out, "  %s%zu other device(s) with neither a driver nor a module (usually "
                     "harmless: ACPI, platform)\n", shown ? "and " : "", quiet);
    if (f->dl_dropped)
        say(out, "  ... and %zu more not examined\n", f->dl_dropped);

    say(out, "\nBlock devices\n");
    if (f->t->n == 0)
        say(out, "  none: the kernel has registered no disk.\n");
    for (size_t i = 0; i < f->t->n; i++) {
        const struct fr_blockdev *d = &f->t->v[i];
        node_of(f, d, node, sizeof(node));
        say(out, "  %s  %u:%u", node, d->major, d->minor);
        if (d->partition)
            say(out, "  partition %d of %s", d->partn, d->disk);
        if (d->removed)
            say(out, "  (removed)");
        text_tag(out, "TYPE", d->probe.type);
        text_tag(out, "UUID", d->probe.uuid);
        text_tag(out, "LABEL", d->probe.label);
        text_tag(out, "PARTUUID", d->probe.partuuid);
        text_tag(out, "PARTLABEL", d->probe.partlabel);
        char why[128];
        if (d->probe.done && d->probe.rc == FR_PROBE_NOTHING && !d->probe.pttype[0])
            say(out, "  (nothing recognised on it)");
        else if (d->probe.done && d->probe.rc == FR_PROBE_AMBIVALENT)
            say(out, "  (%s: no UUID is trusted)", fr_probe_describe(d, why, sizeof(why)));
        else if (d->probe.done && d->probe.rc < 0)
            say(out, "  (%s)", fr_probe_describe(d, why, sizeof(why)));
        say(out, "\n");
    }

    say(out, "\nRoot device\n");
    if (!f->spec) {
        say(out, "  no root= given.\n");
    } else if (f->match >= 0) {
        node_of(f, &f->t->v[f->match], node, sizeof(node));
        say(out, "  %s is %s.\n", f->spec_text, node);
        if (f->nmatch > 1)
            say(out, "  warning: %d devices match (cloned disk?); this one is chosen.\n",
                    f->nmatch);
    } else {
        say(out, "  %s: no device matches.\n", f->spec_text);
        for (size_t i = 0; i < f->nnm; i++) {
            node_of(f, &f->t->v[f->nm[i].idx], node, sizeof(node));
            say(out, "  near miss: %s has %s=\"%s\": %s\n", node, f->nm[i].field,
                    f->nm[i].value, f->nm[i].note);
        }
    }

    say(out, "\nWhat to try next\n");
    for (size_t i = 0; i < f->nadvice; i++)
        say(out, "  %s\n", f->advice[i]);
}

static void json_str_or_null(struct fr_json *j, const char *key, const char *v)
{
    fr_json_string(j, key, v && v[0] ? v : NULL);
}

/* A comma-separated list as an array of strings. */
static void json_name_list(struct fr_json *j, const char *key, const char *list)
{
    char buf[512], *save = NULL;

    fr_json_begin_array(j, key);
    copy(buf, sizeof(buf), list);
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        fr_json_string(j, NULL, tok);
    fr_json_end_array(j);
}

static int write_json(const struct facts *f, FILE *out)
{
    const struct fr_iommu *io = &f->io;
    struct fr_json j;
    char node[PATH_MAX];

    fr_json_init(&j, out);
    fr_json_begin_object(&j, NULL);
    fr_json_int(&j, "version", 1);
    fr_json_string(&j, "kernel_release", f->r->release);
    fr_json_string(&j, "modules_dir", f->r->modules);
    fr_json_bool(&j, "modules_usable", f->m != NULL);
    fr_json_bool(&j, "builtin_modinfo", fr_builtin_has_modinfo(f->bi));

    fr_json_begin_object(&j, "root");
    fr_json_string(&j, "spec", f->spec ? f->spec_text : NULL);
    fr_json_string(&j, "kind", f->spec ? fr_spec_kind_name(f->spec->kind) : NULL);
    fr_json_bool(&j, "found", f->spec && f->match >= 0);
    if (f->spec && f->match >= 0) {
        node_of(f, &f->t->v[f->match], node, sizeof(node));
        fr_json_string(&j, "device", f->t->v[f->match].name);
        fr_json_string(&j, "node", node);
    } else {
        fr_json_null(&j, "device");
        fr_json_null(&j, "node");
    }
    fr_json_int(&j, "candidates", f->spec ? f->nmatch : 0);
    fr_json_begin_array(&j, "near_misses");
    for (size_t i = 0; i < f->nnm; i++) {
        fr_json_begin_object(&j, NULL);
        fr_json_string(&j, "device", f->t->v[f->nm[i].idx].name);
        fr_json_string(&j, "field", f->nm[i].field);
        fr_json_string(&j, "value", f->nm[i].value);
        fr_json_string(&j, "note", f->nm[i].note);
        fr_json_end_object(&j);
    }
    fr_json_end_array(&j);
    fr_json_end_object(&j);

    fr_json_begin_object(&j, "iommu");
    fr_json_bool(&j, "present", fr_iommu_present(io));
    fr_json_begin_array(&j, "evidence");
    if (io->viot)
        fr_json_string(&j, NULL, "acpi_viot");
    if (io->virtio_device)
        fr_json_string(&j, NULL, "virtio_device");
    if (io->pci_device)
        fr_json_string(&j, NULL, "pci_device");
    if (io->devicetree)
        fr_json_string(&j, NULL, "devicetree");
    fr_json_end_array(&j);
    json_str_or_null(&j, "virtio_device", io->virtio_name);
    json_str_or_null(&j, "devicetree_iommu_map",
                     strcmp(io->dt_prop, "iommu-map") == 0 ? io->dt_user : NULL);
    fr_json_bool(&j, "driver_bound", io->bound);
    fr_json_bool(&j, "module_available", f->iommu_module);
    fr_json_string(&j, "driver_module", "virtio_iommu");
    fr_json_end_object(&j);

    fr_json_begin_object(&j, "deferred");
    fr_json_string(&j, "source", f->deferred_path);
    fr_json_string(&j, "status", f->deferred_status);
    fr_json_string(&j, "error", f->deferred_err ? strerror(f->deferred_err) : NULL);
    fr_json_begin_array(&j, "devices");
    for (size_t i = 0; i < f->ndef; i++) {
        fr_json_begin_object(&j, NULL);
        fr_json_string(&j, "device", f->def[i].device);
        fr_json_string(&j, "reason", f->def[i].reason);
        fr_json_end_object(&j);
    }
    fr_json_end_array(&j);
    fr_json_end_object(&j);

    fr_json_begin_array(&j, "driverless");
    for (size_t i = 0; i < f->ndl; i++) {
        const struct driverless *d = &f->dl[i];
        fr_json_begin_object(&j, NULL);
        fr_json_string(&j, "bus", d->bus);
        fr_json_string(&j, "device", d->device);
        fr_json_string(&j, "modalias", d->modalias);
        fr_json_bool(&j, "deferred", d->deferred);
        json_name_list(&j, "modules", d->modules);
        json_name_list(&j, "builtin", d->builtin);
        fr_json_string(&j, "driver", d->driver);
        fr_json_string(&j, "waits_for", d->waits_iommu ? "virtio_iommu" : NULL);
        fr_json_end_object(&j);
    }
    fr_json_end_array(&j);

    fr_json_begin_array(&j, "block_devices");
    for (size_t i = 0; i < f->t->n; i++) {
        const struct fr_blockdev *d = &f->t->v[i];
        node_of(f, d, node, sizeof(node));
        fr_json_begin_object(&j, NULL);
        fr_json_string(&j, "name", d->name);
        fr_json_string(&j, "node", node);
        fr_json_int(&j, "major", d->major);
        fr_json_int(&j, "minor", d->minor);
        fr_json_bool(&j, "partition", d->partition);
        fr_json_string(&j, "disk", d->disk);
        fr_json_string(&j, "probe", probe_word(d));
        json_str_or_null(&j, "type", d->probe.type);
        json_str_or_null(&j, "usage", d->probe.usage);
        json_str_or_null(&j, "uuid", d->probe.uuid);
        json_str_or_null(&j, "label", d->probe.label);
        json_str_or_null(&j, "partuuid", d->probe.partuuid);
        json_str_or_null(&j, "partlabel", d->probe.partlabel);
        fr_json_end_object(&j);
    }
    fr_json_end_array(&j);

    fr_json_begin_array(&j, "advice");
    for (size_t i = 0; i < f->nadvice; i++)
        fr_json_string(&j, NULL, f->advice[i]);
    fr_json_end_array(&j);
    fr_json_end_object(&j);
    return fr_json_finish(&j);
}

int fr_diagnose(const struct fr_roots *r, const struct fr_spec *spec, struct fr_modules *m,
                struct fr_devtab *t, bool json, FILE *out)
{
    struct fr_devtab own_t = {0};
    struct fr_modules *own_m = NULL;
    struct facts *f;
    char buf[64];
    int ret = 0;

    if (!r || !out)
        return -EINVAL;
    f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->def = calloc(MAX_DEFERRED, sizeof(*f->def));
    f->dl = calloc(MAX_DRIVERLESS, sizeof(*f->dl));
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
    collect_deferred(f);
    fr_foreach_modalias_device(r, collect_driverless_one, f);
    collect_blockdevs(f);
    if (spec) {
        f->match = fr_resolve_roots(f->t, spec, r, &f->nmatch);
        if (f->match < 0)
            collect_near_misses(f);
    }
    collect_advice(f);

    if (json) {
        ret = write_json(f, out);
    } else {
        write_text(f, out);
        ret = fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
    }
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
