#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Boots Debian's kernel under qemu (TCG: this machine has no /dev/kvm)
with a small initramfs (static busybox and the dm-crypt, loop, ext4,
virtio and 9p modules of that kernel). The host's / is shared read-only
over 9p; the guest chroots into it and runs a script against the
freshly built binaries, with a scratch disk as /dev/vda and an empty
one as /dev/vdb. The guest's
lines starting with VMTEST / BENCH are passed through; the exit status
is the guest script's.

  run-vm.py SRCDIR BUILDDIR GUEST-SCRIPT [ARGS...]

Installs qemu-system-x86, linux-image-amd64 and busybox-static with apt
when they are missing; skips (77) only when that is impossible."""

import glob, os, re, shutil, subprocess, sys, tempfile, time

SKIP = 77
srcdir, builddir, script = (os.path.abspath(a) for a in sys.argv[1:4])
script_args = sys.argv[4:]
MODULES = ["loop", "dm-crypt", "ext4", "virtio_blk", "virtio_pci", "9p", "9pnet_virtio", "xts", "aesni_intel"]


def kernel():
    ks = sorted(glob.glob("/boot/vmlinuz-*"))
    return ks[-1] if ks else None


def have_all():
    k = kernel()
    return (shutil.which("qemu-system-x86_64") and k and os.path.isdir("/lib/modules/" + k.split("vmlinuz-", 1)[1])
            and os.path.exists("/bin/busybox") and shutil.which("cpio"))


if not have_all() and os.geteuid() == 0 and shutil.which("apt-get"):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends",
                    "qemu-system-x86", "linux-image-amd64", "busybox-static", "cpio"],
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if not have_all():
    print("skipped: no qemu (qemu-system-x86, linux-image-amd64 or busybox-static cannot be installed)")
    sys.exit(SKIP)

kpath = kernel()
kver = kpath.split("vmlinuz-", 1)[1]
work = tempfile.mkdtemp(prefix="hearth-vm-")
try:
    root = os.path.join(work, "initrd")
    for d in ("bin", "dev", "proc", "sys", "host", "modules"):
        os.makedirs(os.path.join(root, d))
    shutil.copy("/bin/busybox", os.path.join(root, "bin/busybox"))
    order = []
    for m in MODULES:
        out = subprocess.run(["modprobe", "-S", kver, "--show-depends", m], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("insmod "):
                ko = line.split()[1]
                if ko not in order:
                    order.append(ko)
    names = []
    for i, ko in enumerate(order):
        name = "%02d-%s" % (i, os.path.basename(ko))
        shutil.copy(ko, os.path.join(root, "modules", name))
        names.append(name)
    shutil.copy(os.path.join(srcdir, "tests/vm/guest-init.sh"), os.path.join(root, "init"))
    os.chmod(os.path.join(root, "init"), 0o755)
    with open(os.path.join(root, "guest-command"), "w") as f:
        f.write(" ".join([script] + [builddir, srcdir] + script_args) + "\n")
    initrd = os.path.join(work, "initrd.cpio")
    files = subprocess.run(["find", "."], cwd=root, capture_output=True, text=True).stdout
    with open(initrd, "wb") as out:
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root, input=files.encode(), stdout=out, check=True)
    disk = os.path.join(work, "scratch.img")
    with open(disk, "wb") as f:
        f.truncate(2 << 30)
    # A second, empty disk (/dev/vdb) for homes on a block device.
    disk2 = os.path.join(work, "blockdev.img")
    with open(disk2, "wb") as f:
        f.truncate(320 << 20)

    cmd = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-smp", "2", "-m", "1024", "-nographic",
           "-no-reboot", "-kernel", kpath, "-initrd", initrd,
           "-append", "console=ttyS0 quiet panic=-1 rdinit=/init",
           "-drive", "file=%s,format=raw,if=virtio" % disk,
           "-drive", "file=%s,format=raw,if=virtio" % disk2,
           "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on"]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=270, stdin=subprocess.DEVNULL)
        out = p.stdout
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        print(out[-4000:])
        print("FAIL: the VM did not finish in 270 s")
        sys.exit(1)
    wall = time.monotonic() - t0
    rc = None
    for line in out.splitlines():
        line = line.rstrip("\r")
        # kernel messages can share a console line with the guest's output
        at = min([i for i in (line.find("VMTEST"), line.find("BENCH ")) if i >= 0], default=-1)
        if at < 0:
            continue
        line = line[at:]
        print(line)
        m = re.match(r"VMTEST-EXIT (\d+)", line)
        if m:
            rc = int(m.group(1))
    print("VM wall time: %.1f s" % wall)
    if rc is None:
        print(out[-4000:])
        print("FAIL: the guest script did not report")
        sys.exit(1)
    sys.exit(rc)
finally:
    shutil.rmtree(work, ignore_errors=True)
