/* The root device specification: UUID=, LABEL=, PARTUUID=[/PARTNROFF=N],
 * PARTLABEL=, /dev/... paths, MAJ:MIN and the kernel's hex dev_t. Pure. */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

enum fr_spec_kind {
    FR_SPEC_UUID,
    FR_SPEC_LABEL,
    FR_SPEC_PARTUUID,
    FR_SPEC_PARTLABEL,
    FR_SPEC_PATH,   /* /dev/NAME or /dev/disk/by-... */
    FR_SPEC_DEVNUM, /* MAJ:MIN or hex */
};

#define FR_SPEC_VALUE_MAX 1024

struct fr_spec {
    enum fr_spec_kind kind;
    char value[FR_SPEC_VALUE_MAX]; /* UUID/LABEL/... value; for PATH the path relative to "/dev/" */
    int partnroff;                 /* PARTUUID=.../PARTNROFF=N, 0 if absent */
    unsigned major, minor;         /* DEVNUM */
};

/* Returns 0, or -EINVAL with a one-line reason in err. */
int fr_spec_parse(const char *text, struct fr_spec *out, char *err, size_t errlen);
const char *fr_spec_kind_name(enum fr_spec_kind k);
/* Writes the spec back as text (e.g. "UUID=..."). */
void fr_spec_format(const struct fr_spec *s, char *buf, size_t size);
