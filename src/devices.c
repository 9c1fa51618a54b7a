/* The block device table: what sysfs says about each device (numbers,
 * partition, disk, node name), its node under /dev, and udev-style by-id and
 * by-path names. Every path is built from the roots so fixtures work. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "devices.h"
#include "log.h"
#include "sysfs.h"
#include "text.h"

/* What an entry owns. */
static void blockdev_release(struct fr_blockdev *d)
{
    free(d->syspath);
    free(d->parts);
    free(d->id_name);
    free(d->path_name);
    d->syspath = d->id_name = d->path_name = NULL;
    d->parts = NULL;
}

void fr_devtab_free(struct fr_devtab *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        blockdev_release(&t->v[i]);
    for (size_t i = 0; i < t->nrefused; i++)
        free(t->refused[i]);
    free(t->refused);
    free(t->v);
    free(t->slots);
    *t = (struct fr_devtab){ 0 };
}

/* ---- the name index: every add looks its name up ---- */

/* Enter v[nindexed .. n) into the index, first growing it (rehashing all)
 * to keep it at most half full. Entries are never taken out: removed ones
 * keep their names. Without memory the rest stays unindexed, still found. */
static void index_entries(struct fr_devtab *t)
{
    if (t->n * 2 > t->nslots) {
        size_t ns = t->nslots ? t->nslots : 64;
        while (ns < t->n * 2)
            ns *= 2;
        unsigned *slots = calloc(ns, sizeof *slots);
        if (!slots)
            return;
        free(t->slots);
        t->slots = slots;
        t->nslots = ns;
        t->nindexed = 0;
    }
    for (; t->nindexed < t->n; t->nindexed++) {
        size_t h = (size_t)fr_hash(t->v[t->nindexed].name) & (t->nslots - 1);
        while (t->slots[h])
            h = (h + 1) & (t->nslots - 1);
        t->slots[h] = (unsigned)t->nindexed + 1;
    }
}

int fr_devtab_find(const struct fr_devtab *t, const char *name)
{
    /* Equal names probe on from the first one's slot, so the lowest index
     * comes first, as in the scan below. */
    if (t->nslots) {
        size_t mask = t->nslots - 1;
        for (size_t h = (size_t)fr_hash(name) & mask; t->slots[h]; h = (h + 1) & mask) {
            size_t i = t->slots[h] - 1;
            if (strcmp(t->v[i].name, name) == 0)
                return (int)i;
        }
    }
    for (size_t i = t->nindexed; i < t->n; i++)
        if (strcmp(t->v[i].name, name) == 0)
            return (int)i;
    return -1;
}

int fr_blockdev_cmp(const struct fr_blockdev *a, const struct fr_blockdev *b)
{
    if (a->removed != b->removed)
        return a->removed ? 1 : -1;
    if (a->major != b->major)
        return a->major < b->major ? -1 : 1;
    if (a->minor != b->minor)
        return a->minor < b->minor ? -1 : 1;
    return strcmp(a->name, b->name);
}

int fr_devnode_path(const struct fr_roots *r, const struct fr_blockdev *d, char *buf, size_t size)
{
    return fr_path(buf, size, r->dev, "%s", d->devname);
}

/* Length of r->sys without trailing slashes ("/" stays "" so joins work). */
static size_t sys_len(const struct fr_roots *r)
{
    size_t l = strlen(r->sys);
    while (l > 0 && r->sys[l - 1] == '/')
        l--;
    return l;
}

/* Lexically resolve link target tgt found in directory base (relative to
 * roots->sys) into an absolute path under roots->sys. sysfs links are
 * relative and the directories they cross are real, so this equals
 * realpath() without following roots->sys itself (fixtures may live below
 * symlinked temp dirs). Refuses targets that leave roots->sys. */
static int resolve_under_sys(const struct fr_roots *r, const char *base, const char *tgt,
                             char *out, size_t size)
{
    char buf[PATH_MAX * 2];
    size_t sl = sys_len(r);

    if (tgt[0] == '/') {
        if (strncmp(tgt, r->sys, sl) != 0 || (tgt[sl] != '/' && tgt[sl] != '\0'))
            return -EXDEV;
        if ((size_t)snprintf(buf, sizeof buf, "%s", tgt + sl) >= sizeof buf)
            return -ENAMETOOLONG;
    } else if ((size_t)snprintf(buf, sizeof buf, "%s/%s", base, tgt) >= sizeof buf) {
        return -ENAMETOOLONG;
    }

    /* ".." may not climb above roots->sys (-EXDEV). */
    if (sl + 1 > size)
        return -ENAMETOOLONG;
    memcpy(out, r->sys, sl);
    return fr_path_normalize(out, size, sl, buf);
}

/* The device directory for sysfs name NAME: /sys/class/block/NAME, or on
 * kernels without it /sys/block/NAME or /sys/block/DISK/NAME. */
static int find_syspath(const struct fr_roots *r, const char *name, char *out, size_t size)
{
    static const char *const bases[] = { "class/block", "block" };
    char p[PATH_MAX], tgt[PATH_MAX];
    struct stat st;
    int rc;

    for (size_t i = 0; i < 2; i++) {
        rc = fr_path(p, sizeof p, r->sys, "%s/%s", bases[i], name);
        if (rc < 0)
            return rc;
        ssize_t n = readlink(p, tgt, sizeof tgt - 1);
        if (n >= 0) {
            tgt[n] = '\0';
            rc = resolve_under_sys(r, bases[i], tgt, out, size);
            if (rc < 0)
                return rc;
            return stat(out, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -ENOENT;
        }
        if (errno == EINVAL && stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            return fr_copy(out, size, p); /* old sysfs: a real directory */
        if (i == 0) {
            /* class/block exists but has no such entry: the device is gone. */
            rc = fr_path(p, sizeof p, r->sys, "class/block");
            if (rc == 0 && stat(p, &st) == 0)
                return -ENOENT;
        }
    }

    /* Partitions in the sys/block layout live inside their disk. */
    char blk[PATH_MAX];
    rc = fr_path(blk, sizeof blk, r->sys, "block");
    if (rc < 0)
        return rc;
    DIR *dir = opendir(blk);
    if (!dir)
        return -ENOENT;
    rc = -ENOENT;
    for (struct dirent *de; (de = readdir(dir));) {
        char disk[PATH_MAX], cand[PATH_MAX];
        if (de->d_name[0] == '.')
            continue;
        if (fr_path(disk, sizeof disk, r->sys, "block/%s", de->d_name) < 0)
            continue;
        ssize_t n = readlink(disk, tgt, sizeof tgt - 1);
        if (n >= 0) {
            tgt[n] = '\0';
            if (resolve_under_sys(r, "block", tgt, disk, sizeof disk) < 0)
                continue;
        }
        if ((size_t)snprintf(cand, sizeof cand, "%s/%s", disk, name) >= sizeof cand)
            continue;
        if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = fr_copy(out, size, cand);
            break;
        }
    }
    closedir(dir);
    return rc;
}

static int read_attr_at(const char *dir, const char *attr, char *buf, size_t size)
{
    char p[PATH_MAX];
    if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, attr) >= sizeof p)
        return -ENAMETOOLONG;
    return fr_read_attr(p, buf, size);
}

/* Node names come from the kernel, but a fixture, --sysfs= or a hostile
 * uevent file must not make us create nodes outside roots->dev, nor inside
 * the link tree we manage (a node at disk/by-label/EFI would block the real
 * link), nor with names that carry control bytes onto a console. As udev
 * does: relative, no "." or ".." component, no empty component, printable
 * UTF-8 only. */
static bool devname_valid(const char *s)
{
    size_t n = strlen(s);

    if (n > NAME_MAX || !fr_relpath_valid(s))
        return false;
    if (strcmp(s, FR_LINK_TREE) == 0 || strncmp(s, FR_LINK_TREE "/", sizeof(FR_LINK_TREE)) == 0)
        return false;
    for (size_t i = 0, l; i < n; i += l)
        if ((l = fr_utf8_text_len((const unsigned char *)s + i, n - i)) == 0)
            return false;
    return true;
}

/* Without devtmpfs (or with a fixture dev dir) the node may be missing:
 * create it as udev would, but never fail the add because of it. */
static void ensure_node(const struct fr_roots *r, const struct fr_blockdev *d)
{
    char p[PATH_MAX];
    struct stat st;

    if (fr_devnode_path(r, d, p, sizeof p) < 0)
        return;
    if (lstat(p, &st) == 0)
        return;
    /* Subdirectories such as cciss/ or mapper/. */
    size_t dl = strlen(r->dev);
    for (char *s = strchr(p + dl + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            log_warning_errno(errno, "cannot create %s for %s", p, d->name);
            return;
        }
        *s = '/';
    }
    if (mknod(p, S_IFBLK | 0600, makedev(d->major, d->minor)) < 0) {
        if (errno != EEXIST)
            log_warning_errno(errno, "cannot create node %s (%u:%u)", p, d->major, d->minor);
        return;
    }
    log_debug("created node %s (%u:%u)", p, d->major, d->minor);
}

static int grow(struct fr_devtab *t)
{
    if (t->n < t->cap)
        return 0;
    size_t cap = t->cap ? t->cap * 2 : 16;
    struct fr_blockdev *v = realloc(t->v, cap * sizeof *v);
    if (!v)
        return -ENOMEM;
    t->v = v;
    t->cap = cap;
    return 0;
}

/* A refused device comes back with every sweep and change event: warn once
 * per name, so the first warning is not buried under copies of itself. The
 * list stays short; past its bound the warnings repeat rather than vanish. */
#define MAX_REFUSED 256

static bool refused_before(struct fr_devtab *t, const char *name)
{
    for (size_t i = 0; i < t->nrefused; i++)
        if (strcmp(t->refused[i], name) == 0)
            return true;
    if (t->nrefused < MAX_REFUSED) {
        char **v = realloc(t->refused, (t->nrefused + 1) * sizeof *v);
        if (v) {
            t->refused = v;
            v[t->nrefused] = strdup(name);
            if (v[t->nrefused])
                t->nrefused++;
        }
    }
    return false;
}

int fr_devtab_add(struct fr_devtab *t, const struct fr_roots *r, const char *name)
{
    struct fr_blockdev nd;
    char syspath[PATH_MAX], buf[PATH_MAX];
    int rc;

    if (!fr_name_valid(name))
        return -EINVAL;

    memset(&nd, 0, sizeof nd);
    memcpy(nd.name, name, strlen(name) + 1);
    rc = find_syspath(r, name, syspath, sizeof syspath);
    if (rc < 0) {
        log_debug("block device %s: no sysfs entry (%d)", name, rc);
        return rc;
    }

    rc = read_attr_at(syspath, "dev", buf, sizeof buf);
    if (rc < 0)
        return rc == -EINVAL ? -EINVAL : -ENOENT;
    if (sscanf(buf, "%u:%u", &nd.major, &nd.minor) != 2) {
        log_debug("block device %s: bad dev attribute '%s'", name, buf);
        return -EINVAL;
    }

    rc = read_attr_at(syspath, "partition", buf, sizeof buf);
    if (rc >= 0) {
        nd.partition = true;
        nd.partn = atoi(buf);
        char *slash = strrchr(syspath, '/');
        *slash = '\0';
        char *dslash = strrchr(syspath, '/');
        rc = fr_copy(nd.disk, sizeof nd.disk, dslash ? dslash + 1 : syspath);
        *slash = '/';
        if (rc < 0)
            return rc;
    } else {
        memcpy(nd.disk, nd.name, sizeof nd.disk);
    }

    char uev[PATH_MAX];
    if ((size_t)snprintf(uev, sizeof uev, "%s/uevent", syspath) < sizeof uev &&
        fr_uevent_file_get(uev, "DEVNAME", buf, sizeof buf) > 0) {
        rc = fr_copy(nd.devname, sizeof nd.devname, buf);
    } else {
        rc = fr_copy(nd.devname, sizeof nd.devname, name);
        for (char *c = nd.devname; *c; c++)
            if (*c == '!')
                *c = '/';
    }
    if (rc < 0 || !devname_valid(nd.devname)) {
        fr_log(refused_before(t, name) ? FR_LOG_DEBUG : FR_LOG_WARNING,
               "block device %s: refusing node name '%s'", name, nd.devname);
        return -EINVAL;
    }

    nd.syspath = strdup(syspath);
    if (!nd.syspath)
        return -ENOMEM;
    int idx = fr_devtab_find(t, name);
    if (idx >= 0) {
        struct fr_blockdev *o = &t->v[idx];
        /* Same device again (change event, rescan): keep what the probe and
         * the identification found unless the numbers changed. The disk's
         * partition entries are read again: the event may be for a new table. */
        if (o->major == nd.major && o->minor == nd.minor && o->partn == nd.partn) {
            memcpy(nd.type, o->type, sizeof nd.type);
            memcpy(nd.usage, o->usage, sizeof nd.usage);
            memcpy(nd.uuid, o->uuid, sizeof nd.uuid);
            memcpy(nd.label, o->label, sizeof nd.label);
            memcpy(nd.pttype, o->pttype, sizeof nd.pttype);
            memcpy(nd.ptuuid, o->ptuuid, sizeof nd.ptuuid);
            memcpy(nd.partuuid, o->partuuid, sizeof nd.partuuid);
            memcpy(nd.partlabel, o->partlabel, sizeof nd.partlabel);
            nd.id_name = o->id_name;
            nd.path_name = o->path_name;
            o->id_name = o->path_name = NULL;
            nd.probed = o->probed;
            nd.probe_rc = o->probe_rc;
            nd.probe_errno = o->probe_errno;
            memcpy(nd.probe_types, o->probe_types, sizeof nd.probe_types);
        }
        blockdev_release(o);
        *o = nd;
    } else {
        rc = grow(t);
        if (rc < 0) {
            free(nd.syspath);
            return rc;
        }
        idx = (int)t->n++;
        t->v[idx] = nd;
        index_entries(t);
    }
    ensure_node(r, &t->v[idx]);
    log_debug("block device %s: %u:%u node %s%s%s", name, nd.major, nd.minor, nd.devname,
              nd.partition ? " partition of " : "", nd.partition ? nd.disk : "");
    return idx;
}

static int scan_dir(struct fr_devtab *t, const struct fr_roots *r, const char *rel, bool *seen,
                    size_t nseen, bool partitions_inside)
{
    char p[PATH_MAX];
    int count = 0, rc;

    rc = fr_path(p, sizeof p, r->sys, "%s", rel);
    if (rc < 0)
        return rc;
    DIR *dir = opendir(p);
    if (!dir)
        return -errno;
    for (struct dirent *de; !fr_deadline_passed() && (de = readdir(dir));) {
        if (de->d_name[0] == '.')
            continue;
        rc = fr_devtab_add(t, r, de->d_name);
        if (rc == -ENOMEM) {
            closedir(dir);
            return rc;
        }
        if (rc < 0)
            continue;
        if ((size_t)rc < nseen)
            seen[rc] = true;
        count++;
        if (partitions_inside) {
            /* sys/block/DISK/PART directories carry a "partition" file. */
            /* A copy: the adds below may move the table. */
            char syspath[PATH_MAX];
            if (fr_copy(syspath, sizeof syspath, t->v[rc].syspath) < 0)
                continue;
            DIR *sub = opendir(syspath);
            if (!sub)
                continue;
            for (struct dirent *pe; !fr_deadline_passed() && (pe = readdir(sub));) {
                char attr[PATH_MAX];
                if (pe->d_name[0] == '.')
                    continue;
                if ((size_t)snprintf(attr, sizeof attr, "%s/%s/partition", syspath, pe->d_name) >=
                        sizeof attr ||
                    !fr_exists(attr))
                    continue;
                int pr = fr_devtab_add(t, r, pe->d_name);
                if (pr >= 0) {
                    if ((size_t)pr < nseen)
                        seen[pr] = true;
                    count++;
                }
            }
            closedir(sub);
        }
    }
    closedir(dir);
    return count;
}

int fr_devtab_scan(struct fr_devtab *t, const struct fr_roots *r)
{
    size_t old = t->n;
    bool *seen = calloc(old ? old : 1, sizeof *seen);
    if (!seen)
        return -ENOMEM;

    int rc = scan_dir(t, r, "class/block", seen, old, false);
    if (rc == -ENOENT || rc == -ENOTDIR)
        rc = scan_dir(t, r, "block", seen, old, true);
    if (rc >= 0) {
        /* What a scan no longer sees is gone (we may have missed its
         * remove event, e.g. after ENOBUFS). */
        for (size_t i = 0; i < old; i++)
            if (!seen[i] && !t->v[i].removed) {
                log_debug("block device %s: gone", t->v[i].name);
                t->v[i].removed = true;
            }
    }
    free(seen);
    return rc;
}

int fr_devices_refresh(struct fr_devtab *t, const struct fr_roots *r, bool scan)
{
    int rc = scan ? fr_devtab_scan(t, r) : (int)t->n;

    for (size_t i = 0; i < t->n && !fr_deadline_passed(); i++) {
        if (t->v[i].removed)
            continue;
        fr_devices_identify(&t->v[i], r);
        if (!t->v[i].probed)
            fr_probe(t, i, r);
    }
    return rc;
}

int fr_devices_refresh_one(struct fr_devtab *t, const struct fr_roots *r, const char *name,
                           bool probe)
{
    int idx = fr_devtab_add(t, r, name);

    if (idx < 0)
        return idx;
    fr_devices_identify(&t->v[idx], r);
    if (probe)
        fr_probe(t, (size_t)idx, r);
    return idx;
}

void fr_devtab_remove(struct fr_devtab *t, const char *name)
{
    int i = fr_devtab_find(t, name);
    if (i >= 0)
        t->v[i].removed = true;
}

/* ---- identification: udev's by-id rules and path_id builtin ---- */

static bool is_device_dir(const char *dir)
{
    char p[PATH_MAX];
    return (size_t)snprintf(p, sizeof p, "%s/uevent", dir) < sizeof p && fr_exists(p);
}

/* Subsystem of a device directory: basename of its "subsystem" link. */
static void dev_subsystem(const char *dir, char *buf, size_t size)
{
    char p[PATH_MAX], tgt[PATH_MAX];
    buf[0] = '\0';
    if ((size_t)snprintf(p, sizeof p, "%s/subsystem", dir) >= sizeof p)
        return;
    ssize_t n = readlink(p, tgt, sizeof tgt - 1);
    if (n <= 0)
        return;
    tgt[n] = '\0';
    const char *b = strrchr(tgt, '/');
    if (fr_copy(buf, size, b ? b + 1 : tgt) < 0)
        buf[0] = '\0'; /* no subsystem name is that long */
}

static void dev_devtype(const char *dir, char *buf, size_t size)
{
    char p[PATH_MAX];
    buf[0] = '\0';
    if ((size_t)snprintf(p, sizeof p, "%s/uevent", dir) < sizeof p &&
        fr_uevent_file_get(p, "DEVTYPE", buf, size) < 0)
        buf[0] = '\0';
}

static const char *base_name(const char *p)
{
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

/* The parent device of dir (nearest ancestor with a uevent file), not
 * leaving roots->sys/devices. Returns false at the top. */
static bool parent_device(const struct fr_roots *r, char *dir)
{
    size_t top = sys_len(r) + strlen("/devices");
    for (;;) {
        char *s = strrchr(dir, '/');
        if (!s || (size_t)(s - dir) <= top)
            return false;
        *s = '\0';
        if (is_device_dir(dir))
            return true;
    }
}

/* Prepend "comp-" to path (path_id composes outermost first). */
static int path_prepend(char *path, size_t size, const char *comp)
{
    char tmp[512];
    int n = path[0] ? snprintf(tmp, sizeof tmp, "%s-%s", comp, path)
                    : snprintf(tmp, sizeof tmp, "%s", comp);
    if (n < 0 || (size_t)n >= sizeof tmp || (size_t)n >= size)
        return -ENAMETOOLONG;
    memcpy(path, tmp, (size_t)n + 1);
    return 0;
}

/* Move dir up while the parent is in the same subsystem, like udev's
 * skip_subsystem(): the caller then continues with the next parent. */
static void skip_subsystem(const struct fr_roots *r, char *dir, const char *subsys)
{
    char cand[PATH_MAX], s[64];
    for (;;) {
        memcpy(cand, dir, strlen(dir) + 1);
        if (!parent_device(r, cand))
            return;
        dev_subsystem(cand, s, sizeof s);
        if (strcmp(s, subsys) != 0)
            return;
        memcpy(dir, cand, strlen(cand) + 1);
    }
}

/* Nearest ancestor (or dir itself) with subsystem scsi and this devtype. */
static bool scsi_ancestor(const struct fr_roots *r, const char *dir, const char *devtype,
                          char *out, size_t size)
{
    char cur[PATH_MAX], s[64], t[64];
    snprintf(cur, sizeof cur, "%s", dir);
    while (parent_device(r, cur)) {
        dev_subsystem(cur, s, sizeof s);
        dev_devtype(cur, t, sizeof t);
        if (strcmp(s, "scsi") == 0 && strcmp(t, devtype) == 0)
            return (size_t)snprintf(out, size, "%s", cur) < size;
    }
    return false;
}

/* path_id's handle_scsi for the transports we can reproduce: ATA and the
 * default (virtio-scsi, most HBAs). Others give up (-ENOTSUP). On success
 * dir is where the walk continues. */
static int path_scsi(const struct fr_roots *r, char *dir, char *path, size_t size)
{
    char t[64], host[PATH_MAX], comp[128], buf[64];
    unsigned h, c, tg, l;
    const char *rel = dir + sys_len(r); /* "/devices/..." as udev sees it */

    dev_devtype(dir, t, sizeof t);
    if (strcmp(t, "scsi_device") != 0)
        return 0;
    if (read_attr_at(dir, "ieee1394_id", buf, sizeof buf) >= 0 || strstr(rel, "/rport-") ||
        strstr(rel, "/end_device-") || strstr(rel, "/session") || strstr(rel, "/vmbus_") ||
        strstr(rel, "/VMBUS"))
        return -ENOTSUP; /* firewire, FC, SAS, iSCSI, Hyper-V: not reproduced */
    if (sscanf(base_name(dir), "%u:%u:%u:%u", &h, &c, &tg, &l) != 4)
        return -ENOTSUP;
    if (!scsi_ancestor(r, dir, "scsi_host", host, sizeof host))
        return -ENOTSUP;

    if (strstr(rel, "/ata")) {
        /* ATA: port number from the ata_port class device of the host's parent. */
        char ap[PATH_MAX], port[32];
        *strrchr(host, '/') = '\0';
        if (fr_path(ap, sizeof ap, r->sys, "class/ata_port/%s/port_no", base_name(host)) < 0 ||
            fr_read_attr(ap, port, sizeof port) <= 0)
            return -ENOTSUP;
        if (c != 0)
            snprintf(comp, sizeof comp, "ata-%s.%u.0", port, c); /* port multiplier */
        else
            snprintf(comp, sizeof comp, "ata-%s.%u", port, tg);
        return path_prepend(path, size, comp); /* walk goes on from the scsi device */
    }

    /* Default: rebase the global host number on the lowest hostN beside it. */
    char base[PATH_MAX];
    snprintf(base, sizeof base, "%s", host);
    *strrchr(base, '/') = '\0';
    DIR *d = opendir(base);
    if (!d)
        return -ENOTSUP;
    long basenum = -1;
    for (struct dirent *de; (de = readdir(d));) {
        char *end;
        if (strncmp(de->d_name, "host", 4) != 0 || !de->d_name[4])
            continue;
        if (de->d_type != DT_DIR && de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
            continue;
        long n = strtol(de->d_name + 4, &end, 10);
        if (*end || n < 0)
            continue;
        if (basenum < 0 || n < basenum)
            basenum = n;
    }
    closedir(d);
    memcpy(dir, host, strlen(host) + 1);
    if (basenum < 0)
        return 0; /* udev adds nothing here either */
    snprintf(comp, sizeof comp, "scsi-%ld:%u:%u:%u", (long)h - basenum, c, tg, l);
    return path_prepend(path, size, comp);
}

/* udev's path_id builtin for the disk directory disk_dir. */
static int compose_path(const struct fr_roots *r, const char *disk_dir, char *path, size_t size)
{
    char cur[PATH_MAX], subsys[64], comp[PATH_MAX];
    bool transport = false, parent_ok = false;
    int rc;

    path[0] = '\0';
    /* 60-persistent-storage.rules: no path_id for virtual devices. */
    if (strstr(disk_dir + sys_len(r), "/virtual/"))
        return -ENOENT;
    snprintf(cur, sizeof cur, "%s", disk_dir);
    do {
        dev_subsystem(cur, subsys, sizeof subsys);
        const char *sysname = base_name(cur);
        if (strcmp(subsys, "scsi") == 0) {
            rc = path_scsi(r, cur, path, size);
            if (rc < 0)
                return rc;
            transport = true;
        } else if (strcmp(subsys, "pci") == 0 || strcmp(subsys, "platform") == 0 ||
                   strcmp(subsys, "amba") == 0 || strcmp(subsys, "acpi") == 0 ||
                   strcmp(subsys, "xen") == 0) {
            if ((size_t)snprintf(comp, sizeof comp, "%s-%s", subsys, sysname) >= sizeof comp)
                return -ENAMETOOLONG;
            rc = path_prepend(path, size, comp);
            if (rc < 0)
                return rc;
            skip_subsystem(r, cur, subsys);
            parent_ok = true;
            if (strcmp(subsys, "platform") == 0 || strcmp(subsys, "amba") == 0)
                transport = true;
        } else if (strcmp(subsys, "virtio") == 0) {
            skip_subsystem(r, cur, "virtio");
            transport = true;
        } else if (strcmp(subsys, "nvme") == 0) {
            char nsid[32];
            if (read_attr_at(disk_dir, "nsid", nsid, sizeof nsid) > 0) {
                snprintf(comp, sizeof comp, "nvme-%s", nsid);
                rc = path_prepend(path, size, comp);
                if (rc < 0)
                    return rc;
                skip_subsystem(r, cur, "nvme");
                transport = parent_ok = true;
            }
        } else if (strcmp(subsys, "usb") == 0 || strcmp(subsys, "cciss") == 0 ||
                   strcmp(subsys, "bcma") == 0 || strcmp(subsys, "serio") == 0 ||
                   strcmp(subsys, "ccw") == 0 || strcmp(subsys, "ccwgroup") == 0 ||
                   strcmp(subsys, "ap") == 0 || strcmp(subsys, "iucv") == 0 ||
                   strcmp(subsys, "scm") == 0 || strcmp(subsys, "spi") == 0 ||
                   strcmp(subsys, "nvme-subsystem") == 0 || strcmp(subsys, "scsi_tape") == 0) {
            return -ENOTSUP; /* udev names these; we do not reproduce them */
        }
    } while (parent_device(r, cur));

    if (!path[0] || !parent_ok || !transport) {
        path[0] = '\0';
        return -ENOENT;
    }
    return 0;
}

/* udev's "$attr{...}" substitution: trailing whitespace dropped, characters
 * outside its allowed set replaced by '_'; then SYMLINK's own pass (allow
 * "/" and, by default, " "). We replace whitespace by '_' as
 * OPTIONS="string_escape=replace" does; plain SYMLINK would instead split
 * the name at whitespace, so for that case the caller keeps the first word. */
static bool udev_allowed(unsigned char c, const char *extra)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           strchr("#+-.:=@_", c) || (extra && strchr(extra, c));
}

static void udev_replace_chars(char *s, const char *allow)
{
    for (size_t i = 0; s[i];) {
        unsigned char c = (unsigned char)s[i];
        if (udev_allowed(c, allow)) {
            i++;
        } else if (c == '\\' && s[i + 1] == 'x') {
            i += 2;
        } else {
            size_t l = fr_utf8_len((const unsigned char *)s + i, strnlen(s + i, 4));
            if (l > 1) {
                i += l;
            } else if ((c == ' ' || (c >= '\t' && c <= '\r')) && allow && strchr(allow, ' ')) {
                s[i++] = ' ';
            } else {
                s[i++] = '_';
            }
        }
    }
}

static void strip_trailing_space(char *s)
{
    size_t l = strlen(s);
    while (l > 0 && (s[l - 1] == ' ' || (s[l - 1] >= '\t' && s[l - 1] <= '\r')))
        s[--l] = '\0';
}

/* $attr{name} of the nearest device in the chain from dir upwards that has a
 * non-empty value (udev's ATTRS{name}=="?*"). */
static int attrs_value(const struct fr_roots *r, const char *dir, const char *name, char *buf,
                       size_t size)
{
    char cur[PATH_MAX];
    snprintf(cur, sizeof cur, "%s", dir);
    do {
        if (read_attr_at(cur, name, buf, size) > 0) {
            strip_trailing_space(buf);
            if (buf[0]) {
                udev_replace_chars(buf, "/ $%?,");
                return 0;
            }
        }
    } while (parent_device(r, cur));
    buf[0] = '\0';
    return -ENOENT;
}

/* Raw read of a binary sysfs attribute (VPD pages may end in 0x0a). */
static int read_binary(const char *dir, const char *attr, unsigned char *buf, size_t size)
{
    char p[PATH_MAX];
    if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, attr) >= sizeof p)
        return -ENAMETOOLONG;
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, size);
    int e = errno;
    close(fd);
    return n < 0 ? -e : (int)n;
}

/* udev_replace_whitespace(): leading/trailing whitespace dropped, inner
 * runs become one '_'. */
static void replace_whitespace(char *s)
{
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; s[i]; i++) {
        bool ws = s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r');
        if (ws) {
            space = o > 0;
            continue;
        }
        if (space)
            s[o++] = '_';
        space = false;
        s[o++] = s[i];
    }
    s[o] = '\0';
}

/* scsi_id's ID_SERIAL from the VPD pages the kernel already read (sysfs
 * vpd_pg83, vpd_pg80) instead of SG_IO: page 0x83 descriptors in scsi_id's
 * priority order (NAA IEEE registered extended, NAA IEEE registered, other
 * NAA, EUI-64, T10 vendor id, vendor specific; binary before ASCII), each
 * prefixed with its type digit, vendor specific ones also with the 8+16
 * byte vendor and model; else 'S' + vendor + model + page 0x80 serial. */
static int scsi_id_serial(const char *scsi_dir, char *serial, size_t size)
{
    static const struct { int type, naa, codeset; } order[] = {
        { 3, 6, 1 }, { 3, 6, 2 }, { 3, 5, 1 }, { 3, 5, 2 }, { 3, -1, 1 }, { 3, -1, 2 },
        { 2, -1, 1 }, { 2, -1, 2 }, { 1, -1, 1 }, { 1, -1, 2 }, { 0, -1, 1 }, { 0, -1, 2 },
    };
    static const char hex[] = "0123456789abcdef";
    unsigned char pg[1024];
    char vm[8 + 16 + 1], vendor[64], model[64];
    int n;

    /* Vendor and model exactly as INQUIRY returned them (space padded). */
    bool have_vm = read_attr_at(scsi_dir, "vendor", vendor, sizeof vendor) == 8 &&
                   read_attr_at(scsi_dir, "model", model, sizeof model) == 16;
    if (have_vm) {
        memcpy(vm, vendor, 8);
        memcpy(vm + 8, model, 16);
        vm[24] = '\0';
    }

    n = read_binary(scsi_dir, "vpd_pg83", pg, sizeof pg);
    if (n >= 4 && pg[1] == 0x83) {
        size_t end = 4 + (((size_t)pg[2] << 8) | pg[3]);
        if (end > (size_t)n)
            end = (size_t)n;
        if (n > 6 && pg[6] != 0) {
            /* Pre-SPC-3 (SCSI-2) page: the identifier follows the header. */
            size_t o = 0;
            serial[o++] = '3';
            for (size_t i = 4; i < 4 + (size_t)pg[3] && i < (size_t)n && o + 3 < size; i++) {
                serial[o++] = hex[pg[i] >> 4];
                serial[o++] = hex[pg[i] & 15];
            }
            serial[o] = '\0';
            return 0;
        }
        for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
            for (size_t j = 4; j + 4 <= end; j += 4 + (size_t)pg[j + 3]) {
                const unsigned char *d = pg + j;
                size_t len = d[3];
                if (j + 4 + len > end)
                    break;
                if ((d[1] & 0x30) != 0 || (d[1] & 0x0f) != order[k].type ||
                    (d[0] & 0x0f) != order[k].codeset)
                    continue;
                if (order[k].naa >= 0 && (len < 1 || (d[4] >> 4) != order[k].naa))
                    continue;
                if (order[k].type == 0 && !have_vm)
                    continue;
                size_t need = 2 + len * 2 + (order[k].type == 0 ? 24 : 0);
                if (need > size)
                    continue;
                size_t o = 0;
                serial[o++] = hex[order[k].type];
                if (order[k].type == 0) {
                    memcpy(serial + o, vm, 24);
                    o += 24;
                }
                for (size_t i = 0; i < len; i++) {
                    if (order[k].codeset == 2) {
                        serial[o++] = (char)d[4 + i];
                    } else {
                        serial[o++] = hex[d[4 + i] >> 4];
                        serial[o++] = hex[d[4 + i] & 15];
                    }
                }
                serial[o] = '\0';
                if (strlen(serial) == o) /* no NUL inside an ASCII id */
                    return 0;
            }
        }
    }

    n = read_binary(scsi_dir, "vpd_pg80", pg, sizeof pg);
    if (n >= 4 && pg[1] == 0x80 && have_vm && (size_t)pg[3] + 4 <= (size_t)n &&
        26 + (size_t)pg[3] <= size) {
        serial[0] = 'S';
        memcpy(serial + 1, vm, 24);
        memcpy(serial + 25, pg + 4, pg[3]);
        serial[25 + pg[3]] = '\0';
        return 0;
    }
    return -ENOENT;
}

/* by-id/scsi-<ID_SERIAL> as 60-persistent-storage.rules makes it after
 * scsi_id. ATA disks (vendor "ATA") and USB get their ID_SERIAL from ata_id
 * or usb_id, which need the device itself: no name for those. */
static void scsi_serial(const struct fr_roots *r, const char *disk_dir, char *out, size_t size)
{
    char scsi[PATH_MAX], serial[600], s[64];

    snprintf(scsi, sizeof scsi, "%s", disk_dir);
    for (;;) {
        if (!parent_device(r, scsi))
            return;
        dev_subsystem(scsi, s, sizeof s);
        if (strcmp(s, "scsi") == 0) {
            dev_devtype(scsi, s, sizeof s);
            if (strcmp(s, "scsi_device") == 0)
                break;
        }
    }
    char cur[PATH_MAX];
    snprintf(cur, sizeof cur, "%s", scsi);
    do {
        dev_subsystem(cur, s, sizeof s);
        if (strcmp(s, "usb") == 0)
            return;
    } while (parent_device(r, cur));
    if (read_attr_at(scsi, "vendor", s, sizeof s) >= 3 && strncmp(s, "ATA", 3) == 0 &&
        (s[3] == '\0' || s[3] == ' '))
        return;
    if (scsi_id_serial(scsi, serial, sizeof serial) < 0)
        return;
    replace_whitespace(serial);
    udev_replace_chars(serial, NULL);
    if (serial[0] && (size_t)snprintf(out, size, "scsi-%s", serial) >= size)
        out[0] = '\0';
}

/* by-id for virtio-blk and NVMe as 60-persistent-storage.rules does. */
static void compose_id(const struct fr_roots *r, const struct fr_blockdev *d,
                       const char *disk_dir, char *out, size_t size)
{
    char serial[256], model[256], name[600];
    const char *kname = base_name(disk_dir);

    out[0] = '\0';
    if (strncmp(kname, "vd", 2) == 0) {
        /* KERNEL=="vd*", ATTRS{serial}=="?*": plain SYMLINK, so the name
         * ends at the first space; a '/' would make a subdirectory. */
        if (attrs_value(r, disk_dir, "serial", serial, sizeof serial) < 0)
            return;
        udev_replace_chars(serial, "/ ");
        serial[strcspn(serial, " ")] = '\0';
        if (!serial[0] || strchr(serial, '/'))
            return;
        snprintf(out, size, "virtio-%s", serial);
    } else if (strncmp(kname, "nvme", 4) == 0 && strchr(kname + 4, 'n')) {
        /* The string_escape=replace variant: "nvme-<model>_<serial>". */
        if (attrs_value(r, disk_dir, "serial", serial, sizeof serial) < 0 ||
            attrs_value(r, disk_dir, "model", model, sizeof model) < 0)
            return;
        snprintf(name, sizeof name, "nvme-%s_%s", model, serial);
        udev_replace_chars(name, "/");
        if (strchr(name, '/') || strlen(name) >= size)
            return;
        snprintf(out, size, "%s", name);
    } else if (strncmp(kname, "sd", 2) == 0 || strncmp(kname, "sr", 2) == 0) {
        scsi_serial(r, disk_dir, out, size);
    }
    (void)d;
}

/* Replace *dst by a copy of src, NULL for "" (or without memory). */
static void set_name(char **dst, const char *src)
{
    free(*dst);
    *dst = src[0] ? strdup(src) : NULL;
}

void fr_devices_identify(struct fr_blockdev *d, const struct fr_roots *r)
{
    char disk_dir[PATH_MAX], id[512], path[512];

    if (!d->syspath)
        return;
    snprintf(disk_dir, sizeof disk_dir, "%s", d->syspath);
    if (d->partition) {
        /* Partitions take the disk's ID_SERIAL and ID_PATH (IMPORT{parent}). */
        char *s = strrchr(disk_dir, '/');
        if (s)
            *s = '\0';
    }
    compose_id(r, d, disk_dir, id, sizeof id);
    if (compose_path(r, disk_dir, path, sizeof path) < 0)
        path[0] = '\0';
    set_name(&d->id_name, id);
    set_name(&d->path_name, path);
    log_debug("block device %s: by-id '%s' by-path '%s'", d->name, id, path);
}
