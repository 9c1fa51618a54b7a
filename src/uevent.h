/* Kernel uevents: parse the netlink payload ("ACTION@DEVPATH\0KEY=VAL\0...")
 * and receive them from the kernel's netlink group, or from a test socket. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <limits.h>

#define FR_UEVENT_BUFSIZE 8192

struct fr_uevent {
    char action[16];
    char devpath[1024];
    char subsystem[64];
    char devtype[64];
    char devname[256];   /* DEVNAME, relative to /dev */
    char modalias[512];
    char driver[64];
    unsigned major, minor;
    bool has_devnum;
    int partn;           /* PARTN, 0 if absent */
    unsigned long long seqnum;
};

/* Parse one message. Returns 0, or -EINVAL for malformed/truncated input
 * (missing '@' header, no ACTION/DEVPATH/SUBSYSTEM, unterminated fields,
 * header and ACTION/DEVPATH disagreeing, devpath with "..", oversize fields). */
int fr_uevent_parse(const char *buf, size_t len, struct fr_uevent *ev);

struct fr_monitor;
/* test_socket NULL: kernel netlink (NETLINK_KOBJECT_UEVENT, group 1), only
 * messages from the kernel (pid 0, uid 0) accepted. Otherwise bind an AF_UNIX
 * datagram socket at that path and accept the same payload from anyone. */
/* A stale socket at that path is replaced; fr_monitor_free() removes it. */
int fr_monitor_open(const char *test_socket, struct fr_monitor **out);
int fr_monitor_fd(const struct fr_monitor *m);
/* Non-blocking read of one message: 1 event in ev, 0 nothing or dropped
 * (logged at debug or warning), <0 -errno. -ENOBUFS is reported once as a
 * warning and the caller should rescan. */
int fr_monitor_read(struct fr_monitor *m, struct fr_uevent *ev);
void fr_monitor_free(struct fr_monitor *m);
