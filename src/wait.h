/* The event loop: IOMMU module first, coldplug, then uevents until the
 * spec matches or the deadline passes; PCI rescan as escalation. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "devices.h"
#include "modules.h"
#include "roots.h"
#include "spec.h"

struct fr_wait_opts {
    double timeout;           /* seconds */
    double rescan_grace;      /* seconds before PCI rescan, default 5 */
    bool load_modules;
    bool rescan;
    bool links;
    unsigned jobs;            /* module loads at once; 0: the default, 1: sequential */
    const char *test_socket;  /* uevents from this AF_UNIX socket instead of netlink */
};

/* Returns 0 with the node in node (full path), -ETIMEDOUT, or -errno. The
 * device table is left filled for the diagnosis. */
int fr_wait(const struct fr_roots *r, const struct fr_spec *spec, const struct fr_wait_opts *o,
            struct fr_modules *m, struct fr_devtab *t, char *node, size_t size);
