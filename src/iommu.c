/* IOMMU detection: is there a virtio-iommu (ACPI VIOT, virtio device 0x17,
 * PCI 1af4:1057, device tree "virtio,pci-iommu"), and is its driver bound? */
#include "iommu.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sysfs.h"

#define VIRTIO_ID_IOMMU 0x17
#define PCI_VENDOR_REDHAT_QUMRANET 0x1af4
#define PCI_DEVICE_VIRTIO_IOMMU 0x1057
/* Device trees are shallow (QEMU's virt puts the node at depth 2); the
 * bounds only stop a malformed or hostile tree from costing real time. */
#define DT_MAX_DEPTH 12
#define DT_MAX_NODES 20000

/* virtio device names are "virtioN"; anything longer is cut, not overrun. */
static void copy_name(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);

    memcpy(dst, src, n);
    dst[n] = '\0';
}

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
        /* Prefer reporting a bound one's name, else the first seen. */
        if (!out->virtio_device || (bound && !out->bound))
            copy_name(out->virtio_name, sizeof(out->virtio_name), de->d_name);
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

static bool node_compatible(int dfd, const char *want)
{
    char buf[4096];
    ssize_t n;
    int fd;

    fd = openat(dfd, "compatible", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
    if (fd < 0)
        return false;
    do {
        n = read(fd, buf, sizeof(buf));
    } while (n < 0 && errno == EINTR);
    close(fd);
    return n > 0 && compatible_has(buf, (size_t)n, want);
}

/* Depth-first over directories only; symlinks are never followed, so a
 * loop in a fixture or a strange firmware tree cannot trap us. Takes
 * ownership of dfd. */
static bool dt_search(int dfd, int depth, unsigned *budget, const char *want)
{
    struct dirent *de;
    bool found = false;
    DIR *d;

    if (node_compatible(dfd, want)) {
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
            found = dt_search(child, depth + 1, budget, want);
    }
    closedir(d);
    return found;
out_fd:
    close(dfd);
    return false;
}

static bool scan_devicetree(const struct fr_roots *r)
{
    char dir[PATH_MAX];
    unsigned budget = DT_MAX_NODES;
    int fd;

    if (fr_path(dir, sizeof(dir), r->sys, "firmware/devicetree/base") < 0)
        return false;
    /* base itself is a symlink on some kernels' layouts: follow that one. */
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    return dt_search(fd, 0, &budget, "virtio,pci-iommu");
}

int fr_iommu_detect(const struct fr_roots *r, struct fr_iommu *out)
{
    char path[PATH_MAX];

    if (!r || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));

    if (fr_path(path, sizeof(path), r->sys, "firmware/acpi/tables/VIOT") == 0)
        out->viot = fr_exists(path);
    scan_virtio(r, out);
    scan_pci(r, out);
    out->devicetree = scan_devicetree(r);
    if (!out->bound && driver_has_device(r))
        out->bound = true;

    log_debug("iommu: viot=%d virtio=%d%s%s pci=%d devicetree=%d bound=%d", out->viot,
              out->virtio_device, out->virtio_name[0] ? " " : "", out->virtio_name,
              out->pci_device, out->devicetree, out->bound);
    return 0;
}

bool fr_iommu_present(const struct fr_iommu *i)
{
    return i && (i->viot || i->virtio_device || i->pci_device || i->devicetree);
}
