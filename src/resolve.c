/* Matching a root spec against the device table. Several matches (cloned
 * disks) get the same deterministic choice as the links, and a warning. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "linkname.h"
#include "log.h"
#include "internal.h"
#include "resolve.h"
#include "util.h"

/* Kind names for messages; spec.c has the same, but matching should not
 * depend on the parser being linked. */
static const char *kind_name(enum fr_spec_kind k)
{
    switch (k) {
    case FR_SPEC_UUID: return "UUID=";
    case FR_SPEC_LABEL: return "LABEL=";
    case FR_SPEC_PARTUUID: return "PARTUUID=";
    case FR_SPEC_PARTLABEL: return "PARTLABEL=";
    case FR_SPEC_PATH: return "/dev/";
    case FR_SPEC_DEVNUM: return "";
    }
    return "?";
}

/* Follow a symlink chain under roots->dev lexically; gives the path
 * relative to /dev (e.g. "vda1") or -errno when it leaves /dev. */
static int dev_symlink_target(const struct fr_roots *r, const char *rel, char *out, size_t size)
{
    char cur[PATH_MAX], tgt[PATH_MAX], p[PATH_MAX], joined[PATH_MAX * 2];

    if ((size_t)snprintf(cur, sizeof cur, "%s", rel) >= sizeof cur)
        return -ENAMETOOLONG;
    for (int hop = 0; hop < 16; hop++) {
        if (fr_path(p, sizeof p, r->dev, "%s", cur) < 0)
            return -ENAMETOOLONG;
        ssize_t n = readlink(p, tgt, sizeof tgt - 1);
        if (n < 0) {
            if (errno != EINVAL)
                return -errno;
            return (size_t)snprintf(out, size, "%s", cur) < size ? 0 : -ENAMETOOLONG;
        }
        tgt[n] = '\0';
        if (tgt[0] == '/') {
            /* Absolute targets mean the real /dev; accept them only there. */
            size_t dl = strlen(r->dev);
            if (strncmp(tgt, r->dev, dl) != 0 || tgt[dl] != '/')
                return -EXDEV;
            snprintf(joined, sizeof joined, "%s", tgt + dl + 1);
        } else {
            char *slash = strrchr(cur, '/');
            if (slash)
                snprintf(joined, sizeof joined, "%.*s/%s", (int)(slash - cur), cur, tgt);
            else
                snprintf(joined, sizeof joined, "%s", tgt);
        }
        /* Normalise "a/b/../../c" without touching the filesystem; the
         * result is "/a/b", cur takes it without the first '/'. */
        char norm[PATH_MAX + 1];
        int rc = fr_path_normalize(norm, sizeof norm, 0, joined);
        if (rc < 0)
            return rc;
        if (!norm[0])
            return -EXDEV;
        memcpy(cur, norm + 1, strlen(norm));
    }
    return -ELOOP;
}

static bool matches(const struct fr_blockdev *d, const struct fr_spec *s, const char *devname)
{
    switch (s->kind) {
    case FR_SPEC_UUID:
        return d->probe.done && d->probe.rc == 0 && d->probe.uuid && strcasecmp(d->probe.uuid, s->value) == 0;
    case FR_SPEC_LABEL:
        return d->probe.done && d->probe.rc == 0 && d->probe.label && strcmp(d->probe.label, s->value) == 0;
    case FR_SPEC_PARTUUID:
        return d->partition && d->probe.partuuid && strcasecmp(d->probe.partuuid, s->value) == 0;
    case FR_SPEC_PARTLABEL:
        return d->partition && d->probe.partlabel && strcmp(d->probe.partlabel, s->value) == 0;
    case FR_SPEC_PATH:
        return strcmp(d->devname, s->value) == 0 || (devname && strcmp(d->devname, devname) == 0);
    case FR_SPEC_DEVNUM:
        return d->major == s->major && d->minor == s->minor;
    }
    return false;
}

/* PARTUUID=.../PARTNROFF=N: the partition N further on the same disk. */
static int apply_partnroff(const struct fr_devtab *t, int idx, int off)
{
    const struct fr_blockdev *p = &t->v[idx];
    for (size_t i = 0; i < t->n; i++) {
        const struct fr_blockdev *q = &t->v[i];
        if (!q->removed && q->partition && strcmp(q->disk, p->disk) == 0 &&
            q->partn == p->partn + off)
            return (int)i;
    }
    return -ENOENT;
}

int fr_resolve_roots(const struct fr_devtab *t, const struct fr_spec *s, const struct fr_roots *r,
                     int *nmatch)
{
    char devname[PATH_MAX];
    const char *alt = NULL;
    int best = -ENOENT, n = 0;

    if (nmatch)
        *nmatch = 0;

    if (s->kind == FR_SPEC_PATH && strncmp(s->value, "disk/by-", 8) == 0) {
        int cand = 0, li = fr_links_lookup_n(t, s->value + 5, &cand);
        if (li >= 0) {
            if (nmatch)
                *nmatch = cand;
            return li;
        }
    }
    /* A link or alias that already exists under /dev (udevd's, an
     * administrator's): compare what it points at. */
    if (s->kind == FR_SPEC_PATH && r && dev_symlink_target(r, s->value, devname, sizeof devname) == 0)
        alt = devname;

    for (size_t i = 0; i < t->n; i++) {
        const struct fr_blockdev *d = &t->v[i];
        if (d->removed || !matches(d, s, alt))
            continue;
        int idx = (int)i;
        if (s->kind == FR_SPEC_PARTUUID && s->partnroff) {
            idx = apply_partnroff(t, idx, s->partnroff);
            if (idx < 0)
                continue;
        }
        n++;
        if (best < 0 || fr_blockdev_cmp(&t->v[idx], &t->v[best]) < 0)
            best = idx;
    }

    if (n > 1) {
        char list[1024];
        size_t len = 0;
        list[0] = '\0';
        for (size_t i = 0; i < t->n && len < sizeof list; i++) {
            const struct fr_blockdev *d = &t->v[i];
            if (d->removed || !matches(d, s, alt))
                continue;
            int w = snprintf(list + len, sizeof list - len, "%s%s (%u:%u)", len ? ", " : "",
                             d->devname, d->major, d->minor);
            if (w < 0)
                break;
            len += (size_t)w;
        }
        char what[FR_SPEC_VALUE_MAX + 32];
        if (s->kind == FR_SPEC_DEVNUM)
            snprintf(what, sizeof what, "%u:%u", s->major, s->minor);
        else if (s->kind == FR_SPEC_PARTUUID && s->partnroff)
            snprintf(what, sizeof what, "PARTUUID=%s/PARTNROFF=%d", s->value, s->partnroff);
        else
            snprintf(what, sizeof what, "%s%s", kind_name(s->kind), s->value);
        log_warning("%d devices match %s: %s; using %s (lowest MAJ:MIN)", n, what, list,
                    t->v[best].devname);
    }
    if (nmatch)
        *nmatch = n;
    return best;
}

int fr_resolve(const struct fr_devtab *t, const struct fr_spec *s, int *nmatch)
{
    return fr_resolve_roots(t, s, NULL, nmatch);
}
