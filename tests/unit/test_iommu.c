/* IOMMU detection on fixture sysfs trees: VIOT, virtio device 0x17, PCI
 * 1af4:1057, device tree node (and the iommu-map pointing at it, also from a
 * /proc/device-tree stand-in), and whether the driver is bound. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "devices.h"
#include "diagnose.h"
#include "internal.h"
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
#define DT "firmware/devicetree/base/"

/* Writes n big-endian 32-bit cells, as a device tree property holds them. */
static void put_cells(const char *rel, int n, ...)
{
    unsigned char buf[64];
    va_list ap;

    va_start(ap, n);
    for (int i = 0; i < n && i < 16; i++) {
        uint32_t v = va_arg(ap, uint32_t);
        buf[4 * i] = (unsigned char)(v >> 24);
        buf[4 * i + 1] = (unsigned char)(v >> 16);
        buf[4 * i + 2] = (unsigned char)(v >> 8);
        buf[4 * i + 3] = (unsigned char)v;
    }
    va_end(ap);
    put(rel, (const char *)buf, (size_t)(n < 16 ? n : 16) * 4);
}

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

/* The diagnosis of a fixture tree (no modules, no block devices). */
static char *diagnosis(const struct fr_roots *r, bool json)
{
    struct fr_devtab t = {0};
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    if (!out)
        return strdup("");
    CHECK_INT(fr_diagnose(r, NULL, NULL, &t, json, out), 0);
    fclose(out);
    fr_devtab_free(&t);
    return text;
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

/* The wait's detection stops at the first evidence, cheapest first, and
 * still reports a bound driver; absent evidence leaves everything false. */
static void test_first_evidence(void)
{
    struct fr_roots r;
    struct fr_iommu io;

    new_tree(&r);
    CHECK_INT(fr_iommu_detect_first(&r, &io), 0);
    CHECK(!fr_iommu_present(&io) && !io.bound);
    CHECK_INT(fr_iommu_detect_first(NULL, &io), -EINVAL);

    /* Only the device tree: all steps run, the last one finds it. */
    PUT("firmware/devicetree/base/pcie@10000000/virtio_iommu@10/compatible",
        "virtio,pci-iommu\0");
    CHECK_INT(fr_iommu_detect_first(&r, &io), 0);
    CHECK(io.devicetree && !io.viot && !io.virtio_device && !io.pci_device);

    /* PCI 1af4:1057 as well: found there, the device tree is not walked. */
    PUT("devices/pci0000:00/0000:00:03.0/vendor", "0x1af4\n");
    PUT("devices/pci0000:00/0000:00:03.0/device", "0x1057\n");
    mkdirs("bus/pci/devices");
    link_at("../../../devices/pci0000:00/0000:00:03.0", "bus/pci/devices/0000:00:03.0");
    CHECK_INT(fr_iommu_detect_first(&r, &io), 0);
    CHECK(io.pci_device && !io.devicetree);

    /* A VIOT table: one stat, nothing else is scanned. */
    PUT("firmware/acpi/tables/VIOT", "VIOT");
    CHECK_INT(fr_iommu_detect_first(&r, &io), 0);
    CHECK(io.viot && !io.pci_device && !io.devicetree && !io.bound);
    /* The full detection still sees all three. */
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.viot && io.pci_device && io.devicetree);

    /* Bound is reported even though the virtio list was skipped. */
    PUT("bus/virtio/drivers/virtio_iommu/bind", "");
    link_at("../../../../devices/virtio0", "bus/virtio/drivers/virtio_iommu/virtio0");
    CHECK_INT(fr_iommu_detect_first(&r, &io), 0);
    CHECK(io.viot && io.bound);
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
    /* No phandle: nothing can point at it. */
    CHECK(!io.dt_iommu_map && io.dt_user[0] == 0);

    /* QEMU virt: phandle 0x8005; the host bridge maps RIDs 0-0x10 and
     * 0x11-0xffff through it (the IOMMU's own 0x10 is left out). */
    PUT("firmware/devicetree/base/pcie@10000000/virtio_iommu@10/phandle", "\x00\x00\x80\x05");
    PUT("firmware/devicetree/base/pcie@10000000/iommu-map",
        "\x00\x00\x00\x00" "\x00\x00\x80\x04" "\x00\x00\x00\x00" "\x00\x00\x00\x10"
        "\x00\x00\x00\x11" "\x00\x00\x80\x05" "\x00\x00\x00\x11" "\x00\x00\xff\xef");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree && io.dt_iommu_map);
    CHECK_STR(io.dt_user, "pcie@10000000");
    CHECK_STR(io.dt_prop, "iommu-map");
    char *text = diagnosis(&r, false);
    CHECK(strstr(text, "device tree node \"virtio,pci-iommu\" (iommu-map on pcie@10000000)\n"));
    free(text);
    text = diagnosis(&r, true);
    CHECK(strstr(text, "\"devicetree_iommu_map\": \"pcie@10000000\""));
    free(text);

    /* A phandle in a non-phandle cell (rid-base, length) does not count. */
    PUT("firmware/devicetree/base/pcie@10000000/iommu-map",
        "\x00\x00\x80\x05" "\x00\x00\x80\x04" "\x00\x00\x80\x05" "\x00\x00\x80\x05");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree && !io.dt_iommu_map);

    /* A platform device with iommus = <phandle id>: taken when no
     * iommu-map points at the IOMMU, and not reported as an iommu-map. */
    PUT(DT "dma@9000000/iommus", "\x00\x00\x80\x05\x00\x00\x00\x01");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.dt_iommu_map);
    CHECK_STR(io.dt_user, "dma@9000000");
    CHECK_STR(io.dt_prop, "iommus");
    text = diagnosis(&r, false);
    CHECK(strstr(text, "device tree node \"virtio,pci-iommu\" (iommus on dma@9000000)\n"));
    free(text);
    text = diagnosis(&r, true); /* not an iommu-map */
    CHECK(strstr(text, "\"devicetree_iommu_map\": null"));
    free(text);
    /* A real iommu-map wins over it, whatever the directory order. */
    put_cells(DT "pcie@10000000/iommu-map", 8, 0, 0x8005, 0, 0x10, 0x11, 0x8005, 0x11, 0xffef);
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK_STR(io.dt_user, "pcie@10000000");
    CHECK_STR(io.dt_prop, "iommu-map");
}

/* An iommu-map that points at another IOMMU (an SMMUv3) is not evidence of
 * a virtio-iommu, with or without a virtio-iommu node elsewhere. */
static void test_devicetree_other_iommu(void)
{
    struct fr_roots r;
    struct fr_iommu io;

    new_tree(&r);
    PUT(DT "compatible", "linux,dummy-virt\0");
    PUT(DT "smmuv3@9050000/compatible", "arm,smmu-v3\0");
    put_cells(DT "smmuv3@9050000/phandle", 1, 0x8001);
    put_cells(DT "smmuv3@9050000/#iommu-cells", 1, 1);
    put_cells(DT "pcie@10000000/iommu-map", 4, 0, 0x8001, 0, 0x10000);
    put_cells(DT "dma@9000000/iommus", 2, 0x8001, 3);
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(!io.devicetree && !io.dt_iommu_map);
    CHECK_STR(io.dt_user, "");
    CHECK(!fr_iommu_present(&io));

    /* A virtio-iommu node nobody routes through: present, not traced. */
    PUT(DT "virtio_iommu@10/compatible", "virtio,pci-iommu\0pci1af4,1057\0");
    put_cells(DT "virtio_iommu@10/phandle", 1, 0x8005);
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree && !io.dt_iommu_map);
    CHECK_STR(io.dt_user, "");

    /* The SMMU first, the virtio-iommu in the second entry: traced. */
    put_cells(DT "pcie@10000000/iommu-map", 8, 0, 0x8001, 0, 0x10, 0x11, 0x8005, 0x11, 0xffef);
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree && io.dt_iommu_map);
    CHECK_STR(io.dt_user, "pcie@10000000");
}

/* Corrupt properties: never a crash, never a match. */
static void test_devicetree_corrupt(void)
{
    static const unsigned char entry[16] = {0, 0, 0, 0, 0, 0, 0x80, 0x05,
                                            0, 0, 0, 0, 0, 0, 0, 0x10};
    static const unsigned char two[24] = {0, 0, 0, 0, 0,    0,    0x80, 0x04, 0, 0, 0, 0,
                                          0, 0, 0, 1, 0x00, 0x00, 0,    0,    0, 0, 0x80, 0x05};
    unsigned char big[4096 + 16];
    struct fr_roots r;
    struct fr_iommu io;
    char path[PATH_MAX];

    new_tree(&r);
    PUT(DT "virtio_iommu@10/compatible", "virtio,pci-iommu\0");
    put_cells(DT "virtio_iommu@10/phandle", 1, 0x8005);
    /* Sanity: the whole entry alone is traced. */
    put(DT "pcie@10000000/iommu-map", (const char *)entry, sizeof(entry));
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.dt_iommu_map);

    /* Odd lengths and cut entries, the phandle cell itself whole. */
    for (size_t i = 0; i < sizeof(big); i += 16)
        memcpy(big + i, entry, 16);
    static const size_t lens[] = {0, 1, 3, 7, 8, 9, 12, 15, 17, 20, 24, 31};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        put(DT "pcie@10000000/iommu-map", (const char *)big, lens[i]);
        CHECK_INT(fr_iommu_detect(&r, &io), 0);
        CHECK(io.devicetree && !io.dt_iommu_map);
    }
    /* One good entry for another IOMMU, then half an entry whose phandle
     * cell (offset 20) would match: the kernel refuses the whole map. */
    put(DT "pcie@10000000/iommu-map", (const char *)two, sizeof(two));
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree && !io.dt_iommu_map);

    /* Longer than we read: not parsed from a cut copy. */
    put(DT "pcie@10000000/iommu-map", (const char *)big, sizeof(big));
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree && !io.dt_iommu_map);
    put(DT "pcie@10000000/iommu-map", (const char *)big, 4096);
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.dt_iommu_map);
    CHECK_STR(io.dt_user, "pcie@10000000");

    /* A FIFO where the property should be: not opened for reading. */
    fr_path(path, sizeof(path), top, DT "pcie@10000000/iommu-map");
    CHECK_INT(remove(path), 0);
    CHECK_INT(mkfifo(path, 0644), 0);
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree && !io.dt_iommu_map);
    remove(path);

    /* iommus: cut after the phandle, or not a whole number of cells. */
    PUT(DT "dma@9000000/iommus", "\x00\x00\x80\x05");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree && !io.dt_iommu_map);
    PUT(DT "dma@9000000/iommus", "\x00\x00\x80\x05\x00\x00\x00");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(!io.dt_iommu_map);
    /* #iommu-cells of 2 is honoured; a corrupt one disables iommus. */
    put_cells(DT "virtio_iommu@10/#iommu-cells", 1, 2);
    put_cells(DT "dma@9000000/iommus", 3, 0x8005, 0, 1);
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.dt_iommu_map);
    CHECK_STR(io.dt_prop, "iommus");
    PUT(DT "virtio_iommu@10/#iommu-cells", "\x00\x00\x02");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree && !io.dt_iommu_map);
    put_cells(DT "virtio_iommu@10/#iommu-cells", 1, 1000000);
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree && !io.dt_iommu_map);
    put_cells(DT "virtio_iommu@10/#iommu-cells", 1, 1);

    /* A phandle of the wrong size, or the reserved ~0: no phandle. */
    put(DT "pcie@10000000/iommu-map", (const char *)entry, sizeof(entry));
    PUT(DT "virtio_iommu@10/phandle", "\x00\x80\x05");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree && !io.dt_iommu_map);
    PUT(DT "virtio_iommu@10/phandle", "\x00\x00\x80\x05\x00\x00\x00\x00");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree && !io.dt_iommu_map);
    put_cells(DT "virtio_iommu@10/phandle", 1, 0xffffffffu);
    put_cells(DT "pcie@10000000/iommu-map", 4, 0, 0xffffffffu, 0, 0x10);
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree && !io.dt_iommu_map);
    /* The old "linux,phandle" name still counts. */
    put(DT "pcie@10000000/iommu-map", (const char *)entry, sizeof(entry));
    fr_path(path, sizeof(path), top, DT "virtio_iommu@10/phandle");
    remove(path);
    put_cells(DT "virtio_iommu@10/linux,phandle", 1, 0x8005);
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.dt_iommu_map);
}

/* /proc/device-tree stands in when <sys>/firmware/devicetree is missing;
 * only fr_iommu_detect_at() with an explicit fallback reads one in tests
 * (fr_iommu_detect() would read the host's only when sys is "/sys"). */
static void test_devicetree_proc_fallback(void)
{
    struct fr_roots r;
    struct fr_iommu io;
    char proc_dt[PATH_MAX];

    new_tree(&r);
    PUT("fw/base/pcie@10000000/virtio_iommu@10/compatible", "virtio,pci-iommu\0");
    put_cells("fw/base/pcie@10000000/virtio_iommu@10/phandle", 1, 0x8005);
    put_cells("fw/base/pcie@10000000/iommu-map", 4, 0, 0x8005, 0, 0x10);
    mkdirs("proc");
    /* As on a real system: /proc/device-tree is a symlink to the tree. */
    link_at("../fw/base", "proc/device-tree");
    fr_path(proc_dt, sizeof(proc_dt), top, "proc/device-tree");
    mkdirs("sys");
    fr_path(r.sys, sizeof(r.sys), top, "sys");

    CHECK_INT(fr_iommu_detect_at(&r, proc_dt, &io), 0);
    CHECK(io.devicetree && io.dt_iommu_map);
    CHECK_STR(io.dt_user, "pcie@10000000");
    CHECK(fr_iommu_present(&io));

    /* No fallback given, or a fixture sys root: nothing read. */
    CHECK_INT(fr_iommu_detect_at(&r, NULL, &io), 0);
    CHECK(!io.devicetree && !fr_iommu_present(&io));
    r.real_sys = 0;
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(!io.devicetree);
    CHECK_INT(fr_iommu_detect_at(NULL, proc_dt, &io), -EINVAL);

    /* A missing fallback is no error. */
    fr_path(proc_dt, sizeof(proc_dt), top, "proc/nonexistent");
    CHECK_INT(fr_iommu_detect_at(&r, proc_dt, &io), 0);
    CHECK(!io.devicetree);

    /* The sysfs tree, when there, is the one read (here without the node). */
    PUT("sys/firmware/devicetree/base/compatible", "linux,dummy-virt\0");
    fr_path(proc_dt, sizeof(proc_dt), top, "proc/device-tree");
    CHECK_INT(fr_iommu_detect_at(&r, proc_dt, &io), 0);
    CHECK(!io.devicetree);
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
    test_first_evidence();
    test_devicetree();
    test_devicetree_other_iommu();
    test_devicetree_corrupt();
    test_devicetree_proc_fallback();
    rm_tree();
    return check_summary("test_iommu");
}
