/* Built-in modules from modules.builtin and modules.builtin.modinfo: names
 * (dashes as underscores), aliases matched once per module, missing files. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "check.h"
#include "log.h"
#include "roots.h"

static char dir[64];

static void put(const char *name, const char *data, size_t len)
{
    char path[PATH_MAX];
    FILE *f;

    fr_path(path, sizeof(path), dir, "%s", name);
    f = fopen(path, "w");
    if (!f) {
        perror(path);
        return;
    }
    fwrite(data, 1, len, f);
    fclose(f);
}

static void drop(const char *name)
{
    char path[PATH_MAX];

    fr_path(path, sizeof(path), dir, "%s", name);
    unlink(path);
}

static void test_both_files(void)
{
    static const char list[] = "kernel/drivers/virtio/virtio_pci.ko\n"
                               "kernel/drivers/ata/pata-acpi.ko\n"
                               "\n"
                               "kernel/fs/ext4/ext4.ko\n";
    /* Two aliases of one module both match the ICH9 AHCI controller. */
    static const char modinfo[] = "ahci.license=GPL\0"
                                  "ahci.alias=pci:v00008086d00002922sv*sd*bc*sc*i*\0"
                                  "ahci.alias=pci:v*d*sv*sd*bc01sc06i01*\0"
                                  "fuse.alias=devname:fuse\0"
                                  "fuse.alias=char-major-10-229\0"
                                  "dm-mod.alias=devname:mapper/control\0"
                                  "broken record without a dot\0";
    struct fr_builtin *b = NULL;
    char buf[64] = "";

    put("modules.builtin", list, sizeof(list) - 1);
    put("modules.builtin.modinfo", modinfo, sizeof(modinfo) - 1);
    CHECK_INT(fr_builtin_read(dir, &b), 0);
    CHECK(b != NULL);
    CHECK(fr_builtin_has_modinfo(b));
    CHECK(fr_builtin_is(b, "virtio_pci"));
    CHECK(fr_builtin_is(b, "virtio-pci"));
    CHECK(fr_builtin_is(b, "pata_acpi"));
    CHECK(fr_builtin_is(b, "ext4"));
    CHECK(fr_builtin_is(b, "ahci")); /* only in the modinfo */
    CHECK(fr_builtin_is(b, "dm_mod"));
    CHECK(!fr_builtin_is(b, "virtio_blk"));
    CHECK(!fr_builtin_is(b, "virtio"));
    CHECK(!fr_builtin_is(b, ""));

    CHECK_INT(fr_builtin_match(b, "pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01", buf,
                               sizeof(buf)),
              1);
    CHECK_STR(buf, "ahci");
    /* Already in the list: not added again. */
    CHECK_INT(fr_builtin_match(b, "pci:v00001234d00000001sv0sd0bc01sc06i01", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "ahci");
    CHECK_INT(fr_builtin_match(b, "devname:fuse", buf, sizeof(buf)), 1);
    CHECK_STR(buf, "ahci,fuse");
    CHECK_INT(fr_builtin_match(b, "pci:v00001AF4d00001042sv00001AF4sd00001100bc01sc00i00", buf,
                               sizeof(buf)),
              0);
    CHECK_INT(fr_builtin_match(b, "", buf, sizeof(buf)), 0);
    fr_builtin_free(b);
}

static void test_missing_files(void)
{
    struct fr_builtin *b = NULL;
    char buf[16] = "";

    drop("modules.builtin.modinfo");
    CHECK_INT(fr_builtin_read(dir, &b), 0);
    CHECK(!fr_builtin_has_modinfo(b));
    CHECK(fr_builtin_is(b, "virtio_pci"));
    CHECK(!fr_builtin_is(b, "ahci"));
    CHECK_INT(fr_builtin_match(b, "devname:fuse", buf, sizeof(buf)), 0);
    fr_builtin_free(b);

    drop("modules.builtin");
    CHECK_INT(fr_builtin_read(dir, &b), 0);
    CHECK(!fr_builtin_has_modinfo(b));
    CHECK(!fr_builtin_is(b, "virtio_pci"));
    fr_builtin_free(b);

    CHECK_INT(fr_builtin_read("/nonexistent/modules", &b), 0);
    CHECK(!fr_builtin_has_modinfo(b));
    fr_builtin_free(b);
    /* NULL is "nothing known". */
    CHECK(!fr_builtin_has_modinfo(NULL));
    CHECK(!fr_builtin_is(NULL, "ext4"));
    CHECK_INT(fr_builtin_match(NULL, "devname:fuse", buf, sizeof(buf)), 0);
    fr_builtin_free(NULL);
}

static void test_name_list(void)
{
    char buf[12] = "";

    CHECK_INT(fr_name_list_add(buf, sizeof(buf), "ahci"), 1);
    CHECK_INT(fr_name_list_add(buf, sizeof(buf), "ahci"), 0);
    CHECK_INT(fr_name_list_add(buf, sizeof(buf), "ahc"), 1); /* a prefix is another name */
    CHECK_STR(buf, "ahci,ahc");
    CHECK_INT(fr_name_list_add(buf, sizeof(buf), "ah"), 1);
    CHECK_STR(buf, "ahci,ahc,ah");
    /* Does not fit: left out, the list intact. */
    CHECK_INT(fr_name_list_add(buf, sizeof(buf), "x"), 0);
    CHECK_STR(buf, "ahci,ahc,ah");
}

int main(void)
{
    fr_log_init(FR_LOG_ERR, NULL);
    snprintf(dir, sizeof(dir), "/tmp/fr-builtin-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_both_files();
    test_missing_files();
    test_name_list();
    rmdir(dir);
    return check_summary("test_builtin");
}
