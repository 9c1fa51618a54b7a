/* Small sysfs readers and writers: whole attributes, symlink basenames,
 * KEY=VALUE lookups in "uevent" files; and the deadline every walk over
 * sysfs honours. They log nothing above debug. */
#include "sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
    char *line, *next;
    int len;

    if (!buf || size == 0 || !key || !key[0] || strchr(key, '='))
        return -EINVAL;
    buf[0] = '\0';
    len = read_file(uevent_path, text, sizeof(text));
    if (len < 0)
        return len;

    klen = strlen(key);
    for (line = text; line && *line; line = next) {
        size_t vlen;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
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
