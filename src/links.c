/* Writes the /dev/disk/by-* links only below a /dev/disk directory fd
 * (O_NOFOLLOW at every step), atomically, never over anything not a link. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linkname.h"
#include "links.h"
#include "log.h"
#include "sysfs.h"
#include "util.h"

static const char *const categories[] = { "by-uuid", "by-label", "by-partuuid",
                                          "by-partlabel", "by-id", "by-path" };
#define NCATEGORIES (sizeof categories / sizeof categories[0])

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

static void warn_conflict(const struct fr_devtab *t, const struct fr_claim *run, size_t n)
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

/* What the person at the shell should look at when a directory under
 * /dev cannot be used. */
static const char *subdir_hint(int err)
{
    return err == -ELOOP || err == -ENOTDIR ? " (a symlink or not a directory)" : "";
}

/* Open (creating) a directory below dirfd, refusing symlinks: a by-uuid
 * replaced by a link to elsewhere must not make us write there. *made (may
 * be NULL): the directory did not exist and this call made it. */
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
                         const struct fr_claims *c)
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
    struct fr_claims c;
    int devfd = -1, diskfd = -1, catfd[NCATEGORIES];
    int changed = 0, first_err = 0, rc;
    /* Directories this call made hold only what it put there: no stale
     * links to look for. */
    bool disk_made = false, made[NCATEGORIES] = {false};

    for (size_t i = 0; i < NCATEGORIES; i++)
        catfd[i] = -1;
    rc = fr_claims_collect(t, &c);
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
    fr_claims_free(&c);
    return rc;
}
