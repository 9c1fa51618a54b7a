/* What the kernel has built in: names from modules.builtin and
 * modules.builtin.modinfo, aliases from the latter. Small files (Debian
 * 6.12: 7 KiB and 60 KiB), read whole once per diagnosis. */
#include "builtin.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "roots.h"
#include "util.h"

/* Far above any real kernel's; a bigger file is not one of them. */
#define BUILTIN_FILE_MAX (16 << 20)

struct alias {
    const char *name;
    const char *pattern;
};

struct fr_builtin {
    char *list;    /* modules.builtin, cut into names in place */
    char *modinfo; /* modules.builtin.modinfo, cut in place */
    bool has_modinfo;
    const char **names;
    size_t nnames, capnames;
    struct alias *aliases;
    size_t naliases, capaliases;
};

/* The whole file, NUL-terminated; *len without the NUL. NULL when it cannot
 * be read (the reason logged at debug level). */
static char *read_whole(const char *dir, const char *file, size_t *len)
{
    char path[PATH_MAX];
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    int fd;

    if (fr_path(path, sizeof(path), dir, "%s", file) < 0)
        return NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        log_debug_errno(errno, "%s", path);
        return NULL;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > BUILTIN_FILE_MAX) {
        log_debug("%s: not a regular file of at most %d bytes", path, BUILTIN_FILE_MAX);
        goto fail;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf)
        goto fail;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* shrank meanwhile: what was read is kept */
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *len = got;
    return buf;
fail:
    free(buf);
    close(fd);
    return NULL;
}

/* Module names use dashes and underscores alike; the kernel's use '_'. */
static void normalize(char *s)
{
    for (; *s; s++)
        if (*s == '-')
            *s = '_';
}

static int add_name(struct fr_builtin *b, const char *name)
{
    if (!name[0] || (b->nnames && strcmp(b->names[b->nnames - 1], name) == 0))
        return 0;
    if (fr_grow(&b->names, &b->capnames, b->nnames, sizeof(*b->names), 64) < 0)
        return -ENOMEM;
    b->names[b->nnames++] = name;
    return 0;
}

static int add_alias(struct fr_builtin *b, const char *name, const char *pattern)
{
    if (fr_grow(&b->aliases, &b->capaliases, b->naliases, sizeof(*b->aliases), 64) < 0)
        return -ENOMEM;
    b->aliases[b->naliases++] = (struct alias){name, pattern};
    return 0;
}

/* "kernel/drivers/virtio/virtio_pci.ko" per line: the name is the file's. */
static int parse_list(struct fr_builtin *b, char *text)
{
    for (char *cur = text, *line; (line = fr_line_next(&cur));) {
        char *base = strrchr(line, '/');
        base = base ? base + 1 : line;
        char *dot = strstr(base, ".ko");
        if (dot)
            *dot = '\0';
        normalize(base);
        if (add_name(b, base) < 0)
            return -ENOMEM;
    }
    return 0;
}

/* "NAME.KEY=VALUE" records, each ended by a NUL. */
static int parse_modinfo(struct fr_builtin *b, char *text, size_t len)
{
    for (char *rec = text, *end = text + len; rec < end; rec += strlen(rec) + 1) {
        char *dot = strchr(rec, '.');
        char *eq = dot ? strchr(dot, '=') : NULL;
        if (!eq)
            continue;
        *dot = '\0';
        *eq = '\0';
        normalize(rec);
        if (add_name(b, rec) < 0 ||
            (strcmp(dot + 1, "alias") == 0 && eq[1] && add_alias(b, rec, eq + 1) < 0))
            return -ENOMEM;
    }
    return 0;
}

int fr_builtin_read(const char *modules_dir, struct fr_builtin **out)
{
    struct fr_builtin *b;
    size_t len = 0;

    *out = NULL;
    b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->list = read_whole(modules_dir, "modules.builtin", &len);
    if (b->list && parse_list(b, b->list) < 0)
        goto nomem;
    b->modinfo = read_whole(modules_dir, "modules.builtin.modinfo", &len);
    b->has_modinfo = b->modinfo != NULL;
    if (b->modinfo && parse_modinfo(b, b->modinfo, len) < 0)
        goto nomem;
    log_debug("built into the kernel: %zu modules, %zu aliases%s", b->nnames, b->naliases,
              b->has_modinfo ? "" : " (no modules.builtin.modinfo)");
    *out = b;
    return 0;
nomem:
    fr_builtin_free(b);
    return -ENOMEM;
}

void fr_builtin_free(struct fr_builtin *b)
{
    if (!b)
        return;
    free(b->list);
    free(b->modinfo);
    free(b->names);
    free(b->aliases);
    free(b);
}

bool fr_builtin_has_modinfo(const struct fr_builtin *b)
{
    return b && b->has_modinfo;
}

bool fr_builtin_is(const struct fr_builtin *b, const char *name)
{
    char norm[256];

    if (!b || fr_copy(norm, sizeof(norm), name) < 0)
        return false;
    normalize(norm);
    for (size_t i = 0; i < b->nnames; i++)
        if (strcmp(b->names[i], norm) == 0)
            return true;
    return false;
}

int fr_name_list_add(char *buf, size_t size, const char *name)
{
    size_t used = strlen(buf), len = strlen(name);

    for (const char *p = buf; *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && strncmp(p, name, len) == 0)
            return 0;
        p += n + (p[n] == ',');
    }
    if (used + (used ? 1 : 0) + len >= size)
        return 0;
    if (used)
        buf[used++] = ',';
    memcpy(buf + used, name, len + 1);
    return 1;
}

int fr_builtin_match(const struct fr_builtin *b, const char *modalias, char *buf, size_t size)
{
    int added = 0;

    if (!b || !modalias[0])
        return 0;
    for (size_t i = 0; i < b->naliases; i++)
        if (fnmatch(b->aliases[i].pattern, modalias, 0) == 0)
            added += fr_name_list_add(buf, size, b->aliases[i].name);
    return added;
}
