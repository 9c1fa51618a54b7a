/* Unit tests for the uevent parser (kernel payloads, forged and truncated
 * ones, fuzz) and for the monitor on an AF_UNIX test socket. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "uevent.h"

#define VDA "/devices/pci0000:00/0000:00:02.0/virtio1/block/vda"

/* Joins strings into one payload, each with its NUL; NULL ends the list. */
static size_t build(char *buf, size_t size, ...)
{
    va_list ap;
    size_t len = 0;
    const char *s;

    va_start(ap, size);
    while ((s = va_arg(ap, const char *))) {
        size_t n = strlen(s) + 1;
        if (len + n > size)
            break;
        memcpy(buf + len, s, n);
        len += n;
    }
    va_end(ap);
    return len;
}

static int parse_list(struct fr_uevent *ev, const char *first, ...)
{
    char buf[16384];
    size_t len = 0;
    va_list ap;

    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *)) {
        size_t n = strlen(s) + 1;
        memcpy(buf + len, s, n);
        len += n;
    }
    va_end(ap);
    return fr_uevent_parse(buf, len, ev);
}

static void test_valid(void)
{
    struct fr_uevent ev;
    char buf[1024];
    size_t len;

    len = build(buf, sizeof(buf), "add@" VDA, "ACTION=add", "DEVPATH=" VDA, "SUBSYSTEM=block",
                "MAJOR=254", "MINOR=0", "DEVNAME=vda", "DEVTYPE=disk", "DISKSEQ=1",
                "SEQNUM=1234", NULL);
    CHECK_INT(fr_uevent_parse(buf, len, &ev), 0);
    CHECK_STR(ev.action, "add");
    CHECK_STR(ev.devpath, VDA);
    CHECK_STR(ev.subsystem, "block");
    CHECK_STR(ev.devtype, "disk");
    CHECK_STR(ev.devname, "vda");
    CHECK(ev.has_devnum);
    CHECK_INT(ev.major, 254);
    CHECK_INT(ev.minor, 0);
    CHECK_INT(ev.partn, 0);
    CHECK_INT(ev.seqnum, 1234);
    CHECK_STR(ev.modalias, "");

    /* Every shorter prefix is refused unless it ends on a field boundary. */
    int bad = 0;
    for (size_t cut = 0; cut < len; cut++) {
        int r = fr_uevent_parse(buf, cut, &ev);
        if (r != 0 && r != -EINVAL)
            bad++;
        if (cut > 0 && buf[cut - 1] != '\0' && r != -EINVAL)
            bad++;
        if (cut == 0 && r != -EINVAL)
            bad++;
    }
    CHECK_INT(bad, 0);

    CHECK_INT(parse_list(&ev, "add@" VDA "1", "ACTION=add", "DEVPATH=" VDA "1", "SUBSYSTEM=block",
                         "MAJOR=254", "MINOR=1", "DEVNAME=vda1", "DEVTYPE=partition", "PARTN=1",
                         "PARTNAME=root", "SEQNUM=18446744073709551615", NULL), 0);
    CHECK_INT(ev.partn, 1);
    CHECK(ev.seqnum == 18446744073709551615ULL);
    CHECK_STR(ev.devtype, "partition");

    CHECK_INT(parse_list(&ev, "add@/devices/pci0000:00/0000:00:03.0/virtio0", "ACTION=add",
                         "DEVPATH=/devices/pci0000:00/0000:00:03.0/virtio0", "SUBSYSTEM=virtio",
                         "MODALIAS=virtio:d00000017v00001AF4", "SEQNUM=5", NULL), 0);
    CHECK_STR(ev.modalias, "virtio:d00000017v00001AF4");
    CHECK(!ev.has_devnum);

    /* Device tree names carry '@'; only the first one splits the header. */
    CHECK_INT(parse_list(&ev, "add@/devices/platform/soc@0/4010000.pcie@4010000", "ACTION=add",
                         "DEVPATH=/devices/platform/soc@0/4010000.pcie@4010000",
                         "SUBSYSTEM=platform", NULL), 0);
    CHECK_STR(ev.devpath, "/devices/platform/soc@0/4010000.pcie@4010000");

    CHECK_INT(parse_list(&ev, "bind@/devices/x", "ACTION=bind", "DEVPATH=/devices/x",
                         "SUBSYSTEM=virtio", "DRIVER=virtio_iommu", NULL), 0);
    CHECK_STR(ev.driver, "virtio_iommu");

    CHECK_INT(parse_list(&ev, "add@/devices/c", "ACTION=add", "DEVPATH=/devices/c",
                         "SUBSYSTEM=block", "DEVNAME=cciss/c0d0", "MAJOR=104", "MINOR=0", NULL), 0);
    CHECK_STR(ev.devname, "cciss/c0d0");

    /* A value that exactly fills its field is kept whole. */
    char modalias[600] = "MODALIAS=";
    memset(modalias + 9, 'm', sizeof(ev.modalias) - 1);
    modalias[9 + sizeof(ev.modalias) - 1] = '\0';
    CHECK_INT(parse_list(&ev, "add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=pci", modalias,
                         NULL), 0);
    CHECK_INT(strlen(ev.modalias), sizeof(ev.modalias) - 1);
}

static void test_invalid(void)
{
    struct fr_uevent ev;
    char buf[4096];
    size_t len;

#define REJECT(...) CHECK_INT(parse_list(&ev, __VA_ARGS__, NULL), -EINVAL)
    REJECT("add" VDA, "ACTION=add", "DEVPATH=" VDA, "SUBSYSTEM=block");           /* no '@' */
    REJECT("@" VDA, "ACTION=add", "DEVPATH=" VDA, "SUBSYSTEM=block");
    REJECT("add@", "ACTION=add", "DEVPATH=" VDA, "SUBSYSTEM=block");
    REJECT("libudev", "ACTION=add", "DEVPATH=" VDA, "SUBSYSTEM=block");
    REJECT("remove@" VDA, "ACTION=add", "DEVPATH=" VDA, "SUBSYSTEM=block");       /* mismatch */
    REJECT("add@" VDA, "ACTION=addx", "DEVPATH=" VDA, "SUBSYSTEM=block");
    REJECT("add@/devices/a", "ACTION=add", "DEVPATH=/devices/b", "SUBSYSTEM=block");
    REJECT("add@" VDA, "DEVPATH=" VDA, "SUBSYSTEM=block");                         /* missing */
    REJECT("add@" VDA, "ACTION=add", "SUBSYSTEM=block");
    REJECT("add@" VDA, "ACTION=add", "DEVPATH=" VDA);
    REJECT("add@" VDA, "ACTION=add", "DEVPATH=" VDA, "SUBSYSTEM=");
    REJECT("add@" VDA, "ACTION=", "DEVPATH=" VDA, "SUBSYSTEM=block");
    REJECT("add@devices/x", "ACTION=add", "DEVPATH=devices/x", "SUBSYSTEM=block");
    REJECT("add@/devices/../x", "ACTION=add", "DEVPATH=/devices/../x", "SUBSYSTEM=block");
    REJECT("add@/devices/./x", "ACTION=add", "DEVPATH=/devices/./x", "SUBSYSTEM=block");
    REJECT("add@/devices/..", "ACTION=add", "DEVPATH=/devices/..", "SUBSYSTEM=block");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "DEVNAME=../etc/passwd");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "DEVNAME=/dev/sda");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "DEVNAME=a/../b");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "DEVNAME=a/..");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "DEVNAME=a//b");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "DEVNAME=");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "DEVNAME=sd\na");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "MAJOR=abc", "MINOR=0");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "MAJOR=4096", "MINOR=0");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "MAJOR=8", "MINOR=1048576");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "MAJOR=8");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "MINOR=8");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "MAJOR=", "MINOR=0");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "MAJOR=-1", "MINOR=0");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block",
           "MAJOR=99999999999999999999999999", "MINOR=0");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "PARTN=0");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "PARTN=-1");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "SEQNUM=18446744073709551616");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "SEQNUM=1x");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "DEVPATH=/d", "SUBSYSTEM=block");  /* dup */
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "SUBSYSTEM=virtio");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "NOEQUALS");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", "=x");
    REJECT("add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=../block");
    REJECT("averyveryverylongaction@/d", "ACTION=averyveryverylongaction", "DEVPATH=/d",
           "SUBSYSTEM=block");
#undef REJECT

    /* Oversize values are refused, never cut. */
    static char longpath[2100];
    memcpy(longpath, "DEVPATH=/", 9);
    memset(longpath + 9, 'p', 2000);
    longpath[2009] = '\0';
    char header[2100];
    snprintf(header, sizeof(header), "add@%s", longpath + 8);
    CHECK_INT(parse_list(&ev, header, "ACTION=add", longpath, "SUBSYSTEM=block", NULL), -EINVAL);
    char modalias[700] = "MODALIAS=";
    memset(modalias + 9, 'm', sizeof(ev.modalias));
    modalias[9 + sizeof(ev.modalias)] = '\0';
    CHECK_INT(parse_list(&ev, "add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=pci", modalias,
                         NULL), -EINVAL);

    /* Not NUL-terminated at the end; NULL; empty. */
    len = build(buf, sizeof(buf), "add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", NULL);
    CHECK_INT(fr_uevent_parse(buf, len, &ev), 0);
    CHECK_INT(fr_uevent_parse(buf, len - 1, &ev), -EINVAL);
    CHECK_INT(fr_uevent_parse(NULL, 10, &ev), -EINVAL);
    CHECK_INT(fr_uevent_parse(buf, 0, &ev), -EINVAL);
    CHECK_INT(fr_uevent_parse("\0\0\0", 3, &ev), -EINVAL);
    /* A failed parse leaves no stale fields. */
    CHECK_STR(ev.action, "");
}

static unsigned rnd_state = 4242;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 8;
}

static void test_fuzz(void)
{
    char seed[1024], buf[1100];
    size_t seedlen = build(seed, sizeof(seed), "add@" VDA "1", "ACTION=add", "DEVPATH=" VDA "1",
                           "SUBSYSTEM=block", "MAJOR=254", "MINOR=1", "DEVNAME=vda1",
                           "DEVTYPE=partition", "PARTN=1", "MODALIAS=x", "DRIVER=d", "SEQNUM=9", NULL);
    struct fr_uevent ev;
    int bad = 0, accepted = 0;

    for (int iter = 0; iter < 20000; iter++) {
        size_t len;
        if (iter % 4 == 0) {
            len = rnd() % sizeof(buf);
            for (size_t i = 0; i < len; i++)
                buf[i] = (char)(rnd() % 3 == 0 ? 0 : rnd() & 0xff);
        } else {
            memcpy(buf, seed, seedlen);
            len = seedlen;
            unsigned flips = 1 + rnd() % 4;
            for (unsigned f = 0; f < flips; f++) {
                size_t at = rnd() % len;
                switch (rnd() % 3) {
                case 0: buf[at] ^= (char)(1u << (rnd() % 8)); break;
                case 1: buf[at] = "\0@=/.0"[rnd() % 6]; break;
                default: len = at + 1; break; /* truncate */
                }
            }
        }
        int r = fr_uevent_parse(buf, len, &ev);
        if (r == 0) {
            accepted++;
            if (ev.devpath[0] != '/' || strstr(ev.devpath, "/../") || !ev.action[0] ||
                !ev.subsystem[0])
                bad++;
            if (ev.devname[0] == '/' || strstr(ev.devname, ".."))
                if (ev.devname[0] == '/' || strcmp(ev.devname, "..") == 0 ||
                    strncmp(ev.devname, "../", 3) == 0 || strstr(ev.devname, "/../"))
                    bad++;
            if (strnlen(ev.devpath, sizeof(ev.devpath)) >= sizeof(ev.devpath) ||
                strnlen(ev.modalias, sizeof(ev.modalias)) >= sizeof(ev.modalias))
                bad++;
            if (ev.major > 0xfff || ev.minor > 0xfffff || ev.partn < 0)
                bad++;
        } else if (r != -EINVAL) {
            bad++;
        }
    }
    CHECK_INT(bad, 0);
    CHECK(accepted > 0); /* the flips sometimes hit ignored fields */
}

static int send_to(const char *path, const void *data, size_t len)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ssize_t n;

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    n = sendto(fd, data, len, 0, (struct sockaddr *)&sa, sizeof(sa));
    close(fd);
    return n == (ssize_t)len ? 0 : -1;
}

static int wait_read(struct fr_monitor *m, struct fr_uevent *ev)
{
    struct pollfd p = {.fd = fr_monitor_fd(m), .events = POLLIN};

    if (poll(&p, 1, 2000) != 1)
        return -ETIMEDOUT;
    return fr_monitor_read(m, ev);
}

static void test_monitor(void)
{
    char dir[] = "/tmp/fr-uevent-XXXXXX";
    char path[96], file[96];
    struct fr_monitor *m = NULL;
    struct fr_uevent ev;
    char buf[FR_UEVENT_BUFSIZE * 2];
    size_t len;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/uevent.sock", dir);

    CHECK_INT(fr_monitor_open(path, &m), 0);
    CHECK(m != NULL);
    CHECK(fr_monitor_fd(m) >= 0);
    CHECK_INT(fr_monitor_read(m, &ev), 0); /* nothing yet, no blocking */

    len = build(buf, sizeof(buf), "add@" VDA, "ACTION=add", "DEVPATH=" VDA, "SUBSYSTEM=block",
                "MAJOR=254", "MINOR=0", "DEVNAME=vda", "DEVTYPE=disk", NULL);
    CHECK_INT(send_to(path, buf, len), 0);
    CHECK_INT(wait_read(m, &ev), 1);
    CHECK_STR(ev.devname, "vda");
    CHECK_INT(ev.major, 254);

    /* Malformed, libudev-format and oversized messages are dropped (0). */
    CHECK_INT(send_to(path, "garbage", 7), 0);
    CHECK_INT(wait_read(m, &ev), 0);
    char udev[64] = {0};
    memcpy(udev, "libudev\0\xfe\xed\xca\xfe", 12);
    CHECK_INT(send_to(path, udev, 40), 0);
    CHECK_INT(wait_read(m, &ev), 0);
    size_t big = build(buf, sizeof(buf), "add@/d", "ACTION=add", "DEVPATH=/d", "SUBSYSTEM=block", NULL);
    memset(buf + big, 'x', FR_UEVENT_BUFSIZE + 100 - big);
    buf[FR_UEVENT_BUFSIZE + 99] = '\0';
    CHECK_INT(send_to(path, buf, FR_UEVENT_BUFSIZE + 100), 0);
    CHECK_INT(wait_read(m, &ev), 0);
    CHECK_INT(send_to(path, "", 0), 0);
    CHECK_INT(wait_read(m, &ev), 0);

    /* And the next good one still arrives. */
    len = build(buf, sizeof(buf), "remove@" VDA, "ACTION=remove", "DEVPATH=" VDA,
                "SUBSYSTEM=block", NULL);
    CHECK_INT(send_to(path, buf, len), 0);
    CHECK_INT(wait_read(m, &ev), 1);
    CHECK_STR(ev.action, "remove");

    fr_monitor_free(m);
    CHECK(access(path, F_OK) != 0); /* our socket file is gone */

    /* A stale socket from a crashed run is replaced. */
    {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        CHECK_INT(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        close(fd);
    }
    CHECK_INT(fr_monitor_open(path, &m), 0);
    fr_monitor_free(m);

    /* Something that is not a socket is left alone. */
    snprintf(file, sizeof(file), "%s/notasocket", dir);
    FILE *f = fopen(file, "w");
    fputs("keep me\n", f);
    fclose(f);
    CHECK(fr_monitor_open(file, &m) < 0);
    CHECK(m == NULL);
    CHECK(access(file, F_OK) == 0);
    unlink(file);

    char longp[200];
    memset(longp, 'a', sizeof(longp) - 1);
    longp[sizeof(longp) - 1] = '\0';
    CHECK_INT(fr_monitor_open(longp, &m), -ENAMETOOLONG);
    CHECK_INT(fr_monitor_open("", &m), -EINVAL);
    rmdir(dir);

    fr_monitor_free(NULL);
    CHECK_INT(fr_monitor_fd(NULL), -1);

    /* The kernel socket may be unavailable in a sandbox; it must either
     * open or fail with an errno, and reading must not block. */
    int r = fr_monitor_open(NULL, &m);
    CHECK(r == 0 || r < 0);
    if (r == 0) {
        r = fr_monitor_read(m, &ev);
        CHECK(r == 0 || r == 1 || r == -ENOBUFS);
        fr_monitor_free(m);
    } else {
        CHECK(m == NULL);
    }
}

static const struct check_case cases[] = {
    CASE(valid),
    CASE(invalid),
    CASE(fuzz),
    CASE(monitor),
};
CHECK_MAIN("test_uevent", cases)
