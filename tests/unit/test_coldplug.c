/* Coldplug order: storage paths before everything else. */
#include "check.h"
#include "coldplug.h"

static void test_priority(void)
{
    /* virtio children (virtio_blk, virtio_scsi) first */
    int blk = fr_modalias_priority("virtio:d00000002v00001AF4");
    int scsi_dev = fr_modalias_priority("scsi:t-0x00");
    int nvme = fr_modalias_priority("nvme:m...");
    int mmio = fr_modalias_priority("of:NvirtioT(null)Cvirtio,mmio");
    int usbstor = fr_modalias_priority("usb:v46F4p0001d0000dc00dsc00dp00ic08isc06ip50in00");
    int usbkbd = fr_modalias_priority("usb:v0627p0001d0000dc00dsc00dp00ic03isc01ip01in00");
    int ahci = fr_modalias_priority("pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01");
    int vpci = fr_modalias_priority("pci:v00001AF4d00001042sv00001AF4sd00001100bc01sc00i00");
    int sdhci = fr_modalias_priority("pci:v00001B36d00000007sv00000000sd00000000bc08sc05i01");
    int smbus = fr_modalias_priority("pci:v00008086d00002930sv00001AF4sd00001100bc0Csc05i00");
    int acpi = fr_modalias_priority("acpi:PNP0A06:");
    int pcspkr = fr_modalias_priority("platform:pcspkr");

    CHECK(blk < scsi_dev);
    CHECK_INT(scsi_dev, nvme);
    CHECK_INT(scsi_dev, mmio);
    CHECK_INT(scsi_dev, usbstor);
    CHECK(usbstor < usbkbd);
    CHECK(scsi_dev < ahci);
    CHECK_INT(ahci, vpci);
    CHECK_INT(ahci, sdhci);
    CHECK(ahci < smbus);          /* SMBus is class 0C05, not fibre channel 0C04 */
    CHECK(smbus < acpi);
    CHECK_INT(acpi, pcspkr);
    /* hex digits in IDs are upper case: "BC" in an ID is not the class field */
    CHECK(fr_modalias_priority("pci:v0000ABCDd0000BC01sv00000000sd00000000bc03sc00i00") > ahci);
    CHECK(fr_modalias_priority("") == acpi);
}

int main(void)
{
    test_priority();
    return check_summary("test_coldplug");
}
