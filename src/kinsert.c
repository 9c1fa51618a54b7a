/* finit_module(2) of one module file, compressed or not. Since Linux 6.4 the
 * kernel decompresses a module itself when asked to
 * (MODULE_INIT_COMPRESSED_FILE) in the format it was built for, which it
 * names in /sys/module/compression. That spares the userspace
 * decompression and the copy of the whole image into init_module(2): under
 * emulation, where the initramfs of a VM spends its time, that is a large
 * part of loading a module. libkmod does the same from kmod 31 on; Debian 12
 * ships kmod 30. */
#include "kinsert.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "roots.h"
#include "sysfs.h"

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

static const struct {
    enum fr_kcomp kind;
    const char *name;
    unsigned char magic[6];
    size_t len;
} formats[] = {
    {FR_KCOMP_GZIP, "gzip", {0x1f, 0x8b}, 2},
    {FR_KCOMP_XZ, "xz", {0xfd, '7', 'z', 'X', 'Z', 0x00}, 6},
    {FR_KCOMP_ZSTD, "zstd", {0x28, 0xb5, 0x2f, 0xfd}, 4},
};

const char *fr_kcomp_name(enum fr_kcomp c)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (formats[i].kind == c)
            return formats[i].name;
    return "none";
}

enum fr_kcomp fr_kernel_compression(const char *sys)
{
    char p[PATH_MAX], v[16];

    if (fr_path(p, sizeof(p), sys, "module/compression") < 0 ||
        fr_read_attr(p, v, sizeof(v)) < 0)
        return FR_KCOMP_NONE;
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (strcmp(v, formats[i].name) == 0)
            return formats[i].kind;
    return FR_KCOMP_NONE;
}

static enum fr_kcomp buf_compression(const unsigned char *buf, ssize_t n)
{
    for (size_t i = 0; n > 0 && i < sizeof(formats) / sizeof(formats[0]); i++)
        if ((size_t)n >= formats[i].len && memcmp(buf, formats[i].magic, formats[i].len) == 0)
            return formats[i].kind;
    return FR_KCOMP_NONE;
}

enum fr_kcomp fr_file_compression(int fd)
{
    unsigned char buf[6];
    return buf_compression(buf, pread(fd, buf, sizeof(buf), 0));
}

int fr_kinsert_test_errno(void)
{
    const char *v = getenv("FINDROOT_TEST_INSERT_ERRNO");
    char *end;
    long e;

    if (!v || !*v)
        return 0;
    e = strtol(v, &end, 10);
    return *end || e <= 0 || e > 4095 || e == ENOTSUP ? 0 : (int)e;
}

int fr_kinsert(const char *path, const char *options, enum fr_kcomp kernel)
{
    int fake = fr_kinsert_test_errno();
    if (fake)
        return -fake;

    /* A FIFO in a module tree would block open() and finit_module(). */
    int fd = fr_open_regular(path, O_RDONLY);
    if (fd < 0)
        return fd;

    /* An uncompressed object goes as it is; libkmod would do the same. A
     * compressed one only in the kernel's own format. One read of the
     * head tells both. */
    static const unsigned char elf[4] = {0x7f, 'E', 'L', 'F'};
    unsigned char head[6];
    ssize_t n = pread(fd, head, sizeof(head), 0);
    enum fr_kcomp c = buf_compression(head, n);
    int flags;
    if (c != FR_KCOMP_NONE && c == kernel)
        flags = MODULE_INIT_COMPRESSED_FILE;
    else if (c == FR_KCOMP_NONE && n >= (ssize_t)sizeof(elf) && memcmp(head, elf, sizeof(elf)) == 0)
        flags = 0;
    else {
        close(fd);
        return -ENOTSUP;
    }

    long r = syscall(SYS_finit_module, fd, options ? options : "", flags);
    int err = r < 0 ? -errno : 0;
    close(fd);
    /* Kernels before 6.4 reject the flag (EINVAL); without
     * CONFIG_MODULE_DECOMPRESS it is EOPNOTSUPP; no finit_module at all,
     * ENOSYS. The caller then decompresses itself. */
    if (flags && (err == -EINVAL || err == -EOPNOTSUPP || err == -ENOSYS))
        return -ENOTSUP;
    if (!flags && err == -ENOSYS)
        return -ENOTSUP;
    return err;
}
