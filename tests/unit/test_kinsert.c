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
#include "fixture.h"
#include "internal.h"
#include "kinsert.h"
#include "roots.h"

#define TABLE_LEN(t) (sizeof(t) / sizeof((t)[0]))

static const unsigned char xz[] = {0xfd, '7', 'z', 'X', 'Z', 0x00, 0x00, 0x04};
static const unsigned char zst[] = {0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00};
static const unsigned char gz[] = {0x1f, 0x8b, 0x08, 0x00};
static const unsigned char xz_short[] = {0xfd, '7', 'z', 'X', 'Z'};
static const unsigned char text[] = "not a module\n";

/* Module files, their contents and the format their magic says. */
static const struct {
    const char *name;
    const unsigned char *data;
    size_t len;
    enum fr_kcomp kind;
} files[] = {
    {"a.ko.xz", xz, sizeof(xz), FR_KCOMP_XZ},
    {"b.ko.zst", zst, sizeof(zst), FR_KCOMP_ZSTD},
    {"c.ko.gz", gz, sizeof(gz), FR_KCOMP_GZIP},
    {"d.ko", text, sizeof(text) - 1, FR_KCOMP_NONE},
    {"e.ko.xz", xz_short, sizeof(xz_short), FR_KCOMP_NONE},
    {"f.ko.zst", xz, sizeof(xz), FR_KCOMP_XZ}, /* misnamed: xz inside */
    {"empty.ko", xz, 0, FR_KCOMP_NONE},
};

static void put_files(void)
{
    for (size_t i = 0; i < TABLE_LEN(files); i++)
        fx_put_bytes(files[i].name, files[i].data, files[i].len);
}

static enum fr_kcomp file_kind(const char *rel)
{
    char path[PATH_MAX];

    fr_path(path, sizeof(path), fx_top, "%s", rel);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return (enum fr_kcomp)-1;
    enum fr_kcomp c = fr_file_compression(fd);
    off_t pos = lseek(fd, 0, SEEK_CUR);
    close(fd);
    return pos == 0 ? c : (enum fr_kcomp)-2; /* the offset is left alone */
}

/* The kernel's format: one word, a newline, as sysfs gives it. */
static void test_kernel_compression(void)
{
    static const struct {
        const char *value; /* NULL: no such file */
        enum fr_kcomp kind;
    } says[] = {
        {NULL, FR_KCOMP_NONE},     {"xz\n", FR_KCOMP_XZ}, {"zstd\n", FR_KCOMP_ZSTD},
        {"gzip", FR_KCOMP_GZIP},   {"lz4\n", FR_KCOMP_NONE}, {"", FR_KCOMP_NONE},
        {"xzz\n", FR_KCOMP_NONE},
    };

    fx_mkdirs("module");
    for (size_t i = 0; i < TABLE_LEN(says); i++) {
        if (says[i].value)
            fx_put("module/compression", says[i].value);
        else
            fx_unlink("module/compression");
        CHECK_INT(fr_kernel_compression(fx_top), says[i].kind);
    }
    CHECK_INT(fr_kernel_compression("/nonexistent-fr-sys"), FR_KCOMP_NONE);
    CHECK_STR(fr_kcomp_name(FR_KCOMP_XZ), "xz");
    CHECK_STR(fr_kcomp_name(FR_KCOMP_NONE), "none");
}

/* The file's format, by magic, not by name. */
static void test_file_compression(void)
{
    put_files();
    for (size_t i = 0; i < TABLE_LEN(files); i++)
        CHECK_INT(file_kind(files[i].name), files[i].kind);
}

/* Refused before the syscall: another format than the kernel's, no format
 * the kernel knows, not an ELF object. The caller goes to libkmod. A
 * missing file is an error of its own. */
static void test_refused(void)
{
    static const struct {
        const char *name;
        enum fr_kcomp kernel;
        int err;
    } refusals[] = {
        {"b.ko.zst", FR_KCOMP_XZ, -ENOTSUP},   {"a.ko.xz", FR_KCOMP_ZSTD, -ENOTSUP},
        {"a.ko.xz", FR_KCOMP_NONE, -ENOTSUP},  {"f.ko.zst", FR_KCOMP_ZSTD, -ENOTSUP},
        {"d.ko", FR_KCOMP_XZ, -ENOTSUP},       {"e.ko.xz", FR_KCOMP_XZ, -ENOTSUP},
        {"empty.ko", FR_KCOMP_XZ, -ENOTSUP},   {"missing.ko.xz", FR_KCOMP_XZ, -ENOENT},
    };
    char path[PATH_MAX];

    put_files();
    for (size_t i = 0; i < TABLE_LEN(refusals); i++) {
        fr_path(path, sizeof(path), fx_top, "%s", refusals[i].name);
        CHECK_INT(fr_kinsert(path, "", refusals[i].kernel), refusals[i].err);
    }
}

static const struct check_case cases[] = {
    CASE(kernel_compression),
    CASE(file_compression),
    CASE(refused),
};
CHECK_MAIN("test_kinsert", cases)
