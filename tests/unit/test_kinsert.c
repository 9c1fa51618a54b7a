/* Which module files go to the kernel as they are: the kernel's
 * decompression format from a fixture /sys, the file's by its magic, and
 * the refusals that send the caller back to libkmod. Nothing is inserted:
 * every file given to fr_kinsert() here is refused before finit_module(2). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"
#include "kinsert.h"
#include "roots.h"

static char top[64];

static void put(const char *rel, const void *data, size_t len)
{
    char path[PATH_MAX];

    fr_path(path, sizeof(path), top, "%s", rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len)
        perror(path);
    if (fd >= 0)
        close(fd);
}

static enum fr_kcomp file_kind(const char *rel)
{
    char path[PATH_MAX];

    fr_path(path, sizeof(path), top, "%s", rel);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return (enum fr_kcomp)-1;
    enum fr_kcomp c = fr_file_compression(fd);
    off_t pos = lseek(fd, 0, SEEK_CUR);
    close(fd);
    return pos == 0 ? c : (enum fr_kcomp)-2; /* the offset is left alone */
}

static enum fr_kcomp kernel_says(const char *value)
{
    char mod[PATH_MAX];

    fr_path(mod, sizeof(mod), top, "module");
    mkdir(mod, 0755);
    if (value)
        put("module/compression", value, strlen(value));
    else
        unlink(strcat(mod, "/compression"));
    return fr_kernel_compression(top);
}

static int insert(const char *rel, enum fr_kcomp kernel)
{
    char path[PATH_MAX];

    fr_path(path, sizeof(path), top, "%s", rel);
    return fr_kinsert(path, "", kernel);
}

int main(void)
{
    static const unsigned char xz[] = {0xfd, '7', 'z', 'X', 'Z', 0x00, 0x00, 0x04};
    static const unsigned char zst[] = {0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00};
    static const unsigned char gz[] = {0x1f, 0x8b, 0x08, 0x00};
    static const unsigned char xz_short[] = {0xfd, '7', 'z', 'X', 'Z'};
    static const unsigned char text[] = "not a module\n";

    snprintf(top, sizeof(top), "/tmp/fr-kinsert.XXXXXX");
    if (!mkdtemp(top)) {
        perror("mkdtemp");
        return 1;
    }

    /* The kernel's format: one word, a newline, as sysfs gives it. */
    CHECK_INT(kernel_says(NULL), FR_KCOMP_NONE);
    CHECK_INT(kernel_says("xz\n"), FR_KCOMP_XZ);
    CHECK_INT(kernel_says("zstd\n"), FR_KCOMP_ZSTD);
    CHECK_INT(kernel_says("gzip"), FR_KCOMP_GZIP);
    CHECK_INT(kernel_says("lz4\n"), FR_KCOMP_NONE);
    CHECK_INT(kernel_says(""), FR_KCOMP_NONE);
    CHECK_INT(kernel_says("xzz\n"), FR_KCOMP_NONE);
    CHECK_INT(fr_kernel_compression("/nonexistent-fr-sys"), FR_KCOMP_NONE);
    CHECK_STR(fr_kcomp_name(FR_KCOMP_XZ), "xz");
    CHECK_STR(fr_kcomp_name(FR_KCOMP_NONE), "none");

    /* The file's format, by magic, not by name. */
    put("a.ko.xz", xz, sizeof(xz));
    put("b.ko.zst", zst, sizeof(zst));
    put("c.ko.gz", gz, sizeof(gz));
    put("d.ko", text, sizeof(text) - 1);
    put("e.ko.xz", xz_short, sizeof(xz_short));
    put("f.ko.zst", xz, sizeof(xz)); /* misnamed: xz inside */
    put("empty.ko", "", 0);
    CHECK_INT(file_kind("a.ko.xz"), FR_KCOMP_XZ);
    CHECK_INT(file_kind("b.ko.zst"), FR_KCOMP_ZSTD);
    CHECK_INT(file_kind("c.ko.gz"), FR_KCOMP_GZIP);
    CHECK_INT(file_kind("d.ko"), FR_KCOMP_NONE);
    CHECK_INT(file_kind("e.ko.xz"), FR_KCOMP_NONE);
    CHECK_INT(file_kind("f.ko.zst"), FR_KCOMP_XZ);
    CHECK_INT(file_kind("empty.ko"), FR_KCOMP_NONE);

    /* Refused before the syscall: another format than the kernel's, no
     * format the kernel knows, not an ELF object. The caller goes to
     * libkmod. A missing file is an error of its own. */
    CHECK_INT(insert("b.ko.zst", FR_KCOMP_XZ), -ENOTSUP);
    CHECK_INT(insert("a.ko.xz", FR_KCOMP_ZSTD), -ENOTSUP);
    CHECK_INT(insert("a.ko.xz", FR_KCOMP_NONE), -ENOTSUP);
    CHECK_INT(insert("f.ko.zst", FR_KCOMP_ZSTD), -ENOTSUP);
    CHECK_INT(insert("d.ko", FR_KCOMP_XZ), -ENOTSUP);
    CHECK_INT(insert("e.ko.xz", FR_KCOMP_XZ), -ENOTSUP);
    CHECK_INT(insert("empty.ko", FR_KCOMP_XZ), -ENOTSUP);
    CHECK_INT(insert("missing.ko.xz", FR_KCOMP_XZ), -ENOENT);

    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", top);
    return check_summary("test_kinsert");
}
