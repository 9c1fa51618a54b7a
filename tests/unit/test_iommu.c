/* IOMMU detection on fixture sysfs trees: VIOT, virtio device 0x17, PCI
 * 1af4:1057, device tree node, and whether the driver is bound. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "iommu.h"
#include "log.h"
#include "roots.h"

static char top[64];

static void mkdirs(const char *rel)
{
    char path[PATH_MAX];

    fr_path(path, sizeof(path), top, "%s", rel);
    for (char *p = path + strlen(top) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    mkdir(path, 0755);
}

/* Writes len bytes (may hold NULs) to top/rel, making parent dirs. */
static void put(const char *rel, const char *data, size_t len)
{
    char path[PATH_MAX], dir[PATH_MAX];
    FILE *f;

    snprintf(dir, sizeof(dir), "%s", rel);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        mkdirs(dir);
    }
    fr_path(path, sizeof(path), top, "%s", rel);
    f = fopen(path, "w");
    if (!f) {
        perror(path);
        return;
    }
    fwrite(data, 1, len, f);
    fclose(f);
}

#define PUT(rel, lit) put((rel), (lit), sizeof(lit) - 1)

static void link_at(const char *target, const char *rel)
{
    char path[PATH_MAX];

    fr_path(path, sizeof(path), top, "%s", rel);
    if (symlink(target, path) < 0)
        perror(path);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(void)
{
    nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void new_tree(struct fr_roots *r)
{
    if (top[0])
        rm_tree();
    snprintf(top, sizeof(top), "/tmp/fr-iommu-XXXXXX");
    if (!mkdtemp(top)) {
        perror("mkdtemp");
        exit(1);
    }
    memset(r, 0, sizeof(*r));
    snprintf(r->sys, sizeof(r->sys), "%s", top);
}

static void test_empty(void)
{
    struct fr_roots r;
    struct fr_iommu io;

    new_tree(&r);
    memset(&io, 0xff, sizeof(io));
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(!io.viot && !io.virtio_device && !io.pci_device && !io.devicetree && !io.bound);
    CHECK_STR(io.virtio_name, "");
    CHECK(!fr_iommu_present(&io));
    CHECK(!fr_iommu_present(NULL));
    CHECK_INT(fr_iommu_detect(NULL, &io), -EINVAL);

    /* A sysfs root that does not exist at all is not an error either. */
    fr_path(r.sys, sizeof(r.sys), top, "nonexistent");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(!fr_iommu_present(&io));
}

static void test_viot(void)
{
    struct fr_roots r;
    struct fr_iommu io;

    new_tree(&r);
    PUT("firmware/acpi/tables/VIOT", "VIOT\x48\0\0\0");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.viot);
    CHECK(!io.virtio_device && !io.pci_device && !io.devicetree && !io.bound);
    CHECK(fr_iommu_present(&io));
}

/* The x86 q35 picture: PCI 1af4:1057 bound by the built-in virtio-pci, its
 * virtio child (device 0x17) without a driver until virtio_iommu loads. */
static void test_virtio_and_pci(void)
{
    struct fr_roots r;
    struct fr_iommu io;

    new_tree(&r);
    PUT("devices/pci0000:00/0000:00:02.0/vendor", "0x1af4\n");
    PUT("devices/pci0000:00/0000:00:02.0/device", "0x1042\n");
    PUT("devices/pci0000:00/0000:00:02.0/virtio1/device", "0x0002\n");
    PUT("devices/pci0000:00/0000:00:02.0/virtio1/vendor", "0x1af4\n");
    PUT("devices/pci0000:00/0000:00:03.0/vendor", "0x1af4\n");
    PUT("devices/pci0000:00/0000:00:03.0/device", "0x1057\n");
    PUT("devices/pci0000:00/0000:00:03.0/virtio0/device", "0x0017\n");
    PUT("devices/pci0000:00/0000:00:03.0/virtio0/vendor", "0x1af4\n");
    PUT("devices/pci0000:00/0000:00:04.0/vendor", "garbage\n");
    mkdirs("bus/pci/devices");
    mkdirs("bus/pci/drivers/virtio-pci");
    mkdirs("bus/virtio/devices");
    mkdirs("bus/virtio/drivers/virtio_blk");
    link_at("../../../devices/pci0000:00/0000:00:02.0", "bus/pci/devices/0000:00:02.0");
    link_at("../../../devices/pci0000:00/0000:00:03.0", "bus/pci/devices/0000:00:03.0");
    link_at("../../../devices/pci0000:00/0000:00:04.0", "bus/pci/devices/0000:00:04.0");
    link_at("../../../../bus/pci/drivers/virtio-pci", "devices/pci0000:00/0000:00:03.0/driver");
    link_at("../../../devices/pci0000:00/0000:00:02.0/virtio1", "bus/virtio/devices/virtio1");
    link_at("../../../devices/pci0000:00/0000:00:03.0/virtio0", "bus/virtio/devices/virtio0");
    link_at("../../../../../bus/virtio/drivers/virtio_blk",
            "devices/pci0000:00/0000:00:02.0/virtio1/driver");

    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(!io.viot);
    CHECK(io.virtio_device);
    CHECK(io.pci_device);
    CHECK(!io.devicetree);
    /* The PCI function's virtio-pci driver is not the IOMMU driver. */
    CHECK(!io.bound);
    CHECK_STR(io.virtio_name, "virtio0");
    CHECK(fr_iommu_present(&io));

    /* virtio_iommu binds. */
    mkdirs("bus/virtio/drivers/virtio_iommu");
    link_at("../../../../../bus/virtio/drivers/virtio_iommu",
            "devices/pci0000:00/0000:00:03.0/virtio0/driver");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.virtio_device && io.bound);
    CHECK_STR(io.virtio_name, "virtio0");
}

/* Bound seen from the driver's side only (the device link is absent). */
static void test_driver_dir(void)
{
    struct fr_roots r;
    struct fr_iommu io;

    new_tree(&r);
    PUT("firmware/acpi/tables/VIOT", "VIOT");
    PUT("bus/virtio/drivers/virtio_iommu/uevent", "DRIVER=virtio_iommu\n");
    PUT("bus/virtio/drivers/virtio_iommu/bind", "");
    link_at("../../../../module/virtio_iommu", "bus/virtio/drivers/virtio_iommu/module");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.viot && !io.bound); /* only "module": nothing bound */

    link_at("../../../../devices/virtio0", "bus/virtio/drivers/virtio_iommu/virtio0");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.viot && io.bound);
}

static void test_devicetree(void)
{
    struct fr_roots r;
    struct fr_iommu io;

    new_tree(&r);
    PUT("firmware/devicetree/base/compatible", "linux,dummy-virt\0");
    PUT("firmware/devicetree/base/pcie@10000000/compatible", "pci-host-ecam-generic\0");
    /* Neither a prefix nor a longer string counts. */
    PUT("firmware/devicetree/base/pcie@10000000/other@1/compatible", "virtio,pci-iommu-v2\0");
    PUT("firmware/devicetree/base/pcie@10000000/other@2/compatible", "virtio,pci\0");
    /* A symlink loop must not be followed. */
    link_at("..", "firmware/devicetree/base/pcie@10000000/loop");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(!io.devicetree);
    CHECK(!fr_iommu_present(&io));

    /* The string as the second entry of the list, without final NUL. */
    PUT("firmware/devicetree/base/pcie@10000000/virtio_iommu@10/compatible",
        "pci1af4,1057\0virtio,pci-iommu");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree);
    CHECK(!io.viot && !io.virtio_device && !io.pci_device && !io.bound);
    CHECK(fr_iommu_present(&io));

    /* Deeper than anyone nests nodes: not searched. */
    new_tree(&r);
    char rel[PATH_MAX] = "firmware/devicetree/base";
    for (int i = 0; i < 20; i++)
        strcat(rel, "/n");
    strcat(rel, "/compatible");
    put(rel, "virtio,pci-iommu", 17);
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(!io.devicetree);

    /* A node that is a symlink to a matching node elsewhere is not followed. */
    new_tree(&r);
    PUT("elsewhere/node/compatible", "virtio,pci-iommu\0");
    mkdirs("firmware/devicetree/base");
    link_at("../../../elsewhere/node", "firmware/devicetree/base/iommu");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(!io.devicetree);
}

int main(void)
{
    fr_log_init(FR_LOG_ERR, NULL);
    test_empty();
    test_viot();
    test_virtio_and_pci();
    test_driver_dir();
    test_devicetree();
    rm_tree();
    return check_summary("test_iommu");
}
