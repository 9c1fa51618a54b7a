/* The block device table: each device's numbers, partition, disk and node
 * name from sysfs, its node under /dev, kept up to date by scans and events. */
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
#include "udevid.h"
#include "util.h"

/* What an entry owns. */
static void blockdev_release(struct fr_blockdev *d)
{
    free(d->name);
    free(d->devname);
    free(d->disk);
    free(d->syspath);
    free(d->parts);
    free(d->id_name);
    free(d->path_name);
    d->name = d->devname = d->disk = d->syspath = d->id_name = d->path_name = NULL;
    d->parts = NULL;
    fr_probeinfo_clear(&d->probe);
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
    return -ENOENT;
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

/* What sysfs says about the device name: numbers, partition, disk and node
 * name, into nd (its strings allocated). Returns 0 or -errno; nd's strings
 * are then for the caller to free all the same. */
static int read_blockdev(struct fr_devtab *t, const struct fr_roots *r, const char *name,
                         struct fr_blockdev *nd)
{
    char syspath[PATH_MAX], buf[PATH_MAX];
    int rc;

    rc = fr_sysfs_block_dir(r, name, syspath, sizeof syspath);
    if (rc < 0) {
        log_debug("block device %s: no sysfs entry (%d)", name, rc);
        return rc;
    }

    rc = fr_read_attr_at(syspath, "dev", buf, sizeof buf);
    if (rc < 0)
        return rc == -EINVAL ? -EINVAL : -ENOENT;
    if (sscanf(buf, "%u:%u", &nd->major, &nd->minor) != 2) {
        log_debug("block device %s: bad dev attribute '%s'", name, buf);
        return -EINVAL;
    }

    rc = fr_read_attr_at(syspath, "partition", buf, sizeof buf);
    if (rc >= 0) {
        nd->partition = true;
        nd->partn = atoi(buf);
        char *slash = strrchr(syspath, '/');
        *slash = '\0';
        char *dslash = strrchr(syspath, '/');
        const char *disk = dslash ? dslash + 1 : syspath;
        rc = strlen(disk) > NAME_MAX ? -ENAMETOOLONG : 0;
        if (rc == 0 && !(nd->disk = strdup(disk)))
            rc = -ENOMEM;
        *slash = '/';
        if (rc < 0)
            return rc;
    } else {
        nd->disk = strdup(name);
        if (!nd->disk)
            return -ENOMEM;
    }

    char uev[PATH_MAX];
    if ((size_t)snprintf(uev, sizeof uev, "%s/uevent", syspath) < sizeof uev &&
        fr_uevent_file_get(uev, "DEVNAME", buf, sizeof buf) > 0) {
        nd->devname = strdup(buf);
    } else {
        nd->devname = strdup(name);
        for (char *c = nd->devname; c && *c; c++)
            if (*c == '!')
                *c = '/';
    }
    if (!nd->devname)
        return -ENOMEM;
    if (!devname_valid(nd->devname)) {
        fr_log(refused_before(t, name) ? FR_LOG_DEBUG : FR_LOG_WARNING,
               "block device %s: refusing node name '%s'", name, nd->devname);
        return -EINVAL;
    }

    nd->name = strdup(name);
    nd->syspath = strdup(syspath);
    return nd->name && nd->syspath ? 0 : -ENOMEM;
}

int fr_devtab_add(struct fr_devtab *t, const struct fr_roots *r, const char *name)
{
    struct fr_blockdev nd = { 0 };
    int rc;

    if (!fr_name_valid(name))
        return -EINVAL;
    rc = read_blockdev(t, r, name, &nd);
    if (rc < 0) {
        blockdev_release(&nd);
        return rc;
    }
    int idx = fr_devtab_find(t, name);
    if (idx >= 0) {
        struct fr_blockdev *o = &t->v[idx];
        /* Same device again (change event, rescan): keep what the probe and
         * the identification found unless the numbers changed. The disk's
         * partition entries are read again: the event may be for a new table. */
        if (o->major == nd.major && o->minor == nd.minor && o->partn == nd.partn) {
            nd.probe = o->probe;
            o->probe = (struct fr_probeinfo){ 0 };
            nd.id_name = o->id_name;
            nd.path_name = o->path_name;
            o->id_name = o->path_name = NULL;
        }
        blockdev_release(o);
        *o = nd;
    } else {
        rc = fr_grow(&t->v, &t->cap, t->n, sizeof *t->v, 16);
        if (rc < 0) {
            blockdev_release(&nd);
            return rc;
        }
        idx = (int)t->n++;
        t->v[idx] = nd;
        index_entries(t);
    }
    const struct fr_blockdev *d = &t->v[idx];
    ensure_node(r, d);
    log_debug("block device %s: %u:%u node %s%s%s", d->name, d->major, d->minor, d->devname,
              d->partition ? " partition of " : "", d->partition ? d->disk : "");
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

/* A partition takes its disk's names (udev's IMPORT{parent}): where the
 * disk's entry has them already, for the same sysfs directory, they are
 * copied instead of walking sysfs again. */
static void identify(struct fr_devtab *t, size_t i, const struct fr_roots *r)
{
    struct fr_blockdev *d = &t->v[i];
    int di = d->partition && d->disk ? fr_devtab_find(t, d->disk) : -1;

    if (di >= 0 && (size_t)di != i && !t->v[di].removed && t->v[di].identified &&
        t->v[di].syspath && d->syspath) {
        const char *dsys = t->v[di].syspath, *slash = strrchr(d->syspath, '/');
        size_t len = strlen(dsys);
        if (slash && (size_t)(slash - d->syspath) == len && strncmp(d->syspath, dsys, len) == 0 &&
            fr_str_set(&d->id_name, t->v[di].id_name) == 0 &&
            fr_str_set(&d->path_name, t->v[di].path_name) == 0) {
            d->identified = true;
            log_debug("block device %s: by-id '%s' by-path '%s' (from %s)", d->name,
                      d->id_name ? d->id_name : "", d->path_name ? d->path_name : "",
                      t->v[di].name);
            return;
        }
    }
    fr_devices_identify(d, r);
}

int fr_devices_refresh(struct fr_devtab *t, const struct fr_roots *r, bool scan)
{
    int rc = scan ? fr_devtab_scan(t, r) : (int)t->n;

    for (size_t i = 0; i < t->n && !fr_deadline_passed(); i++) {
        if (t->v[i].removed)
            continue;
        identify(t, i, r);
        if (!t->v[i].probe.done)
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
    identify(t, (size_t)idx, r);
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
    fr_udev_id_name(r, disk_dir, id, sizeof id);
    if (fr_udev_path_name(r, disk_dir, path, sizeof path) < 0)
        path[0] = '\0';
    /* Without memory a name stays unknown (NULL): no link, no failure. */
    (void)fr_str_set(&d->id_name, id);
    (void)fr_str_set(&d->path_name, path);
    d->identified = true;
    log_debug("block device %s: by-id '%s' by-path '%s'", d->name, id, path);
}
