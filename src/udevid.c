/* udev's identity rules for a disk's sysfs directory: the by-id names of
 * 60-persistent-storage.rules (with the SCSI VPD reading scsi_id does, and
 * udev's name escaping) and the path_id builtin. */
#include "udevid.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysfs.h"
#include "util.h"

static const char *base_name(const char *p)
{
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

/* Prepend "comp-" to path (path_id composes outermost first). */
static int path_prepend(char *path, size_t size, const char *comp)
{
    char tmp[512];
    int n = path[0] ? snprintf(tmp, sizeof tmp, "%s-%s", comp, path)
                    : snprintf(tmp, sizeof tmp, "%s", comp);
    if (n < 0 || (size_t)n >= sizeof tmp || (size_t)n >= size)
        return -ENAMETOOLONG;
    memcpy(path, tmp, (size_t)n + 1);
    return 0;
}

/* Move dir up while the parent is in the same subsystem, like udev's
 * skip_subsystem(): the caller then continues with the next parent. */
static void skip_subsystem(const struct fr_roots *r, char *dir, const char *subsys)
{
    char cand[PATH_MAX], s[64];
    for (;;) {
        memcpy(cand, dir, strlen(dir) + 1);
        if (!fr_sysfs_parent(r, cand))
            return;
        fr_sysfs_subsystem(cand, s, sizeof s);
        if (strcmp(s, subsys) != 0)
            return;
        memcpy(dir, cand, strlen(cand) + 1);
    }
}

/* Nearest ancestor (or dir itself) with subsystem scsi and this devtype. */
static bool scsi_ancestor(const struct fr_roots *r, const char *dir, const char *devtype,
                          char *out, size_t size)
{
    char cur[PATH_MAX], s[64], t[64];
    snprintf(cur, sizeof cur, "%s", dir);
    while (fr_sysfs_parent(r, cur)) {
        fr_sysfs_subsystem(cur, s, sizeof s);
        fr_sysfs_devtype(cur, t, sizeof t);
        if (strcmp(s, "scsi") == 0 && strcmp(t, devtype) == 0)
            return (size_t)snprintf(out, size, "%s", cur) < size;
    }
    return false;
}

/* path_id's handle_scsi for the transports we can reproduce: ATA and the
 * default (virtio-scsi, most HBAs). Others give up (-ENOTSUP). On success
 * dir is where the walk continues. */
static int path_scsi(const struct fr_roots *r, char *dir, char *path, size_t size)
{
    char t[64], host[PATH_MAX], comp[128], buf[64];
    unsigned h, c, tg, l;
    const char *rel = dir + fr_sysfs_root_len(r); /* "/devices/..." as udev sees it */

    fr_sysfs_devtype(dir, t, sizeof t);
    if (strcmp(t, "scsi_device") != 0)
        return 0;
    if (fr_read_attr_at(dir, "ieee1394_id", buf, sizeof buf) >= 0 || strstr(rel, "/rport-") ||
        strstr(rel, "/end_device-") || strstr(rel, "/session") || strstr(rel, "/vmbus_") ||
        strstr(rel, "/VMBUS"))
        return -ENOTSUP; /* firewire, FC, SAS, iSCSI, Hyper-V: not reproduced */
    if (sscanf(base_name(dir), "%u:%u:%u:%u", &h, &c, &tg, &l) != 4)
        return -ENOTSUP;
    if (!scsi_ancestor(r, dir, "scsi_host", host, sizeof host))
        return -ENOTSUP;

    if (strstr(rel, "/ata")) {
        /* ATA: port number from the ata_port class device of the host's parent. */
        char ap[PATH_MAX], port[32];
        *strrchr(host, '/') = '\0';
        if (fr_path(ap, sizeof ap, r->sys, "class/ata_port/%s/port_no", base_name(host)) < 0 ||
            fr_read_attr(ap, port, sizeof port) <= 0)
            return -ENOTSUP;
        if (c != 0)
            snprintf(comp, sizeof comp, "ata-%s.%u.0", port, c); /* port multiplier */
        else
            snprintf(comp, sizeof comp, "ata-%s.%u", port, tg);
        return path_prepend(path, size, comp); /* walk goes on from the scsi device */
    }

    /* Default: rebase the global host number on the lowest hostN beside it. */
    char base[PATH_MAX];
    snprintf(base, sizeof base, "%s", host);
    *strrchr(base, '/') = '\0';
    DIR *d = opendir(base);
    if (!d)
        return -ENOTSUP;
    long basenum = -1;
    for (struct dirent *de; (de = readdir(d));) {
        char *end;
        if (strncmp(de->d_name, "host", 4) != 0 || !de->d_name[4])
            continue;
        if (de->d_type != DT_DIR && de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
            continue;
        long n = strtol(de->d_name + 4, &end, 10);
        if (*end || n < 0)
            continue;
        if (basenum < 0 || n < basenum)
            basenum = n;
    }
    closedir(d);
    memcpy(dir, host, strlen(host) + 1);
    if (basenum < 0)
        return 0; /* udev adds nothing here either */
    snprintf(comp, sizeof comp, "scsi-%ld:%u:%u:%u", (long)h - basenum, c, tg, l);
    return path_prepend(path, size, comp);
}

int fr_udev_path_name(const struct fr_roots *r, const char *disk_dir, char *path, size_t size)
{
    char cur[PATH_MAX], subsys[64], comp[PATH_MAX];
    bool transport = false, parent_ok = false;
    int rc;

    path[0] = '\0';
    /* 60-persistent-storage.rules: no path_id for virtual devices. */
    if (strstr(disk_dir + fr_sysfs_root_len(r), "/virtual/"))
        return -ENOENT;
    snprintf(cur, sizeof cur, "%s", disk_dir);
    do {
        fr_sysfs_subsystem(cur, subsys, sizeof subsys);
        const char *sysname = base_name(cur);
        if (strcmp(subsys, "scsi") == 0) {
            rc = path_scsi(r, cur, path, size);
            if (rc < 0)
                return rc;
            transport = true;
        } else if (strcmp(subsys, "pci") == 0 || strcmp(subsys, "platform") == 0 ||
                   strcmp(subsys, "amba") == 0 || strcmp(subsys, "acpi") == 0 ||
                   strcmp(subsys, "xen") == 0) {
            if ((size_t)snprintf(comp, sizeof comp, "%s-%s", subsys, sysname) >= sizeof comp)
                return -ENAMETOOLONG;
            rc = path_prepend(path, size, comp);
            if (rc < 0)
                return rc;
            skip_subsystem(r, cur, subsys);
            parent_ok = true;
            if (strcmp(subsys, "platform") == 0 || strcmp(subsys, "amba") == 0)
                transport = true;
        } else if (strcmp(subsys, "virtio") == 0) {
            skip_subsystem(r, cur, "virtio");
            transport = true;
        } else if (strcmp(subsys, "nvme") == 0) {
            char nsid[32];
            if (fr_read_attr_at(disk_dir, "nsid", nsid, sizeof nsid) > 0) {
                snprintf(comp, sizeof comp, "nvme-%s", nsid);
                rc = path_prepend(path, size, comp);
                if (rc < 0)
                    return rc;
                skip_subsystem(r, cur, "nvme");
                transport = parent_ok = true;
            }
        } else if (strcmp(subsys, "usb") == 0 || strcmp(subsys, "cciss") == 0 ||
                   strcmp(subsys, "bcma") == 0 || strcmp(subsys, "serio") == 0 ||
                   strcmp(subsys, "ccw") == 0 || strcmp(subsys, "ccwgroup") == 0 ||
                   strcmp(subsys, "ap") == 0 || strcmp(subsys, "iucv") == 0 ||
                   strcmp(subsys, "scm") == 0 || strcmp(subsys, "spi") == 0 ||
                   strcmp(subsys, "nvme-subsystem") == 0 || strcmp(subsys, "scsi_tape") == 0) {
            return -ENOTSUP; /* udev names these; we do not reproduce them */
        }
    } while (fr_sysfs_parent(r, cur));

    if (!path[0] || !parent_ok || !transport) {
        path[0] = '\0';
        return -ENOENT;
    }
    return 0;
}

/* udev's "$attr{...}" substitution: trailing whitespace dropped, characters
 * outside its allowed set replaced by '_'; then SYMLINK's own pass (allow
 * "/" and, by default, " "). We replace whitespace by '_' as
 * OPTIONS="string_escape=replace" does; plain SYMLINK would instead split
 * the name at whitespace, so for that case the caller keeps the first word. */
static bool udev_allowed(unsigned char c, const char *extra)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           strchr("#+-.:=@_", c) || (extra && strchr(extra, c));
}

static void udev_replace_chars(char *s, const char *allow)
{
    for (size_t i = 0; s[i];) {
        unsigned char c = (unsigned char)s[i];
        if (udev_allowed(c, allow)) {
            i++;
        } else if (c == '\\' && s[i + 1] == 'x') {
            i += 2;
        } else {
            size_t l = fr_utf8_len((const unsigned char *)s + i, strnlen(s + i, 4));
            if (l > 1) {
                i += l;
            } else if ((c == ' ' || (c >= '\t' && c <= '\r')) && allow && strchr(allow, ' ')) {
                s[i++] = ' ';
            } else {
                s[i++] = '_';
            }
        }
    }
}

static void strip_trailing_space(char *s)
{
    size_t l = strlen(s);
    while (l > 0 && (s[l - 1] == ' ' || (s[l - 1] >= '\t' && s[l - 1] <= '\r')))
        s[--l] = '\0';
}

/* $attr{name} of the nearest device in the chain from dir upwards that has a
 * non-empty value (udev's ATTRS{name}=="?*"). */
static int attrs_value(const struct fr_roots *r, const char *dir, const char *name, char *buf,
                       size_t size)
{
    char cur[PATH_MAX];
    snprintf(cur, sizeof cur, "%s", dir);
    do {
        if (fr_read_attr_at(cur, name, buf, size) > 0) {
            strip_trailing_space(buf);
            if (buf[0]) {
                udev_replace_chars(buf, "/ $%?,");
                return 0;
            }
        }
    } while (fr_sysfs_parent(r, cur));
    buf[0] = '\0';
    return -ENOENT;
}

/* Raw read of a binary sysfs attribute (VPD pages may end in 0x0a). */
static int read_binary(const char *dir, const char *attr, unsigned char *buf, size_t size)
{
    char p[PATH_MAX];
    if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, attr) >= sizeof p)
        return -ENAMETOOLONG;
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, size);
    int e = errno;
    close(fd);
    return n < 0 ? -e : (int)n;
}

/* udev_replace_whitespace(): leading/trailing whitespace dropped, inner
 * runs become one '_'. */
static void replace_whitespace(char *s)
{
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; s[i]; i++) {
        bool ws = s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r');
        if (ws) {
            space = o > 0;
            continue;
        }
        if (space)
            s[o++] = '_';
        space = false;
        s[o++] = s[i];
    }
    s[o] = '\0';
}

/* scsi_id's ID_SERIAL from the VPD pages the kernel already read (sysfs
 * vpd_pg83, vpd_pg80) instead of SG_IO: page 0x83 descriptors in scsi_id's
 * priority order (NAA IEEE registered extended, NAA IEEE registered, other
 * NAA, EUI-64, T10 vendor id, vendor specific; binary before ASCII), each
 * prefixed with its type digit, vendor specific ones also with the 8+16
 * byte vendor and model; else 'S' + vendor + model + page 0x80 serial. */
static int scsi_id_serial(const char *scsi_dir, char *serial, size_t size)
{
    static const struct { int type, naa, codeset; } order[] = {
        { 3, 6, 1 }, { 3, 6, 2 }, { 3, 5, 1 }, { 3, 5, 2 }, { 3, -1, 1 }, { 3, -1, 2 },
        { 2, -1, 1 }, { 2, -1, 2 }, { 1, -1, 1 }, { 1, -1, 2 }, { 0, -1, 1 }, { 0, -1, 2 },
    };
    static const char hex[] = "0123456789abcdef";
    unsigned char pg[1024];
    char vm[8 + 16 + 1], vendor[64], model[64];
    int n;

    /* Vendor and model exactly as INQUIRY returned them (space padded). */
    bool have_vm = fr_read_attr_at(scsi_dir, "vendor", vendor, sizeof vendor) == 8 &&
                   fr_read_attr_at(scsi_dir, "model", model, sizeof model) == 16;
    if (have_vm) {
        memcpy(vm, vendor, 8);
        memcpy(vm + 8, model, 16);
        vm[24] = '\0';
    }

    n = read_binary(scsi_dir, "vpd_pg83", pg, sizeof pg);
    if (n >= 4 && pg[1] == 0x83) {
        size_t end = 4 + (((size_t)pg[2] << 8) | pg[3]);
        if (end > (size_t)n)
            end = (size_t)n;
        if (n > 6 && pg[6] != 0) {
            /* Pre-SPC-3 (SCSI-2) page: the identifier follows the header. */
            size_t o = 0;
            serial[o++] = '3';
            for (size_t i = 4; i < 4 + (size_t)pg[3] && i < (size_t)n && o + 3 < size; i++) {
                serial[o++] = hex[pg[i] >> 4];
                serial[o++] = hex[pg[i] & 15];
            }
            serial[o] = '\0';
            return 0;
        }
        for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
            for (size_t j = 4; j + 4 <= end; j += 4 + (size_t)pg[j + 3]) {
                const unsigned char *d = pg + j;
                size_t len = d[3];
                if (j + 4 + len > end)
                    break;
                if ((d[1] & 0x30) != 0 || (d[1] & 0x0f) != order[k].type ||
                    (d[0] & 0x0f) != order[k].codeset)
                    continue;
                if (order[k].naa >= 0 && (len < 1 || (d[4] >> 4) != order[k].naa))
                    continue;
                if (order[k].type == 0 && !have_vm)
                    continue;
                size_t need = 2 + len * 2 + (order[k].type == 0 ? 24 : 0);
                if (need > size)
                    continue;
                size_t o = 0;
                serial[o++] = hex[order[k].type];
                if (order[k].type == 0) {
                    memcpy(serial + o, vm, 24);
                    o += 24;
                }
                for (size_t i = 0; i < len; i++) {
                    if (order[k].codeset == 2) {
                        serial[o++] = (char)d[4 + i];
                    } else {
                        serial[o++] = hex[d[4 + i] >> 4];
                        serial[o++] = hex[d[4 + i] & 15];
                    }
                }
                serial[o] = '\0';
                if (strlen(serial) == o) /* no NUL inside an ASCII id */
                    return 0;
            }
        }
    }

    n = read_binary(scsi_dir, "vpd_pg80", pg, sizeof pg);
    if (n >= 4 && pg[1] == 0x80 && have_vm && (size_t)pg[3] + 4 <= (size_t)n &&
        26 + (size_t)pg[3] <= size) {
        serial[0] = 'S';
        memcpy(serial + 1, vm, 24);
        memcpy(serial + 25, pg + 4, pg[3]);
        serial[25 + pg[3]] = '\0';
        return 0;
    }
    return -ENOENT;
}

/* by-id/scsi-<ID_SERIAL> as 60-persistent-storage.rules makes it after
 * scsi_id. ATA disks (vendor "ATA") and USB get their ID_SERIAL from ata_id
 * or usb_id, which need the device itself: no name for those. */
static void scsi_serial(const struct fr_roots *r, const char *disk_dir, char *out, size_t size)
{
    char scsi[PATH_MAX], serial[600], s[64];

    snprintf(scsi, sizeof scsi, "%s", disk_dir);
    for (;;) {
        if (!fr_sysfs_parent(r, scsi))
            return;
        fr_sysfs_subsystem(scsi, s, sizeof s);
        if (strcmp(s, "scsi") == 0) {
            fr_sysfs_devtype(scsi, s, sizeof s);
            if (strcmp(s, "scsi_device") == 0)
                break;
        }
    }
    char cur[PATH_MAX];
    snprintf(cur, sizeof cur, "%s", scsi);
    do {
        fr_sysfs_subsystem(cur, s, sizeof s);
        if (strcmp(s, "usb") == 0)
            return;
    } while (fr_sysfs_parent(r, cur));
    if (fr_read_attr_at(scsi, "vendor", s, sizeof s) >= 3 && strncmp(s, "ATA", 3) == 0 &&
        (s[3] == '\0' || s[3] == ' '))
        return;
    if (scsi_id_serial(scsi, serial, sizeof serial) < 0)
        return;
    replace_whitespace(serial);
    udev_replace_chars(serial, NULL);
    if (serial[0] && (size_t)snprintf(out, size, "scsi-%s", serial) >= size)
        out[0] = '\0';
}

void fr_udev_id_name(const struct fr_roots *r, const char *disk_dir, char *out, size_t size)
{
    char serial[256], model[256], name[600];
    const char *kname = base_name(disk_dir);

    out[0] = '\0';
    if (strncmp(kname, "vd", 2) == 0) {
        /* KERNEL=="vd*", ATTRS{serial}=="?*": plain SYMLINK, so the name
         * ends at the first space; a '/' would make a subdirectory. */
        if (attrs_value(r, disk_dir, "serial", serial, sizeof serial) < 0)
            return;
        udev_replace_chars(serial, "/ ");
        serial[strcspn(serial, " ")] = '\0';
        if (!serial[0] || strchr(serial, '/'))
            return;
        snprintf(out, size, "virtio-%s", serial);
    } else if (strncmp(kname, "nvme", 4) == 0 && strchr(kname + 4, 'n')) {
        /* The string_escape=replace variant: "nvme-<model>_<serial>". */
        if (attrs_value(r, disk_dir, "serial", serial, sizeof serial) < 0 ||
            attrs_value(r, disk_dir, "model", model, sizeof model) < 0)
            return;
        snprintf(name, sizeof name, "nvme-%s_%s", model, serial);
        udev_replace_chars(name, "/");
        if (strchr(name, '/') || strlen(name) >= size)
            return;
        snprintf(out, size, "%s", name);
    } else if (strncmp(kname, "sd", 2) == 0 || strncmp(kname, "sr", 2) == 0) {
        scsi_serial(r, disk_dir, out, size);
    }
}
