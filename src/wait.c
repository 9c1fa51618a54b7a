/* The wait loop: load the IOMMU driver first, coldplug, then follow
 * uevents until the root spec matches or the hard deadline passes. */
#include <errno.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "coldplug.h"
#include "iommu.h"
#include "links.h"
#include "loadq.h"
#include "log.h"
#include "resolve.h"
#include "sysfs.h"
#include "util.h"
#include "uevent.h"
#include "wait.h"

/* A safety net only: events drive the normal path. If a uevent was lost
 * (socket overflow we did not see, a device that raced the first scan)
 * this sweep still finds the device. */
#define SWEEP_INTERVAL 5.0
/* The first coldplug loads the drivers of the devices that are disks or
 * hold them (FR_PRIO_DISKS: a virtio block or SCSI device, a SCSI disk)
 * first when there are such, and holds the other devices (the PCI
 * controllers, ahci on every q35 machine) back until those loads are
 * through, the SCSI disks found by them included, or for at most this
 * long. Their disks are announced before the insertion returns. Loading
 * both at once costs more than the CPU a one-vCPU guest has to share: a
 * module's insertion returns only when all asynchronous work in the kernel
 * is done (async_synchronize_full), so libata's port probing behind ahci
 * would hold back virtio_scsi's and sd_mod's. */
#define HOLD_MAX 2.0
/* Whole disks waiting for their probe until the uevents queued with them
 * are handled (see drain()). */
#define PENDING_MAX 32
/* Module loads at once (fr_wait_opts.jobs when 0). Under emulation with
 * one CPU most of a storage driver's probe is waiting for the device, so
 * a few workers help even there; udevd defaults to 8 + 2 * CPUs. */
#define JOBS_DEFAULT 4
/* Poll slots for the workers' pipes. */
#define JOBS_MAX 16

static double now(void)
{
    return fr_monotonic();
}

struct waiter {
    const struct fr_roots *r;
    const struct fr_spec *spec;
    const struct fr_wait_opts *o;
    struct fr_modules *m;
    struct fr_devtab *t;
    double start, deadline;
    struct fr_monitor *mon;
    pid_t rescan_pid;
    int found;         /* index of root in t, -1 until it matched */
    bool rescanned;
    bool iommu_loaded;
    bool async;        /* modules load in workers (fr_modules_async()) */
    bool need_sweep;   /* events were lost */
    bool held;         /* the first coldplug left devices for later */
    size_t npending;
    char pending[PENDING_MAX][NAME_MAX + 1];
};

static bool loading(const struct waiter *w)
{
    return w->o->load_modules && w->m;
}

/* The virtio-iommu device's modalias: its driver loads alone. */
static bool iommu_alias(const char *alias)
{
    return strncmp(alias, "virtio:d00000017v", 17) == 0;
}

/* Queue alias's modules (or load them now, when not async). */
static void load(struct waiter *w, const char *alias)
{
    if (loading(w))
        (void)fr_modules_submit(w->m, alias,
                                iommu_alias(alias) ? FR_LOADQ_ALONE : fr_modalias_priority(alias));
}

/* The virtio-iommu must bind before anything behind it probes, so it goes
 * first, by name, whatever evidence we saw. */
static bool load_iommu(struct waiter *w)
{
    struct fr_iommu io;

    if (w->iommu_loaded || fr_iommu_detect_first(w->r, &io) < 0 || !fr_iommu_present(&io))
        return false;
    w->iommu_loaded = true;
    if (io.bound) {
        log_debug("virtio-iommu driver already bound");
        return false;
    }
    char seen[96] = "";
    const char *what[] = {io.viot ? "ACPI VIOT" : NULL, io.virtio_device ? "virtio device" : NULL,
                          io.pci_device ? "PCI 1af4:1057" : NULL,
                          io.devicetree ? "device tree" : NULL};
    for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++)
        if (what[i])
            snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%s",
                     seen[0] ? ", " : "", what[i]);
    log_info("virtio-iommu found (%s), loading virtio_iommu", seen);
    if (!loading(w))
        return false;
    /* Nothing else is loading before the first sweep; should the IOMMU be
     * seen only later, its driver waits for the running loads instead. */
    if (fr_modules_busy(w->m)) {
        (void)fr_modules_submit(w->m, "virtio_iommu", FR_LOADQ_ALONE);
        return false;
    }
    if (fr_modules_load(w->m, "virtio_iommu") > 0)
        return true;
    /* Not found at all (a missing or broken modules.dep): the one module
     * that matters most must not go missing at debug level only. */
    char mods[64];
    if (fr_modules_lookup(w->m, "virtio_iommu", mods, sizeof(mods)) <= 0)
        log_warning("virtio-iommu found (%s), but no virtio_iommu module in %s: "
                    "storage behind it stays deferred",
                    seen, w->r->modules);
    return false;
}

/* later: a whole disk may wait for the end of the current batch of uevents
 * (probe_pending()). */
static void add_block(struct waiter *w, const char *name, bool later)
{
    if (!fr_name_valid(name))
        return;
    int idx = fr_devices_refresh_one(w->t, w->r, name, !later);
    if (idx < 0 || !later)
        return;
    if (!w->t->v[idx].partition && w->npending < PENDING_MAX) {
        for (size_t i = 0; i < w->npending; i++)
            if (strcmp(w->pending[i], name) == 0)
                return;
        snprintf(w->pending[w->npending++], NAME_MAX + 1, "%s", name);
        return;
    }
    fr_probe(w->t, (size_t)idx, w->r);
}

static bool resolved(struct waiter *w)
{
    int nmatch;

    if (w->found < 0)
        w->found = fr_resolve_roots(w->t, w->spec, w->r, &nmatch);
    return w->found >= 0;
}

/* Probe the whole disks whose uevents came in the batch just handled,
 * unless root is already found on one of their partitions. */
static void probe_pending(struct waiter *w)
{
    size_t n = w->npending;

    w->npending = 0;
    for (size_t i = 0; i < n && !resolved(w) && !fr_deadline_passed(); i++) {
        int idx = fr_devtab_find(w->t, w->pending[i]);
        if (idx >= 0 && !w->t->v[idx].removed)
            fr_probe(w->t, (size_t)idx, w->r);
    }
}

static void handle_event(struct waiter *w, const struct fr_uevent *ev);

/* Handle what is queued on the monitor, without blocking. A disk's add
 * uevent comes with those of its partitions (the kernel announces them
 * together once it read the table): the partitions are probed first and
 * the disk itself only if root is not among them. The table entries
 * (PARTUUID, PARTLABEL) do not need the disk's probe; a filesystem on the
 * whole of a partitioned disk is rare. */
static void drain(struct waiter *w)
{
    if (!w->mon)
        return;
    for (int i = 0; i < 256 && !fr_deadline_passed(); i++) {
        struct fr_uevent ev;
        int k = fr_monitor_read(w->mon, &ev);
        if (k == -ENOBUFS) {
            w->need_sweep = true;
            continue;
        }
        if (k <= 0)
            break;
        handle_event(w, &ev);
    }
    probe_pending(w);
}

/* Between two module insertions of a sequential coldplug: the disk may be
 * there. */
static bool coldplug_done(void *data)
{
    struct waiter *w = data;

    drain(w);
    return resolved(w);
}

/* Probe the block devices sysfs lists that are new, or whose probe failed
 * (a disk that was not readable yet); known good ones are left alone. */
static void scan_block(struct waiter *w)
{
    char dir[PATH_MAX];
    if (fr_path(dir, sizeof(dir), w->r->sys, "class/block") < 0)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) && !fr_deadline_passed()) {
        if (de->d_name[0] == '.')
            continue;
        int idx = fr_devtab_find(w->t, de->d_name);
        if (idx < 0 || w->t->v[idx].removed || !w->t->v[idx].probe.done ||
            w->t->v[idx].probe.rc < 0)
            add_block(w, de->d_name, false);
    }
    closedir(d);
}

/* Disks first: where udev (or an earlier findroot) already did the work,
 * root is there and nothing needs loading. first: the first sweep, which
 * may hold devices back (HOLD_MAX). */
static void sweep(struct waiter *w, bool first)
{
    w->need_sweep = false;
    w->held = false;
    scan_block(w);
    if (resolved(w) || !loading(w))
        return;
    if (!w->async)
        fr_coldplug_until(w->r, w->m, coldplug_done, w);
    else if (first && fr_modules_busy_upto(w->m, FR_PRIO_DISKS) > 0)
        w->held = true; /* the uevents brought them: the rest waits as well */
    else
        (void)fr_coldplug_submit(w->r, w->m, first ? FR_PRIO_DISKS : -1, &w->held);
    if (w->held)
        log_debug("coldplug: the disks' drivers first, the other devices after them");
    if (!resolved(w))
        scan_block(w);
}

static void handle_event(struct waiter *w, const struct fr_uevent *ev)
{
    const char *name = strrchr(ev->devpath, '/');
    name = name ? name + 1 : ev->devpath;

    if (ev->modalias[0] && strcmp(ev->action, "add") == 0) {
        if (iommu_alias(ev->modalias))
            log_info("virtio-iommu device %s appeared", name);
        load(w, ev->modalias);
    }
    if (strcmp(ev->subsystem, "block") != 0)
        return;
    if (strcmp(ev->action, "remove") == 0) {
        fr_devtab_remove(w->t, name);
        return;
    }
    if (strcmp(ev->action, "add") == 0 || strcmp(ev->action, "change") == 0) {
        log_debug("uevent %s %s", ev->action, name);
        add_block(w, name, true);
    }
}

/* A PCI function without a driver may be one the kernel gave up on; a
 * rescan is cheap and is tried once. */
static bool pci_unbound(const struct fr_roots *r)
{
    char dir[PATH_MAX], p[PATH_MAX];
    if (fr_path(dir, sizeof(dir), r->sys, "bus/pci/devices") < 0)
        return false;
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *de;
    while (!found && !fr_deadline_passed() && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char cls[32];
        if (fr_path(p, sizeof(p), dir, "%s/class", de->d_name) < 0 ||
            fr_read_attr(p, cls, sizeof(cls)) < 0)
            continue;
        /* Bridges (class 0x06xxxx) normally have no driver. */
        if (strncmp(cls, "0x06", 4) == 0)
            continue;
        if (fr_path(p, sizeof(p), dir, "%s/driver", de->d_name) == 0 && !fr_exists(p))
            found = true;
    }
    closedir(d);
    return found;
}

/* The write can block for as long as the rescan takes; a child does it so
 * the deadline holds. */
static void rescan_pci(struct waiter *w)
{
    char p[PATH_MAX];

    w->rescanned = true;
    if (!pci_unbound(w->r) || fr_path(p, sizeof(p), w->r->sys, "bus/pci/rescan") < 0)
        return;
    log_notice("root not found after %.0f s and PCI devices have no driver: rescanning PCI",
               now() - w->start);
    pid_t pid = fork();
    if (pid < 0) {
        log_warning_errno(errno, "cannot fork for PCI rescan");
        return;
    }
    if (pid == 0) {
        int r = fr_write_attr(p, "1");
        _exit(r < 0 ? 1 : 0);
    }
    w->rescan_pid = pid;
}

static void reap(struct waiter *w)
{
    int status;
    if (w->rescan_pid > 0 && waitpid(w->rescan_pid, &status, WNOHANG) == w->rescan_pid) {
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            log_warning("writing to %s/bus/pci/rescan failed", w->r->sys);
        w->rescan_pid = 0;
    }
}

static int found(struct waiter *w, int idx, char *node, size_t size)
{
    const struct fr_blockdev *d = &w->t->v[idx];
    /* Links are a convenience: a /dev that refuses them (said by
     * fr_links_sync) does not stop the boot. */
    if (w->o->links)
        (void)fr_links_sync(w->t, w->r);
    int k = fr_devnode_path(w->r, d, node, size);
    if (k < 0)
        return log_error_errno(k, "node path for %s too long", d->name);
    log_info("root %s found after %.3f s", node, now() - w->start);
    return 0;
}

int fr_wait(const struct fr_roots *r, const struct fr_spec *spec, const struct fr_wait_opts *o,
            struct fr_modules *m, struct fr_devtab *t, char *node, size_t size)
{
    struct waiter w = {
        .r = r, .spec = spec, .o = o, .m = m, .t = t, .start = now(), .found = -1,
    };
    double next_sweep;
    int ret;

    w.deadline = o->timeout > 0 ? w.start + o->timeout : 0;
    /* The scans, probes and links stop there too (sysfs.h). */
    fr_deadline_set(w.deadline);
    if (loading(&w)) {
        unsigned jobs = o->jobs ? o->jobs : JOBS_DEFAULT;
        w.async = jobs > 1 && fr_modules_async(m, jobs < JOBS_MAX ? jobs : JOBS_MAX) > 0;
    }

    /* Listen before the first scan so nothing falls between the two. */
    ret = fr_monitor_open(o->test_socket, &w.mon);
    if (ret < 0)
        log_warning_errno(ret, "cannot listen to uevents, falling back to periodic scans");

    /* After virtio_iommu binds, the kernel re-probes the devices it deferred
     * from a workqueue: the ones whose driver is in (virtio_pci's transports)
     * bind and their virtio devices come as uevents (drained first, so that
     * their drivers start first). The ones without a driver (an NVMe or AHCI
     * controller) are in sysfs already: the coldplug loads theirs at once. */
    if (load_iommu(&w))
        drain(&w);
    sweep(&w, true);
    next_sweep = now() + (w.held ? HOLD_MAX : SWEEP_INTERVAL);

    for (;;) {
        if (resolved(&w)) {
            size_t dropped = fr_modules_drop_queued(m);
            if (dropped || fr_modules_busy(m))
                log_debug("root found: %zu module load(s) not started, %u still running",
                          dropped, fr_modules_busy(m));
            ret = found(&w, w.found, node, size);
            break;
        }

        double tnow = now();
        if (w.deadline > 0 && tnow >= w.deadline) {
            ret = -ETIMEDOUT;
            break;
        }
        if (o->rescan && !w.rescanned && tnow - w.start >= o->rescan_grace)
            rescan_pci(&w);
        reap(&w);
        /* The held devices once the disks' driver loads are through: the
         * disks they announced were drained on the way here. */
        bool through = w.held && !fr_modules_busy_upto(m, FR_PRIO_DISKS);
        if (tnow >= next_sweep || w.need_sweep || through) {
            if (w.held)
                log_debug("coldplug: the held devices after %.3f s (%s)", tnow - w.start,
                          through ? "the disks' drivers are in" : "held long enough");
            load_iommu(&w);
            sweep(&w, false);
            next_sweep = now() + SWEEP_INTERVAL;
            continue;
        }

        double wake = next_sweep;
        if (w.deadline > 0 && w.deadline < wake)
            wake = w.deadline;
        if (o->rescan && !w.rescanned && w.start + o->rescan_grace < wake)
            wake = w.start + o->rescan_grace;
        if (w.rescan_pid > 0 && tnow + 0.2 < wake)
            wake = tnow + 0.2;
        int ms = (int)((wake - tnow) * 1000.0) + 1;

        /* The uevents (slot 0, unused without a monitor: poll ignores a
         * negative fd) and the module workers' reports. */
        struct pollfd pfd[1 + JOBS_MAX] = {{.fd = w.mon ? fr_monitor_fd(w.mon) : -1,
                                            .events = POLLIN}};
        size_t nfds = 1 + fr_modules_pollfds(m, pfd + 1, JOBS_MAX);
        int n = poll(pfd, (nfds_t)nfds, ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ret = log_error_errno(errno, "poll");
            break;
        }
        if (n == 0)
            continue;
        /* Module results first (they start queued loads), then what is
         * queued on the monitor, then a check for a match once. A
         * virtio-iommu that appears as a device (no VIOT) is loaded as soon
         * as it shows up, through its modalias. */
        fr_modules_collect(m);
        if (pfd[0].revents & (POLLIN | POLLERR | POLLHUP))
            drain(&w);
    }

    reap(&w);
    fr_monitor_free(w.mon);
    return ret;
}
