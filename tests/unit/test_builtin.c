/* Built-in modules from modules.builtin and modules.builtin.modinfo: names
 * (dashes as underscores), aliases matched once per module, missing files. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "check.h"
#include "fixture.h"
#include "log.h"
#include "roots.h"

static char dir[PATH_MAX];

/* modules.builtin and modules.builtin.modinfo in this case's dir. */
static void put_both(void)
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

    fr_log_init(FR_LOG_ERR, NULL);
    snprintf(dir, sizeof(dir), "%s", fx_top);
    FX_PUT_LIT("modules.builtin", list);
    FX_PUT_LIT("modules.builtin.modinfo", modinfo);
}

static void test_both_files(void)
{
    /* Matches add to one list: the names are the list after each, n how
     * many were added. */
    static const struct fx_alias matches[] = {
        {"pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01", 1, "ahci"},
        /* Already in the list: not added again. */
        {"pci:v00001234d00000001sv0sd0bc01sc06i01", 0, "ahci"},
        {"devname:fuse", 1, "ahci,fuse"},
        {"pci:v00001AF4d00001042sv00001AF4sd00001100bc01sc00i00", 0, "ahci,fuse"},
        {"", 0, "ahci,fuse"},
    };
    struct fr_builtin *b = NULL;
    char buf[64] = "";

    put_both();
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

    for (size_t i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
        CHECK_INT(fr_builtin_match(b, matches[i].alias, buf, sizeof(buf)), matches[i].n);
        CHECK_STR(buf, matches[i].names);
    }
    fr_builtin_free(b);
}

static void test_missing_files(void)
{
    struct fr_builtin *b = NULL;
    char buf[16] = "";

    put_both();
    fx_unlink("modules.builtin.modinfo");
    CHECK_INT(fr_builtin_read(dir, &b), 0);
    CHECK(!fr_builtin_has_modinfo(b));
    CHECK(fr_builtin_is(b, "virtio_pci"));
    CHECK(!fr_builtin_is(b, "ahci"));
    CHECK_INT(fr_builtin_match(b, "devname:fuse", buf, sizeof(buf)), 0);
    fr_builtin_free(b);

    fx_unlink("modules.builtin");
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

static const struct check_case cases[] = {
    CASE(both_files),
    CASE(missing_files),
    CASE(name_list),
};
CHECK_MAIN("test_builtin", cases)
