/* IOMMU detection over a sysfs / device-tree tree generated from the input
 * (VIOT table, virtio and PCI devices with arbitrary id attributes, driver
 * links, device-tree nodes with arbitrary compatible / phandle / iommu-map
 * / iommus properties, FIFOs and symlink loops among them): the answer is
 * what a model of the rules says, the first-evidence search agrees with
 * the full one on whether an IOMMU is there, and nothing hangs. */
#include "fuzz.h"
#include "internal.h"
#include "iommu.h"
#include "log.h"
#include "roots.h"

static struct fr_roots roots;

/* read_hex()'s rule: at most 31 bytes, trailing newlines dropped, then the
 * C string must be one whole hex number. */
static bool hex_is(const uint8_t *b, size_t n, unsigned long want)
{
    char s[32], *end;
    if (n > 31)
        return false;
    while (n && b[n - 1] == '\n')
        n--;
    memcpy(s, b, n);
    s[n] = '\0';
    errno = 0;
    unsigned long v = strtoul(s, &end, 16);
    return !errno && end != s && !*end && v == want;
}

/* An attribute: a canned good value, a FIFO, or bytes from the input. */
static void attr(struct fuzz_in *in, const char *dir, const char *name, const char *good,
                 bool *is_good, unsigned long want)
{
    char p[PATH_MAX], b[48];
    uint8_t how = fuzz_byte(in) % 4;
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    *is_good = false;
    if (how == 0) {
        fuzz_write(p, good, strlen(good));
        *is_good = true;
    } else if (how == 1) {
        fuzz_mkfifo(p);
    } else if (how == 2) {
        size_t n = fuzz_byte(in) % sizeof(b);
        for (size_t i = 0; i < n; i++)
            b[i] = (char)fuzz_byte(in);
        fuzz_write(p, b, n);
        *is_good = hex_is((const uint8_t *)b, n, want);
    } /* 3: missing */
}

static bool compat_has(const uint8_t *b, size_t n)
{
    static const char want[] = "virtio,pci-iommu";
    for (size_t i = 0; i < n;) {
        size_t l = strnlen((const char *)b + i, n - i);
        if (l == sizeof(want) - 1 && memcmp(b + i, want, l) == 0)
            return true;
        i += l + 1;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    char sys[PATH_MAX], dir[PATH_MAX + 64], p[PATH_MAX + 128];
    bool want_viot, want_virtio = false, want_pci = false, want_dt = false;

    if (size > 8192)
        return 0;
    snprintf(sys, sizeof(sys), "%s/sys", fuzz_tmpdir());
    fuzz_undo(sys);
    fuzz_mkdirs(sys);
    if (!roots.sys[0]) {
        fuzz_undo_begin();
        fr_log_init(FR_LOG_ERR, NULL);
        fr_roots_init(&roots);
        roots.real_sys = 0;
    }
    snprintf(roots.sys, sizeof(roots.sys), "%s", sys);

    uint8_t flags = fuzz_byte(&in);
    want_viot = flags & 1;
    if (want_viot) {
        snprintf(dir, sizeof(dir), "%s/firmware/acpi/tables", sys);
        fuzz_mkdirs(dir);
        snprintf(p, sizeof(p), "%s/VIOT", dir);
        fuzz_write(p, "VIOT", 4);
    }
    int nvirtio = (flags >> 1) & 3, npci = (flags >> 3) & 3;
    for (int i = 0; i < nvirtio; i++) {
        bool good;
        snprintf(dir, sizeof(dir), "%s/bus/virtio/devices/virtio%d", sys, i);
        fuzz_mkdirs(dir);
        attr(&in, dir, "device", "0x0017\n", &good, 0x17);
        want_virtio |= good;
        if (fuzz_byte(&in) & 1) {
            snprintf(p, sizeof(p), "%s/driver", dir);
            fuzz_symlink("../../drivers/virtio_iommu", p);
        }
    }
    for (int i = 0; i < npci; i++) {
        bool gv, gd;
        snprintf(dir, sizeof(dir), "%s/bus/pci/devices/0000:00:0%d.0", sys, i);
        fuzz_mkdirs(dir);
        attr(&in, dir, "vendor", "0x1af4\n", &gv, 0x1af4);
        attr(&in, dir, "device", "0x1057\n", &gd, 0x1057);
        want_pci |= gv && gd;
    }
    if (flags & 0x20) {
        snprintf(dir, sizeof(dir), "%s/bus/virtio/drivers/virtio_iommu", sys);
        fuzz_mkdirs(dir);
        snprintf(p, sizeof(p), "%s/virtio0", dir);
        if (fuzz_byte(&in) & 1)
            fuzz_symlink("../../devices/virtio0", p);
    }
    if (flags & 0x40) {
        /* Up to 6 nodes, each under the base or under the node before. */
        char base[PATH_MAX];
        snprintf(base, sizeof(base), "%s/firmware/devicetree/base", sys);
        fuzz_mkdirs(base);
        snprintf(dir, sizeof(dir), "%s", base);
        int nodes = fuzz_byte(&in) % 7;
        for (int i = 0; i < nodes; i++) {
            uint8_t nf = fuzz_byte(&in);
            char node[PATH_MAX + 64];
            snprintf(node, sizeof(node), "%s/n%d@%x", nf & 1 ? dir : base, i, nf);
            fuzz_mkdirs(node);
            snprintf(dir, sizeof(dir), "%s", node);
            /* properties: compatible, phandle, iommu-map, iommus */
            static const char *const props[] = {"compatible", "phandle", "iommu-map", "iommus",
                                                "#iommu-cells"};
            for (size_t k = 0; k < sizeof(props) / sizeof(props[0]); k++) {
                uint8_t how = fuzz_byte(&in) % 5;
                snprintf(p, sizeof(p), "%s/%s", node, props[k]);
                if (how == 1 && k == 0) {
                    fuzz_write(p, "virtio,pci-iommu\0", 17);
                    want_dt = true;
                } else if (how == 2) {
                    uint8_t b[64];
                    size_t n = fuzz_byte(&in) % sizeof(b);
                    for (size_t j = 0; j < n; j++)
                        b[j] = fuzz_byte(&in);
                    fuzz_write(p, b, n);
                    if (k == 0)
                        want_dt |= compat_has(b, n);
                } else if (how == 3) {
                    fuzz_mkfifo(p);
                } else if (how == 4) {
                    snprintf(p, sizeof(p), "%s/loop%zu", node, k);
                    fuzz_symlink("..", p); /* a loop the walk must not follow */
                }
            }
        }
    }

    struct fr_iommu full, first;
    FUZZ_CHECK(fr_iommu_detect_at(&roots, NULL, &full) == 0);
    FUZZ_CHECK(fr_iommu_detect_first(&roots, &first) == 0);
    FUZZ_CHECK(full.viot == want_viot);
    FUZZ_CHECK(full.virtio_device == want_virtio);
    FUZZ_CHECK(full.pci_device == want_pci);
    FUZZ_CHECK(full.devicetree == want_dt);
    FUZZ_CHECK(fr_iommu_present(&full) == fr_iommu_present(&first));
    FUZZ_CHECK(!full.dt_iommu_map || full.devicetree);
    FUZZ_CHECK(full.dt_iommu_map == (full.dt_user[0] != '\0'));
    FUZZ_CHECK(memchr(full.dt_user, '\0', sizeof(full.dt_user)));
    FUZZ_CHECK(!full.virtio_device || full.virtio_name[0]);
    return 0;
}
