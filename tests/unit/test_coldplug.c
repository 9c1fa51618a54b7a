/* Coldplug order: storage paths before everything else. */
#include "check.h"
#include "coldplug.h"

/* Modaliases by tier: one tier's all come before the next tier's and share
 * one priority. */
static const struct {
    int tier;
    const char *modalias;
} order[] = {
    /* the virtio-iommu before anything */
    {-1, "virtio:d00000017v00001AF4"},
    /* virtio children (virtio_blk, virtio_scsi) first */
    {0, "virtio:d00000002v00001AF4"},
    {0, "virtio:d00000008v00001AF4"},
    {0, "virtio:d0000001Bv00001AF4"},
    /* storage devices, whatever the bus */
    {1, "scsi:t-0x00"},
    {1, "nvme:m..."},
    {1, "of:NvirtioT(null)Cvirtio,mmio"},
    {1, "usb:v46F4p0001d0000dc00dsc00dp00ic08isc06ip50in00"},
    /* storage controllers and the virtio transport */
    {2, "pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01"},
    {2, "pci:v00001AF4d00001042sv00001AF4sd00001100bc01sc00i00"},
    {2, "pci:v00001B36d00000007sv00000000sd00000000bc08sc05i01"},
    /* other PCI and USB devices */
    {3, "usb:v0627p0001d0000dc00dsc00dp00ic03isc01ip01in00"},
    /* virtio devices that hold no disk: network, balloon */
    {3, "virtio:d00000001v00001AF4"},
    {3, "virtio:d00000005v00001AF4"},
    /* SMBus is class 0C05, not fibre channel 0C04 */
    {3, "pci:v00008086d00002930sv00001AF4sd00001100bc0Csc05i00"},
    /* hex digits in IDs are upper case: "BC" in an ID is not the class field */
    {3, "pci:v0000ABCDd0000BC01sv00000000sd00000000bc03sc00i00"},
    /* everything else */
    {4, "acpi:PNP0A06:"},
    {4, "platform:pcspkr"},
    {4, ""},
};

static void test_priority(void)
{
    for (size_t i = 1; i < sizeof(order) / sizeof(order[0]); i++) {
        int before = fr_modalias_priority(order[i - 1].modalias);
        int p = fr_modalias_priority(order[i].modalias);
        if (order[i].tier == order[i - 1].tier)
            CHECK_INT(p, before);
        else
            CHECK(before < p);
        if (order[i].tier == order[i - 1].tier ? p != before : before >= p)
            fprintf(stderr, "  at \"%s\" after \"%s\"\n", order[i].modalias,
                    order[i - 1].modalias);
    }
}

static const struct check_case cases[] = {
    CASE(priority),
};
CHECK_MAIN("test_coldplug", cases)
