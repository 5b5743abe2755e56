#!/bin/busybox sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# initramfs init of the VM tier: load the modules, chroot into the host's
# / (9p, read-only) with a writable /run, run the guest command,
# report its exit status, power off.
/bin/busybox mkdir -p /usr/bin /sbin /usr/sbin
/bin/busybox --install -s
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in /modules/*.ko; do insmod "$m" 2>/dev/null; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /host || { echo "VMTEST-EXIT 1"; poweroff -f; }
mount -t devtmpfs dev /host/dev
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t tmpfs -o mode=0755 tmpfs /host/run
# /tmp stays the host's (read-only): the checkout and build directory
# may live there. Scratch files go to /run/tmp.
mkdir -p /host/run/cryptsetup /host/run/tmp
export TMPDIR=/run/tmp DM_DISABLE_UDEV=1 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
chroot /host /usr/bin/python3 $(cat /guest-command)
echo "VMTEST-EXIT $?"
poweroff -f
