/* /dev/disk/by-* links named as udev's 60-persistent-storage.rules names
 * them. Written only below a /dev/disk directory fd (O_NOFOLLOW at every
 * step), atomically (temp link + rename), never over anything not a link. */
#include <blkid/blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "links.h"
#include "log.h"
#include "sysfs.h"
#include "text.h"

static const char *const categories[] = { "by-uuid", "by-label", "by-partuuid",
                                          "by-partlabel", "by-id", "by-path" };
#define NCATEGORIES (sizeof categories / sizeof categories[0])

int fr_encode_name(const char *in, char *out, size_t size)
{
    if (!in || !out || size == 0)
        return -EINVAL;
    /* Each byte becomes at most "\xNN"; libblkid reports a short buffer
     * only as -1, so encode into room enough and measure. */
    size_t need = strlen(in) * 4 + 8; /* libblkid wants slack at the end */
    char *tmp = malloc(need);
    if (!tmp)
        return -ENOMEM;
    int rc = 0;
    if (blkid_encode_string(in, tmp, need) != 0)
        rc = -EINVAL;
    else if (strlen(tmp) + 1 > size)
        rc = -ENAMETOOLONG;
    else
        memcpy(out, tmp, strlen(tmp) + 1);
    free(tmp);
    return rc;
}

static void add_name(struct fr_linkset *out, const char *cat, const char *leaf,
                     const char *suffix)
{
    char full[NAME_MAX * 2];
    if (out->n >= FR_LINKS_MAX)
        return;
    if ((size_t)snprintf(full, sizeof full, "%s%s", leaf, suffix) >= sizeof full || !fr_name_valid(full))
        return;
    if ((size_t)snprintf(out->name[out->n], sizeof out->name[0], "%s/%s", cat, full) >=
        sizeof out->name[0])
        return;
    out->n++;
}

static void add_encoded(struct fr_linkset *out, const char *cat, const char *raw)
{
    char enc[NAME_MAX + 1];
    if (!raw[0] || fr_encode_name(raw, enc, sizeof enc) < 0)
        return;
    add_name(out, cat, enc, "");
}

/* A by-id or by-path name (NULL: unknown) of the device, else its disk's. */
static const char *own_or_disk(const char *own, const char *disk)
{
    if (own && own[0])
        return own;
    return disk ? disk : "";
}

void fr_link_names(const struct fr_blockdev *d, const struct fr_blockdev *disk,
                   struct fr_linkset *out)
{
    char suffix[32] = "";

    out->n = 0;
    if (d->partition)
        snprintf(suffix, sizeof suffix, "-part%d", d->partn);

    /* by-uuid/by-label only for these usages, and never from an ambivalent
     * probe (blkid_do_safeprobe -2). */
    if (d->probed && d->probe_rc == 0 &&
        (strcmp(d->usage, "filesystem") == 0 || strcmp(d->usage, "crypto") == 0 ||
         strcmp(d->usage, "other") == 0)) {
        add_encoded(out, "by-uuid", d->uuid);
        add_encoded(out, "by-label", d->label);
    }
    if (d->partition) {
        add_encoded(out, "by-partuuid", d->partuuid);
        /* udev: ID_PART_ENTRY_SCHEME=="gpt"; we only copy names from GPT. */
        if (!disk || !disk->pttype[0] || strcmp(disk->pttype, "gpt") == 0)
            add_encoded(out, "by-partlabel", d->partlabel);
    }
    /* by-id and by-path names are already in udev's form (see devices.c). */
    const char *id = own_or_disk(d->id_name, disk ? disk->id_name : NULL);
    const char *path = own_or_disk(d->path_name, disk ? disk->path_name : NULL);
    if (id[0])
        add_name(out, "by-id", id, suffix);
    if (path[0])
        add_name(out, "by-path", path, suffix);
}

int fr_link_target(const char *name, const char *devname, char *buf, size_t size)
{
    /* The link lives in /dev/disk/<dir of name>; climb to /dev. */
    size_t len = 0;
    int depth = 1; /* "disk" */
    for (const char *c = name; *c; c++)
        if (*c == '/')
            depth++;
    buf[0] = '\0';
    for (int i = 0; i < depth; i++) {
        if (len + 3 >= size)
            return -ENAMETOOLONG;
        memcpy(buf + len, "../", 4);
        len += 3;
    }
    if (len + strlen(devname) + 1 > size)
        return -ENAMETOOLONG;
    memcpy(buf + len, devname, strlen(devname) + 1);
    return 0;
}

/* ---- choosing one device per name ---- */

struct claim {
    const char *name; /* points into a linkset */
    int idx;
};

struct claims {
    struct claim *v;
    struct fr_linkset *sets;
    size_t n;
};

static const struct fr_blockdev *disk_of(const struct fr_devtab *t, const struct fr_blockdev *d)
{
    if (!d->partition)
        return d;
    int di = fr_devtab_find(t, d->disk);
    return di >= 0 ? &t->v[di] : NULL;
}

static const struct fr_devtab *sort_tab;

static int claim_cmp(const void *a, const void *b)
{
    const struct claim *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return fr_blockdev_cmp(&sort_tab->v[x->idx], &sort_tab->v[y->idx]);
}

/* Every (name, device) pair of present devices, sorted by name and then by
 * preference, so the first of each run of equal names is the choice. */
static int collect(const struct fr_devtab *t, struct claims *c)
{
    c->n = 0;
    c->sets = calloc(t->n ? t->n : 1, sizeof *c->sets);
    c->v = calloc(t->n * FR_LINKS_MAX + 1, sizeof *c->v);
    if (!c->sets || !c->v) {
        free(c->sets);
        free(c->v);
        return -ENOMEM;
    }
    for (size_t i = 0; i < t->n; i++) {
        const struct fr_blockdev *d = &t->v[i];
        if (d->removed)
            continue;
        fr_link_names(d, disk_of(t, d), &c->sets[i]);
        for (size_t k = 0; k < c->sets[i].n; k++)
            c->v[c->n++] = (struct claim){ c->sets[i].name[k], (int)i };
    }
    sort_tab = t;
    qsort(c->v, c->n, sizeof *c->v, claim_cmp);
    return 0;
}

static void claims_free(struct claims *c)
{
    free(c->v);
    free(c->sets);
}

/* Conflicts and refusals repeat on every sync; say each one once. */
static uint64_t said[256];
static size_t nsaid;

static bool say_once(const char *what)
{
    uint64_t h = fr_hash(what);
    for (size_t i = 0; i < nsaid; i++)
        if (said[i] == h)
            return false;
    if (nsaid < sizeof said / sizeof said[0])
        said[nsaid++] = h;
    return true;
}

static void warn_conflict(const struct fr_devtab *t, const struct claim *run, size_t n)
{
    char list[1024];
    size_t len = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n && len < sizeof list; i++) {
        const struct fr_blockdev *d = &t->v[run[i].idx];
        int w = snprintf(list + len, sizeof list - len, "%s%s (%u:%u)", i ? ", " : "", d->devname,
                         d->major, d->minor);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    char key[PATH_MAX + 1100];
    snprintf(key, sizeof key, "c %s %s", run[0].name, list);
    if (say_once(key))
        log_warning("/dev/disk/%s is claimed by %zu devices: %s; using %s (lowest MAJ:MIN)",
                    run[0].name, n, list, t->v[run[0].idx].devname);
}

static int lookup(const struct fr_devtab *t, const char *name, int *ncand)
{
    struct claims c;
    int found = -1, n = 0;

    if (strncmp(name, "disk/", 5) == 0)
        name += 5;
    if (collect(t, &c) < 0)
        return -1;
    for (size_t i = 0; i < c.n; i++) {
        if (strcmp(c.v[i].name, name) != 0)
            continue;
        if (found < 0)
            found = c.v[i].idx;
        n++;
    }
    claims_free(&c);
    if (ncand)
        *ncand = n;
    return found;
}

int fr_links_lookup(const struct fr_devtab *t, const char *name)
{
    return lookup(t, name, NULL);
}

int fr_links_lookup_n(const struct fr_devtab *t, const char *name, int *ncand)
{
    return lookup(t, name, ncand);
}

/* ---- writing ---- */

/* Open (creating) a directory below dirfd, refusing symlinks: a by-uuid
 * replaced by a link to elsewhere must not make us write there. */
/* What the person at the shell should look at when a directory under
 * /dev cannot be used. */
static const char *subdir_hint(int err)
{
    return err == -ELOOP || err == -ENOTDIR ? " (a symlink or not a directory)" : "";
}

/* *made (may be NULL): the directory did not exist and this call made it. */
static int open_subdir(int dirfd, const char *name, bool create, bool *made)
{
    bool m = false;
    if (create) {
        if (mkdirat(dirfd, name, 0755) == 0)
            m = true;
        else if (errno != EEXIST)
            return -errno;
    }
    if (made)
        *made = m;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

static int category_of(const char *name, size_t *leaf_off)
{
    const char *s = strchr(name, '/');
    if (!s)
        return -1;
    for (size_t i = 0; i < NCATEGORIES; i++)
        if (strlen(categories[i]) == (size_t)(s - name) &&
            strncmp(name, categories[i], (size_t)(s - name)) == 0) {
            *leaf_off = (size_t)(s - name) + 1;
            return (int)i;
        }
    return -1;
}

/* 1 created/changed, 0 already right or refused, <0 error. */
static int place_link(int dirfd, const char *name, const char *leaf, const char *target)
{
    char cur[PATH_MAX];
    struct stat st;
    static unsigned counter;

    /* A new name: one call, which never replaces anything. */
    if (symlinkat(target, dirfd, leaf) == 0) {
        log_debug("link /dev/disk/%s -> %s", name, target);
        return 1;
    }
    if (errno != EEXIST)
        return -errno;
    if (fstatat(dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!S_ISLNK(st.st_mode)) {
            char key[PATH_MAX + 8];
            snprintf(key, sizeof key, "n %s", name);
            if (say_once(key))
                log_warning("/dev/disk/%s exists and is not a symlink; leaving it alone", name);
            return 0;
        }
        ssize_t n = readlinkat(dirfd, leaf, cur, sizeof cur - 1);
        if (n >= 0) {
            cur[n] = '\0';
            if (strcmp(cur, target) == 0)
                return 0; /* already right (ours or udevd's): untouched */
        }
    } else if (errno != ENOENT) {
        return -errno;
    }

    char tmp[64];
    snprintf(tmp, sizeof tmp, ".#findroot.%ld.%u", (long)getpid(), counter++);
    (void)unlinkat(dirfd, tmp, 0);
    if (symlinkat(target, dirfd, tmp) < 0)
        return -errno;
    if (renameat(dirfd, tmp, dirfd, leaf) < 0) {
        int e = errno;
        (void)unlinkat(dirfd, tmp, 0);
        return -e;
    }
    log_debug("link /dev/disk/%s -> %s", name, target);
    return 1;
}

/* Remove links that point at a removed device and that no present device
 * claims. Links we do not understand (udevd's wwn-, by-diskseq, ...) point
 * at present devices and stay. */
static void remove_stale(const struct fr_devtab *t, int dirfd, const char *cat,
                         const struct claims *c)
{
    int fd = dup(dirfd);
    if (fd < 0)
        return;
    DIR *dir = fdopendir(fd);
    if (!dir) {
        close(fd);
        return;
    }
    for (struct dirent *de; !fr_deadline_passed() && (de = readdir(dir));) {
        char tgt[PATH_MAX], name[PATH_MAX], want[PATH_MAX];
        if (de->d_name[0] == '.')
            continue;
        ssize_t n = readlinkat(dirfd, de->d_name, tgt, sizeof tgt - 1);
        if (n < 0)
            continue;
        tgt[n] = '\0';
        snprintf(name, sizeof name, "%s/%s", cat, de->d_name);
        bool claimed = false;
        for (size_t i = 0; i < c->n && !claimed; i++)
            claimed = strcmp(c->v[i].name, name) == 0;
        if (claimed)
            continue;
        bool stale = false, present = false;
        for (size_t i = 0; i < t->n; i++) {
            if (fr_link_target(name, t->v[i].devname, want, sizeof want) < 0 ||
                strcmp(want, tgt) != 0)
                continue;
            if (t->v[i].removed)
                stale = true;
            else
                present = true;
        }
        if (stale && !present) {
            if (unlinkat(dirfd, de->d_name, 0) == 0)
                log_debug("removed stale link /dev/disk/%s -> %s", name, tgt);
        }
    }
    closedir(dir);
}

int fr_links_sync(const struct fr_devtab *t, const struct fr_roots *r)
{
    struct claims c;
    int devfd = -1, diskfd = -1, catfd[NCATEGORIES];
    int changed = 0, first_err = 0, rc;
    /* Directories this call made hold only what it put there: no stale
     * links to look for. */
    bool disk_made = false, made[NCATEGORIES] = {false};

    for (size_t i = 0; i < NCATEGORIES; i++)
        catfd[i] = -1;
    rc = collect(t, &c);
    if (rc < 0)
        return rc;

    devfd = open(r->dev, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (devfd < 0) {
        rc = log_error_errno(errno, "cannot open %s", r->dev);
        goto out;
    }
    diskfd = open_subdir(devfd, FR_LINK_TREE, true, &disk_made);
    if (diskfd < 0) {
        rc = log_error_errno(diskfd, "cannot use %s/disk%s", r->dev, subdir_hint(diskfd));
        goto out;
    }

    for (size_t i = 0; i < c.n && !fr_deadline_passed();) {
        size_t j = i + 1;
        while (j < c.n && strcmp(c.v[j].name, c.v[i].name) == 0)
            j++;
        const char *name = c.v[i].name;
        /* One name from several devices (cloned disks, duplicate UUIDs). */
        if (j - i > 1)
            warn_conflict(t, &c.v[i], j - i);

        size_t off;
        int cat = category_of(name, &off);
        if (cat >= 0 && catfd[cat] == -1) {
            catfd[cat] = open_subdir(diskfd, categories[cat], true, &made[cat]);
            if (catfd[cat] < 0) {
                char key[64];
                snprintf(key, sizeof key, "d %s", categories[cat]);
                if (say_once(key))
                    log_warning_errno(catfd[cat], "cannot use %s/disk/%s%s", r->dev,
                                      categories[cat], subdir_hint(catfd[cat]));
                /* A symlink in the way is refused on purpose, not an
                 * unusable /dev. */
                if (!first_err && !subdir_hint(catfd[cat])[0])
                    first_err = catfd[cat];
                catfd[cat] = -2;
            }
        }
        if (cat >= 0 && catfd[cat] >= 0) {
            char target[PATH_MAX];
            const struct fr_blockdev *d = &t->v[c.v[i].idx];
            if (fr_link_target(name, d->devname, target, sizeof target) == 0) {
                int p = place_link(catfd[cat], name, name + off, target);
                if (p > 0) {
                    changed++;
                } else if (p < 0) {
                    /* Once per category: a read-only or full /dev fails
                     * every link the same way. */
                    char key[64];
                    snprintf(key, sizeof key, "l %s", categories[cat]);
                    if (say_once(key))
                        log_warning_errno(p, "cannot make links in %s/disk/%s", r->dev,
                                          categories[cat]);
                    else
                        log_debug_errno(p, "link /dev/disk/%s", name);
                    if (!first_err)
                        first_err = p;
                }
            }
        }
        i = j;
    }

    /* Stale links of removed devices, in every category dir that exists. */
    for (size_t k = 0; k < NCATEGORIES && !disk_made; k++) {
        if (catfd[k] == -2 || made[k])
            continue;
        if (catfd[k] == -1) {
            catfd[k] = open_subdir(diskfd, categories[k], false, NULL);
            if (catfd[k] < 0) {
                catfd[k] = -1;
                continue;
            }
        }
        remove_stale(t, catfd[k], categories[k], &c);
    }
    /* Some links made: the warnings said what failed. None made and
     * something failed: that is the error. */
    rc = changed == 0 && first_err ? first_err : changed;

out:
    for (size_t i = 0; i < NCATEGORIES; i++)
        if (catfd[i] >= 0)
            close(catfd[i]);
    if (diskfd >= 0)
        close(diskfd);
    if (devfd >= 0)
        close(devfd);
    claims_free(&c);
    return rc;
}
