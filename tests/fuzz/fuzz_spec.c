/* Root spec: any text either parses (and then formats back to text that
 * parses to the same spec) or is refused with a one-line reason. A parsed
 * spec is resolved against a device table and a hostile /dev (symlink
 * loops, links out of /dev, absolute links, long chains, a FIFO, and one
 * link per input made from the input): the answer is -1 or a present
 * device that really matches, and the same every time. */
#include <errno.h>
#include <strings.h>
#include <sys/stat.h>

#include "devices.h"
#include "fuzz.h"
#include "log.h"
#include "resolve.h"
#include "roots.h"
#include "spec.h"
#include "util.h"

static struct fr_roots roots;
static struct fr_blockdev devs[6];
static struct fr_devtab tab;

static void dev_link(const char *name, const char *target)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/%s", roots.dev, name);
    unlink(p);
    if (symlink(target, p) < 0) {
        /* a name the filesystem refuses: nothing to resolve */
    }
}

static void setup(void)
{
    fr_log_init(FR_LOG_ERR, NULL);
    fr_roots_init(&roots);
    snprintf(roots.dev, sizeof(roots.dev), "%s/dev", fuzz_tmpdir());
    fuzz_mkdirs(roots.dev);
    char p[PATH_MAX + 32];
    snprintf(p, sizeof(p), "%s/disk/by-uuid", roots.dev);
    fuzz_mkdirs(p);
    snprintf(p, sizeof(p), "%s/mapper", roots.dev);
    fuzz_mkdirs(p);
    dev_link("loop1", "loop2");
    dev_link("loop2", "loop1");
    dev_link("self", "self");
    dev_link("out", "../../etc/passwd");
    dev_link("abs", "/etc/passwd");
    dev_link("absdev", "/dev/vda1");
    dev_link("root", "vda1");
    dev_link("mapper/root", "../vda2");
    dev_link("chain0", "chain1");
    for (int i = 1; i < 20; i++) {
        char a[16], b[16];
        snprintf(a, sizeof(a), "chain%d", i);
        snprintf(b, sizeof(b), "chain%d", i + 1);
        dev_link(a, b);
    }
    dev_link("chain20", "vda1");
    dev_link("disk/by-uuid/1111", "../../vda1");
    snprintf(p, sizeof(p), "%s/fifo", roots.dev);
    mkfifo(p, 0600);

    static const struct {
        const char *name, *uuid, *label, *partuuid;
        unsigned maj, min;
        int partn;
        bool removed;
    } d[] = {
        {"vda", "", "", "", 252, 0, 0, false},
        {"vda1", "1111", "root", "aaaa-01", 252, 1, 1, false},
        {"vda2", "2222", "root", "aaaa-02", 252, 2, 2, false},
        {"vdb", "1111", "clone", "", 252, 16, 0, false},
        {"vdc", "3333", "gone", "", 252, 32, 0, true},
        {"sda", "4444-ABCD", "EFI", "", 8, 0, 0, false},
    };
    for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
        struct fr_blockdev *b = &devs[i];
        b->name = strdup(d[i].name); /* the table's, for the whole run */
        b->devname = strdup(d[i].name);
        char plabel[64];
        snprintf(plabel, sizeof(plabel), "p%s", d[i].label);
        fr_str_set(&b->probe.uuid, d[i].uuid);
        fr_str_set(&b->probe.label, d[i].label);
        fr_str_set(&b->probe.partuuid, d[i].partuuid);
        fr_str_set(&b->probe.partlabel, plabel);
        b->disk = strdup(d[i].partn ? "vda" : d[i].name);
        snprintf(b->probe.type, sizeof(b->probe.type), "ext4");
        snprintf(b->probe.usage, sizeof(b->probe.usage), "filesystem");
        b->major = d[i].maj;
        b->minor = d[i].min;
        b->partition = d[i].partn > 0;
        b->partn = d[i].partn;
        b->removed = d[i].removed;
        b->probe.done = true;
    }
    tab.v = devs;
    tab.n = tab.cap = sizeof(d) / sizeof(d[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fr_spec s, s2;
    char err[256], text[FR_SPEC_VALUE_MAX + 64];

    if (size > 2 * FR_SPEC_VALUE_MAX)
        return 0;
    if (!tab.v)
        setup();
    /* The text up to the first NUL is the spec; what follows, a link. */
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    size_t tlen = strlen(buf);

    err[0] = 'x';
    int r = fr_spec_parse(buf, &s, err, sizeof(err));
    if (r < 0) {
        FUZZ_CHECK(r == -EINVAL);
        FUZZ_CHECK(err[0] && memchr(err, '\0', sizeof(err)) && !strchr(err, '\n'));
        free(buf);
        return 0;
    }
    FUZZ_CHECK(memchr(s.value, '\0', sizeof(s.value)));
    fr_spec_format(&s, text, sizeof(text));
    FUZZ_CHECK(fr_spec_parse(text, &s2, err, sizeof(err)) == 0);
    FUZZ_CHECK(s2.kind == s.kind && strcmp(s2.value, s.value) == 0 &&
               s2.partnroff == s.partnroff);
    if (s.kind == FR_SPEC_DEVNUM)
        FUZZ_CHECK(s2.major == s.major && s2.minor == s.minor);

    /* A hostile link made from the rest of the input: fz -> TARGET. */
    if (tlen + 1 < size)
        dev_link("fz", buf + tlen + 1);

    int n1 = -7, n2 = -7;
    int i1 = fr_resolve_roots(&tab, &s, &roots, &n1);
    int i2 = fr_resolve_roots(&tab, &s, &roots, &n2);
    FUZZ_CHECK(i1 == i2 && n1 == n2);
    FUZZ_CHECK((i1 == -ENOENT || (i1 >= 0 && i1 < (int)tab.n)) && n1 >= 0);
    if (i1 >= 0) {
        const struct fr_blockdev *d = &tab.v[i1];
        FUZZ_CHECK(!d->removed && n1 >= 1);
        switch (s.kind) {
        case FR_SPEC_UUID:
            FUZZ_CHECK(strcasecmp(fr_str(d->probe.uuid), s.value) == 0);
            break;
        case FR_SPEC_DEVNUM:
            FUZZ_CHECK(d->major == s.major && d->minor == s.minor);
            break;
        case FR_SPEC_LABEL:
            FUZZ_CHECK(strcmp(fr_str(d->probe.label), s.value) == 0);
            break;
        default:
            break;
        }
    } else {
        FUZZ_CHECK(n1 == 0);
    }
    free(buf);
    return 0;
}
