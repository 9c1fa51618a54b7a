/* Shared by the libFuzzer targets in tests/fuzz: an invariant check that
 * aborts (libFuzzer then saves the input), a private temp directory, and
 * small file helpers for the targets that build trees. */
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_CHECK(cond)                                                              \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* One temp directory per process, removed at exit: in $FUZZ_TMPDIR, else
 * /dev/shm (the tree-building targets make and remove files on every
 * input: a disk-backed /tmp makes them many times slower), else /tmp. */
static char fuzz_dir[64];

static inline void fuzz_rm_rf(const char *path);

static inline void fuzz_dir_cleanup(void)
{
    if (fuzz_dir[0])
        fuzz_rm_rf(fuzz_dir);
}

static inline const char *fuzz_tmpdir(void)
{
    if (!fuzz_dir[0]) {
        const char *base = getenv("FUZZ_TMPDIR");
        if (!base || !base[0])
            base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fuzz_dir, sizeof(fuzz_dir), "%.40s/fr-fuzz-XXXXXX", base);
        if (!mkdtemp(fuzz_dir))
            abort();
        atexit(fuzz_dir_cleanup);
    }
    return fuzz_dir;
}

#include <dirent.h>
static inline void fuzz_rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *de;
            while ((de = readdir(d))) {
                char p[PATH_MAX];
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                    continue;
                snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
                fuzz_rm_rf(p);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

static inline void fuzz_write(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (len && write(fd, data, len) < 0) {
        /* a full /tmp: the target sees a shorter file, which is fine */
    }
    close(fd);
}

/* mkdir -p of dir (absolute). */
static inline void fuzz_mkdirs(const char *dir)
{
    /* mkdir -p from the deepest component up: most parents already exist,
     * so the common case is one mkdir, not one per component. */
    if (mkdir(dir, 0755) == 0 || errno != ENOENT)
        return;
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s", dir);
    char *s = strrchr(p, '/');
    if (!s || s == p)
        return;
    *s = '\0';
    fuzz_mkdirs(p);
    mkdir(dir, 0755);
}

/* A byte reader over the fuzzer's input. */
struct fuzz_in {
    const uint8_t *p;
    size_t n;
};

static inline uint8_t fuzz_byte(struct fuzz_in *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

/* Up to max bytes as a NUL-terminated string (NUL bytes end it early). */
static inline size_t fuzz_str(struct fuzz_in *in, char *out, size_t max)
{
    size_t len = fuzz_byte(in) % (max + 1), i;
    for (i = 0; i < len && in->n; i++) {
        out[i] = (char)fuzz_byte(in);
        if (!out[i])
            break;
    }
    out[i] = '\0';
    return i;
}
