/* Device table, probing, identification, links and resolution on a fixture
 * tree built by tests/fixture/mkfixture.sh (real mkfs images, fake sysfs). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "internal.h"
#include "devices.h"
#include "util.h"
#include "diagnose.h"
#include "links.h"
#include "log.h"
#include "resolve.h"

static struct fr_roots roots;
static const char *root;        /* this case's dir: fx_top */
static char pristine[PATH_MAX]; /* the tree of mkfixture.sh, made once */
static struct fr_devtab tab;

static int run(const char *fmt, const char *a, const char *b)
{
    char cmd[PATH_MAX * 3];
    snprintf(cmd, sizeof cmd, fmt, a, b);
    return system(cmd);
}

/* What tests/fixture/mkfixture.sh runs. A missing one fails the test: a
 * skipped test must not count as a pass. Returns how many are missing. */
static int missing_tools(void)
{
    static const char *const tools[][2] = {
        {"sfdisk", "util-linux/fdisk"}, {"mkfs.ext4", "e2fsprogs"}, {"mkfs.vfat", "dosfstools"},
        {"realpath", "coreutils"},      {"truncate", "coreutils"},
    };
    int missing = 0;

    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        if (run("command -v '%s' >/dev/null 2>&1%s", tools[i][0], "") == 0)
            continue;
        fprintf(stderr, "test_devices: FAIL: %s not found (package %s); the fixture needs it\n",
                tools[i][0], tools[i][1]);
        missing++;
    }
    return missing;
}

static const struct fr_blockdev *dev(const char *name)
{
    int i = fr_devtab_find(&tab, name);
    return i >= 0 ? &tab.v[i] : NULL;
}

static void link_is(const char *name, const char *want)
{
    char p[PATH_MAX + 64], buf[PATH_MAX];
    snprintf(p, sizeof p, "%s/disk/%s", roots.dev, name);
    ssize_t n = readlink(p, buf, sizeof buf - 1);
    buf[n >= 0 ? n : 0] = '\0';
    if (n < 0)
        fprintf(stderr, "missing link %s\n", name);
    CHECK_STR(buf, want);
}

static bool exists(const char *fmt, const char *a)
{
    char p[PATH_MAX + 128];
    struct stat st;
    snprintf(p, sizeof p, fmt, a);
    return lstat(p, &st) == 0;
}

static int resolve(enum fr_spec_kind kind, const char *value, int off, int *n)
{
    struct fr_spec s;
    memset(&s, 0, sizeof s);
    s.kind = kind;
    snprintf(s.value, sizeof s.value, "%s", value);
    s.partnroff = off;
    return fr_resolve_roots(&tab, &s, &roots, n);
}

static const char *resolved(enum fr_spec_kind kind, const char *value, int off, int *n)
{
    int i = resolve(kind, value, off, n);
    return i >= 0 ? tab.v[i].name : "(none)";
}

/* How far a case's table is brought before it starts. */
enum stage { FIXTURE, SCANNED, PROBED, IDENTIFIED, LINKED };

/* A copy of the pristine tree for this case, and the table brought to the
 * stage. Returns -1 (a failed check) when the copy fails. */
static int setup(enum stage stage)
{
    fr_log_init(getenv("FR_TEST_DEBUG") ? FR_LOG_DEBUG : FR_LOG_ERR, NULL);
    root = fx_top;
    if (run("cp -a '%s/t' '%s/t'", pristine, root) != 0) {
        CHECK(!"copy of the fixture tree");
        return -1;
    }
    memset(&roots, 0, sizeof roots);
    snprintf(roots.sys, sizeof roots.sys, "%s/t/sys", root);
    snprintf(roots.dev, sizeof roots.dev, "%s/t/dev", root);
    if (stage >= SCANNED)
        fr_devtab_scan(&tab, &roots);
    /* Partitions first, as test_probe checks. */
    for (int disks = 0; stage >= PROBED && disks <= 1; disks++)
        for (size_t i = 0; i < tab.n; i++)
            if (tab.v[i].partition == !disks)
                fr_probe(&tab, i, &roots);
    for (size_t i = 0; stage >= IDENTIFIED && i < tab.n; i++)
        fr_devices_identify(&tab.v[i], &roots);
    if (stage >= LINKED)
        fr_links_sync(&tab, &roots);
    return 0;
}

static void teardown(void)
{
    fr_devtab_free(&tab);
    fr_probe_cleanup();
}

/* A refused device comes back with every sweep (wait.c) and event: its
 * warning is given once per table, later refusals are debug messages. The
 * warnings are counted in a file standing in for /dev/kmsg. */
static void test_refused_once(void)
{
    struct fr_devtab t = {0};
    char kmsg[PATH_MAX], buf[8192];
    const char *warning = "block device evil: refusing node name '../evil'";
    int warnings = 0;
    FILE *f;

    if (setup(FIXTURE) < 0)
        return;
    snprintf(kmsg, sizeof kmsg, "%s/kmsg", root);
    f = fopen(kmsg, "w");
    if (f)
        fclose(f);
    fr_log_init(FR_LOG_ERR, kmsg); /* kmsg gets warnings, not debug */
    CHECK_INT(fr_devtab_scan(&t, &roots), 12);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(fr_devtab_add(&t, &roots, "evil"), -EINVAL);
        CHECK_INT(fr_devtab_scan(&t, &roots), 12);
    }
    fr_log_init(getenv("FR_TEST_DEBUG") ? FR_LOG_DEBUG : FR_LOG_ERR, NULL);
    f = fopen(kmsg, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    for (const char *p = buf; (p = strstr(p, warning)); p++)
        warnings++;
    CHECK_INT(warnings, 1);
    CHECK(strstr(buf, "<4>findroot: block device evil") != NULL);
    CHECK_INT(fr_devtab_find(&t, "evil"), -ENOENT);
    fr_devtab_free(&t);
    teardown();
}

static void test_scan(void)
{
    if (setup(FIXTURE) < 0)
        return;
    int n = fr_devtab_scan(&tab, &roots);
    /* 14 entries in class/block: evil refused, gone vanished. */
    CHECK_INT(n, 12);
    CHECK(dev("evil") == NULL);
    CHECK(dev("gone") == NULL);
    CHECK_INT(fr_devtab_add(&tab, &roots, "gone"), -ENOENT);
    CHECK_INT(fr_devtab_add(&tab, &roots, "evil"), -EINVAL);
    CHECK_INT(fr_devtab_add(&tab, &roots, "../vda"), -EINVAL);
    CHECK_INT(fr_devtab_add(&tab, &roots, "nosuch"), -ENOENT);

    const struct fr_blockdev *d = dev("vda1");
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK(d->partition);
    CHECK_INT(d->partn, 1);
    CHECK_STR(d->disk, "vda");
    CHECK_INT(d->major, 252);
    CHECK_INT(d->minor, 1);
    CHECK_STR(d->devname, "vda1");
    CHECK(strstr(d->syspath, "/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda/vda1") != NULL);
    CHECK(strncmp(d->syspath, roots.sys, strlen(roots.sys)) == 0);
    d = dev("vda");
    CHECK(d && !d->partition && strcmp(d->disk, "vda") == 0);
    d = dev("xx!d0");
    CHECK(d && strcmp(d->devname, "xx/d0") == 0);

    char p[PATH_MAX];
    d = dev("vda2");
    CHECK_INT(fr_devnode_path(&roots, d, p, sizeof p), 0);
    CHECK(strcmp(p + strlen(roots.dev), "/vda2") == 0);

    /* Rescanning finds the same entries; a device gone from sysfs is marked. */
    size_t before = tab.n;
    CHECK_INT(fr_devtab_scan(&tab, &roots), 12);
    CHECK_INT(tab.n, before);
    teardown();
}

static void test_probe(void)
{
    const struct fr_blockdev *d;
    char why[128];

    if (setup(SCANNED) < 0)
        return;
    /* Partitions first: their disk's table is read on their behalf. */
    for (size_t i = 0; i < tab.n; i++)
        if (tab.v[i].partition)
            fr_probe(&tab, i, &roots);
    d = dev("vda1");
    CHECK_STR(d->probe.partuuid, "aaaaaaaa-0000-4000-8000-000000000001");
    CHECK_STR(d->probe.partlabel, "my root");
    for (size_t i = 0; i < tab.n; i++)
        if (!tab.v[i].partition)
            fr_probe(&tab, i, &roots);

    d = dev("vda");
    CHECK_INT(d->probe.rc, 0);
    CHECK_STR(d->probe.pttype, "gpt");
    CHECK_STR(d->probe.ptuuid, "12345678-1234-4321-8765-123456789abc");
    d = dev("vda1");
    CHECK_INT(d->probe.rc, 0);
    CHECK_STR(d->probe.type, "ext4");
    CHECK_STR(d->probe.usage, "filesystem");
    CHECK_STR(d->probe.uuid, "11111111-2222-3333-4444-555555555555");
    CHECK_STR(d->probe.label, "root fs/\xc3\xa9");
    d = dev("vda2");
    CHECK_STR(d->probe.type, "vfat");
    CHECK_STR(d->probe.uuid, "1234-ABCD");
    CHECK_STR(d->probe.label, "EFI");
    CHECK_STR(d->probe.partuuid, "aaaaaaaa-0000-4000-8000-000000000002");
    CHECK_STR(d->probe.partlabel, "data/x \xc3\xa9");
    d = dev("vdd");
    CHECK_INT(d->probe.rc, FR_PROBE_AMBIVALENT); /* vfat + ext4 */
    CHECK(d->probe.uuid == NULL);
    CHECK_STR(d->probe.type, "");
    CHECK_INT(d->probe.err, 0);
    CHECK_STR(d->probe.types, "vfat,ext4");
    CHECK_STR(fr_probe_describe(d, why, sizeof why), "ambivalent superblocks (vfat and ext4)");
    d = dev("sdb");
    CHECK_INT(d->probe.rc, FR_PROBE_NOTHING); /* nothing on it */
    CHECK_STR(fr_probe_describe(d, why, sizeof why), "nothing recognised on it");
    d = dev("fr0");
    /* In sysfs, no device behind it: the node fr_devtab_add() made (as
     * root) gives ENXIO, or there is none (unprivileged). */
    CHECK_INT(d->probe.rc, FR_PROBE_GONE);
    CHECK(d->probe.err == ENXIO || d->probe.err == ENOENT);
    CHECK(d->probe.types == NULL);
    CHECK(strncmp(fr_probe_describe(d, why, sizeof why), "device vanished (", 17) == 0);
    CHECK(d->probe.rc < 0); /* wait.c probes it again on the next sweep */
    /* vdc's garbled superblock: whatever libblkid makes of it, no crash. */
    CHECK(dev("vdc")->probe.done);

    /* A partition added after its disk was probed still gets its entry. */
    int i = fr_devtab_find(&tab, "vda2");
    fr_str_set(&tab.v[i].probe.partuuid, NULL);
    fr_str_set(&tab.v[i].probe.partlabel, NULL);
    fr_probe(&tab, (size_t)i, &roots);
    CHECK_STR(tab.v[i].probe.partuuid, "aaaaaaaa-0000-4000-8000-000000000002");
    teardown();
}

/* Each disk's table is read once and kept with the disk: its partitions
 * take their entries from there until the disk is added or probed again. */
static void test_partition_entries(void)
{
    static const char *const uuid1 = "aaaaaaaa-0000-4000-8000-000000000001";
    static const char *const other = "bbbbbbbb-0000-4000-8000-000000000001";
    static const char *const sfdisk = "sfdisk -q --no-reread --no-tell-kernel --part-uuid '%s/vda' 1 %s";

    if (setup(PROBED) < 0)
        return;
    int disk = fr_devtab_find(&tab, "vda"), p1 = fr_devtab_find(&tab, "vda1");
    int p2 = fr_devtab_find(&tab, "vda2");

    CHECK(disk >= 0 && p1 >= 0 && p2 >= 0);
    if (disk < 0 || p1 < 0 || p2 < 0)
        return;
    CHECK_INT(run(sfdisk, roots.dev, other), 0);
    fr_probe(&tab, (size_t)p1, &roots);
    CHECK_STR(tab.v[p1].probe.partuuid, uuid1); /* the entries the disk's probe read */
    CHECK_INT(fr_probe(&tab, (size_t)disk, &roots), FR_PROBE_OK); /* reads it again */
    CHECK_STR(tab.v[p1].probe.partuuid, other);
    CHECK_STR(tab.v[p2].probe.partuuid, "aaaaaaaa-0000-4000-8000-000000000002");

    /* A change event for the disk: the first partition probed before it
     * reads the table, and the disk's probe keeps what it read. */
    CHECK_INT(run(sfdisk, roots.dev, uuid1), 0);
    CHECK_INT(fr_devtab_add(&tab, &roots, "vda"), disk);
    fr_probe(&tab, (size_t)p1, &roots);
    CHECK_STR(tab.v[p1].probe.partuuid, uuid1);
    fr_str_set(&tab.v[p2].probe.partlabel, NULL);
    CHECK_INT(fr_probe(&tab, (size_t)disk, &roots), FR_PROBE_OK);
    CHECK_STR(tab.v[disk].probe.pttype, "gpt");
    CHECK_STR(tab.v[p2].probe.partlabel, "data/x \xc3\xa9");

    /* The disk unreadable or removed: its partitions keep what they have. */
    CHECK_INT(run("mv '%s/vda' '%s/vda.away'", roots.dev, roots.dev), 0);
    CHECK_INT(fr_probe(&tab, (size_t)disk, &roots), FR_PROBE_GONE);
    CHECK_INT(fr_probe(&tab, (size_t)p1, &roots), FR_PROBE_OK);
    CHECK_STR(tab.v[p1].probe.partuuid, uuid1);
    CHECK_STR(tab.v[p1].probe.partlabel, "my root");
    CHECK_INT(run("mv '%s/vda.away' '%s/vda'", roots.dev, roots.dev), 0);
    fr_devtab_remove(&tab, "vda");
    fr_str_set(&tab.v[p1].probe.partlabel, NULL);
    fr_probe(&tab, (size_t)p1, &roots);
    CHECK(tab.v[p1].probe.partlabel == NULL);
    CHECK_INT(fr_devtab_add(&tab, &roots, "vda"), disk);
    fr_probe(&tab, (size_t)p1, &roots);
    CHECK_STR(tab.v[p1].probe.partlabel, "my root");
    CHECK_INT(fr_probe(&tab, (size_t)disk, &roots), FR_PROBE_OK);
    CHECK_STR(tab.v[disk].probe.ptuuid, "12345678-1234-4321-8765-123456789abc");
    teardown();
}

/* The name index on a table of many devices, growing past its first size,
 * and entries appended by hand (as tests do), which it does not cover. */
static void test_index(void)
{
    struct fr_roots r;
    struct fr_devtab t = { 0 };
    char name[32];
    int n = 200;

    root = fx_top;
    memset(&r, 0, sizeof r);
    fr_path(r.sys, sizeof r.sys, root, "many/sys");
    fr_path(r.dev, sizeof r.dev, root, "many/dev");
    CHECK_INT(run("mkdir '%s/many' && cd '%s/many' && mkdir -p sys/class/block dev && "
                  "mkdir -p $(seq -f sys/devices/virtual/block/ram%%g 0 199) && "
                  "for i in $(seq 0 199); do echo 1:$i >sys/devices/virtual/block/ram$i/dev; done && "
                  "ln -s -t sys/class/block $(seq -f ../../devices/virtual/block/ram%%g 0 199)",
                  root, root),
              0);
    CHECK_INT(fr_devtab_scan(&t, &r), n);
    CHECK_INT(t.n, n);
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "ram%d", i);
        int k = fr_devtab_find(&t, name);
        CHECK(k >= 0 && t.v[k].minor == (unsigned)i && strcmp(t.v[k].name, name) == 0);
    }
    CHECK_INT(fr_devtab_find(&t, "ram200"), -ENOENT);
    CHECK_INT(fr_devtab_find(&t, ""), -ENOENT);
    CHECK_INT(fr_devtab_scan(&t, &r), n); /* a rescan adds nothing */
    CHECK_INT(t.n, n);

    struct fr_blockdev *v = realloc(t.v, (t.n + 2) * sizeof *v);
    CHECK(v != NULL);
    if (!v) {
        fr_devtab_free(&t);
        return;
    }
    t.v = v;
    t.cap = t.n + 2;
    memset(&t.v[t.n], 0, 2 * sizeof *v);
    t.v[t.n].name = strdup("by-hand"); /* fr_devtab_free() frees them */
    t.v[t.n + 1].name = strdup("ram7");
    t.n += 2;
    CHECK_INT(fr_devtab_find(&t, "by-hand"), n);
    CHECK_STR(t.v[fr_devtab_find(&t, "ram7")].name, "ram7");
    CHECK(fr_devtab_find(&t, "ram7") < n); /* the first of equal names */
    CHECK_INT(fr_devtab_add(&t, &r, "ram150"), fr_devtab_find(&t, "ram150"));
    fr_devtab_free(&t);
    CHECK(t.v == NULL && t.n == 0 && t.slots == NULL);
}

/* fr_diagnose() on the table, as text or JSON; free() the result. */
static char *diagnosis(bool json)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    if (!out)
        return strdup("");
    CHECK_INT(fr_diagnose(&roots, NULL, NULL, &tab, json, out), 0);
    fclose(out);
    return text;
}

/* vdb's node goes away and comes back; a node libblkid cannot use. */
static void test_probe_vanished(void)
{
    char why[128];

    if (setup(PROBED) < 0)
        return;
    int i = fr_devtab_find(&tab, "vdb");

    CHECK(i >= 0);
    if (i < 0)
        return;
    CHECK_INT(run("mv '%s/vdb' '%s/vdb.away'", roots.dev, roots.dev), 0);
    CHECK_INT(fr_probe(&tab, (size_t)i, &roots), FR_PROBE_GONE);
    CHECK_INT(tab.v[i].probe.err, ENOENT);
    CHECK(tab.v[i].probe.uuid == NULL); /* nothing stale kept */
    CHECK_STR(fr_probe_describe(&tab.v[i], why, sizeof why),
              "device vanished (No such file or directory)");
    /* A directory where the node should be: an error, not "vanished". */
    CHECK_INT(run("mkdir '%s/vdb'%s", roots.dev, ""), 0);
    CHECK_INT(fr_probe(&tab, (size_t)i, &roots), FR_PROBE_ERROR);
    CHECK(tab.v[i].probe.err > 0);
    CHECK(strncmp(fr_probe_describe(&tab.v[i], why, sizeof why), "cannot read it (", 16) == 0);
    CHECK_INT(run("cd '%s' && rmdir vdb && mv vdb.away vdb%s", roots.dev, ""), 0);
    CHECK_INT(fr_probe(&tab, (size_t)i, &roots), FR_PROBE_OK);
    CHECK_INT(tab.v[i].probe.err, 0);
    CHECK_STR(tab.v[i].probe.uuid, "11111111-2222-3333-4444-555555555555");
    CHECK_INT(fr_probe(&tab, tab.n, &roots), FR_PROBE_ERROR); /* no such index */

    /* The diagnosis tells the two apart. */
    char *text = diagnosis(false);
    CHECK(strstr(text, "(ambivalent superblocks (vfat and ext4): no UUID is trusted)") != NULL);
    CHECK(strstr(text, "/fr0  240:250  (device vanished (") != NULL);
    CHECK(strstr(text, "/sdb  8:16  (nothing recognised on it)") != NULL);
    free(text);
    text = diagnosis(true);
    CHECK(strstr(text, "\"probe\": \"ambivalent\"") != NULL);
    CHECK(strstr(text, "\"probe\": \"no_node\"") != NULL);
    free(text);
    teardown();
}

static void test_identify(void)
{
    if (setup(PROBED) < 0)
        return;
    for (size_t i = 0; i < tab.n; i++)
        fr_devices_identify(&tab.v[i], &roots);
    CHECK_STR(dev("vda")->id_name, "virtio-fr-serial-1");
    CHECK_STR(dev("vda1")->id_name, "virtio-fr-serial-1");
    CHECK_STR(dev("vda")->path_name, "pci-0000:00:02.0");
    CHECK_STR(dev("vda2")->path_name, "pci-0000:00:02.0");
    CHECK(dev("vdb")->id_name == NULL);
    CHECK_STR(dev("vdc")->id_name, "virtio-corrupt"); /* udev splits SYMLINK at spaces */
    CHECK_STR(dev("sda")->path_name, "pci-0000:00:05.0-scsi-0:0:0:0");
    CHECK_STR(dev("sdb")->path_name, "pci-0000:00:1f.2-ata-3.0");
    CHECK_STR(dev("nvme0n1")->path_name, "pci-0000:00:04.0-nvme-1");
    CHECK_STR(dev("nvme0n1")->id_name, "nvme-QEMU_NVMe_Ctrl_deadbeef");
    CHECK(dev("xx!d0")->path_name == NULL); /* virtual */
    CHECK_STR(dev("sda")->id_name, "scsi-0QEMU_QEMU_HARDDISK_drive-scsi0-0-0-0");
    CHECK_STR(dev("sdc")->id_name, "scsi-36001405abcdef0123456789abcdef012");
    CHECK_STR(dev("sdc")->path_name, "pci-0000:00:05.0-scsi-0:0:1:0");
    CHECK(dev("sdb")->id_name == NULL); /* ATA: ata_id needs the device */
    teardown();
}

static void test_links(void)
{
    char other[128];

    if (setup(IDENTIFIED) < 0)
        return;
    /* A regular file where a link would go is never replaced. */
    CHECK_INT(run("mkdir -p '%s/disk/by-label' && echo keep > '%s/disk/by-label/clone'", roots.dev,
                  roots.dev),
              0);
    int made = fr_links_sync(&tab, &roots);
    CHECK(made > 10);
    link_is("by-uuid/11111111-2222-3333-4444-555555555555", "../../vda1"); /* 252:1 < 252:16 */
    link_is("by-label/root\\x20fs\\x2f\xc3\xa9", "../../vda1");
    link_is("by-partuuid/aaaaaaaa-0000-4000-8000-000000000001", "../../vda1");
    link_is("by-partlabel/my\\x20root", "../../vda1");
    link_is("by-partlabel/data\\x2fx\\x20\xc3\xa9", "../../vda2");
    link_is("by-uuid/1234-ABCD", "../../vda2");
    link_is("by-label/EFI", "../../vda2");
    link_is("by-id/virtio-fr-serial-1", "../../vda");
    link_is("by-id/virtio-fr-serial-1-part1", "../../vda1");
    link_is("by-id/virtio-fr-serial-1-part2", "../../vda2");
    link_is("by-path/pci-0000:00:02.0", "../../vda");
    link_is("by-path/pci-0000:00:02.0-part2", "../../vda2");
    link_is("by-path/pci-0000:00:05.0-scsi-0:0:0:0", "../../sda");
    link_is("by-label/DATA\\x201", "../../sda");
    link_is("by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi0-0-0-0", "../../sda");
    link_is("by-path/pci-0000:00:1f.2-ata-3.0", "../../sdb");
    link_is("by-path/pci-0000:00:04.0-nvme-1", "../../nvme0n1");
    link_is("by-id/nvme-QEMU_NVMe_Ctrl_deadbeef", "../../nvme0n1");
    link_is("by-label/sub\\x20dir", "../../xx/d0");
    link_is("by-uuid/22222222-3333-4444-5555-666666666666", "../../xx/d0");
    CHECK(!exists("%s/disk/by-uuid/44444444-2222-3333-4444-555555555555", roots.dev));
    CHECK(!exists("%s/disk/by-label/AMBI", roots.dev));
    CHECK_INT(run("grep -qx keep '%s/disk/by-label/clone'%s", roots.dev, ""), 0);

    /* Twice: nothing changes. */
    CHECK_INT(fr_links_sync(&tab, &roots), 0);

    /* by-uuid swapped for a symlink to elsewhere: refused, nothing written there. */
    snprintf(other, sizeof other, "%s/elsewhere", root);
    CHECK_INT(run("mkdir '%s' && rm -rf '%s/disk/by-uuid'", other, roots.dev), 0);
    CHECK_INT(run("ln -s '%s' '%s/disk/by-uuid'", other, roots.dev), 0);
    CHECK(fr_links_sync(&tab, &roots) >= 0);
    CHECK_INT(run("test -z \"$(ls -A '%s')\"%s", other, ""), 0);
    link_is("by-label/EFI", "../../vda2"); /* the other dirs still work */
    CHECK_INT(run("rm '%s/disk/by-uuid'%s", roots.dev, ""), 0);
    CHECK(fr_links_sync(&tab, &roots) > 0);
    link_is("by-uuid/1234-ABCD", "../../vda2");

    /* vda1 goes away: its links go, and the clone takes the UUID. */
    fr_devtab_remove(&tab, "vda1");
    CHECK(fr_links_sync(&tab, &roots) > 0);
    link_is("by-uuid/11111111-2222-3333-4444-555555555555", "../../vdb");
    CHECK(!exists("%s/disk/by-partuuid/aaaaaaaa-0000-4000-8000-000000000001", roots.dev));
    CHECK(!exists("%s/disk/by-id/virtio-fr-serial-1-part1", roots.dev));
    CHECK(fr_devtab_add(&tab, &roots, "vda1") >= 0); /* comes back, keeps its probe */
    CHECK(!dev("vda1")->removed);
    CHECK(fr_links_sync(&tab, &roots) > 0);
    link_is("by-uuid/11111111-2222-3333-4444-555555555555", "../../vda1");
    teardown();
}

static void test_resolve(void)
{
    int n = 0;

    if (setup(LINKED) < 0)
        return;
    CHECK_STR(resolved(FR_SPEC_UUID, "11111111-2222-3333-4444-555555555555", 0, &n), "vda1");
    CHECK_INT(n, 2); /* the clone */
    CHECK_STR(resolved(FR_SPEC_UUID, "1234-abcd", 0, &n), "vda2"); /* case-insensitive */
    CHECK_INT(n, 1);
    CHECK_STR(resolved(FR_SPEC_UUID, "44444444-2222-3333-4444-555555555555", 0, &n), "(none)");
    CHECK_INT(n, 0); /* ambivalent probe never matches */
    CHECK_STR(resolved(FR_SPEC_LABEL, "root fs/\xc3\xa9", 0, &n), "vda1");
    CHECK_STR(resolved(FR_SPEC_LABEL, "efi", 0, &n), "(none)"); /* labels are exact */
    CHECK_STR(resolved(FR_SPEC_LABEL, "clone", 0, &n), "vdb");
    CHECK_STR(resolved(FR_SPEC_PARTUUID, "AAAAAAAA-0000-4000-8000-000000000001", 0, &n), "vda1");
    CHECK_STR(resolved(FR_SPEC_PARTUUID, "aaaaaaaa-0000-4000-8000-000000000001", 1, &n), "vda2");
    CHECK_STR(resolved(FR_SPEC_PARTUUID, "aaaaaaaa-0000-4000-8000-000000000001", 5, &n), "(none)");
    CHECK_STR(resolved(FR_SPEC_PARTLABEL, "data/x \xc3\xa9", 0, &n), "vda2");
    CHECK_STR(resolved(FR_SPEC_PATH, "vda2", 0, &n), "vda2");
    CHECK_STR(resolved(FR_SPEC_PATH, "xx/d0", 0, &n), "xx!d0");
    CHECK_STR(resolved(FR_SPEC_PATH, "disk/by-uuid/1234-ABCD", 0, &n), "vda2");
    CHECK_STR(resolved(FR_SPEC_PATH, "disk/by-path/pci-0000:00:05.0-scsi-0:0:0:0", 0, &n), "sda");
    CHECK_STR(resolved(FR_SPEC_PATH, "disk/by-label/root\\x20fs\\x2f\xc3\xa9", 0, &n), "vda1");
    /* A link only udevd (or someone) made: followed under roots->dev. */
    CHECK_INT(run("ln -s ../../sdb '%s/disk/by-id/wwn-0x5000%s'", roots.dev, ""), 0);
    CHECK_STR(resolved(FR_SPEC_PATH, "disk/by-id/wwn-0x5000", 0, &n), "sdb");
    CHECK_STR(resolved(FR_SPEC_PATH, "nosuch", 0, &n), "(none)");

    struct fr_spec s;
    memset(&s, 0, sizeof s);
    s.kind = FR_SPEC_DEVNUM;
    s.major = 259;
    s.minor = 0;
    int i = fr_resolve(&tab, &s, &n);
    CHECK(i >= 0 && strcmp(tab.v[i].name, "nvme0n1") == 0);
    CHECK_INT(n, 1);

    /* Removed devices never match; the clone is then the only one. */
    fr_devtab_remove(&tab, "vda1");
    CHECK_STR(resolved(FR_SPEC_UUID, "11111111-2222-3333-4444-555555555555", 0, &n), "vdb");
    CHECK_INT(n, 1);
    teardown();
}

/* The read-ahead areas for libblkid: inside the device, in order, no
 * overlap, the head and the tail always covered. */
static void test_prefetch_areas(void)
{
    struct fr_area a[8];
    const int64_t K = 1024, M = 1024 * 1024;

    CHECK_INT((int)fr_probe_prefetch_areas(0, a, 8), 0);
    CHECK_INT((int)fr_probe_prefetch_areas(-1, a, 8), 0);

    /* 32 MiB: head, the four LUKS2 pages, the tail. */
    CHECK_INT((int)fr_probe_prefetch_areas(32 * M, a, 8), 6);
    CHECK(a[0].off == 0 && a[0].len == 264 * K);
    CHECK(a[1].off == 512 * K && a[1].len == 4096);
    CHECK(a[4].off == 4 * M && a[4].len == 4096);
    CHECK(a[5].off == 32 * M - 136 * K && a[5].len == 136 * K);

    /* A floppy-sized device: one area, the whole of it. */
    CHECK_INT((int)fr_probe_prefetch_areas(100 * K, a, 8), 1);
    CHECK(a[0].off == 0 && a[0].len == 100 * K);

    /* 300 KiB: the tail overlaps the head and extends it to the end. */
    CHECK_INT((int)fr_probe_prefetch_areas(300 * K, a, 8), 1);
    CHECK(a[0].off == 0 && a[0].len == 300 * K);

    /* 3 MiB: the pages at 512 KiB, 1 and 2 MiB, not the one at 4 MiB. */
    CHECK_INT((int)fr_probe_prefetch_areas(3 * M, a, 8), 5);
    CHECK(a[3].off == 2 * M && a[4].off == 3 * M - 136 * K);

    /* Odd sizes and max: never past the end, never more than asked. */
    for (int64_t size = 1; size < 6 * M; size = size * 3 + 511) {
        size_t n = fr_probe_prefetch_areas(size, a, 8);
        int64_t prev_end = 0;
        bool ok = n >= 1 && a[0].off == 0;
        for (size_t i = 0; i < n; i++) {
            ok = ok && a[i].len > 0 && a[i].off >= prev_end && a[i].off + a[i].len <= size;
            prev_end = a[i].off + a[i].len;
        }
        CHECK(ok && prev_end == size);
    }
    CHECK_INT((int)fr_probe_prefetch_areas(32 * M, a, 2), 2);
}

static const struct check_case cases[] = {
    CASE(prefetch_areas), CASE(scan),     CASE(refused_once), CASE(probe),
    CASE(partition_entries), CASE(probe_vanished), CASE(identify), CASE(links),
    CASE(resolve),         CASE(index),
};

int main(int argc, char **argv)
{
    char script[PATH_MAX];
    int ret;

    if (missing_tools() > 0)
        return 1;
    /* mkfixture.sh takes seconds (real mkfs): run once, copied per case. */
    snprintf(pristine, sizeof pristine, "/tmp/fr-devices-pristine-XXXXXX");
    if (!mkdtemp(pristine)) {
        perror("mkdtemp");
        return 1;
    }
    fx_script(script, sizeof script, "mkfixture.sh", "FR_MKFIXTURE");
    if (run("sh '%s' '%s/t'", script, pristine) != 0) {
        fprintf(stderr, "fixture script failed\n");
        fx_rm_tree(pristine);
        return 1;
    }
    ret = check_main("test_devices", cases, sizeof cases / sizeof cases[0], argc, argv);
    fx_rm_tree(pristine);
    return ret;
}
