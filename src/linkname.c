/* The /dev/disk/by-* names udev's 60-persistent-storage.rules gives each
 * device, and the one device each name goes to; pure, nothing is written. */
#include <blkid/blkid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "linkname.h"
#include "util.h"

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

/* raw: a probe value, NULL when empty. */
static void add_encoded(struct fr_linkset *out, const char *cat, const char *raw)
{
    char enc[NAME_MAX + 1];
    if (!raw || !raw[0] || fr_encode_name(raw, enc, sizeof enc) < 0)
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
    if (d->probe.done && d->probe.rc == 0 &&
        (strcmp(d->probe.usage, "filesystem") == 0 || strcmp(d->probe.usage, "crypto") == 0 ||
         strcmp(d->probe.usage, "other") == 0)) {
        add_encoded(out, "by-uuid", d->probe.uuid);
        add_encoded(out, "by-label", d->probe.label);
    }
    if (d->partition) {
        add_encoded(out, "by-partuuid", d->probe.partuuid);
        /* udev: ID_PART_ENTRY_SCHEME=="gpt"; we only copy names from GPT. */
        if (!disk || !disk->probe.pttype[0] || strcmp(disk->probe.pttype, "gpt") == 0)
            add_encoded(out, "by-partlabel", d->probe.partlabel);
    }
    /* by-id and by-path names are already in udev's form (see udevid.c). */
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
    const struct fr_claim *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return fr_blockdev_cmp(&sort_tab->v[x->idx], &sort_tab->v[y->idx]);
}

/* Every (name, device) pair of present devices, sorted by name and then by
 * preference, so the first of each run of equal names is the choice. */
int fr_claims_collect(const struct fr_devtab *t, struct fr_claims *c)
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
            c->v[c->n++] = (struct fr_claim){ c->sets[i].name[k], (int)i };
    }
    sort_tab = t;
    qsort(c->v, c->n, sizeof *c->v, claim_cmp);
    return 0;
}

void fr_claims_free(struct fr_claims *c)
{
    free(c->v);
    free(c->sets);
}

static int lookup(const struct fr_devtab *t, const char *name, int *ncand)
{
    struct fr_claims c;
    int found = -ENOENT, n = 0;

    if (strncmp(name, "disk/", 5) == 0)
        name += 5;
    int rc = fr_claims_collect(t, &c);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < c.n; i++) {
        if (strcmp(c.v[i].name, name) != 0)
            continue;
        if (found < 0)
            found = c.v[i].idx;
        n++;
    }
    fr_claims_free(&c);
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
