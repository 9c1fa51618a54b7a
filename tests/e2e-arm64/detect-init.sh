#!/bin/sh
# /init of the arm64 detection scenarios: asks findroot what it sees BEFORE
# anything is loaded (the virtio-iommu still unbound, storage still deferred),
# prints the answer between markers and powers off. The runner checks which
# evidence (ACPI VIOT, device tree, virtio device, PCI device) was reported.

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo /sbin/modprobe >/proc/sys/kernel/modprobe
read -r up _ </proc/uptime
echo "detect: start=$up"
# The virtio-iommu is bound by built-in virtio_pci; give the bus scan of a slow
# TCG guest a moment so the virtio device is there for the "device" evidence.
i=0
while [ $i -lt 50 ] && [ -z "$(ls /sys/bus/virtio/devices 2>/dev/null)" ]; do
    sleep 0.1
    i=$((i + 1))
done
echo "detect: --- diagnose json"
findroot diagnose --json 2>&1 | tr -d '\n'
echo
echo "detect: --- diagnose text"
findroot diagnose 2>&1
echo "detect: --- raw"
for f in /sys/firmware/acpi/tables/VIOT /sys/firmware/devicetree/base /proc/device-tree; do
    [ -e "$f" ] && echo "detect: exists $f"
done
echo "detect: end"
sync
poweroff -f
