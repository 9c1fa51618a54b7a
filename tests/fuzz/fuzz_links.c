/* udev name encoding and link naming: fr_encode_name() (libblkid's
 * encoding, as udev's by-label/by-uuid names) decodes back to its input and
 * escapes every byte that is not text; every name fr_link_names() makes is
 * "<category>/<leaf>" with one safe leaf, and fr_link_target() points from
 * /dev/disk/<name> to exactly /dev/<devname>: no name or target leaves
 * /dev/disk or /dev, whatever the labels, ids and node names. */
#include "devices.h"
#include "fuzz.h"
#include "linkname.h"
#include "util.h"

static const char *const cats[] = {"by-uuid",      "by-label", "by-partuuid",
                                   "by-partlabel", "by-id",    "by-path"};

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void check_encode(const char *in)
{
    char out[4 * 512 + 16], back[512];
    int r = fr_encode_name(in, out, sizeof(out));
    if (r < 0)
        return;
    size_t b = 0;
    for (size_t i = 0; out[i];) {
        unsigned char c = (unsigned char)out[i];
        FUZZ_CHECK(c >= 0x20 && c != 0x7f && c != '/'); /* never a path separator */
        if (c == '\\') {
            FUZZ_CHECK(out[i + 1] == 'x' && hexval(out[i + 2]) >= 0 && hexval(out[i + 3]) >= 0);
            back[b++] = (char)(hexval(out[i + 2]) << 4 | hexval(out[i + 3]));
            i += 4;
            continue;
        }
        size_t l = fr_utf8_len((const unsigned char *)out + i, strlen(out + i));
        FUZZ_CHECK(l > 0);
        memcpy(back + b, out + i, l);
        b += l;
        i += l;
    }
    back[b] = '\0';
    FUZZ_CHECK(strcmp(back, in) == 0);
}

/* Lexical "a/b/../c" -> "a/c"; -1 when ".." climbs above the start. */
static int normalize(const char *path, char *out, size_t size)
{
    char tmp[PATH_MAX * 2];
    size_t len = 0;
    char *save = NULL;
    snprintf(tmp, sizeof(tmp), "%s", path);
    out[0] = '\0';
    for (char *c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (!strcmp(c, "."))
            continue;
        if (!strcmp(c, "..")) {
            if (!len)
                return -1;
            while (len && out[len - 1] != '/')
                len--;
            if (len)
                len--;
            out[len] = '\0';
            continue;
        }
        len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "/" : "", c);
        if (len >= size)
            return -1;
    }
    return 0;
}

static bool simple_devname(const char *s)
{
    char n[PATH_MAX];
    if (!s[0] || s[0] == '/' || normalize(s, n, sizeof(n)) < 0 || strcmp(n, s) != 0)
        return false;
    return strcmp(s, "disk") != 0 && strncmp(s, "disk/", 5) != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    struct fr_blockdev d, disk;
    struct fr_linkset set;

    if (size > 4096)
        return 0;
    memset(&d, 0, sizeof(d));
    memset(&disk, 0, sizeof(disk));
    char id[300], path[300], devname[256], uuid[256], label[256], partuuid[256], partlabel[256];
    uint8_t flags = fuzz_byte(&in);
    /* Probe values as the table holds them: NULL when empty. */
    d.probe.uuid = fuzz_str(&in, uuid, sizeof(uuid) - 1) ? uuid : NULL;
    d.probe.label = fuzz_str(&in, label, sizeof(label) - 1) ? label : NULL;
    d.probe.partuuid = fuzz_str(&in, partuuid, sizeof(partuuid) - 1) ? partuuid : NULL;
    d.probe.partlabel = fuzz_str(&in, partlabel, sizeof(partlabel) - 1) ? partlabel : NULL;
    fuzz_str(&in, id, sizeof(id) - 1);
    fuzz_str(&in, path, sizeof(path) - 1);
    fuzz_str(&in, devname, sizeof(devname) - 1);
    d.name = d.disk = (char *)"";
    d.devname = devname;
    d.probe.done = true;
    d.probe.rc = flags & 1 ? FR_PROBE_OK : FR_PROBE_AMBIVALENT;
    snprintf(d.probe.usage, sizeof(d.probe.usage), "%s", flags & 2 ? "filesystem" : "raid");
    d.partition = flags & 4;
    d.partn = (int)(signed char)fuzz_byte(&in);
    d.id_name = flags & 8 ? id : NULL;
    d.path_name = flags & 16 ? path : NULL;
    disk.id_name = id;
    disk.path_name = path;
    snprintf(disk.probe.pttype, sizeof(disk.probe.pttype), "%s", flags & 32 ? "gpt" : "dos");

    check_encode(label);
    check_encode(uuid);

    fr_link_names(&d, &disk, &set);
    FUZZ_CHECK(set.n <= FR_LINKS_MAX);
    for (size_t i = 0; i < set.n; i++) {
        const char *name = set.name[i], *slash = strchr(name, '/');
        FUZZ_CHECK(slash && !strchr(slash + 1, '/'));
        bool known = false;
        for (size_t k = 0; k < sizeof(cats) / sizeof(cats[0]); k++)
            known |= strlen(cats[k]) == (size_t)(slash - name) &&
                     memcmp(cats[k], name, (size_t)(slash - name)) == 0;
        FUZZ_CHECK(known);
        const char *leaf = slash + 1;
        FUZZ_CHECK(leaf[0] && strcmp(leaf, ".") && strcmp(leaf, "..") && strlen(leaf) <= NAME_MAX);
        /* by-uuid/by-label never from an ambivalent probe */
        if (!strncmp(name, "by-uuid/", 8) || !strncmp(name, "by-label/", 9))
            FUZZ_CHECK(d.probe.rc == FR_PROBE_OK);

        char target[PATH_MAX], joined[PATH_MAX * 2], norm[PATH_MAX], want[PATH_MAX];
        if (fr_link_target(name, d.devname, target, sizeof(target)) < 0)
            continue;
        /* The link is /dev/disk/NAME: inside /dev/disk. */
        snprintf(joined, sizeof(joined), "dev/disk/%s", name);
        FUZZ_CHECK(normalize(joined, norm, sizeof(norm)) == 0 && !strncmp(norm, "dev/disk/", 9));
        /* Its target, from the link's directory, is /dev/DEVNAME. */
        if (!simple_devname(d.devname))
            continue; /* devices.c refuses such node names before links */
        snprintf(joined, sizeof(joined), "dev/disk/%.*s/%s", (int)(slash - name), name, target);
        FUZZ_CHECK(normalize(joined, norm, sizeof(norm)) == 0);
        snprintf(want, sizeof(want), "dev/%s", d.devname);
        FUZZ_CHECK(strcmp(norm, want) == 0);
    }
    return 0;
}
