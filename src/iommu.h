/* IOMMU detection: ACPI VIOT table, a virtio-iommu device (virtio device
 * 0x17 or PCI 1af4:1057), or a device tree "virtio,pci-iommu" node. */
#pragma once
#include <stdbool.h>
#include "roots.h"

struct fr_iommu {
    bool viot;          /* /sys/firmware/acpi/tables/VIOT */
    bool virtio_device; /* a device in /sys/bus/virtio/devices with device 0x0017 */
    bool pci_device;    /* PCI 1af4:1057 */
    bool devicetree;    /* a node with compatible "virtio,pci-iommu" */
    bool dt_iommu_map;  /* ...and another node's iommu-map (or iommus) points at it */
    char dt_prop[16];   /* "iommu-map" (preferred) or "iommus", "" if none */
    char dt_user[64];   /* the node with that property, e.g. "pcie@10000000", "" if none */
    bool bound;         /* a virtio-iommu device has a driver */
    char virtio_name[64]; /* e.g. "virtio0", "" if none */
};

/* Device tree from <sys>/firmware/devicetree/base, falling back to
 * /proc/device-tree only when r->sys is the real /sys. */
int fr_iommu_detect(const struct fr_roots *r, struct fr_iommu *out);
/* Only what the wait needs: stops at the first evidence, cheapest first
 * (VIOT, virtio devices, PCI, device tree), and says whether a driver is
 * bound; the other evidence fields may stay false. The diagnosis uses the
 * full fr_iommu_detect(). */
int fr_iommu_detect_first(const struct fr_roots *r, struct fr_iommu *out);
/* true if any evidence of a virtio-iommu was found. */
bool fr_iommu_present(const struct fr_iommu *i);
