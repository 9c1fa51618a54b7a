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
#include "fixture.h"
#include "devices.h"
#include "diagnose.h"
#include "internal.h"
#include "iommu.h"
#include "log.h"
#include "roots.h"

#define PUT(rel, lit) FX_PUT_LIT((rel), (lit))
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
    fx_put_bytes(rel, buf, (size_t)(n < 16 ? n : 16) * 4);
}

/* An empty tree in fx_top, the sysfs root of r. */
static void new_tree(struct fr_roots *r)
{
    fx_rm_tree(fx_top);
    mkdir(fx_top, 0700);
    memset(r, 0, sizeof(*r));
    snprintf(r->sys, sizeof(r->sys), "%s", fx_top);
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

/* The device tree node is traced from user's prop, as detect() and the
 * diagnosis (text, and JSON's devicetree_iommu_map) say. */
static void check_traced(const struct fr_roots *r, const char *user, const char *prop,
                         const char *json_map)
{
    struct fr_iommu io;
    char want[160], *text;

    CHECK_INT(fr_iommu_detect(r, &io), 0);
    CHECK(io.devicetree && io.dt_iommu_map);
    CHECK_STR(io.dt_user, user);
    CHECK_STR(io.dt_prop, prop);
    snprintf(want, sizeof(want), "device tree node \"virtio,pci-iommu\" (%s on %s)\n", prop,
             user);
    text = diagnosis(r, false);
    CHECK(strstr(text, want));
    free(text);
    snprintf(want, sizeof(want), "\"devicetree_iommu_map\": %s", json_map);
    text = diagnosis(r, true);
    CHECK(strstr(text, want));
    free(text);
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
    fr_path(r.sys, sizeof(r.sys), fx_top, "nonexistent");
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
    fx_mkdirs("bus/pci/devices");
    fx_mkdirs("bus/pci/drivers/virtio-pci");
    fx_mkdirs("bus/virtio/devices");
    fx_mkdirs("bus/virtio/drivers/virtio_blk");
    fx_link("../../../devices/pci0000:00/0000:00:02.0", "bus/pci/devices/0000:00:02.0");
    fx_link("../../../devices/pci0000:00/0000:00:03.0", "bus/pci/devices/0000:00:03.0");
    fx_link("../../../devices/pci0000:00/0000:00:04.0", "bus/pci/devices/0000:00:04.0");
    fx_link("../../../../bus/pci/drivers/virtio-pci", "devices/pci0000:00/0000:00:03.0/driver");
    fx_link("../../../devices/pci0000:00/0000:00:02.0/virtio1", "bus/virtio/devices/virtio1");
    fx_link("../../../devices/pci0000:00/0000:00:03.0/virtio0", "bus/virtio/devices/virtio0");
    fx_link("../../../../../bus/virtio/drivers/virtio_blk",
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
    fx_mkdirs("bus/virtio/drivers/virtio_iommu");
    fx_link("../../../../../bus/virtio/drivers/virtio_iommu",
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
    fx_mkdirs("bus/pci/devices");
    fx_link("../../../devices/pci0000:00/0000:00:03.0", "bus/pci/devices/0000:00:03.0");
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
    fx_link("../../../../devices/virtio0", "bus/virtio/drivers/virtio_iommu/virtio0");
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
    fx_link("../../../../module/virtio_iommu", "bus/virtio/drivers/virtio_iommu/module");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.viot && !io.bound); /* only "module": nothing bound */

    fx_link("../../../../devices/virtio0", "bus/virtio/drivers/virtio_iommu/virtio0");
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
    fx_link("..", "firmware/devicetree/base/pcie@10000000/loop");
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
    check_traced(&r, "pcie@10000000", "iommu-map", "\"pcie@10000000\"");

    /* A phandle in a non-phandle cell (rid-base, length) does not count. */
    PUT("firmware/devicetree/base/pcie@10000000/iommu-map",
        "\x00\x00\x80\x05" "\x00\x00\x80\x04" "\x00\x00\x80\x05" "\x00\x00\x80\x05");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree && !io.dt_iommu_map);

    /* A platform device with iommus = <phandle id>: taken when no
     * iommu-map points at the IOMMU, and not reported as an iommu-map. */
    PUT(DT "dma@9000000/iommus", "\x00\x00\x80\x05\x00\x00\x00\x01");
    check_traced(&r, "dma@9000000", "iommus", "null"); /* not an iommu-map */
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
    fx_put_bytes(DT "pcie@10000000/iommu-map", entry, sizeof(entry));
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.dt_iommu_map);

    /* Odd lengths and cut entries, the phandle cell itself whole. */
    for (size_t i = 0; i < sizeof(big); i += 16)
        memcpy(big + i, entry, 16);
    static const size_t lens[] = {0, 1, 3, 7, 8, 9, 12, 15, 17, 20, 24, 31};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        fx_put_bytes(DT "pcie@10000000/iommu-map", big, lens[i]);
        CHECK_INT(fr_iommu_detect(&r, &io), 0);
        CHECK(io.devicetree && !io.dt_iommu_map);
    }
    /* One good entry for another IOMMU, then half an entry whose phandle
     * cell (offset 20) would match: the kernel refuses the whole map. */
    fx_put_bytes(DT "pcie@10000000/iommu-map", two, sizeof(two));
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree && !io.dt_iommu_map);

    /* Longer than we read: not parsed from a cut copy. */
    fx_put_bytes(DT "pcie@10000000/iommu-map", big, sizeof(big));
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.devicetree && !io.dt_iommu_map);
    fx_put_bytes(DT "pcie@10000000/iommu-map", big, 4096);
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(io.dt_iommu_map);
    CHECK_STR(io.dt_user, "pcie@10000000");

    /* A FIFO where the property should be: not opened for reading. */
    fr_path(path, sizeof(path), fx_top, DT "pcie@10000000/iommu-map");
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
    fx_put_bytes(DT "pcie@10000000/iommu-map", entry, sizeof(entry));
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
    fx_put_bytes(DT "pcie@10000000/iommu-map", entry, sizeof(entry));
    fr_path(path, sizeof(path), fx_top, DT "virtio_iommu@10/phandle");
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
    fx_mkdirs("proc");
    /* As on a real system: /proc/device-tree is a symlink to the tree. */
    fx_link("../fw/base", "proc/device-tree");
    fr_path(proc_dt, sizeof(proc_dt), fx_top, "proc/device-tree");
    fx_mkdirs("sys");
    fr_path(r.sys, sizeof(r.sys), fx_top, "sys");

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
    fr_path(proc_dt, sizeof(proc_dt), fx_top, "proc/nonexistent");
    CHECK_INT(fr_iommu_detect_at(&r, proc_dt, &io), 0);
    CHECK(!io.devicetree);

    /* The sysfs tree, when there, is the one read (here without the node). */
    PUT("sys/firmware/devicetree/base/compatible", "linux,dummy-virt\0");
    fr_path(proc_dt, sizeof(proc_dt), fx_top, "proc/device-tree");
    CHECK_INT(fr_iommu_detect_at(&r, proc_dt, &io), 0);
    CHECK(!io.devicetree);
    /* Deeper than anyone nests nodes: not searched. */
    new_tree(&r);
    char rel[PATH_MAX] = "firmware/devicetree/base";
    for (int i = 0; i < 20; i++)
        strcat(rel, "/n");
    strcat(rel, "/compatible");
    fx_put_bytes(rel, "virtio,pci-iommu", 17);
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(!io.devicetree);

    /* A node that is a symlink to a matching node elsewhere is not followed. */
    new_tree(&r);
    PUT("elsewhere/node/compatible", "virtio,pci-iommu\0");
    fx_mkdirs("firmware/devicetree/base");
    fx_link("../../../elsewhere/node", "firmware/devicetree/base/iommu");
    CHECK_INT(fr_iommu_detect(&r, &io), 0);
    CHECK(!io.devicetree);
}

static const struct check_case cases[] = {
    CASE(empty),
    CASE(viot),
    CASE(virtio_and_pci),
    CASE(driver_dir),
    CASE(first_evidence),
    CASE(devicetree),
    CASE(devicetree_other_iommu),
    CASE(devicetree_corrupt),
    CASE(devicetree_proc_fallback),
};
CHECK_MAIN("test_iommu", cases)
