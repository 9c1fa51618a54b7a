/* Inserting one module file with finit_module(2), letting the kernel
 * decompress it (MODULE_INIT_COMPRESSED_FILE, Linux 6.4+ with
 * CONFIG_MODULE_DECOMPRESS) instead of doing it in userspace first. */
#pragma once

enum fr_kcomp {
    FR_KCOMP_NONE = 0, /* not compressed, or nothing the kernel could take */
    FR_KCOMP_GZIP,
    FR_KCOMP_XZ,
    FR_KCOMP_ZSTD,
};

/* The compression the running kernel decompresses itself, from
 * SYS/module/compression ("xz", "zstd", "gzip"); FR_KCOMP_NONE when the
 * file is missing (older kernel, CONFIG_MODULE_DECOMPRESS=n) or unknown. */
enum fr_kcomp fr_kernel_compression(const char *sys);

const char *fr_kcomp_name(enum fr_kcomp c);

/* Insert the module at path with options when the kernel can take the file
 * as it is: compressed the way the kernel decompresses (kernel), or not
 * compressed at all. Returns 0 on success, -EEXIST when already loaded,
 * -ENOTSUP when the caller must insert it some other way (compression the
 * kernel does not do, a kernel without the flag), or the kernel's -errno. */
int fr_kinsert(const char *path, const char *options, enum fr_kcomp kernel);

/* A seam for the fault tests: FINDROOT_TEST_INSERT_ERRNO=N (a positive
 * errno other than ENOTSUP) makes fr_kinsert() fail with -N at once,
 * before any file is opened or any syscall made, and fr_modules_load()
 * then inserts every module through fr_kinsert(). Returns N, or 0. */
int fr_kinsert_test_errno(void);
