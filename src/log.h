/* Logging: one place that writes messages, to stderr and to /dev/kmsg
 * ("<prio>findroot: msg") so they land in dmesg and rdsosreport. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum {
    FR_LOG_ERR = 3,
    FR_LOG_WARNING = 4,
    FR_LOG_NOTICE = 5,
    FR_LOG_INFO = 6,
    FR_LOG_DEBUG = 7,
};

/* level: messages with prio <= level go to stderr. kmsg_path: NULL for none.
 * kmsg gets prio <= max(level, FR_LOG_NOTICE), rate limited. */
void fr_log_init(int level, const char *kmsg_path);
void fr_log_close(void);
int fr_log_level(void);
void fr_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logs with errno text appended (": strerror(err)") and returns -abs(err). */
int fr_log_errno(int prio, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Copies in to out (size bytes, always NUL-terminated when size > 0) with
 * each control byte (below 0x20, DEL, the C1 controls 0x80-0x9f raw or as
 * UTF-8 U+0080-U+009F) and each byte that is not part of valid UTF-8
 * written as \xHH; valid UTF-8 otherwise as it is. What does not fit is cut
 * before an escape or a UTF-8 sequence, never inside one: 4 * strlen(in) + 1
 * bytes hold any input. Returns the length. */
size_t fr_log_escape(const char *in, char *out, size_t size);

#define log_error(...) fr_log(FR_LOG_ERR, __VA_ARGS__)
#define log_warning(...) fr_log(FR_LOG_WARNING, __VA_ARGS__)
#define log_notice(...) fr_log(FR_LOG_NOTICE, __VA_ARGS__)
#define log_info(...) fr_log(FR_LOG_INFO, __VA_ARGS__)
#define log_debug(...) fr_log(FR_LOG_DEBUG, __VA_ARGS__)
#define log_error_errno(err, ...) fr_log_errno(FR_LOG_ERR, (err), __VA_ARGS__)
#define log_warning_errno(err, ...) fr_log_errno(FR_LOG_WARNING, (err), __VA_ARGS__)
#define log_debug_errno(err, ...) fr_log_errno(FR_LOG_DEBUG, (err), __VA_ARGS__)
