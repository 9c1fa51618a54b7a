/* Small sysfs readers, writers and walkers (attributes, links, uevent files,
 * a block device's directory, a device's subsystem and parent) and the
 * deadline every walk honours; they log nothing above debug. */
#include "sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static double deadline;

double fr_monotonic(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void fr_deadline_set(double when)
{
    deadline = when;
}

bool fr_deadline_passed(void)
{
    return deadline > 0 && fr_monotonic() >= deadline;
}

/* sysfs attributes are regular files; anything else under --sysfs= (a
 * FIFO, a terminal, a socket, /dev/zero through a symlink) could block in
 * open() or read() forever. O_NONBLOCK makes the open return at once, and
 * fstat() then says what was opened. */
int fr_open_regular(const char *path, int flags)
{
    struct stat st;
    int fd;

    if (fr_deadline_passed())
        return -ETIMEDOUT;
    fd = open(path, flags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        if (fstat(fd, &st) == 0)
            e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        close(fd);
        return -e;
    }
    return fd;
}

/* Reads up to size-1 bytes and NUL-terminates. Returns the length, or
 * -EFBIG when the file holds more (buf keeps the prefix), or -errno. */
static int read_file(const char *path, char *buf, size_t size)
{
    size_t len = 0;
    ssize_t n;
    int fd;

    if (!buf || size == 0 || size > INT_MAX)
        return -EINVAL;
    buf[0] = '\0';
    fd = fr_open_regular(path, O_RDONLY);
    if (fd < 0)
        return fd;

    for (;;) {
        char extra;
        if (len < size - 1)
            n = read(fd, buf + len, size - 1 - len);
        else
            n = read(fd, &extra, 1); /* only to learn whether more is there */
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            buf[len] = '\0';
            return -e;
        }
        if (n == 0)
            break;
        if (len >= size - 1) {
            close(fd);
            buf[len] = '\0';
            return -EFBIG;
        }
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    return (int)len;
}

int fr_read_attr(const char *path, char *buf, size_t size)
{
    int len = read_file(path, buf, size);

    if (len < 0)
        return len;
    while (len > 0 && buf[len - 1] == '\n')
        buf[--len] = '\0';
    return len;
}

int fr_link_basename(const char *path, char *buf, size_t size)
{
    char target[PATH_MAX];
    const char *base;
    ssize_t n;
    size_t blen;

    if (!buf || size == 0)
        return -EINVAL;
    buf[0] = '\0';
    n = readlink(path, target, sizeof(target));
    if (n < 0)
        return -errno;
    if ((size_t)n >= sizeof(target))
        return -ENAMETOOLONG;
    target[n] = '\0';
    while (n > 1 && target[n - 1] == '/')
        target[--n] = '\0';
    base = strrchr(target, '/');
    base = base ? base + 1 : target;
    blen = strlen(base);
    if (blen == 0)
        return -ENOENT;
    if (blen >= size || blen > INT_MAX)
        return -ENAMETOOLONG;
    memcpy(buf, base, blen + 1);
    return (int)blen;
}

int fr_uevent_file_get(const char *uevent_path, const char *key, char *buf, size_t size)
{
    /* The kernel builds uevent text in a 2048-byte buffer (UEVENT_BUFFER_SIZE). */
    char text[8192];
    size_t klen;
    char *line, *cur = text;
    int len;

    if (!buf || size == 0 || !key || !key[0] || strchr(key, '='))
        return -EINVAL;
    buf[0] = '\0';
    len = read_file(uevent_path, text, sizeof(text));
    if (len < 0)
        return len;

    klen = strlen(key);
    while ((line = fr_line_next(&cur))) {
        size_t vlen;
        if (strncmp(line, key, klen) != 0 || line[klen] != '=')
            continue;
        vlen = strlen(line + klen + 1);
        if (vlen >= size)
            return -EFBIG;
        memcpy(buf, line + klen + 1, vlen + 1);
        return (int)vlen;
    }
    return -ENOENT;
}

int fr_write_attr(const char *path, const char *value)
{
    size_t len = strlen(value);
    ssize_t n;
    int fd;

    /* O_TRUNC as in the shell's "echo 1 > attr": sysfs ignores it, and a
     * fixture file then holds just what was written. No O_CREAT: a missing
     * attribute is an answer, not something to make. */
    fd = fr_open_regular(path, O_WRONLY | O_TRUNC);
    if (fd < 0)
        return fd;
    /* sysfs hands each write() to the store method as one value, so the
     * value must go in a single call. */
    do {
        n = write(fd, value, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (close(fd) < 0 && errno != EINTR)
        return -errno;
    return (size_t)n == len ? 0 : -EIO;
}

bool fr_exists(const char *path)
{
    struct stat st;

    return path && lstat(path, &st) == 0;
}

/* ---- walking device directories ---- */

size_t fr_sysfs_root_len(const struct fr_roots *r)
{
    size_t l = strlen(r->sys);
    while (l > 0 && r->sys[l - 1] == '/')
        l--;
    return l;
}

/* Lexically resolve link target tgt found in directory base (relative to
 * roots->sys) into an absolute path under roots->sys. sysfs links are
 * relative and the directories they cross are real, so this equals
 * realpath() without following roots->sys itself (fixtures may live below
 * symlinked temp dirs). Refuses targets that leave roots->sys. */
static int resolve_under_sys(const struct fr_roots *r, const char *base, const char *tgt,
                             char *out, size_t size)
{
    char buf[PATH_MAX * 2];
    size_t sl = fr_sysfs_root_len(r);

    if (tgt[0] == '/') {
        if (strncmp(tgt, r->sys, sl) != 0 || (tgt[sl] != '/' && tgt[sl] != '\0'))
            return -EXDEV;
        if ((size_t)snprintf(buf, sizeof buf, "%s", tgt + sl) >= sizeof buf)
            return -ENAMETOOLONG;
    } else if ((size_t)snprintf(buf, sizeof buf, "%s/%s", base, tgt) >= sizeof buf) {
        return -ENAMETOOLONG;
    }

    /* ".." may not climb above roots->sys (-EXDEV). */
    if (sl + 1 > size)
        return -ENAMETOOLONG;
    memcpy(out, r->sys, sl);
    return fr_path_normalize(out, size, sl, buf);
}

int fr_sysfs_block_dir(const struct fr_roots *r, const char *name, char *out, size_t size)
{
    static const char *const bases[] = { "class/block", "block" };
    char p[PATH_MAX], tgt[PATH_MAX];
    struct stat st;
    int rc;

    for (size_t i = 0; i < 2; i++) {
        rc = fr_path(p, sizeof p, r->sys, "%s/%s", bases[i], name);
        if (rc < 0)
            return rc;
        ssize_t n = readlink(p, tgt, sizeof tgt - 1);
        if (n >= 0) {
            tgt[n] = '\0';
            rc = resolve_under_sys(r, bases[i], tgt, out, size);
            if (rc < 0)
                return rc;
            return stat(out, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -ENOENT;
        }
        if (errno == EINVAL && stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            return fr_copy(out, size, p); /* old sysfs: a real directory */
        if (i == 0) {
            /* class/block exists but has no such entry: the device is gone. */
            rc = fr_path(p, sizeof p, r->sys, "class/block");
            if (rc == 0 && stat(p, &st) == 0)
                return -ENOENT;
        }
    }

    /* Partitions in the sys/block layout live inside their disk. */
    char blk[PATH_MAX];
    rc = fr_path(blk, sizeof blk, r->sys, "block");
    if (rc < 0)
        return rc;
    DIR *dir = opendir(blk);
    if (!dir)
        return -ENOENT;
    rc = -ENOENT;
    for (struct dirent *de; (de = readdir(dir));) {
        char disk[PATH_MAX], cand[PATH_MAX];
        if (de->d_name[0] == '.')
            continue;
        if (fr_path(disk, sizeof disk, r->sys, "block/%s", de->d_name) < 0)
            continue;
        ssize_t n = readlink(disk, tgt, sizeof tgt - 1);
        if (n >= 0) {
            tgt[n] = '\0';
            if (resolve_under_sys(r, "block", tgt, disk, sizeof disk) < 0)
                continue;
        }
        if ((size_t)snprintf(cand, sizeof cand, "%s/%s", disk, name) >= sizeof cand)
            continue;
        if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = fr_copy(out, size, cand);
            break;
        }
    }
    closedir(dir);
    return rc;
}

int fr_read_attr_at(const char *dir, const char *attr, char *buf, size_t size)
{
    char p[PATH_MAX];
    if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, attr) >= sizeof p)
        return -ENAMETOOLONG;
    return fr_read_attr(p, buf, size);
}

static bool is_device_dir(const char *dir)
{
    char p[PATH_MAX];
    return (size_t)snprintf(p, sizeof p, "%s/uevent", dir) < sizeof p && fr_exists(p);
}

void fr_sysfs_subsystem(const char *dir, char *buf, size_t size)
{
    char p[PATH_MAX];
    buf[0] = '\0';
    if ((size_t)snprintf(p, sizeof p, "%s/subsystem", dir) >= sizeof p ||
        fr_link_basename(p, buf, size) < 0)
        buf[0] = '\0'; /* no link, or no subsystem name is that long */
}

void fr_sysfs_devtype(const char *dir, char *buf, size_t size)
{
    char p[PATH_MAX];
    buf[0] = '\0';
    if ((size_t)snprintf(p, sizeof p, "%s/uevent", dir) < sizeof p &&
        fr_uevent_file_get(p, "DEVTYPE", buf, size) < 0)
        buf[0] = '\0';
}

bool fr_sysfs_parent(const struct fr_roots *r, char *dir)
{
    size_t top = fr_sysfs_root_len(r) + strlen("/devices");
    for (;;) {
        char *s = strrchr(dir, '/');
        if (!s || (size_t)(s - dir) <= top)
            return false;
        *s = '\0';
        if (is_device_dir(dir))
            return true;
    }
}
