#!/bin/sh
# The benchmark's oracle /init: knows the answer in advance. Loads exactly the
# modules named by oracle.modules=a,b,c (virtio_iommu and the storage driver),
# polls for root= every 10 ms, mounts it and switch_root's. The practical floor
# for "/init start to root found"; prints the same "time" lines and kernel log
# marks as findroot-init.

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
read -r up _ </proc/uptime
echo "findroot-init: time start=$up"
echo "<5>findroot-init: reached start" >/dev/kmsg
echo /sbin/modprobe >/proc/sys/kernel/modprobe
read -r cmdline </proc/cmdline
root=""
mods=""
for a in $cmdline; do
    case $a in
        root=*) root=${a#root=} ;;
        oracle.modules=*) mods=$(echo "${a#oracle.modules=}" | tr , ' ') ;;
    esac
done
for m in $mods; do
    modprobe "$m"
done
while :; do
    case $root in
        /dev/*) [ -b "$root" ] && dev=$root && break ;;
        *) dev=$(findfs "$root" 2>/dev/null) && break ;;
    esac
    usleep 10000
done
echo "<5>findroot-init: reached root $dev" >/dev/kmsg
read -r up _ </proc/uptime
echo "findroot-init: time root=$up dev=$dev"
mount -t ext4 -o ro "$dev" /root
mount --move /dev /root/dev
mount --move /proc /root/proc
mount --move /sys /root/sys
exec switch_root /root /sbin/init
