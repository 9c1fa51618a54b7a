/* IOMMU detection: is there a virtio-iommu (ACPI VIOT, virtio device 0x17,
 * PCI 1af4:1057, device tree "virtio,pci-iommu"), and is its driver bound? */
#include "iommu.h"
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sysfs.h"
#include "util.h"

#define VIRTIO_ID_IOMMU 0x17
#define PCI_VENDOR_REDHAT_QUMRANET 0x1af4
#define PCI_DEVICE_VIRTIO_IOMMU 0x1057
/* Device trees are shallow (QEMU's virt puts the node at depth 2); the
 * bounds only stop a malformed or hostile tree from costing real time. */
#define DT_MAX_DEPTH 12
#define DT_MAX_NODES 20000

static bool skip_name(const char *n)
{
    return n[0] == '.';
}

/* Reads a hex id attribute ("0x0017\n"). Returns 0 or -errno. */
static int read_hex(const char *dir, const char *name, const char *attr, unsigned long *out)
{
    char path[PATH_MAX], buf[32], *end;
    int r;

    r = fr_path(path, sizeof(path), dir, "%s/%s", name, attr);
    if (r < 0)
        return r;
    r = fr_read_attr(path, buf, sizeof(buf));
    if (r < 0)
        return r;
    errno = 0;
    *out = strtoul(buf, &end, 16);
    if (errno || end == buf || *end)
        return -EINVAL;
    return 0;
}

static bool has_driver(const char *dir, const char *name)
{
    char path[PATH_MAX];

    return fr_path(path, sizeof(path), dir, "%s/driver", name) == 0 && fr_exists(path);
}

static void scan_virtio(const struct fr_roots *r, struct fr_iommu *out)
{
    char dir[PATH_MAX];
    struct dirent *de;
    unsigned long id;
    DIR *d;

    if (fr_path(dir, sizeof(dir), r->sys, "bus/virtio/devices") < 0 || !(d = opendir(dir)))
        return;
    while ((de = readdir(d))) {
        if (skip_name(de->d_name) || read_hex(dir, de->d_name, "device", &id) < 0 ||
            id != VIRTIO_ID_IOMMU)
            continue;
        bool bound = has_driver(dir, de->d_name);
        /* Prefer reporting a bound one's name, else the first seen
         * (names are "virtioN"; anything longer is cut, not overrun). */
        if (!out->virtio_device || (bound && !out->bound))
            fr_copy_cut(out->virtio_name, sizeof(out->virtio_name), de->d_name);
        out->virtio_device = true;
        if (bound)
            out->bound = true;
    }
    closedir(d);
}

static void scan_pci(const struct fr_roots *r, struct fr_iommu *out)
{
    char dir[PATH_MAX];
    struct dirent *de;
    unsigned long vendor, device;
    DIR *d;

    if (fr_path(dir, sizeof(dir), r->sys, "bus/pci/devices") < 0 || !(d = opendir(dir)))
        return;
    while ((de = readdir(d)) && !out->pci_device) {
        if (skip_name(de->d_name))
            continue;
        if (read_hex(dir, de->d_name, "vendor", &vendor) == 0 &&
            vendor == PCI_VENDOR_REDHAT_QUMRANET &&
            read_hex(dir, de->d_name, "device", &device) == 0 && device == PCI_DEVICE_VIRTIO_IOMMU)
            out->pci_device = true;
    }
    closedir(d);
}

/* The driver directory holds a symlink per bound device, besides "module"
 * and the bind/unbind/uevent files. */
static bool driver_has_device(const struct fr_roots *r)
{
    char dir[PATH_MAX];
    struct dirent *de;
    bool found = false;
    DIR *d;

    if (fr_path(dir, sizeof(dir), r->sys, "bus/virtio/drivers/virtio_iommu") < 0 ||
        !(d = opendir(dir)))
        return false;
    while (!found && (de = readdir(d))) {
        struct stat st;
        if (skip_name(de->d_name) || strcmp(de->d_name, "module") == 0)
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            found = true;
    }
    closedir(d);
    return found;
}

/* "compatible" is a list of NUL-terminated strings. */
static bool compatible_has(const char *buf, size_t len, const char *want)
{
    size_t wlen = strlen(want);

    for (size_t i = 0; i < len;) {
        size_t n = strnlen(buf + i, len - i);
        if (n == wlen && memcmp(buf + i, want, wlen) == 0)
            return true;
        i += n + 1;
    }
    return false;
}

/* Reads a whole property into buf. Returns its length, or -errno when it
 * is missing, unreadable, not a regular file (-EINVAL; O_NONBLOCK: a FIFO
 * in a fixture cannot hang us) or longer than size (-EFBIG: a cut property
 * is never parsed). */
static ssize_t read_prop(int dfd, const char *prop, void *buf, size_t size)
{
    struct stat st;
    size_t len = 0;
    ssize_t n = -1;
    char extra;
    int fd, err = EINVAL;

    fd = openat(dfd, prop, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        do {
            n = read(fd, (char *)buf + len, size - len);
            if (n > 0)
                len += (size_t)n;
        } while ((n > 0 && len < size) || (n < 0 && errno == EINTR));
        err = n < 0 ? errno : EFBIG;
        if (n > 0) {
            /* Full buffer: only a property of exactly size bytes ends here. */
            do {
                n = read(fd, &extra, 1);
            } while (n < 0 && errno == EINTR);
            if (n != 0)
                n = -1;
        }
    }
    close(fd);
    return n < 0 ? -err : (ssize_t)len;
}

static uint32_t be32_at(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A one-cell property (phandle, #iommu-cells): exactly 4 bytes, else false. */
static bool read_cell(int dfd, const char *prop, uint32_t *out)
{
    unsigned char b[4];

    if (read_prop(dfd, prop, b, sizeof(b)) != 4)
        return false;
    *out = be32_at(b);
    return true;
}

struct dt_ctx {
    const char *want;     /* compatible string of the IOMMU node */
    uint32_t phandle;     /* pass 1 finds it; 0 when the node has none */
    uint32_t cells;       /* the node's #iommu-cells; UINT32_MAX: unusable */
    char name[64];        /* pass 2: the node whose iommu-map points at it */
    char iommus_name[64]; /* pass 2: the first node whose iommus does */
};

/* Pass 1: the node with compatible "virtio,pci-iommu", its phandle and
 * #iommu-cells (the binding says 1, the default here). */
static bool dt_visit_iommu(int dfd, const char *name, struct dt_ctx *c)
{
    char buf[4096];
    struct stat st;
    ssize_t n = read_prop(dfd, "compatible", buf, sizeof(buf));

    (void)name;
    if (n <= 0 || !compatible_has(buf, (size_t)n, c->want))
        return false;
    if (!read_cell(dfd, "phandle", &c->phandle) && !read_cell(dfd, "linux,phandle", &c->phandle))
        c->phandle = 0;
    /* 0 and ~0 are not phandles (dtc never assigns them). */
    if (c->phandle == UINT32_MAX)
        c->phandle = 0;
    c->cells = 1;
    if (fstatat(dfd, "#iommu-cells", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        (!read_cell(dfd, "#iommu-cells", &c->cells) || c->cells > 4))
        c->cells = UINT32_MAX;
    return true;
}

/* iommu-map: (rid-base, iommu-phandle, iommu-base, length) entries, always
 * four cells (the kernel's of_map_id() refuses any other length). */
static bool iommu_map_refers(const unsigned char *b, ssize_t n, uint32_t ph)
{
    if (n <= 0 || n % 16 != 0)
        return false;
    for (size_t i = 0; i < (size_t)n; i += 16)
        if (be32_at(b + i + 4) == ph)
            return true;
    return false;
}

/* iommus: (phandle, that IOMMU's #iommu-cells) entries. Only the first
 * entry's start is known without looking up every IOMMU named, so only it
 * is read: a device behind several IOMMUs is not traced (nor misparsed). */
static bool iommus_refer(const unsigned char *b, ssize_t n, uint32_t ph, uint32_t cells)
{
    if (n <= 0 || n % 4 != 0 || cells == UINT32_MAX || (size_t)n < ((size_t)cells + 1) * 4)
        return false;
    return be32_at(b) == ph;
}

/* Pass 2: the node (the PCIe host bridge) whose iommu-map routes through
 * that IOMMU; a node with only an iommus reference is remembered as well. */
static bool dt_visit_user(int dfd, const char *name, struct dt_ctx *c)
{
    unsigned char b[4096];
    ssize_t n;

    if (iommu_map_refers(b, read_prop(dfd, "iommu-map", b, sizeof(b)), c->phandle)) {
        snprintf(c->name, sizeof(c->name), "%s", name);
        return true;
    }
    n = read_prop(dfd, "iommus", b, sizeof(b));
    if (!c->iommus_name[0] && iommus_refer(b, n, c->phandle, c->cells))
        snprintf(c->iommus_name, sizeof(c->iommus_name), "%s", name);
    return false;
}

typedef bool (*dt_visit_fn)(int dfd, const char *name, struct dt_ctx *c);

/* Depth-first over directories only; symlinks are never followed, so a
 * loop in a fixture or a strange firmware tree cannot trap us. Takes
 * ownership of dfd. Stops at the first node visit() accepts. */
static bool dt_walk(int dfd, const char *name, int depth, unsigned *budget, dt_visit_fn visit,
                    struct dt_ctx *c)
{
    struct dirent *de;
    bool found = false;
    DIR *d;

    if (visit(dfd, name, c)) {
        close(dfd);
        return true;
    }
    if (depth >= DT_MAX_DEPTH)
        goto out_fd;
    d = fdopendir(dfd);
    if (!d)
        goto out_fd;
    while (!found && (de = readdir(d))) {
        if (skip_name(de->d_name))
            continue;
        if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
            continue;
        if (*budget == 0) {
            log_debug("device tree search stopped after %u nodes", DT_MAX_NODES);
            break;
        }
        (*budget)--;
        int child = openat(dirfd(d), de->d_name,
                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (child >= 0)
            found = dt_walk(child, de->d_name, depth + 1, budget, visit, c);
    }
    closedir(d);
    return found;
out_fd:
    close(dfd);
    return false;
}

/* The firmware tree: <sys>/firmware/devicetree/base, else proc_dt (the
 * same tree: /proc/device-tree links to it), which is NULL unless sys is
 * the real /sys, so a fixture root never reads the host's tree. */
static int dt_open(const struct fr_roots *r, const char *proc_dt)
{
    char dir[PATH_MAX];
    int fd = -1;

    /* base itself is a symlink on some kernels' layouts: follow that one. */
    if (fr_path(dir, sizeof(dir), r->sys, "firmware/devicetree/base") == 0)
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && proc_dt)
        fd = open(proc_dt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd;
}

static void scan_devicetree(const struct fr_roots *r, const char *proc_dt, struct fr_iommu *out)
{
    struct dt_ctx c = {.want = "virtio,pci-iommu"};
    unsigned budget = DT_MAX_NODES;
    int fd;

    if ((fd = dt_open(r, proc_dt)) < 0)
        return;
    if (!dt_walk(fd, "/", 0, &budget, dt_visit_iommu, &c))
        return;
    out->devicetree = true;
    /* Without a phandle nothing can point at the node. */
    if (!c.phandle || (fd = dt_open(r, proc_dt)) < 0)
        return;
    budget = DT_MAX_NODES;
    if (dt_walk(fd, "/", 0, &budget, dt_visit_user, &c)) {
        snprintf(out->dt_prop, sizeof(out->dt_prop), "iommu-map");
        snprintf(out->dt_user, sizeof(out->dt_user), "%s", c.name);
    } else if (c.iommus_name[0]) {
        snprintf(out->dt_prop, sizeof(out->dt_prop), "iommus");
        snprintf(out->dt_user, sizeof(out->dt_user), "%s", c.iommus_name);
    }
    out->dt_iommu_map = out->dt_user[0] != '\0';
}

static int detect(const struct fr_roots *r, const char *proc_dt, struct fr_iommu *out, bool first)
{
    char path[PATH_MAX];

    if (!r || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));

    if (fr_path(path, sizeof(path), r->sys, "firmware/acpi/tables/VIOT") == 0)
        out->viot = fr_exists(path);
    /* Each step is skipped once one before it found the IOMMU: the PCI
     * walk and the device tree walk cost milliseconds under emulation. */
    if (!first || !fr_iommu_present(out))
        scan_virtio(r, out);
    if (!first || !fr_iommu_present(out))
        scan_pci(r, out);
    if (!first || !fr_iommu_present(out))
        scan_devicetree(r, proc_dt, out);
    if (!out->bound && (!first || fr_iommu_present(out)) && driver_has_device(r))
        out->bound = true;

    log_debug("iommu: viot=%d virtio=%d%s%s pci=%d devicetree=%d%s%s%s%s%s bound=%d%s", out->viot,
              out->virtio_device, out->virtio_name[0] ? " " : "", out->virtio_name,
              out->pci_device, out->devicetree, out->dt_iommu_map ? " (" : "", out->dt_prop,
              out->dt_iommu_map ? " on " : "", out->dt_user, out->dt_iommu_map ? ")" : "",
              out->bound, first ? " (first evidence only)" : "");
    return 0;
}

int fr_iommu_detect(const struct fr_roots *r, struct fr_iommu *out)
{
    return detect(r, r && r->real_sys ? "/proc/device-tree" : NULL, out, false);
}

int fr_iommu_detect_at(const struct fr_roots *r, const char *proc_dt, struct fr_iommu *out)
{
    return detect(r, proc_dt, out, false);
}

int fr_iommu_detect_first(const struct fr_roots *r, struct fr_iommu *out)
{
    return detect(r, r && r->real_sys ? "/proc/device-tree" : NULL, out, true);
}

bool fr_iommu_present(const struct fr_iommu *i)
{
    return i && (i->viot || i->virtio_device || i->pci_device || i->devicetree);
}
