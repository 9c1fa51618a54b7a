/* Unit tests for root specs: every accepted form, the kernel's dev_t
 * decoding, and the inputs that must be refused with a reason. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "spec.h"

static char err[256];

static int ok(const char *text, struct fr_spec *s)
{
    return fr_spec_parse(text, s, err, sizeof(err));
}

/* Refused, with a one-line reason. */
static void bad(const char *text, int line)
{
    struct fr_spec s;
    int r = fr_spec_parse(text, &s, err, sizeof(err));

    if (r != -EINVAL || !err[0] || strchr(err, '\n')) {
        check_failed++;
        fprintf(stderr, "%s:%d: \"%s\" accepted or no reason: r=%d err=\"%s\"\n", __FILE__, line,
                text, r, err);
    } else {
        check_passed++;
    }
}
#define BAD(t) bad((t), __LINE__)

/* format(parse(x)) parses to the same spec. */
static void roundtrip(const char *text, int line)
{
    struct fr_spec a, b;
    char buf[2 * FR_SPEC_VALUE_MAX];

    if (fr_spec_parse(text, &a, err, sizeof(err)) != 0) {
        check_failed++;
        fprintf(stderr, "%s:%d: \"%s\" refused: %s\n", __FILE__, line, text, err);
        return;
    }
    fr_spec_format(&a, buf, sizeof(buf));
    if (fr_spec_parse(buf, &b, err, sizeof(err)) != 0 || a.kind != b.kind ||
        strcmp(a.value, b.value) != 0 || a.partnroff != b.partnroff || a.major != b.major ||
        a.minor != b.minor) {
        check_failed++;
        fprintf(stderr, "%s:%d: \"%s\" -> \"%s\" does not round-trip\n", __FILE__, line, text, buf);
        return;
    }
    check_passed++;
}
#define ROUNDTRIP(t) roundtrip((t), __LINE__)

/* Accepted specs: the kind, the value, and (when given) the text
 * fr_spec_format() writes back. */
struct good {
    const char *text;
    enum fr_spec_kind kind;
    const char *value, *format;
};

static void check_good(const struct good *g, size_t n)
{
    struct fr_spec s;
    char buf[256];

    for (size_t i = 0; i < n; i++) {
        int r = ok(g[i].text, &s);
        if (r != 0)
            fprintf(stderr, "\"%s\" refused: %s\n", g[i].text, err);
        CHECK_INT(r, 0);
        CHECK_STR(err, "");
        CHECK_INT(s.kind, g[i].kind);
        CHECK_STR(s.value, g[i].value);
        if (g[i].format) {
            fr_spec_format(&s, buf, sizeof(buf));
            CHECK_STR(buf, g[i].format);
        }
    }
}

/* Refused, each with a one-line reason: tags, /dev paths, device numbers. */
static const char *const refused[] = {
    "LABEL=\"\"",
    "UUID=''",
    "UUID=\"12 34\"",
    "",
    "UUID=",
    "uuid=1234-ABCD",
    "Uuid=1234",
    "label=foo",
    "LABEL=",
    "PARTLABEL=",
    "PARTUUID=",
    "UUID=12 34",
    "UUID=1234\n",
    "UUID=12\t34",
    "UUID=12\x7f",
    "UUID=\x01",
    "PARTUUID=ab\ncd",
    "PARTUUID=x/PARTNROFF=abc",
    "PARTUUID=x/PARTNROFF=",
    "PARTUUID=x/PARTNROFF=1x",
    "PARTUUID=x/PARTNROFF= 1",
    "PARTUUID=x/PARTNROFF=-",
    "PARTUUID=x/PARTNROFF=99999999999999999999999",
    "PARTUUID=x/PARTNROFF=2147483648",
    "PARTUUID=x/FOO=1",
    "PARTUUID=x/",
    "PARTUUID=/PARTNROFF=1",
    "ZFS=rpool/root",
    "nfs",
    "/dev/",
    "/dev",
    "/dev/../etc/passwd",
    "/dev/disk/../../etc/shadow",
    "/dev/disk/by-uuid/..",
    "/dev/./sda",
    "/dev/sda/.",
    "/dev//sda",
    "/dev/sda/",
    "/dev/sda1\n",
    "/dev/sda1\nrm -rf",
    "/dev/sd\ta",
    "/etc/passwd",
    "sda1",
    "dev/sda1",
    /* device numbers */
    "4096:0",
    "8:1048576",
    "99999999999999999999:1",
    "8:",
    ":1",
    ":",
    "8:1:",
    "8:1:x",
    "8:-1",
    "-8:1",
    " 8:1",
    "8:1 ",
    "0:5",
    "8", /* hex 8: major 0 */
    "0",
    "0x",
    "sda1",
    "0801g",
    "100000000", /* more than 32 bits */
    "ffffffffffffffffffff",
    "08\n01",
};

static void test_tags(void)
{
    static const struct good tags[] = {
        {"UUID=1234-ABCD", FR_SPEC_UUID, "1234-ABCD", "UUID=1234-ABCD"},
        {"LABEL=my disk", FR_SPEC_LABEL, "my disk", NULL},
        {"LABEL=a/b", FR_SPEC_LABEL, "a/b", NULL},
        {"LABEL=donn\xc3\xa9" "es", FR_SPEC_LABEL, "donn\xc3\xa9" "es", NULL},
        {"LABEL=\xff\xfe", FR_SPEC_LABEL, "\xff\xfe", NULL}, /* raw bytes, matched raw */
        {"LABEL=two\nlines", FR_SPEC_LABEL, "two\nlines", NULL},
        {"LABEL= ", FR_SPEC_LABEL, " ", NULL},
        {"LABEL=UUID=x", FR_SPEC_LABEL, "UUID=x", NULL},
        {"PARTLABEL=EFI system partition", FR_SPEC_PARTLABEL, "EFI system partition", NULL},
        {"PARTUUID=0a1b2c3d-01", FR_SPEC_PARTUUID, "0a1b2c3d-01", NULL},
    };
    struct fr_spec s;
    char buf[256];

    check_good(tags, sizeof(tags) / sizeof(tags[0]));

    /* root=LABEL="my disk" reaches us with its quotes (the kernel only
     * drops a quote opening the value): one enclosing pair goes, as in
     * blkid_parse_tag_string() and systemd. */
    static const struct {
        const char *text, *value;
    } quoted[] = {
        {"LABEL=\"my disk\"", "my disk"}, {"PARTLABEL='data/x'", "data/x"},
        {"UUID=\"1234-ABCD\"", "1234-ABCD"}, {"PARTUUID=\"abcd\"", "abcd"},
        {"LABEL=\"\"x\"\"", "\"x\""},     {"LABEL=\"unbalanced", "\"unbalanced"},
        {"LABEL=\"mixed'", "\"mixed'"},     {"LABEL=\"", "\""},
    };
    for (size_t i = 0; i < sizeof(quoted) / sizeof(quoted[0]); i++) {
        CHECK_INT(ok(quoted[i].text, &s), 0);
        CHECK_STR(s.value, quoted[i].value);
    }

    CHECK_INT(ok("PARTUUID=0a1b2c3d-01", &s), 0);
    CHECK_INT(s.partnroff, 0);
    CHECK_INT(ok("PARTUUID=00112233-4455-6677-8899-AABBCCDDEEFF/PARTNROFF=1", &s), 0);
    CHECK_STR(s.value, "00112233-4455-6677-8899-AABBCCDDEEFF");
    CHECK_INT(s.partnroff, 1);
    fr_spec_format(&s, buf, sizeof(buf));
    CHECK_STR(buf, "PARTUUID=00112233-4455-6677-8899-AABBCCDDEEFF/PARTNROFF=1");
    CHECK_INT(ok("PARTUUID=abc/PARTNROFF=-2", &s), 0);
    CHECK_INT(s.partnroff, -2);

    /* A value that looks quoted itself is written with one more pair, so
     * the text parses back to it (found by tests/fuzz/fuzz_spec). */
    CHECK_INT(ok("LABEL=\"'x'\"", &s), 0);
    CHECK_STR(s.value, "'x'");
    fr_spec_format(&s, buf, sizeof(buf));
    CHECK_STR(buf, "LABEL=\"'x'\"");
    CHECK_INT(ok(buf, &s), 0);
    CHECK_STR(s.value, "'x'");
    CHECK_INT(ok("PARTUUID=\"\"\"\"", &s), 0);
    fr_spec_format(&s, buf, sizeof(buf));
    CHECK_INT(ok(buf, &s), 0);
    CHECK_STR(s.value, "\"\"");
    CHECK_INT(ok("UUID=''ID=''", &s), 0);
    fr_spec_format(&s, buf, sizeof(buf));
    CHECK_INT(ok(buf, &s), 0);
    CHECK_STR(s.value, "'ID='");

    /* Longest value fits, one more byte does not. */
    char *v = malloc(FR_SPEC_VALUE_MAX + 16);
    memcpy(v, "UUID=", 5);
    memset(v + 5, 'a', FR_SPEC_VALUE_MAX - 1);
    v[5 + FR_SPEC_VALUE_MAX - 1] = '\0';
    CHECK_INT(ok(v, &s), 0);
    CHECK_INT(strlen(s.value), FR_SPEC_VALUE_MAX - 1);
    v[5 + FR_SPEC_VALUE_MAX - 1] = 'a';
    v[5 + FR_SPEC_VALUE_MAX] = '\0';
    BAD(v);
    memcpy(v, "LABEL", 5); /* "LABELaaaa..." is not a tag at all */
    BAD(v);
    free(v);

    /* err may be omitted. */
    CHECK_INT(fr_spec_parse("UUID=", &s, NULL, 0), -EINVAL);
    char tiny[4];
    CHECK_INT(fr_spec_parse("UUID=", &s, tiny, sizeof(tiny)), -EINVAL);
    CHECK_INT(strlen(tiny), 3);
}

static void test_paths(void)
{
    static const struct good paths[] = {
        {"/dev/sda1", FR_SPEC_PATH, "sda1", "/dev/sda1"},
        {"/dev/disk/by-uuid/1234-ABCD", FR_SPEC_PATH, "disk/by-uuid/1234-ABCD", NULL},
        {"/dev/disk/by-label/my\\x20disk", FR_SPEC_PATH, "disk/by-label/my\\x20disk", NULL},
        {"/dev/mapper/vg-root", FR_SPEC_PATH, "mapper/vg-root", NULL},
        /* ".." only as a component is bad */
        {"/dev/disk/by-label/a..b", FR_SPEC_PATH, "disk/by-label/a..b", NULL},
        {"/dev/...", FR_SPEC_PATH, "...", NULL},
    };

    check_good(paths, sizeof(paths) / sizeof(paths[0]));
}

static void test_refused(void)
{
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        BAD(refused[i]);
}

static void test_devnum(void)
{
    /* MAJ:MIN, then hex dev_t decoded as new_decode_dev(). */
    static const struct {
        const char *text;
        unsigned major, minor;
    } devnums[] = {
        {"8:1", 8, 1},
        {"259:0", 259, 0},
        {"4095:1048575", 4095, 1048575},
        {"8:1:0", 8, 1}, /* kernel's MAJ:MIN:OFFSET */
        {"0801", 8, 1},
        {"fe01", 254, 1},
        {"FE01", 254, 1},
        {"0x801", 8, 1},
        {"801", 8, 1},
        {"10300", 259, 0},   /* nvme0n1 */
        {"11032c", 259, 300}, /* minor bits above 8 sit above bit 20 */
        {"ffffffff", 0xfff, 0xfffff},
    };
    struct fr_spec s;
    char buf[64];

    for (size_t i = 0; i < sizeof(devnums) / sizeof(devnums[0]); i++) {
        CHECK_INT(ok(devnums[i].text, &s), 0);
        CHECK_INT(s.kind, FR_SPEC_DEVNUM);
        CHECK_INT(s.major, devnums[i].major);
        CHECK_INT(s.minor, devnums[i].minor);
    }
    CHECK_INT(ok("8:1", &s), 0);
    fr_spec_format(&s, buf, sizeof(buf));
    CHECK_STR(buf, "8:1");
}

static void test_format(void)
{
    struct fr_spec s;
    char small[8];

    ROUNDTRIP("UUID=1234-ABCD");
    ROUNDTRIP("LABEL=my disk/with slash");
    ROUNDTRIP("PARTLABEL=x");
    ROUNDTRIP("PARTUUID=abc/PARTNROFF=-3");
    ROUNDTRIP("PARTUUID=abc");
    ROUNDTRIP("/dev/disk/by-path/pci-0000:00:02.0-part1");
    ROUNDTRIP("0801");
    ROUNDTRIP("11032c");
    ROUNDTRIP("8:1:0");

    CHECK_INT(ok("LABEL=a rather long label", &s), 0);
    fr_spec_format(&s, small, sizeof(small));
    CHECK_STR(small, "LABEL=a");
    fr_spec_format(&s, small, 0); /* must not write */

    CHECK_STR(fr_spec_kind_name(FR_SPEC_UUID), "UUID");
    CHECK_STR(fr_spec_kind_name(FR_SPEC_PARTUUID), "PARTUUID");
    CHECK_STR(fr_spec_kind_name(FR_SPEC_PATH), "path");
    CHECK_STR(fr_spec_kind_name((enum fr_spec_kind)99), "unknown");
}

static unsigned rnd_state = 777;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 8;
}

static void test_fuzz(void)
{
    static const char *const prefixes[] = {
        "UUID=", "LABEL=", "PARTUUID=", "PARTLABEL=", "/dev/", "/dev/disk/by-uuid/", "",
        "PARTUUID=a/PARTNROFF=", "0x",
    };
    static const char alphabet[] = "0123456789abcdefABCDEF:/.-= \n\t\x7f\xff";
    char buf[1400];
    struct fr_spec s;
    int bad_count = 0;

    for (int iter = 0; iter < 20000; iter++) {
        const char *p = prefixes[rnd() % (sizeof(prefixes) / sizeof(prefixes[0]))];
        size_t n = strlen(p);
        size_t len = n + (iter % 50 == 0 ? rnd() % 1300 : rnd() % 24);
        memcpy(buf, p, n);
        for (size_t i = n; i < len; i++) {
            char ch = rnd() % 8 ? alphabet[rnd() % (sizeof(alphabet) - 1)] : (char)(rnd() % 255 + 1);
            buf[i] = ch;
        }
        buf[len] = '\0';
        err[0] = 'X';
        int r = fr_spec_parse(buf, &s, err, sizeof(err));
        if (r == 0) {
            char out[2 * FR_SPEC_VALUE_MAX];
            struct fr_spec t;
            if (err[0] || strnlen(s.value, sizeof(s.value)) >= sizeof(s.value))
                bad_count++;
            if (s.kind == FR_SPEC_PATH && (strstr(s.value, "..") && (strcmp(s.value, "..") == 0 ||
                                          strncmp(s.value, "../", 3) == 0 || strstr(s.value, "/../"))))
                bad_count++;
            if (s.kind == FR_SPEC_DEVNUM && (s.major == 0 || s.major > 0xfff || s.minor > 0xfffff))
                bad_count++;
            fr_spec_format(&s, out, sizeof(out));
            if (fr_spec_parse(out, &t, NULL, 0) != 0 || t.kind != s.kind ||
                strcmp(t.value, s.value) != 0)
                bad_count++;
        } else if (r != -EINVAL || !err[0] || err[0] == 'X') {
            bad_count++;
        }
    }
    CHECK_INT(bad_count, 0);
}

static const struct check_case cases[] = {
    CASE(tags),
    CASE(paths),
    CASE(refused),
    CASE(devnum),
    CASE(format),
    CASE(fuzz),
};
CHECK_MAIN("test_spec", cases)
