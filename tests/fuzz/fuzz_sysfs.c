/* sysfs attribute readers over files whose bytes come from the input:
 * fr_read_attr() returns exactly the content less its trailing newlines
 * or -EFBIG, fr_uevent_file_get() finds exactly what a line-by-line model
 * finds, fr_link_basename() gives the last component of any link target;
 * and the by-id names built from a hostile "serial" / "model" (udev's
 * character replacement) are single safe path components. */
#include "devices.h"
#include "fuzz.h"
#include "log.h"
#include "roots.h"
#include "sysfs.h"

static struct fr_roots roots;
static char base[PATH_MAX];

static void check_read_attr(const uint8_t *b, size_t n, size_t size)
{
    char p[PATH_MAX + 16];
    snprintf(p, sizeof(p), "%s/attr", base);
    fuzz_write(p, b, n);
    char *buf = malloc(size + 1);
    buf[size] = 'Z';
    int r = fr_read_attr(p, buf, size);
    FUZZ_CHECK(buf[size] == 'Z');
    if (n > size - 1) {
        FUZZ_CHECK(r == -EFBIG);
    } else {
        size_t want = n;
        while (want && b[want - 1] == '\n')
            want--;
        FUZZ_CHECK(r == (int)want && memcmp(buf, b, want) == 0 && buf[want] == '\0');
    }
    free(buf);
}

static void check_uevent(const uint8_t *b, size_t n, const char *key, size_t size)
{
    char p[PATH_MAX + 16], buf[600];
    snprintf(p, sizeof(p), "%s/uevent", base);
    fuzz_write(p, b, n);
    int r = fr_uevent_file_get(p, key, buf, size);
    if (!key[0] || strchr(key, '=')) {
        FUZZ_CHECK(r == -EINVAL);
        return;
    }
    if (n > 8191) {
        FUZZ_CHECK(r == -EFBIG);
        return;
    }
    /* The model: the text up to the first NUL, line by line. */
    char *text = malloc(n + 1);
    memcpy(text, b, n);
    text[n] = '\0';
    int want = -ENOENT;
    const char *val = NULL;
    size_t klen = strlen(key);
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
            val = line + klen + 1;
            want = strlen(val) >= size ? -EFBIG : (int)strlen(val);
            break;
        }
    }
    FUZZ_CHECK(r == want);
    if (r >= 0)
        FUZZ_CHECK(strcmp(buf, val) == 0);
    free(text);
}

static void check_basename(const char *target)
{
    char p[PATH_MAX + 16], buf[300];
    snprintf(p, sizeof(p), "%s/link", base);
    unlink(p);
    if (symlink(target, p) < 0)
        return;
    int r = fr_link_basename(p, buf, sizeof(buf));
    char t[PATH_MAX];
    snprintf(t, sizeof(t), "%s", target);
    size_t n = strlen(t);
    while (n > 1 && t[n - 1] == '/')
        t[--n] = '\0';
    const char *s = strrchr(t, '/');
    s = s ? s + 1 : t;
    if (!*s)
        FUZZ_CHECK(r == -ENOENT);
    else if (strlen(s) >= sizeof(buf))
        FUZZ_CHECK(r == -ENAMETOOLONG);
    else
        FUZZ_CHECK(r == (int)strlen(s) && strcmp(buf, s) == 0);
}

static void check_id(const char *kname, const uint8_t *serial, size_t sn, const uint8_t *model,
                     size_t mn)
{
    char dir[PATH_MAX + 64], p[PATH_MAX + 128];
    snprintf(dir, sizeof(dir), "%s/devices/pci0000:00/0000:00:02.0/host/block/%s", base, kname);
    fuzz_rm_rf(dir);
    fuzz_mkdirs(dir);
    snprintf(p, sizeof(p), "%s/serial", dir);
    fuzz_write(p, serial, sn);
    snprintf(p, sizeof(p), "%s/model", dir);
    fuzz_write(p, model, mn);
    struct fr_blockdev d;
    memset(&d, 0, sizeof(d));
    d.name = (char *)kname;
    d.syspath = dir;
    fr_devices_identify(&d, &roots);
    if (d.id_name) {
        const char *s = d.id_name;
        FUZZ_CHECK(s[0] && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, ".."));
        /* Longer than NAME_MAX: linkname.c drops it (add_name), nothing else. */
        for (const unsigned char *c = (const unsigned char *)s; *c; c++)
            FUZZ_CHECK(*c > 0x20 && *c != 0x7f); /* no control byte, no blank */
    }
    free(d.id_name);
    free(d.path_name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};

    if (size > 20000)
        return 0;
    if (!base[0]) {
        fr_log_init(FR_LOG_ERR, NULL);
        fr_roots_init(&roots);
        snprintf(base, sizeof(base), "%s", fuzz_tmpdir());
        snprintf(roots.sys, sizeof(roots.sys), "%s", base);
        roots.real_sys = 0;
    }
    uint8_t which = fuzz_byte(&in);
    size_t bufsize = 1 + fuzz_byte(&in) % 64 * (which & 0x80 ? 64 : 1);
    switch (which % 4) {
    case 0:
        check_read_attr(in.p, in.n, bufsize);
        break;
    case 1: {
        char key[32];
        fuzz_str(&in, key, sizeof(key) - 1);
        check_uevent(in.p, in.n, key, bufsize < 600 ? bufsize : 600);
        break;
    }
    case 2: {
        char t[PATH_MAX];
        size_t n = in.n < sizeof(t) - 1 ? in.n : sizeof(t) - 1;
        memcpy(t, in.p, n);
        t[n] = '\0';
        check_basename(t);
        break;
    }
    default: {
        size_t half = in.n / 2;
        check_id(which & 0x10 ? "nvme0n1" : "vda", in.p, half, in.p + half, in.n - half);
        break;
    }
    }
    return 0;
}
