/* The diagnosis on fixture trees: the Incus q35 failure (virtio-iommu
 * unbound, storage deferred), the cured state, block devices with near
 * misses, and the JSON document. */
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
#include "fixture.h"
#include "diagnose.h"
#include "log.h"
#include "modules.h"
#include "roots.h"
#include "spec.h"
#include "util.h"

#define RELEASE "6.12.0-fr"

/* Runs the diagnosis into a string (caller frees). Not inlined: GCC 12 at
 * -O2 takes the returned memstream buffer for the local pointer to it
 * (-Wdangling-pointer false positive). */
__attribute__((noinline)) static char *diag(const struct fr_roots *r, const char *spec_text, struct fr_modules *m,
                  struct fr_devtab *t, bool json, int *ret)
{
    struct fr_spec spec;
    char err[128], *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);

    if (spec_text && fr_spec_parse(spec_text, &spec, err, sizeof(err)) < 0) {
        fprintf(stderr, "bad spec %s: %s\n", spec_text, err);
        spec_text = NULL;
    }
    *ret = fr_diagnose(r, spec_text ? &spec : NULL, m, t, json, out);
    fclose(out);
    return buf;
}

/* Check with python3 that the document parses and has the keys. Without
 * python3 that is a failure, not a silent pass. */
static void check_json_valid(const char *doc, const char *python_asserts)
{
    char path[PATH_MAX], cmd[PATH_MAX * 3];
    FILE *f;

    if (system("command -v python3 >/dev/null 2>&1") != 0) {
        fprintf(stderr, "test_diagnose: python3 not found: cannot check the JSON document\n");
        CHECK(!"python3 for the JSON checks");
        return;
    }
    fr_path(path, sizeof(path), fx_top, "doc.json");
    f = fopen(path, "w");
    fputs(doc, f);
    fclose(f);
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); %s' '%s'",
             python_asserts, path);
    int rc = system(cmd);
    CHECK_INT(rc, 0);
}

static struct fr_roots roots;
static const struct fr_roots *const r = &roots;
static struct fr_modules *mods; /* a dry-run context over the fake modules dir */
static struct fr_devtab tab;     /* the block devices the diagnosis is given */

/* Fixture roots and the fake modules dir; mods over it when wanted.
 * Returns -1 (a failed check) without them. */
static int setup(bool want_mods)
{
    memset(&roots, 0, sizeof(roots));
    fr_path(roots.sys, sizeof(roots.sys), fx_top, "sys");
    fr_path(roots.dev, sizeof(roots.dev), fx_top, "dev");
    roots.real_sys = 0;
    if (fx_make_modules(&roots, RELEASE) < 0 ||
        (want_mods && fr_modules_new(&roots, true, &mods) < 0)) {
        CHECK(!"fake modules dir");
        return -1;
    }
    return 0;
}

/* The q35 + virtio-iommu picture on a 6.12 kernel before virtio_iommu loads. */
static void make_incus_failure(void)
{
    fx_put("sys/firmware/acpi/tables/VIOT", "VIOT");
    fx_put("sys/devices/pci0000:00/0000:00:02.0/vendor", "0x1af4\n");
    fx_put("sys/devices/pci0000:00/0000:00:02.0/device", "0x1042\n");
    fx_put("sys/devices/pci0000:00/0000:00:02.0/modalias",
        "pci:v00001AF4d00001042sv00001AF4sd00001100bc01sc00i00\n");
    fx_put("sys/devices/pci0000:00/0000:00:03.0/vendor", "0x1af4\n");
    fx_put("sys/devices/pci0000:00/0000:00:03.0/device", "0x1057\n");
    fx_put("sys/devices/pci0000:00/0000:00:03.0/modalias",
        "pci:v00001AF4d00001057sv00001AF4sd00001100bc08sc06i00\n");
    fx_put("sys/devices/pci0000:00/0000:00:03.0/virtio0/device", "0x0017\n");
    fx_put("sys/devices/pci0000:00/0000:00:03.0/virtio0/uevent",
        "MODALIAS=virtio:d00000017v00001AF4\n");
    fx_put("sys/bus/pci/drivers/virtio-pci/bind", "");
    fx_link("../../../devices/pci0000:00/0000:00:02.0", "sys/bus/pci/devices/0000:00:02.0");
    fx_link("../../../devices/pci0000:00/0000:00:03.0", "sys/bus/pci/devices/0000:00:03.0");
    fx_link("../../../devices/pci0000:00/0000:00:03.0/virtio0", "sys/bus/virtio/devices/virtio0");
    fx_link("../../../../bus/pci/drivers/virtio-pci", "sys/devices/pci0000:00/0000:00:03.0/driver");
    fx_put("sys/kernel/debug/devices_deferred", "0000:00:02.0\t\n");
}

static void test_bad_args(void)
{
    CHECK_INT(fr_diagnose(NULL, NULL, NULL, NULL, false, stdout), -EINVAL);
}

static void test_incus_failure(void)
{
    char *s;
    int ret;

    if (setup(true) < 0)
        return;
    make_incus_failure();
    s = diag(r, "UUID=1234-ABCD", mods, &tab, false, &ret);
    CHECK_INT(ret, 0);
    CHECK(strstr(s, "kernel:       " RELEASE) != NULL);
    CHECK(strstr(s, "root wanted:  UUID=1234-ABCD") != NULL);
    CHECK(strstr(s, "ACPI VIOT table") != NULL);
    CHECK(strstr(s, "virtio device virtio0") != NULL);
    CHECK(strstr(s, "PCI device 1af4:1057") != NULL);
    CHECK(strstr(s, "its driver, virtio_iommu, is not bound: until it is, the kernel holds back "
                    "every device behind the IOMMU, disk controllers included "
                    "(modprobe virtio_iommu)") != NULL);
    CHECK(strstr(s, ": yes\n") != NULL);
    CHECK(strstr(s, "  0000:00:02.0: (no reason given)") != NULL);
    CHECK(strstr(s, "pci 0000:00:02.0  pci:v00001AF4d00001042") != NULL);
    /* Its driver is there (built in), waiting for the IOMMU's. */
    CHECK(strstr(s, "pci:v00001AF4d00001042sv00001AF4sd00001100bc01sc00i00\n"
                    "      driver: virtio_pci, built into the kernel (present, not missing)\n"
                    "      probe deferred: it waits for the IOMMU driver, virtio_iommu, which is "
                    "not loaded (it is in this initramfs: modprobe virtio_iommu)\n") != NULL);
    CHECK(strstr(s, "virtio virtio0  virtio:d00000017v00001AF4") != NULL);
    CHECK(strstr(s, "driver: virtio_iommu, a module in this initramfs, not loaded") != NULL);
    CHECK(strstr(s, "none: the kernel has registered no disk") != NULL);
    CHECK(strstr(s, "UUID=1234-ABCD: no device matches") != NULL);
    CHECK(strstr(s, "  modprobe virtio_iommu") != NULL);
    CHECK(strstr(s, "dracut -f --add-drivers virtio_iommu") != NULL);
    CHECK(strstr(s, "MODULES=(virtio_iommu)") != NULL);
    CHECK(strstr(s, "echo virtio_iommu >> /etc/initramfs-tools/modules; update-initramfs -u") != NULL);
    CHECK(strstr(s, "findroot wait") != NULL);
    /* The deferred storage controller has its (built-in) driver already. */
    CHECK(strstr(s, "modprobe virtio_pci") == NULL);
    /* The PCI function of the IOMMU itself is bound by virtio-pci. */
    CHECK(strstr(s, "0000:00:03.0  pci:") == NULL);
    free(s);

    s = diag(r, "UUID=1234-ABCD", mods, &tab, true, &ret);
    CHECK_INT(ret, 0);
    CHECK(strstr(s, "\"kernel_release\": \"" RELEASE "\"") != NULL);
    check_json_valid(s, "i=d[\"iommu\"]; assert d[\"version\"]==1; assert i[\"present\"]; "
                        "assert not i[\"driver_bound\"]; assert i[\"module_available\"]; "
                        "assert i[\"evidence\"]==[\"acpi_viot\",\"virtio_device\",\"pci_device\"]; "
                        "assert i[\"virtio_device\"]==\"virtio0\"; "
                        "assert d[\"deferred\"][\"status\"]==\"ok\"; "
                        "assert d[\"deferred\"][\"devices\"]==[{\"device\":\"0000:00:02.0\",\"reason\":\"\"}]; "
                        "dl=d[\"driverless\"]; assert [x[\"device\"] for x in dl]==[\"0000:00:02.0\",\"virtio0\"]; "
                        "assert dl[1][\"modules\"]==[\"virtio_iommu\"] and dl[1][\"bus\"]==\"virtio\"; "
                        "assert dl[0][\"builtin\"]==[\"virtio_pci\"] and dl[0][\"driver\"]==\"builtin\"; "
                        "assert dl[0][\"waits_for\"]==\"virtio_iommu\" and dl[1][\"waits_for\"] is None; "
                        "assert dl[1][\"builtin\"]==[] and dl[1][\"driver\"]==\"module\"; "
                        "assert d[\"builtin_modinfo\"] and i[\"driver_module\"]==\"virtio_iommu\"; "
                        "assert dl[0][\"deferred\"] and not dl[1][\"deferred\"]; "
                        "assert d[\"root\"][\"spec\"]==\"UUID=1234-ABCD\" and not d[\"root\"][\"found\"]; "
                        "assert d[\"root\"][\"device\"] is None; assert d[\"block_devices\"]==[]; "
                        "assert d[\"modules_usable\"]; "
                        "assert any(\"modprobe virtio_iommu\" in a for a in d[\"advice\"])");
    free(s);

    /* virtio_iommu loaded, yet its driver not bound (it failed to probe). */
    fx_module_state("virtio_iommu", "live\n");
    s = diag(r, "UUID=1234-ABCD", mods, &tab, false, &ret);
    CHECK(strstr(s, "probe deferred: it waits for the IOMMU driver, virtio_iommu, which is loaded "
                    "but not bound\n") != NULL);
    CHECK(strstr(s, "driver: virtio_iommu, a module in this initramfs, loaded\n") != NULL);
    free(s);
    fr_devtab_free(&tab);
    fr_modules_free(mods);
}

/* Same machine, but this initramfs has no modules dir at all. */
static void test_no_modules(void)
{
    struct fr_roots r2;
    char *s;
    int ret;

    if (setup(false) < 0)
        return;
    make_incus_failure();
    r2 = roots;
    fr_path(r2.modules, sizeof(r2.modules), fx_top, "root/lib/modules/none");
    s = diag(&r2, NULL, NULL, NULL, false, &ret);
    CHECK_INT(ret, 0);
    CHECK(strstr(s, "root wanted:  (none") != NULL);
    CHECK(strstr(s, "missing or unusable") != NULL);
    CHECK(strstr(s, "NO: this initramfs cannot load it") != NULL);
    CHECK(strstr(s, "virtio_iommu is not in this initramfs") != NULL);
    CHECK(strstr(s, "security.iommu=false") != NULL);
    CHECK(strstr(s, "no root= was given") != NULL);
    CHECK(strstr(s, "  modprobe virtio_iommu") == NULL);
    free(s);

    /* Modules off (m NULL) but the dir is fine: lookups still work. */
    s = diag(r, NULL, NULL, NULL, false, &ret);
    CHECK(strstr(s, "driver: virtio_iommu, a module in this initramfs") != NULL);
    free(s);

    /* No modules dir: the deferred function still has its driver (one
     * matched it); nothing is called missing. */
    s = diag(&r2, NULL, NULL, NULL, true, &ret);
    CHECK_INT(ret, 0);
    check_json_valid(s, "dl=d[\"driverless\"]; assert not d[\"builtin_modinfo\"]; "
                        "assert dl[0][\"device\"]==\"0000:00:02.0\" and dl[0][\"driver\"]==\"builtin\"; "
                        "assert dl[0][\"waits_for\"]==\"virtio_iommu\"; "
                        "assert dl[1][\"device\"]==\"virtio0\" and dl[1][\"driver\"]==\"unknown\"");
    free(s);
}

/* The cure: virtio_iommu bound; the storage controller probed; nothing
 * deferred; an older kernel's name-only line format. */
static void make_bound(void)
{
    make_incus_failure();
    fx_put("sys/bus/virtio/drivers/virtio_iommu/bind", "");
    fx_link("../../../../../bus/virtio/drivers/virtio_iommu",
            "sys/devices/pci0000:00/0000:00:03.0/virtio0/driver");
    fx_link("../../../../bus/pci/drivers/virtio-pci", "sys/devices/pci0000:00/0000:00:02.0/driver");
    fx_put("sys/kernel/debug/devices_deferred", "platform-thing\n\n   \n");
}

static void test_bound(void)
{
    char *s;
    int ret;

    if (setup(true) < 0)
        return;
    make_bound();
    s = diag(r, "LABEL=root", mods, NULL, false, &ret);
    CHECK_INT(ret, 0);
    CHECK(strstr(s, "its driver is bound") != NULL);
    CHECK(strstr(s, "not bound") == NULL);
    CHECK(strstr(s, "  platform-thing: (no reason given)") != NULL);
    CHECK(strstr(s, "Devices without a driver\n  none.") != NULL);
    CHECK(strstr(s, "modprobe virtio_iommu") == NULL);
    CHECK(strstr(s, "dmesg | grep -i defer") != NULL);
    free(s);

    /* No debugfs list at all (not the real /sys: nothing is mounted). */
    fx_unlink("sys/kernel/debug/devices_deferred");
    s = diag(r, NULL, mods, NULL, true, &ret);
    CHECK_INT(ret, 0);
    check_json_valid(s, "assert d[\"deferred\"][\"status\"]==\"absent\"; "
                        "assert d[\"iommu\"][\"driver_bound\"]; assert d[\"driverless\"]==[]; "
                        "assert d[\"root\"][\"spec\"] is None");
    free(s);
    fr_modules_free(mods);
}

static struct fr_blockdev *add_dev(struct fr_devtab *t, const char *name, unsigned minor)
{
    struct fr_blockdev *d;

    t->v = realloc(t->v, (t->n + 1) * sizeof(*t->v));
    d = &t->v[t->n++];
    t->cap = t->n;
    memset(d, 0, sizeof(*d));
    d->name = strdup(name);
    d->devname = strdup(name);
    d->disk = strdup("vda");
    d->major = 252;
    d->minor = minor;
    d->probe.done = true;
    d->probe.rc = 0;
    return d;
}

/* vda (GPT) and vda1 (ext4) with every tag set, on the cured machine. */
static void make_blockdevs(struct fr_devtab *t)
{
    struct fr_blockdev *d;

    make_bound();
    fx_unlink("sys/kernel/debug/devices_deferred");
    d = add_dev(t, "vda", 0);
    snprintf(d->probe.pttype, sizeof(d->probe.pttype), "gpt");
    d->probe.rc = 1;
    d = add_dev(t, "vda1", 1);
    d->partition = true;
    d->partn = 1;
    snprintf(d->probe.type, sizeof(d->probe.type), "ext4");
    snprintf(d->probe.usage, sizeof(d->probe.usage), "filesystem");
    fr_str_set(&d->probe.uuid, "0a1b2c3d-1111-2222-3333-444455556666");
    fr_str_set(&d->probe.label, "Root ");
    fr_str_set(&d->probe.partuuid, "9e1f0c2a-01");
    fr_str_set(&d->probe.partlabel, "rootfs");
}

static void test_blockdevs(void)
{
    char *s;
    int ret;

    if (setup(true) < 0)
        return;
    make_blockdevs(&tab);

    s = diag(r, "UUID=0a1b2c3d-1111-2222-3333-444455556666", mods, &tab, false, &ret);
    CHECK_INT(ret, 0);
    CHECK(strstr(s, "/dev/vda1  252:1  partition 1 of vda TYPE=\"ext4\" "
                    "UUID=\"0a1b2c3d-1111-2222-3333-444455556666\" LABEL=\"Root \" "
                    "PARTUUID=\"9e1f0c2a-01\" PARTLABEL=\"rootfs\"") != NULL);
    CHECK(strstr(s, "UUID=0a1b2c3d-1111-2222-3333-444455556666 is ") != NULL);
    CHECK(strstr(s, "/dev/vda1.\n") != NULL);
    CHECK(strstr(s, "near miss") == NULL);
    free(s);

    /* Near misses: what the report then says (each of has[] in it). */
    static const struct {
        const char *spec, *has[4];
    } misses[] = {
        /* Dashes dropped: a near miss, not a match. */
        {"UUID=0A1B2C3D111122223333444455556666",
         {"no device matches", "near miss: ", "vda1 has UUID=",
          "did you mean root=UUID=0a1b2c3d-1111-2222-3333-444455556666?"}},
        /* Label differing in case and a trailing blank. */
        {"LABEL=root", {"vda1 has LABEL=\"Root \": a label differing only in letter case"}},
        /* The partition label given as a filesystem label, and the reverse. */
        {"LABEL=rootfs", {"use root=PARTLABEL=", "did you mean root=PARTLABEL=rootfs?"}},
        {"PARTUUID=0a1b2c3d-1111-2222-3333-444455556666", {"use root=UUID="}},
        {"/dev/sda1", {"did you mean root=/dev/vda1?"}},
    };
    for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++) {
        s = diag(r, misses[i].spec, mods, &tab, false, &ret);
        for (size_t k = 0; k < 4 && misses[i].has[k]; k++)
            CHECK(strstr(s, misses[i].has[k]) != NULL);
        free(s);
    }

    /* Labels are kept whole (NTFS ones can pass 255 bytes): shown and matched. */
    char label[301], spec[320], shown[320];
    memset(label, 'L', sizeof(label) - 1);
    label[sizeof(label) - 1] = '\0';
    fr_str_set(&tab.v[1].probe.label, label);
    snprintf(spec, sizeof(spec), "LABEL=%s", label);
    snprintf(shown, sizeof(shown), " LABEL=\"%s\" ", label);
    s = diag(r, spec, mods, &tab, false, &ret);
    CHECK_INT(ret, 0);
    CHECK(strstr(s, shown) != NULL);
    CHECK(strstr(s, "/dev/vda1.\n") != NULL);
    CHECK(strstr(s, "no device matches") == NULL);
    free(s);

    fr_devtab_free(&tab);
    fr_modules_free(mods);
}

/* Control bytes and UTF-8 in the label and the spec, in text and JSON. */
#define HOSTILE_LABEL "a\nb\x7f\x1b[31m \xc3\xa9"
#define HOSTILE_SPEC "LABEL=A\nB\x7f\x1b[31m \xc3\xa9"

static void test_escaping(void)
{
    /* The plain report escapes control bytes as log lines do (\xHH), keeps
     * UTF-8, and stays one line per fact: in the label, the spec (root
     * wanted, no match, advice) and the near miss. */
    static const char *const lines[] = {
        "  root wanted:  LABEL=A\\x0aB\\x7f\\x1b[31m \xc3\xa9\n",
        " LABEL=\"a\\x0ab\\x7f\\x1b[31m \xc3\xa9\" PARTUUID=",
        "\n  LABEL=A\\x0aB\\x7f\\x1b[31m \xc3\xa9: no device matches.\n",
        "vda1 has LABEL=\"a\\x0ab\\x7f\\x1b[31m \xc3\xa9\": a label differing",
        "did you mean root=LABEL=a\\x0ab\\x7f\\x1b[31m \xc3\xa9?\n",
        "(waits again for LABEL=A\\x0aB\\x7f\\x1b[31m \xc3\xa9, loading",
    };
    char *s;
    int ret;

    if (setup(true) < 0)
        return;
    make_blockdevs(&tab);

    /* Hostile label text stays one valid JSON string. */
    fr_str_set(&tab.v[1].probe.label, "a\"b\\c\nd\x01\xff");
    s = diag(r, "LABEL=nothing", mods, &tab, true, &ret);
    CHECK_INT(ret, 0);
    CHECK(strstr(s, "\"label\": \"a\\\"b\\\\c\\nd\\u0001\\ufffd\"") != NULL);
    check_json_valid(s, "b=d[\"block_devices\"]; assert [x[\"name\"] for x in b]==[\"vda\",\"vda1\"]; "
                        "assert b[0][\"probe\"]==\"nothing\" and b[0][\"uuid\"] is None; "
                        "assert b[1][\"partition\"] and b[1][\"major\"]==252 and b[1][\"minor\"]==1; "
                        "assert b[1][\"node\"].endswith(\"/dev/vda1\"); "
                        "assert d[\"root\"][\"kind\"]==\"LABEL\" and d[\"root\"][\"candidates\"]==0");
    free(s);

    fr_str_set(&tab.v[1].probe.label, HOSTILE_LABEL);
    for (int json = 0; json <= 1; json++) {
        s = diag(r, HOSTILE_SPEC, mods, &tab, json, &ret);
        CHECK_INT(ret, 0);
        if (json) {
            /* JSON escapes on its own: the document stays valid, the text intact. */
            check_json_valid(
                s, "assert d[\"root\"][\"spec\"]==\"LABEL=A\\nB\\x7f\\x1b[31m \\xe9\"; "
                   "assert d[\"block_devices\"][1][\"label\"]==\"a\\nb\\x7f\\x1b[31m \\xe9\"; "
                   "assert d[\"root\"][\"near_misses\"][0][\"value\"]==d[\"block_devices\"][1][\"label\"]");
            free(s);
            break;
        }
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
            CHECK(strstr(s, lines[i]) != NULL);
        size_t raw = 0;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
            raw += (*p < 0x20 && *p != '\n') || *p == 0x7f;
        CHECK_INT(raw, 0);
        free(s);
    }

    /* A line longer than say()'s stack buffer (a long modules dir path):
     * escaped whole, not cut. */
    struct fr_roots r2 = *r;
    size_t len = (size_t)snprintf(r2.modules, sizeof(r2.modules), "/nonexistent/");
    memset(r2.modules + len, '\x01', 1000);
    snprintf(r2.modules + len + 1000, sizeof(r2.modules) - len - 1000, "/mods");
    s = diag(&r2, "LABEL=nothing", NULL, &tab, false, &ret);
    CHECK_INT(ret, 0);
    const char *l = strstr(s, "  modules dir:  /nonexistent/\\x01");
    CHECK(l != NULL);
    if (l) {
        size_t n = 0;
        for (l += strlen("  modules dir:  /nonexistent/"); strncmp(l, "\\x01", 4) == 0; l += 4)
            n++;
        CHECK_INT(n, 1000);
        CHECK(strncmp(l, "/mods  (missing or unusable: no module can be loaded)\n", 54) == 0);
    }
    free(s);
    fr_devtab_free(&tab);
    fr_modules_free(mods);
}

static const struct check_case cases[] = {
    CASE(bad_args), CASE(incus_failure), CASE(no_modules),
    CASE(bound),    CASE(blockdevs),     CASE(escaping),
};
CHECK_MAIN("test_diagnose", cases)
