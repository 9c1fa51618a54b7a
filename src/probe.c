/* What libblkid finds on a device: filesystem TYPE/USAGE/UUID/LABEL, and for
 * disks the partition table, whose entries (PARTUUID, PARTLABEL) are kept
 * with the disk and copied to its partitions in the table. One probe object
 * serves every device. */
#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices.h"
#include "internal.h"
#include "log.h"
#include "probe.h"
#include "sysfs.h"
#include "util.h"

static blkid_probe probe;

void fr_probe_cleanup(void)
{
    if (probe)
        blkid_free_probe(probe);
    probe = NULL;
}

void fr_probeinfo_clear(struct fr_probeinfo *info)
{
    free(info->types);
    free(info->uuid);
    free(info->label);
    free(info->ptuuid);
    free(info->partuuid);
    free(info->partlabel);
    *info = (struct fr_probeinfo){ 0 };
}

/* What a probe finds, emptied before it and after a failure; the partition
 * entry values are kept (they come from the disk's table). */
static void clear_values(struct fr_probeinfo *info)
{
    info->type[0] = info->usage[0] = info->pttype[0] = '\0';
    fr_str_set(&info->types, NULL);
    fr_str_set(&info->uuid, NULL);
    fr_str_set(&info->label, NULL);
    fr_str_set(&info->ptuuid, NULL);
}

/* A short value (libblkid's own names) into the entry. */
static void copy_value(blkid_probe pr, const char *name, char *dst, size_t size)
{
    const char *v = NULL;
    dst[0] = '\0';
    if (blkid_probe_lookup_value(pr, name, &v, NULL) == 0 && v)
        snprintf(dst, size, "%s", v);
}

/* A value read from the device, whole, as an allocated string (NULL when
 * empty). Returns 0 or -ENOMEM. */
static int set_value(blkid_probe pr, const char *name, char **dst)
{
    const char *v = NULL;
    if (blkid_probe_lookup_value(pr, name, &v, NULL) < 0)
        v = NULL;
    return fr_str_set(dst, v);
}

/* Opens a node the way udev does (O_NONBLOCK so empty drives do not stall).
 * Regular image files stand in for nodes in fixture trees. */
static int open_node(const struct fr_roots *r, const struct fr_blockdev *d)
{
    char p[PATH_MAX];
    int rc = fr_devnode_path(r, d, p, sizeof p);
    if (rc < 0)
        return rc;
    if (fr_deadline_passed())
        return -ETIMEDOUT;
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -errno;
    /* A FIFO, terminal or socket put where the node belongs is no disk. */
    struct stat st;
    if (fstat(fd, &st) < 0 || !(S_ISBLK(st.st_mode) || S_ISREG(st.st_mode))) {
        close(fd);
        return -ENOTBLK;
    }
    return fd;
}

static int set_device(int fd)
{
    if (!probe) {
        probe = blkid_new_probe();
        if (!probe)
            return -ENOMEM;
    }
    if (blkid_probe_set_device(probe, fd, 0, 0) < 0)
        return -EIO;
    return 0;
}

/* libblkid reads a device in small pieces, each a request of its own (it
 * turns read-ahead off): the first 256 KiB and a page (ZFS labels, most
 * superblocks), the LUKS2 secondary header candidates up to 4 MiB, and the
 * last 136 KiB (RAID metadata, ZFS's last labels). Asking the kernel for
 * these areas before the probe queues them at once, as a few larger reads:
 * on a virtio disk behind a virtio-iommu 23 synchronous reads became five,
 * and the safe probe took 5-7 ms instead of 16-21 (QEMU TCG; the advice
 * itself costs ~6 ms). The areas are what libblkid reads anyway; a device
 * smaller than them is read once, whole. The advice goes on libblkid's own
 * descriptor: the kernel drops a block device's cached pages when its last
 * opener closes it. */
size_t fr_probe_prefetch_areas(int64_t size, struct fr_area *out, size_t max)
{
    static const struct {
        bool from_end;
        int64_t off, len;
    } areas[] = {
        {false, 0, 264 * 1024},
        {false, 512 * 1024, 4096},
        {false, 1024 * 1024, 4096},
        {false, 2048 * 1024, 4096},
        {false, 4096 * 1024, 4096},
        {true, 136 * 1024, 136 * 1024},
    };
    size_t n = 0;

    for (size_t i = 0; size > 0 && i < sizeof(areas) / sizeof(areas[0]) && n < max; i++) {
        int64_t off = areas[i].from_end ? size - areas[i].off : areas[i].off;
        int64_t len = areas[i].len;
        if (off < 0) {
            len += off;
            off = 0;
        }
        if (off >= size || len <= 0)
            continue;
        if (len > size - off)
            len = size - off;
        /* The tail of a small device overlaps the head: extend instead. */
        if (n > 0 && off <= out[n - 1].off + out[n - 1].len) {
            int64_t end = off + len;
            if (end > out[n - 1].off + out[n - 1].len)
                out[n - 1].len = end - out[n - 1].off;
            continue;
        }
        out[n].off = off;
        out[n].len = len;
        n++;
    }
    return n;
}

static void prefetch(int fd, int64_t size)
{
    struct fr_area a[8];
    size_t n = fr_probe_prefetch_areas(size, a, sizeof(a) / sizeof(a[0]));

    /* Advice only: a failure changes nothing but the speed. */
    for (size_t i = 0; i < n; i++)
        (void)posix_fadvise(fd, (off_t)a[i].off, (off_t)a[i].len, POSIX_FADV_WILLNEED);
}

/* One partition table entry, what the kernel's PARTUUID= and udev's
 * by-partuuid/by-partlabel need: the number, the UUID and (GPT) the name. */
struct fr_partentry {
    int partno;
    const char *uuid, *name; /* "" when the table has none */
};

struct fr_partlist {
    bool fresh; /* read for a partition since the disk's last probe */
    size_t n;
    struct fr_partentry e[]; /* then the strings */
};

/* The entries of the partition table on the device set in probe: one
 * binary read of the partition chain. NULL when there is no table (or no
 * memory: the next partition reads it again). */
static struct fr_partlist *read_partitions(void)
{
    blkid_partlist ls = blkid_probe_get_partitions(probe);
    if (!ls)
        return NULL;
    blkid_parttable tab = blkid_partlist_get_table(ls);
    const char *pttype = tab ? blkid_parttable_get_type(tab) : NULL;
    /* Names only from GPT, where the kernel's PARTLABEL= finds them. */
    bool gpt = pttype && strcmp(pttype, "gpt") == 0;
    int n = blkid_partlist_numof_partitions(ls);
    size_t count = n > 0 ? (size_t)n : 0, bytes = 0;

    for (int k = 0; k < n; k++) {
        blkid_partition par = blkid_partlist_get_partition(ls, k);
        const char *u = par ? blkid_partition_get_uuid(par) : NULL;
        const char *nm = par && gpt ? blkid_partition_get_name(par) : NULL;
        bytes += (u ? strlen(u) : 0) + (nm ? strlen(nm) : 0) + 2;
    }
    struct fr_partlist *pl = malloc(sizeof *pl + count * sizeof pl->e[0] + bytes);
    if (!pl)
        return NULL;
    char *s = (char *)&pl->e[count];
    pl->fresh = false;
    pl->n = 0;
    for (int k = 0; k < n; k++) {
        blkid_partition par = blkid_partlist_get_partition(ls, k);
        if (!par)
            continue;
        const char *u = blkid_partition_get_uuid(par);
        const char *nm = gpt ? blkid_partition_get_name(par) : NULL;
        struct fr_partentry *e = &pl->e[pl->n++];
        e->partno = blkid_partition_get_partno(par);
        e->uuid = s;
        s = stpcpy(s, u ? u : "") + 1;
        e->name = s;
        s = stpcpy(s, nm ? nm : "") + 1;
    }
    return pl;
}

static enum fr_probe_result failed(struct fr_blockdev *d, int err, const char *what);

/* Partition p's PARTUUID and PARTLABEL from its disk's entries. Without
 * memory for them p's probe counts as failed, so a later sweep repeats it. */
static void copy_entry(struct fr_blockdev *p, const struct fr_partlist *pl)
{
    const char *uuid = NULL, *name = NULL;

    for (size_t k = 0; k < pl->n; k++) {
        if (pl->e[k].partno == p->partn) {
            uuid = pl->e[k].uuid;
            name = pl->e[k].name;
            break;
        }
    }
    if (fr_str_set(&p->probe.partuuid, uuid) < 0 || fr_str_set(&p->probe.partlabel, name) < 0)
        failed(p, -ENOMEM, "no memory for its partition entry");
}

/* A partition's PARTUUID/PARTLABEL live in its disk's table: the entries
 * the disk's probe read, or when it has none (not probed yet, failed, found
 * no table), read now and kept there for its other partitions. We open the
 * disk ourselves instead of letting libblkid look for it through /sys,
 * which fixture trees do not have. */
static void partition_entry(struct fr_devtab *t, size_t idx, const struct fr_roots *r)
{
    int di = fr_devtab_find(t, t->v[idx].disk);
    if (di < 0 || t->v[di].removed)
        return;
    struct fr_blockdev *disk = &t->v[di];
    if (!disk->parts) {
        int fd = open_node(r, disk);
        if (fd < 0) {
            log_debug_errno(fd, "partition table of %s: cannot open", disk->devname);
            return;
        }
        if (set_device(fd) == 0) {
            blkid_probe_enable_superblocks(probe, 0);
            blkid_probe_enable_partitions(probe, 1);
            disk->parts = read_partitions();
            if (disk->parts)
                disk->parts->fresh = true;
        }
        close(fd);
        if (!disk->parts)
            return;
    }
    copy_entry(&t->v[idx], disk->parts);
}

/* A disk's probe found a table: its entries to each partition of it. */
static void disk_entries(struct fr_devtab *t, struct fr_blockdev *disk)
{
    /* Read for one of its partitions since the last probe: the same table. */
    if (!disk->parts)
        disk->parts = read_partitions();
    if (!disk->parts)
        return;
    for (size_t i = 0; i < t->n; i++) {
        struct fr_blockdev *p = &t->v[i];
        if (p->partition && strcmp(p->disk, disk->name) == 0)
            copy_entry(p, disk->parts);
    }
}

/* After an ambivalent safe probe: which superblocks, one blkid_do_probe()
 * step each, as "vfat,ext4" (what `blkid -p` would complain about). */
static int ambivalent_types(struct fr_blockdev *d)
{
    char types[64]; /* a line's worth: only whole names, as many as fit */
    size_t len = 0;

    types[0] = '\0';
    blkid_reset_probe(probe);
    if (blkid_probe_enable_partitions(probe, 0) < 0 ||
        blkid_probe_set_superblocks_flags(probe, BLKID_SUBLKS_TYPE) < 0)
        return 0;
    /* Bounded: libblkid knows some 80 superblocks, a disk holds a few. */
    for (int k = 0; k < 16 && blkid_do_probe(probe) == 0; k++) {
        const char *v = NULL;
        if (blkid_probe_lookup_value(probe, "TYPE", &v, NULL) < 0 || !v || !v[0])
            continue;
        int n = snprintf(types + len, sizeof types - len, "%s%s", len ? "," : "", v);
        if (n < 0 || (size_t)n >= sizeof types - len) {
            types[len] = '\0'; /* only whole names */
            break;
        }
        len += (size_t)n;
    }
    return fr_str_set(&d->probe.types, types);
}

/* Records a failure to read the device: vanished or an error. */
static enum fr_probe_result failed(struct fr_blockdev *d, int err, const char *what)
{
    d->probe.done = true;
    d->probe.err = -err;
    clear_values(&d->probe);
    free(d->parts); /* its partitions read the table again, if they can */
    d->parts = NULL;
    d->probe.rc = err == -ENOENT || err == -ENXIO || err == -ENODEV ? FR_PROBE_GONE
                                                                    : FR_PROBE_ERROR;
    /* A device that went away between the event and now is normal. */
    log_debug_errno(err, "probe %s: %s", d->devname, what);
    return d->probe.rc;
}

enum fr_probe_result fr_probe(struct fr_devtab *t, size_t idx, const struct fr_roots *r)
{
    struct fr_blockdev *d;
    int fd, rc;

    if (idx >= t->n)
        return FR_PROBE_ERROR;
    d = &t->v[idx];
    clear_values(&d->probe);
    d->probe.err = 0;
    if (d->parts && !d->parts->fresh) {
        free(d->parts); /* from an earlier probe: read the table again */
        d->parts = NULL;
    }

    fd = open_node(r, d);
    if (fd < 0)
        return failed(d, fd, "cannot open");
    rc = set_device(fd);
    if (rc < 0) {
        close(fd);
        return failed(d, rc, "libblkid refused the device");
    }

    prefetch(fd, blkid_probe_get_size(probe));
    blkid_probe_enable_superblocks(probe, 1);
    blkid_probe_set_superblocks_flags(probe, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID |
                                                 BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE);
    /* Partition tables only on whole disks; partitions get their entry
     * values from the disk's table below. */
    blkid_probe_enable_partitions(probe, d->partition ? 0 : 1);
    if (!d->partition)
        blkid_probe_set_partitions_flags(probe, 0);

    rc = blkid_do_safeprobe(probe);
    if (rc == 0) {
        copy_value(probe, "TYPE", d->probe.type, sizeof d->probe.type);
        copy_value(probe, "USAGE", d->probe.usage, sizeof d->probe.usage);
        copy_value(probe, "PTTYPE", d->probe.pttype, sizeof d->probe.pttype);
        if (set_value(probe, "PTUUID", &d->probe.ptuuid) < 0 ||
            set_value(probe, "UUID", &d->probe.uuid) < 0 ||
            set_value(probe, "LABEL", &d->probe.label) < 0) {
            close(fd);
            return failed(d, -ENOMEM, "no memory for its values");
        }
        d->probe.rc = FR_PROBE_OK;
    } else if (rc == -2) {
        /* Several signatures: do not trust any UUID or label (udev makes no
         * by-uuid link either); libblkid keeps no values, so ask which. */
        if (ambivalent_types(d) < 0) {
            close(fd);
            return failed(d, -ENOMEM, "no memory for its types");
        }
        log_debug("probe %s: ambivalent result (%s), ignoring its UUID and label", d->devname,
                  fr_str(d->probe.types));
        d->probe.rc = FR_PROBE_AMBIVALENT;
    } else if (rc == 1) {
        log_debug("probe %s: nothing found", d->devname);
        d->probe.rc = FR_PROBE_NOTHING;
    } else {
        close(fd);
        return failed(d, -EIO, "libblkid failed");
    }
    d->probe.done = true;

    if (!d->partition && d->probe.pttype[0])
        disk_entries(t, d);
    if (d->parts)
        d->parts->fresh = false;
    close(fd);

    if (d->partition)
        partition_entry(t, idx, r);
    log_debug("probe %s: rc=%d type=%s usage=%s uuid=%s label=%s pttype=%s partuuid=%s", d->devname,
              d->probe.rc, d->probe.type, d->probe.usage, fr_str(d->probe.uuid),
              fr_str(d->probe.label), d->probe.pttype, fr_str(d->probe.partuuid));
    return d->probe.rc;
}

const char *fr_probe_describe(const struct fr_blockdev *d, char *buf, size_t size)
{
    const char *types = d->probe.types ? d->probe.types : "unknown";
    const char *last = strrchr(types, ',');

    if (!d->probe.done) {
        snprintf(buf, size, "not probed");
        return buf;
    }
    switch (d->probe.rc) {
    case FR_PROBE_OK:
        snprintf(buf, size, "%s", d->probe.type[0] ? d->probe.type : "found");
        break;
    case FR_PROBE_NOTHING:
        snprintf(buf, size, "nothing recognised on it");
        break;
    case FR_PROBE_AMBIVALENT:
        /* "vfat,ext4" -> "vfat and ext4"; "a,b,c" -> "a,b and c". */
        if (last)
            snprintf(buf, size, "ambivalent superblocks (%.*s and %s)", (int)(last - types), types,
                     last + 1);
        else
            snprintf(buf, size, "ambivalent superblocks (%s)", types);
        break;
    case FR_PROBE_GONE:
        snprintf(buf, size, "device vanished (%s)", strerror(d->probe.err));
        break;
    default:
        snprintf(buf, size, "cannot read it (%s)", strerror(d->probe.err ? d->probe.err : EIO));
        break;
    }
    return buf;
}
