/* Shared by the libFuzzer targets in tests/fuzz: an invariant check that
 * aborts (libFuzzer then saves the input), a private temp directory, and
 * small file helpers for the targets that build trees. */
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
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

/* An undo log of what one input created (fuzz_undo_begin() turns it on):
 * fuzz_undo() removes it in reverse order with one unlink or rmdir per entry
 * instead of fuzz_rm_rf()'s readdir and lstat walk, the larger part of a
 * tree-building target's time. An untracked leftover or an overflowing log
 * falls back to fuzz_rm_rf(). */
#define FUZZ_UNDO_MAX 1024
static struct {
    bool on, overflow;
    size_t n;
    struct {
        char *path;
        bool dir;
    } e[FUZZ_UNDO_MAX];
} fuzz_undo_log;

static inline void fuzz_undo_begin(void)
{
    fuzz_undo_log.on = true;
}

static inline void fuzz_track(const char *path, bool dir)
{
    if (!fuzz_undo_log.on)
        return;
    char *copy = fuzz_undo_log.n < FUZZ_UNDO_MAX ? strdup(path) : NULL;
    if (!copy) {
        fuzz_undo_log.overflow = true;
        return;
    }
    fuzz_undo_log.e[fuzz_undo_log.n].path = copy;
    fuzz_undo_log.e[fuzz_undo_log.n++].dir = dir;
}

/* Removes everything tracked, then makes sure root is gone. */
static inline void fuzz_undo(const char *root)
{
    while (fuzz_undo_log.n) {
        size_t i = --fuzz_undo_log.n;
        if (fuzz_undo_log.e[i].dir)
            rmdir(fuzz_undo_log.e[i].path);
        else
            unlink(fuzz_undo_log.e[i].path);
        free(fuzz_undo_log.e[i].path);
    }
    fuzz_undo_log.overflow = false;
    if (access(root, F_OK) == 0)
        fuzz_rm_rf(root);
}

static inline void fuzz_mkfifo(const char *path)
{
    if (mkfifo(path, 0600) == 0)
        fuzz_track(path, false);
}

static inline void fuzz_symlink(const char *target, const char *path)
{
    if (symlink(target, path) == 0)
        fuzz_track(path, false);
}

static inline void fuzz_write(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    fuzz_track(path, false);
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
    if (mkdir(dir, 0755) == 0) {
        fuzz_track(dir, true);
        return;
    }
    if (errno != ENOENT)
        return;
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s", dir);
    char *s = strrchr(p, '/');
    if (!s || s == p)
        return;
    *s = '\0';
    fuzz_mkdirs(p);
    if (mkdir(dir, 0755) == 0)
        fuzz_track(dir, true);
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
