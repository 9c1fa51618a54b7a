/* Kernel uevents: a strict parser for the netlink payload, and a monitor that
 * reads them from the kernel's netlink group (or a test datagram socket). */
#include "uevent.h"

#include <errno.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* Copy a value, refusing rather than truncating: a cut DEVPATH or DEVNAME
 * would name a different device. */
static int put(char *dst, size_t size, const char *v)
{
    return fr_copy(dst, size, v) < 0 ? -EINVAL : 0;
}

static int parse_num(const char *v, unsigned long long max, unsigned long long *out)
{
    unsigned long long x = 0;

    if (!*v)
        return -EINVAL;
    for (; *v; v++) {
        if (*v < '0' || *v > '9')
            return -EINVAL;
        if (x > (max - (unsigned long long)(*v - '0')) / 10)
            return -EINVAL;
        x = x * 10 + (unsigned long long)(*v - '0');
    }
    *out = x;
    return 0;
}

/* DEVPATH is joined to the sysfs root: no way up, no way sideways. */
static bool devpath_ok(const char *p)
{
    size_t n = strlen(p);

    if (p[0] != '/' || fr_has_control(p))
        return false;
    if (strstr(p, "/../") || strstr(p, "/./"))
        return false;
    if ((n >= 3 && strcmp(p + n - 3, "/..") == 0) || (n >= 2 && strcmp(p + n - 2, "/.") == 0))
        return false;
    return true;
}

enum {
    SEEN_ACTION = 1 << 0,
    SEEN_DEVPATH = 1 << 1,
    SEEN_SUBSYSTEM = 1 << 2,
    SEEN_DEVTYPE = 1 << 3,
    SEEN_DEVNAME = 1 << 4,
    SEEN_MODALIAS = 1 << 5,
    SEEN_DRIVER = 1 << 6,
    SEEN_MAJOR = 1 << 7,
    SEEN_MINOR = 1 << 8,
    SEEN_PARTN = 1 << 9,
    SEEN_SEQNUM = 1 << 10,
};

/* Once a key is known, one handler. Returns 0 or -EINVAL. */
static int parse_field(struct fr_uevent *ev, const char *key, size_t klen, const char *v,
                       unsigned *seen)
{
    static const struct {
        const char *name;
        unsigned bit;
    } keys[] = {
        {"ACTION", SEEN_ACTION},     {"DEVPATH", SEEN_DEVPATH}, {"SUBSYSTEM", SEEN_SUBSYSTEM},
        {"DEVTYPE", SEEN_DEVTYPE},   {"DEVNAME", SEEN_DEVNAME}, {"MODALIAS", SEEN_MODALIAS},
        {"DRIVER", SEEN_DRIVER},     {"MAJOR", SEEN_MAJOR},     {"MINOR", SEEN_MINOR},
        {"PARTN", SEEN_PARTN},       {"SEQNUM", SEEN_SEQNUM},
    };
    unsigned long long x;
    unsigned bit = 0;

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strlen(keys[i].name) == klen && memcmp(keys[i].name, key, klen) == 0) {
            bit = keys[i].bit;
            break;
        }
    }
    if (!bit)
        return 0; /* DISKSEQ, PARTNAME, HOTPLUG, ...: not ours */
    /* The kernel never repeats a key; two DEVPATHs mean a forged message. */
    if (*seen & bit)
        return -EINVAL;
    *seen |= bit;

    switch (bit) {
    case SEEN_ACTION:
        return *v ? put(ev->action, sizeof(ev->action), v) : -EINVAL;
    case SEEN_DEVPATH:
        return devpath_ok(v) ? put(ev->devpath, sizeof(ev->devpath), v) : -EINVAL;
    case SEEN_SUBSYSTEM:
        return *v && !strchr(v, '/') ? put(ev->subsystem, sizeof(ev->subsystem), v) : -EINVAL;
    case SEEN_DEVTYPE:
        return put(ev->devtype, sizeof(ev->devtype), v);
    case SEEN_DEVNAME:
        return fr_relpath_valid(v) ? put(ev->devname, sizeof(ev->devname), v) : -EINVAL;
    case SEEN_MODALIAS:
        return put(ev->modalias, sizeof(ev->modalias), v);
    case SEEN_DRIVER:
        return put(ev->driver, sizeof(ev->driver), v);
    case SEEN_MAJOR:
        /* MKDEV limits: 12-bit major, 20-bit minor. */
        if (parse_num(v, 0xfff, &x) < 0)
            return -EINVAL;
        ev->major = (unsigned)x;
        return 0;
    case SEEN_MINOR:
        if (parse_num(v, 0xfffff, &x) < 0)
            return -EINVAL;
        ev->minor = (unsigned)x;
        return 0;
    case SEEN_PARTN:
        if (parse_num(v, 0xfffff, &x) < 0 || x == 0)
            return -EINVAL;
        ev->partn = (int)x;
        return 0;
    case SEEN_SEQNUM:
        return parse_num(v, ~0ULL, &ev->seqnum);
    }
    return 0;
}

int fr_uevent_parse(const char *buf, size_t len, struct fr_uevent *ev)
{
    const char *p, *end, *at;
    size_t hlen;
    unsigned seen = 0;

    memset(ev, 0, sizeof(*ev));
    /* Every field, the last one too, must end in a NUL inside len. */
    if (!buf || len == 0 || buf[len - 1] != '\0')
        return -EINVAL;
    end = buf + len;

    hlen = strlen(buf);
    at = memchr(buf, '@', hlen);
    if (!at || at == buf || at + 1 == buf + hlen)
        return -EINVAL;

    for (p = buf + hlen + 1; p < end; p += strlen(p) + 1) {
        const char *eq;
        if (!*p)
            continue; /* tolerate padding */
        eq = strchr(p, '=');
        if (!eq || eq == p)
            return -EINVAL;
        if (parse_field(ev, p, (size_t)(eq - p), eq + 1, &seen) < 0)
            return -EINVAL;
    }

    if (!(seen & SEEN_ACTION) || !(seen & SEEN_DEVPATH) || !(seen & SEEN_SUBSYSTEM))
        return -EINVAL;
    /* The header is what netlink filters on; the fields are what we use.
     * They must tell the same story. */
    if (strlen(ev->action) != (size_t)(at - buf) || memcmp(ev->action, buf, (size_t)(at - buf)) != 0)
        return -EINVAL;
    if (strcmp(ev->devpath, at + 1) != 0)
        return -EINVAL;
    if (!!(seen & SEEN_MAJOR) != !!(seen & SEEN_MINOR))
        return -EINVAL;
    ev->has_devnum = (seen & SEEN_MAJOR) != 0;
    return 0;
}

struct fr_monitor {
    int fd;
    bool netlink;
    bool enobufs_warned;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    /* One byte more than the largest message we accept, to see truncation
     * even where MSG_TRUNC in flags is not honoured. */
    char buf[FR_UEVENT_BUFSIZE + 1];
};

static int open_netlink(struct fr_monitor *m)
{
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};
    int one = 1, size = 8 * 1024 * 1024;

    m->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
    if (m->fd < 0)
        return -errno;
    /* A coldplug storm can be thousands of events; without CAP_NET_ADMIN
     * the forced size fails and the capped one is the best we get. */
    if (setsockopt(m->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
        setsockopt(m->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
        log_debug("uevent socket: cannot enlarge receive buffer: %m");
    /* Credentials let us accept only the kernel (uid 0) as a sender. */
    if (setsockopt(m->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
        return -errno;
    if (bind(m->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return -errno;
    m->netlink = true;
    return 0;
}

static int open_test_socket(struct fr_monitor *m, const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct stat st;
    int rc = path[0] ? fr_copy(sa.sun_path, sizeof(sa.sun_path), path) : -EINVAL;

    if (rc < 0)
        return rc;

    /* A socket left by an earlier run would make bind() fail; anything
     * that is not a socket is not ours to remove. */
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path);

    m->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (m->fd < 0)
        return -errno;
    if (bind(m->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return -errno;
    memcpy(m->path, sa.sun_path, sizeof(m->path));
    return 0;
}

int fr_monitor_open(const char *test_socket, struct fr_monitor **out)
{
    struct fr_monitor *m;
    int r;

    *out = NULL;
    m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    m->fd = -1;
    r = test_socket ? open_test_socket(m, test_socket) : open_netlink(m);
    if (r < 0) {
        fr_monitor_free(m);
        return r;
    }
    *out = m;
    return 0;
}

int fr_monitor_fd(const struct fr_monitor *m)
{
    return m ? m->fd : -1;
}

/* Returns true when the message may be used: netlink messages only from
 * the kernel itself (port 0, uid 0), never udevd's "libudev" rebroadcasts. */
static bool sender_ok(const struct fr_monitor *m, const struct msghdr *msg,
                      const struct sockaddr_nl *snl, size_t len)
{
    const struct cmsghdr *c;
    const struct ucred *cred = NULL;

    if (len >= 8 && memcmp(m->buf, "libudev", 8) == 0) {
        log_debug("uevent: dropping a libudev-format message");
        return false;
    }
    if (!m->netlink)
        return true;
    if (msg->msg_namelen < sizeof(*snl) || snl->nl_pid != 0) {
        log_debug("uevent: dropping a message from port %u", (unsigned)snl->nl_pid);
        return false;
    }
    for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR((struct msghdr *)msg, (struct cmsghdr *)c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct ucred)))
            cred = (const struct ucred *)CMSG_DATA(c);
    if (!cred || cred->uid != 0) {
        log_debug("uevent: dropping a message without root credentials");
        return false;
    }
    return true;
}

int fr_monitor_read(struct fr_monitor *m, struct fr_uevent *ev)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct ucred))];
    } control;
    struct sockaddr_nl snl;
    struct iovec iov = {.iov_base = m->buf, .iov_len = sizeof(m->buf)};
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = &control,
        .msg_controllen = sizeof(control),
    };
    ssize_t n;

    if (m->netlink) {
        msg.msg_name = &snl;
        msg.msg_namelen = sizeof(snl);
    }
    memset(&snl, 0, sizeof(snl));
    memset(&control, 0, sizeof(control));

    do {
        n = recvmsg(m->fd, &msg, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        if (errno == ENOBUFS) {
            /* The kernel dropped events for us; only a rescan can tell which. */
            if (!m->enobufs_warned)
                log_warning("uevent queue overflowed, events were lost; rescanning");
            else
                log_debug("uevent queue overflowed again");
            m->enobufs_warned = true;
            return -ENOBUFS;
        }
        return -errno;
    }
    if ((size_t)n > FR_UEVENT_BUFSIZE || (msg.msg_flags & MSG_TRUNC)) {
        log_debug("uevent: dropping an oversized message (%zd bytes)", n);
        return 0;
    }
    if (!sender_ok(m, &msg, &snl, (size_t)n))
        return 0;
    if (fr_uevent_parse(m->buf, (size_t)n, ev) < 0) {
        log_debug("uevent: dropping a malformed message (%zd bytes)", n);
        return 0;
    }
    return 1;
}

void fr_monitor_free(struct fr_monitor *m)
{
    if (!m)
        return;
    if (m->fd >= 0)
        close(m->fd);
    if (m->path[0])
        unlink(m->path);
    free(m);
}
