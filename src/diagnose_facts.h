/* The facts one diagnosis collects (diagnose.c), which the plain report
 * (diagnose_text.c) and the JSON document (diagnose_json.c) only render. */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "builtin.h"
#include "devices.h"
#include "iommu.h"
#include "modules.h"
#include "roots.h"
#include "spec.h"

/* Bounds: a report must stay readable and its memory small. */
#define FR_DIAG_MAX_DEFERRED 128
#define FR_DIAG_MAX_DRIVERLESS 128
#define FR_DIAG_MAX_NEAR 16
#define FR_DIAG_MAX_ADVICE 24

/* A line of the kernel's devices_deferred. */
struct fr_diag_deferred {
    char device[128];
    char reason[256];
};

/* A device on a bus with a modalias and no driver bound. */
struct fr_diag_driverless {
    char bus[64];
    char device[128];
    char modalias[512];
    char modules[512]; /* comma-separated, each once, "" when none */
    int nmodules;
    char builtin[256];  /* those of modules built into the kernel */
    int nbuiltin;
    char loaded[512];   /* those of modules loaded (in <sys>/module) */
    const char *driver; /* "module", "builtin", "none", "unknown" */
    char reason[256];   /* the deferral's, "" when none given */
    bool deferred; /* also in devices_deferred: a driver matched and waits */
    bool waits_iommu; /* deferred behind an unbound virtio-iommu */
    bool storage;  /* storage the root may sit behind */
};

/* A device whose tag comes close to the spec. */
struct fr_diag_near {
    size_t idx; /* into t->v */
    const char *field;
    char value[256];
    char note[256];
};

struct fr_diag {
    const struct fr_roots *r;
    const struct fr_spec *spec; /* NULL: no root= given */
    char spec_text[FR_SPEC_VALUE_MAX + 32];
    struct fr_modules *m; /* NULL when the modules dir is unusable */
    struct fr_builtin *bi; /* NULL only without memory */

    struct fr_iommu io;
    bool iommu_module; /* virtio_iommu is in the modules dir */
    bool iommu_loaded; /* <sys>/module/virtio_iommu exists */

    char deferred_path[PATH_MAX];
    const char *deferred_status; /* the JSON deferred.status words */
    int deferred_err; /* errno, 0 when none */
    struct fr_diag_deferred *def;
    size_t ndef, def_dropped;

    struct fr_diag_driverless *dl;
    size_t ndl, dl_dropped;

    struct fr_devtab *t;
    int match, nmatch; /* match: index into t->v, -1 when none */
    struct fr_diag_near nm[FR_DIAG_MAX_NEAR];
    size_t nnm;

    char advice[FR_DIAG_MAX_ADVICE][512];
    size_t nadvice;
};

/* The next name of a comma-separated list into name; returns what follows. */
const char *fr_diag_list_next(const char *p, char *name, size_t size);
/* d's node under f->r->dev, or its devname when that does not fit. */
void fr_diag_node(const struct fr_diag *f, const struct fr_blockdev *d, char *buf, size_t size);

/* The renderings; both return 0 or -EIO (the JSON one -EINVAL on misuse). */
int fr_diag_write_text(const struct fr_diag *f, FILE *out);
int fr_diag_write_json(const struct fr_diag *f, FILE *out);
