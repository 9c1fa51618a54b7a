/* The plain report of a diagnosis, in words for the person at the emergency shell. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose_facts.h"
#include "log.h"

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

/* Whether name is in the comma-separated list. */
static bool in_list(const char *list, const char *name)
{
    char item[128];

    for (const char *p = list; *p;) {
        p = fr_diag_list_next(p, item, sizeof(item));
        if (strcmp(item, name) == 0)
            return true;
    }
    return false;
}

static void text_tag(FILE *out, const char *tag, const char *value)
{
    if (value && value[0])
        say(out, " %s=\"%s\"", tag, value);
}

/* The "driver:" lines of a device without a driver: which one matches and
 * whether it is built in, in this initramfs (and loaded), or nowhere. */
static void write_driver(const struct fr_diag *f, const struct fr_diag_driverless *d, FILE *out)
{
    for (const char *p = d->modules; *p;) {
        char name[128];
        p = fr_diag_list_next(p, name, sizeof(name));
        if (fr_builtin_is(f->bi, name)) {
            say(out, "      driver: %s, built into the kernel (present, not missing)\n", name);
            continue;
        }
        bool loaded = in_list(d->loaded, name);
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

int fr_diag_write_text(const struct fr_diag *f, FILE *out)
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
    for (size_t i = 0; i < f->ndl; i++) {
        const struct fr_diag_driverless *d = &f->dl[i];
        /* Many ACPI and platform devices never get a driver; only list
         * what a module could change or what storage may hang on. */
        if (f->m && d->nmodules == 0 && !d->storage && !d->deferred) {
            quiet++;
            continue;
        }
        shown++;
        say(out, "  %s %s  %s\n", d->bus[0] ? d->bus : "?", d->device, d->modalias);
        write_driver(f, d, out);
        if (d->waits_iommu)
            say(out, "      probe deferred: it waits for the IOMMU driver, virtio_iommu, which is "
                     "%s%s\n",
                f->iommu_loaded ? "loaded but not bound" : "not loaded",
                f->iommu_loaded     ? ""
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
        fr_diag_node(f, d, node, sizeof(node));
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
        fr_diag_node(f, &f->t->v[f->match], node, sizeof(node));
        say(out, "  %s is %s.\n", f->spec_text, node);
        if (f->nmatch > 1)
            say(out, "  warning: %d devices match (cloned disk?); this one is chosen.\n",
                    f->nmatch);
    } else {
        say(out, "  %s: no device matches.\n", f->spec_text);
        for (size_t i = 0; i < f->nnm; i++) {
            fr_diag_node(f, &f->t->v[f->nm[i].idx], node, sizeof(node));
            say(out, "  near miss: %s has %s=\"%s\": %s\n", node, f->nm[i].field,
                    f->nm[i].value, f->nm[i].note);
        }
    }

    say(out, "\nWhat to try next\n");
    for (size_t i = 0; i < f->nadvice; i++)
        say(out, "  %s\n", f->advice[i]);
    return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}

