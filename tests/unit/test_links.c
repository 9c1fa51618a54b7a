/* Link names and their encoding, relative targets, the choice among
 * devices claiming one name, and the safe writer on a small temp tree. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"
#include "linkname.h"
#include "links.h"
#include "log.h"

static void test_encode(void)
{
    char out[256];

    CHECK_INT(fr_encode_name("hello world", out, sizeof out), 0);
    CHECK_STR(out, "hello\\x20world");
    CHECK_INT(fr_encode_name("a/b", out, sizeof out), 0);
    CHECK_STR(out, "a\\x2fb");
    CHECK_INT(fr_encode_name("back\\slash", out, sizeof out), 0);
    CHECK_STR(out, "back\\x5cslash");
    CHECK_INT(fr_encode_name("#+-.:=@_Az09", out, sizeof out), 0);
    CHECK_STR(out, "#+-.:=@_Az09");
    CHECK_INT(fr_encode_name("root fs/\xc3\xa9", out, sizeof out), 0);
    CHECK_STR(out, "root\\x20fs\\x2f\xc3\xa9"); /* valid UTF-8 is kept */
    CHECK_INT(fr_encode_name("\xe2\x82\xac", out, sizeof out), 0);
    CHECK_STR(out, "\xe2\x82\xac");
    CHECK_INT(fr_encode_name("bad\xff", out, sizeof out), 0);
    CHECK_STR(out, "bad\\xff"); /* invalid UTF-8 is escaped */
    CHECK_INT(fr_encode_name("\xc3(", out, sizeof out), 0);
    CHECK_STR(out, "\\xc3\\x28"); /* "(" is not in the allowed set */
    CHECK_INT(fr_encode_name("tab\there", out, sizeof out), 0);
    CHECK_STR(out, "tab\\x09here");
    CHECK_INT(fr_encode_name("", out, sizeof out), 0);
    CHECK_STR(out, "");
    CHECK_INT(fr_encode_name("a b", out, 5), -ENAMETOOLONG);
    CHECK_INT(fr_encode_name("ab", out, 3), 0);
    CHECK_INT(fr_encode_name("abc", out, 3), -ENAMETOOLONG);
    CHECK_INT(fr_encode_name(NULL, out, sizeof out), -EINVAL);
}

static struct fr_blockdev mkdev(const char *name, unsigned maj, unsigned min, int partn)
{
    struct fr_blockdev d;
    memset(&d, 0, sizeof d);
    d.name = d.devname = (char *)name; /* the table would own copies */
    d.disk = (char *)"";
    d.major = maj;
    d.minor = min;
    d.partn = partn;
    d.partition = partn > 0;
    d.probe.done = true;
    return d;
}

static bool has(const struct fr_linkset *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->name[i], name) == 0)
            return true;
    return false;
}

static void test_names(void)
{
    struct fr_linkset s;
    struct fr_blockdev disk = mkdev("vda", 252, 0, 0);
    struct fr_blockdev p1 = mkdev("vda1", 252, 1, 1);

    snprintf(disk.probe.pttype, sizeof disk.probe.pttype, "gpt");
    disk.id_name = (char *)"virtio-SER1"; /* the table would own copies */
    disk.path_name = (char *)"pci-0000:00:02.0";
    fr_link_names(&disk, &disk, &s);
    CHECK_INT(s.n, 2);
    CHECK(has(&s, "by-id/virtio-SER1"));
    CHECK(has(&s, "by-path/pci-0000:00:02.0"));

    p1.disk = (char *)"vda";
    snprintf(p1.probe.usage, sizeof p1.probe.usage, "filesystem");
    p1.probe.uuid = (char *)"1234-ABCD";
    p1.probe.label = (char *)"my root/x";
    p1.probe.partuuid = (char *)"aaaaaaaa-01";
    p1.probe.partlabel = (char *)"EFI system";
    fr_link_names(&p1, &disk, &s);
    CHECK_INT(s.n, 6);
    CHECK(has(&s, "by-uuid/1234-ABCD"));
    CHECK(has(&s, "by-label/my\\x20root\\x2fx"));
    CHECK(has(&s, "by-partuuid/aaaaaaaa-01"));
    CHECK(has(&s, "by-partlabel/EFI\\x20system"));
    CHECK(has(&s, "by-id/virtio-SER1-part1"));
    CHECK(has(&s, "by-path/pci-0000:00:02.0-part1"));

    /* PARTLABEL only from GPT disks. */
    snprintf(disk.probe.pttype, sizeof disk.probe.pttype, "dos");
    fr_link_names(&p1, &disk, &s);
    CHECK(!has(&s, "by-partlabel/EFI\\x20system"));
    snprintf(disk.probe.pttype, sizeof disk.probe.pttype, "gpt");

    /* No by-uuid/by-label for raid members, nor from ambivalent probes. */
    snprintf(p1.probe.usage, sizeof p1.probe.usage, "raid");
    fr_link_names(&p1, &disk, &s);
    CHECK(!has(&s, "by-uuid/1234-ABCD"));
    snprintf(p1.probe.usage, sizeof p1.probe.usage, "crypto");
    fr_link_names(&p1, &disk, &s);
    CHECK(has(&s, "by-uuid/1234-ABCD"));
    p1.probe.rc = FR_PROBE_AMBIVALENT;
    fr_link_names(&p1, &disk, &s);
    CHECK(!has(&s, "by-uuid/1234-ABCD"));
    CHECK(!has(&s, "by-label/my\\x20root\\x2fx"));
    p1.probe.rc = FR_PROBE_OK;

    /* "." and ".." are no names; empty values give no link. */
    p1.probe.label = (char *)"..";
    p1.probe.uuid = (char *)".";
    p1.probe.partlabel = NULL;
    fr_link_names(&p1, &disk, &s);
    CHECK(!has(&s, "by-label/.."));
    CHECK(!has(&s, "by-uuid/."));
    CHECK_INT(s.n, 3);
}

static void test_targets(void)
{
    char buf[PATH_MAX];
    CHECK_INT(fr_link_target("by-uuid/X", "vda1", buf, sizeof buf), 0);
    CHECK_STR(buf, "../../vda1");
    CHECK_INT(fr_link_target("by-id/virtio-a-part1", "cciss/c0d0p1", buf, sizeof buf), 0);
    CHECK_STR(buf, "../../cciss/c0d0p1");
    CHECK_INT(fr_link_target("by-path/x/by-partnum/1", "sda1", buf, sizeof buf), 0);
    CHECK_STR(buf, "../../../../sda1");
    CHECK_INT(fr_link_target("by-uuid/X", "vda1", buf, 8), -ENAMETOOLONG);
}

static void test_choice(void)
{
    struct fr_blockdev v[3];
    struct fr_devtab t = { .v = v, .n = 3, .cap = 3 };
    int n = 0;

    v[0] = mkdev("vdb", 252, 16, 0);
    v[1] = mkdev("vda", 252, 0, 0);
    v[2] = mkdev("sda", 8, 0, 0);
    for (int i = 0; i < 3; i++) {
        snprintf(v[i].probe.usage, sizeof v[i].probe.usage, "filesystem");
        v[i].probe.uuid = (char *)"dup"; /* the table would own copies */
    }
    CHECK_INT(fr_links_lookup_n(&t, "by-uuid/dup", &n), 2); /* 8:0 is lowest */
    CHECK_INT(n, 3);
    CHECK_INT(fr_links_lookup(&t, "disk/by-uuid/dup"), 2);
    v[2].removed = true;
    CHECK_INT(fr_links_lookup_n(&t, "by-uuid/dup", &n), 1);
    CHECK_INT(n, 2);
    CHECK_INT(fr_links_lookup(&t, "by-uuid/none"), -ENOENT);
    CHECK(fr_blockdev_cmp(&v[1], &v[0]) < 0);
    CHECK(fr_blockdev_cmp(&v[0], &v[2]) < 0); /* present before removed */
}

static void test_sync(void)
{
    char tmpl[] = "/tmp/fr-links-XXXXXX";
    char *root = mkdtemp(tmpl);
    struct fr_roots r;
    struct fr_blockdev v[2];
    struct fr_devtab t = { .v = v, .n = 2, .cap = 2 };
    char p[PATH_MAX + 64], buf[PATH_MAX];
    ssize_t n;

    CHECK(root != NULL);
    if (!root)
        return;
    memset(&r, 0, sizeof r);
    snprintf(r.dev, sizeof r.dev, "%s", root);
    v[0] = mkdev("vda1", 252, 1, 1);
    v[1] = mkdev("c0d0", 104, 0, 0);
    v[1].devname = (char *)"cciss/c0d0";
    snprintf(v[0].probe.usage, sizeof v[0].probe.usage, "filesystem");
    v[0].probe.uuid = (char *)"u-1";
    snprintf(v[1].probe.usage, sizeof v[1].probe.usage, "filesystem");
    v[1].probe.label = (char *)"a b";

    CHECK_INT(fr_links_sync(&t, &r), 2);
    snprintf(p, sizeof p, "%s/disk/by-uuid/u-1", root);
    n = readlink(p, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    CHECK_STR(buf, "../../vda1");
    snprintf(p, sizeof p, "%s/disk/by-label/a\\x20b", root);
    n = readlink(p, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    CHECK_STR(buf, "../../cciss/c0d0");
    CHECK_INT(fr_links_sync(&t, &r), 0); /* idempotent */

    /* A wrong link is replaced; a removed device's link goes away. */
    snprintf(p, sizeof p, "%s/disk/by-uuid/u-1", root);
    unlink(p);
    CHECK_INT(symlink("../../wrong", p), 0);
    CHECK_INT(fr_links_sync(&t, &r), 1);
    n = readlink(p, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    CHECK_STR(buf, "../../vda1");
    v[0].removed = true;
    CHECK_INT(fr_links_sync(&t, &r), 0);
    CHECK(access(p, F_OK) != 0 && errno == ENOENT);

    /* /dev/disk itself a symlink: refused, nothing written. */
    char cmd[PATH_MAX * 2];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/disk' && mkdir '%s/other' && ln -s other '%s/disk'",
             root, root, root);
    CHECK_INT(system(cmd), 0);
    CHECK(fr_links_sync(&t, &r) < 0);
    snprintf(p, sizeof p, "%s/other/by-label", root);
    CHECK(access(p, F_OK) != 0);

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK_INT(system(cmd), 0);
}

/* The longest names: a leaf of NAME_MAX bytes in the longest category is
 * kept whole; one byte more and there is no link (the kernel would refuse
 * the name), never a cut one. */
static void test_long_names(void)
{
    struct fr_linkset s;
    struct fr_blockdev disk = mkdev("vda", 252, 0, 0);
    struct fr_blockdev p1 = mkdev("vda1", 252, 1, 1);
    char leaf[NAME_MAX + 2], label[NAME_MAX + 2], want[NAME_MAX + 64];

    snprintf(disk.probe.pttype, sizeof disk.probe.pttype, "gpt");
    p1.disk = (char *)"vda";
    memset(leaf, 'x', NAME_MAX);
    leaf[NAME_MAX] = '\0';
    memcpy(label, leaf, NAME_MAX + 1);
    p1.probe.partlabel = label;
    fr_link_names(&p1, &disk, &s);
    snprintf(want, sizeof want, "by-partlabel/%s", leaf);
    CHECK(has(&s, want));
    /* Probe values are not cut at NAME_MAX: a longer label makes no link. */
    label[NAME_MAX] = 'x';
    label[NAME_MAX + 1] = '\0';
    fr_link_names(&p1, &disk, &s);
    for (size_t i = 0; i < s.n; i++)
        CHECK(strncmp(s.name[i], "by-partlabel/", 13) != 0);
    p1.probe.partlabel = NULL;

    /* by-path: 250 bytes and "-part1" is 256, one past NAME_MAX. */
    leaf[250] = '\0';
    disk.path_name = leaf;
    fr_link_names(&p1, &disk, &s);
    for (size_t i = 0; i < s.n; i++)
        CHECK(strncmp(s.name[i], "by-path/", 8) != 0);
    leaf[249] = '\0';
    fr_link_names(&p1, &disk, &s);
    snprintf(want, sizeof want, "by-path/%s-part1", leaf);
    CHECK(has(&s, want));
}

static const struct check_case cases[] = {
    CASE(encode),
    CASE(names),
    CASE(long_names),
    CASE(targets),
    CASE(choice),
    CASE(sync),
};
CHECK_MAIN("test_links", cases)
