/* Logging: every message goes to stderr ("findroot: msg") and, when enabled,
 * to /dev/kmsg ("<prio>findroot: msg") so it survives into dmesg. */
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A runaway loop must not flood the kernel ring buffer and push out the
 * kernel's own messages, which are what the person debugging needs most. */
#define KMSG_MAX_LINES 100
/* /dev/kmsg rejects writes longer than a printk record (1024 bytes). */
#define KMSG_LINE_MAX 1000
#define MSG_MAX 2048

static int log_level = FR_LOG_NOTICE;
static int kmsg_fd = -1;
static unsigned kmsg_lines;

void fr_log_init(int level, const char *kmsg_path)
{
    if (level < FR_LOG_ERR)
        level = FR_LOG_ERR;
    if (level > FR_LOG_DEBUG)
        level = FR_LOG_DEBUG;
    log_level = level;

    fr_log_close();
    /* Without kmsg we still log to stderr; a missing /dev/kmsg in a
     * half-populated /dev is not worth a message. */
    if (kmsg_path && kmsg_path[0])
        kmsg_fd = open(kmsg_path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
}

void fr_log_close(void)
{
    if (kmsg_fd >= 0)
        close(kmsg_fd);
    kmsg_fd = -1;
}

int fr_log_level(void)
{
    return log_level;
}

/* Values quoted in messages come from the command line, uevents and disk
 * labels; escape control bytes so one message stays one line (one kmsg
 * record) and cannot forge other lines or terminal sequences. C1 controls
 * count too: the Linux VT takes 0x9b (raw, or UTF-8 "\xc2\x9b") as CSI.
 * Bytes that are not valid UTF-8 are escaped as well, so what reaches the
 * console is always text. The plain diagnosis report (diagnose.c) escapes
 * its lines with it too. */
size_t fr_log_escape(const char *in, char *out, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0, n = strlen(in);

    if (size == 0)
        return 0;
    for (size_t i = 0; i < n;) {
        size_t len = fr_utf8_text_len(p + i, n - i);

        if (len > 0) {
            if (o + len >= size)
                break;
            memcpy(out + o, p + i, len);
            o += len;
            i += len;
            continue;
        }
        /* One byte at a time: after an escaped 0xc2 its continuation byte
         * is a stray one, escaped in turn. */
        if (o + 4 >= size)
            break;
        out[o++] = '\\';
        out[o++] = 'x';
        out[o++] = hex[p[i] >> 4];
        out[o++] = hex[p[i] & 0xf];
        i++;
    }
    out[o] = '\0';
    return o;
}

static void write_all_once(int fd, const char *buf, size_t len)
{
    ssize_t n;

    /* One write() per line: kmsg makes one record of it, and stderr lines
     * from concurrent hooks do not interleave mid-line. */
    do {
        n = write(fd, buf, len);
    } while (n < 0 && errno == EINTR);
}

static void log_emit(int prio, const char *msg)
{
    char line[MSG_MAX + 64];
    char clean[MSG_MAX];
    size_t len;
    int n;

    fr_log_escape(msg, clean, sizeof(clean));

    if (prio <= log_level) {
        n = snprintf(line, sizeof(line), "findroot: %s\n", clean);
        if (n > 0) {
            len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
            write_all_once(STDERR_FILENO, line, len);
        }
    }

    if (kmsg_fd >= 0 && prio <= (log_level > FR_LOG_NOTICE ? log_level : FR_LOG_NOTICE)) {
        if (kmsg_lines < KMSG_MAX_LINES) {
            n = snprintf(line, KMSG_LINE_MAX, "<%d>findroot: %s", prio, clean);
            if (n > 0) {
                len = (size_t)n < KMSG_LINE_MAX - 1 ? (size_t)n : KMSG_LINE_MAX - 2;
                line[len++] = '\n';
                write_all_once(kmsg_fd, line, len);
            }
        } else if (kmsg_lines == KMSG_MAX_LINES) {
            static const char note[] =
                "<4>findroot: too many messages, no more are written to the kernel log\n";
            write_all_once(kmsg_fd, note, sizeof(note) - 1);
        }
        kmsg_lines++;
    }
}

static void log_va(int prio, int err, const char *fmt, va_list ap)
{
    char msg[MSG_MAX];
    int n;

    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    if (n < 0)
        snprintf(msg, sizeof(msg), "(unformattable message)");
    /* Callers sometimes end a message with a newline: not one to escape. */
    size_t used = strnlen(msg, sizeof(msg));
    if (used > 0 && msg[used - 1] == '\n')
        msg[--used] = '\0';
    if (err && used < sizeof(msg) - 1)
        snprintf(msg + used, sizeof(msg) - used, ": %s", strerror(err));
    log_emit(prio, msg);
}

void fr_log(int prio, const char *fmt, ...)
{
    int saved = errno;
    va_list ap;

    /* Skip the formatting work for debug messages nobody will see. */
    if (prio > log_level && (kmsg_fd < 0 || prio > FR_LOG_NOTICE))
        return;
    va_start(ap, fmt);
    log_va(prio, 0, fmt, ap);
    va_end(ap);
    errno = saved;
}

int fr_log_errno(int prio, int err, const char *fmt, ...)
{
    int saved = errno;
    va_list ap;

    err = abs(err);
    if (prio <= log_level || (kmsg_fd >= 0 && prio <= FR_LOG_NOTICE)) {
        /* Let "%m" in fmt mean err, as systemd's log_*_errno does. */
        errno = err;
        va_start(ap, fmt);
        log_va(prio, err, fmt, ap);
        va_end(ap);
    }
    errno = saved;
    return -err;
}
