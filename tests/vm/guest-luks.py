#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs inside the VM (run-vm.py): the real LUKS home life cycle through
hearth-homework with dm-crypt. Prints VMTEST lines; exit 0 = all passed.

  guest-luks.py BUILDDIR SRCDIR [bench]"""

import ctypes, ctypes.util, fcntl, hashlib, json, os, subprocess, sys, time

builddir, srcdir = sys.argv[1], sys.argv[2]
bench = len(sys.argv) > 3 and sys.argv[3] == "bench"
worker = os.path.join(builddir, "homed/hearth-homework")
failures = 0


def check(cond, what):
    global failures
    print(("VMTEST ok   " if cond else "VMTEST FAIL ") + what, flush=True)
    if not cond:
        failures += 1


def sh(*args, inp=None):
    return subprocess.run(list(args), input=inp, capture_output=True, text=True)


_crypt = ctypes.CDLL(ctypes.util.find_library("crypt"))
_crypt.crypt.restype = ctypes.c_char_p


def hashpw(pw):
    return _crypt.crypt(pw.encode(), b"$6$vmtestsaltvmte$").decode()


def homework(op, rec, pw=None, **extra):
    req = {"operation": op, "record": rec}
    if pw is not None:
        req["secret"] = {"password": pw if isinstance(pw, list) else [pw]}
    req.update(extra)
    t0 = time.monotonic()
    p = subprocess.run([worker], input=json.dumps(req), capture_output=True, text=True)
    dt = time.monotonic() - t0
    try:
        reply = json.loads(p.stdout)
    except ValueError:
        reply = {"error": {"name": "no reply", "message": p.stderr}}
    reply["_seconds"] = dt
    if p.returncode != 0 and "error" not in reply:
        reply["error"] = {"name": "exit %d" % p.returncode}
    return reply


def state(reply):
    return reply.get("status", {}).get("state")


def err(reply):
    return reply.get("error", {}).get("name")


def dm_exists(name):
    return os.path.exists("/dev/mapper/" + name)


def suspended(name):
    return "SUSPENDED" in sh("dmsetup", "info", name).stdout.upper()


# Scratch file system for the images (the image needs user xattrs for the
# dirty marker, which this kernel's tmpfs lacks).
sh("mkfs.ext4", "-q", "-F", "/dev/vda")
os.makedirs("/run/scratch", exist_ok=True)
r = sh("mount", "/dev/vda", "/run/scratch")
if r.returncode != 0:
    print("VMTEST FAIL scratch mount: " + r.stderr, flush=True)
    sys.exit(1)
os.makedirs("/run/scratch/home", exist_ok=True)

rec = {
    "userName": "vmuser", "uid": 60400, "storage": "luks", "lastChangeUSec": 1000,
    "imagePath": "/run/scratch/vmuser.home", "homeDirectory": "/run/scratch/home/vmuser",
    "diskSize": 256 << 20, "fileSystemType": "ext4",
    # Minimal PBKDF: the tier measures everything but the KDF.
    "luksPbkdfType": "pbkdf2", "luksPbkdfForceIterations": 1000,
    "privileged": {"hashedPassword": [hashpw("pw one")]},
}
home = rec["homeDirectory"]
name = "home-vmuser"

if bench:
    times = {"create": [], "activate": [], "deactivate": [], "resize-off": [], "open-floor": [], "close-floor": []}
    for i in range(3):
        r = homework("create", rec, "pw one"); times["create"].append(r["_seconds"])
        r = homework("activate", rec, "pw one"); times["activate"].append(r["_seconds"])
        r = homework("deactivate", rec); times["deactivate"].append(r["_seconds"])
        # Offline grow by 64 MiB: open, e2fsck, image + GPT + dm + resize2fs, close.
        r = homework("resize", rec, "pw one", size=rec["diskSize"] + (64 << 20))
        times["resize-off"].append(r["_seconds"] if "error" not in r else float("nan"))
        # Floor: cryptsetup open/close of the same volume with the same keyslot.
        lo = sh("losetup", "-f", "--show", "-o", str(1 << 20), rec["imagePath"]).stdout.strip()
        t0 = time.monotonic()
        sh("cryptsetup", "open", "--key-file", "-", lo, "floor", inp="pw one")
        times["open-floor"].append(time.monotonic() - t0)
        t0 = time.monotonic()
        sh("cryptsetup", "close", "floor")
        times["close-floor"].append(time.monotonic() - t0)
        sh("losetup", "-d", lo)
        homework("remove", rec)
    for k, v in times.items():
        print("BENCH %-12s min %.3f s  median %.3f s  (n=%d)" % (k, min(v), sorted(v)[len(v) // 2], len(v)), flush=True)
    sys.exit(0)

r = homework("create", rec, "pw one")
check(state(r) == "inactive" and "error" not in r, "create: %s %s (%.1f s)" % (state(r), err(r), r["_seconds"]))
check(not dm_exists(name) and sh("losetup", "-a").stdout.strip() == "", "create leaves no mapping or loop device")
dump = sh("cryptsetup", "luksDump", sh("losetup", "-f", "--show", "-r", "-o", str(1 << 20), rec["imagePath"]).stdout.strip())
check("systemd-homed" in dump.stdout and "0: luks2" in dump.stdout, "luksDump: keyslot 0 and the systemd-homed token")
sh("losetup", "-D")

r = homework("activate", rec, "wrong")
check(err(r) == "BadPassword" and not dm_exists(name), "activate with a wrong password: BadPassword, nothing mapped")

r = homework("activate", rec, "pw one")
check(state(r) == "active", "activate: %s %s (%.1f s)" % (state(r), err(r), r["_seconds"]))
check(dm_exists(name) and os.path.ismount(home), "dm-crypt mapping and home mounted")
table = sh("dmsetup", "table", name).stdout
check(" crypt aes-xts-plain64 " in table, "dm table is crypt aes-xts-plain64")
st = os.stat(home)
check(st.st_uid == 60400 and (st.st_mode & 0o777) == 0o700, "home owned by the user, 0700")
check(os.path.exists(home + "/.identity"), "~/.identity written")
check(os.getxattr(rec["imagePath"], "user.home-dirty") == b"1", "dirty marker set while active")
with open(home + "/data.txt", "w") as f:
    f.write("hello from the guest\n")

r = homework("activate", rec, "pw one")
check(err(r) == "HomeAlreadyActive", "second activate: HomeAlreadyActive")

r = homework("deactivate", rec)
check(state(r) == "inactive", "deactivate: %s %s (%.1f s)" % (state(r), err(r), r["_seconds"]))
check(not dm_exists(name) and not os.path.ismount(home) and sh("losetup", "-a").stdout.strip() == "",
      "mapping, mount and loop device gone")
try:
    os.getxattr(rec["imagePath"], "user.home-dirty"); marker = True
except OSError:
    marker = False
check(not marker, "dirty marker cleared")

r = homework("activate", rec, "pw one")
check(state(r) == "active" and open(home + "/data.txt").read() == "hello from the guest\n",
      "re-activate reads the data back")

r = homework("lock", rec)
check(state(r) == "locked", "lock: %s %s" % (state(r), err(r)))
check(suspended(name), "dm device suspended")
keys = sh("dmsetup", "table", "--showkeys", name).stdout.split()
check(len(keys) > 4 and set(keys[4]) <= {"0"}, "volume key wiped from the dm table")
r = homework("unlock", rec, "wrong")
check(err(r) == "BadPassword" and suspended(name), "unlock with a wrong password: BadPassword, still locked")
r = homework("unlock", rec, "pw one")
check(state(r) == "active" and not suspended(name), "unlock: %s %s" % (state(r), err(r)))
check(open(home + "/data.txt").read() == "hello from the guest\n", "data readable after unlock")

# Password change while active: keyslots re-made with the volume key.
new = dict(rec, lastChangeUSec=2000, privileged={"hashedPassword": [hashpw("pw two")]})
r = homework("passwd", new, "pw two", oldSecret={"password": ["pw one"]})
check("error" not in r, "passwd while active: %s" % err(r))
ident = json.load(open(home + "/.identity"))
check(ident.get("lastChangeUSec") == 2000, "~/.identity carries the new record")

# Resize: grow online; an ext4 shrink online is refused, nothing lost.
r = homework("resize", new, size=384 << 20)
df = os.statvfs(home)
check("error" not in r and df.f_blocks * df.f_frsize > 300 << 20, "grow online to 384 MiB: %s, fs %d MiB" %
      (err(r), df.f_blocks * df.f_frsize >> 20))
check(os.path.getsize(rec["imagePath"]) == 384 << 20, "image grown")
r = homework("resize", new, size=128 << 20)
check(err(r) == "BadHomeSize" and os.path.getsize(rec["imagePath"]) == 384 << 20,
      "shrink of mounted ext4 refused: %s" % err(r))
r = homework("resize", new, size=1 << 20)
check(err(r) == "BadHomeSize", "too small a size refused")

r = homework("deactivate", new)
check(state(r) == "inactive", "deactivate after passwd/resize")
r = homework("activate", new, "pw one")
check(err(r) == "BadPassword", "old password no longer opens")
r = homework("activate", new, "pw two")
check(state(r) == "active" and open(home + "/data.txt").read() == "hello from the guest\n",
      "new password opens, data intact after resize")
chunk = os.urandom(1 << 20)
with open(home + "/big.bin", "wb") as f:
    for i in range(80):
        f.write(chunk)
big_sum = hashlib.sha256(chunk * 80).hexdigest()
r = homework("deactivate", new)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def no_leftovers():
    return not dm_exists(name) and not os.path.ismount(home) and sh("losetup", "-a").stdout.strip() == ""


# Offline resize (ext4: e2fsck + resize2fs on the dm device) needs the secret.
r = homework("resize", new, size=448 << 20)
check(err(r) == "BadPassword" and os.path.getsize(new["imagePath"]) == 384 << 20,
      "offline resize without the secret refused: %s" % err(r))
r = homework("resize", new, "pw two", size=448 << 20)
check("error" not in r and state(r) == "inactive" and os.path.getsize(new["imagePath"]) == 448 << 20 and
      no_leftovers(), "offline grow to 448 MiB: %s %s (%.1f s)" % (state(r), err(r), r["_seconds"]))
r = homework("resize", new, "pw two", size=320 << 20)
check("error" not in r and os.path.getsize(new["imagePath"]) == 320 << 20 and no_leftovers(),
      "offline shrink to 320 MiB: %s (%.1f s)" % (err(r), r["_seconds"]))
# 80 MiB of data: resize2fs -P estimates ~190 MiB for this 1 KiB-block
# ext4, plus the margin: 200 MiB is too small.
r = homework("resize", new, "pw two", size=200 << 20)
check(err(r) == "BadHomeSize" and os.path.getsize(new["imagePath"]) == 320 << 20 and no_leftovers(),
      "offline shrink below what the data needs refused: %s" % err(r))


def gpt_partition(path):
    """(first, last) LBA of partition 1 from the primary GPT, and whether
    the backup header sits in the last sector."""
    with open(path, "rb") as f:
        f.seek(512)
        hdr = f.read(92)
        entries = int.from_bytes(hdr[72:80], "little")
        f.seek(entries * 512)
        e = f.read(128)
        f.seek(-512, 2)
        backup = f.read(8) == b"EFI PART"
    return int.from_bytes(e[32:40], "little"), int.from_bytes(e[40:48], "little"), backup


first, last, backup = gpt_partition(new["imagePath"])
check(first == 2048 and (last + 1 - first) * 512 == 318 << 20 and backup,
      "GPT follows the image: partition %d..%d, backup header at the end" % (first, last))
r = homework("activate", new, "pw two")
df = os.statvfs(home)
check(state(r) == "active" and open(home + "/data.txt").read() == "hello from the guest\n" and
      sha(home + "/big.bin") == big_sum and 250 << 20 < df.f_blocks * df.f_frsize < 320 << 20,
      "data intact after offline shrink, fs %d MiB" % (df.f_blocks * df.f_frsize >> 20))

# Offline discard (the default for image files): dm passes discards,
# deactivation trims, freed space goes back to the scratch fs.
check("allow_discards" in sh("dmsetup", "table", name).stdout, "dm table allows discards")
os.unlink(home + "/big.bin")
blocks_before = os.stat(new["imagePath"]).st_blocks * 512
r = homework("deactivate", new)
blocks_after = os.stat(new["imagePath"]).st_blocks * 512
check(state(r) == "inactive" and blocks_after < blocks_before - (60 << 20),
      "deactivate trims: image %d -> %d MiB allocated" % (blocks_before >> 20, blocks_after >> 20))

# The header record travels with the image: an older host record is
# answered with the header's newer copy.
r = homework("activate", rec, "pw two")
check(err(r) == "BadPassword", "stale host record (old hash): BadPassword")

# In use elsewhere: a BSD lock on the image.
fd = os.open(new["imagePath"], os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
r = homework("activate", new, "pw two")
check(err(r) == "HomeInUse" and not dm_exists(name), "locked image: HomeInUse, nothing mapped")
os.close(fd)

# Crash recovery: a marker left behind plus a stale mapping.
os.setxattr(new["imagePath"], "user.home-dirty", b"1")
r = homework("inspect", new)
check(state(r) == "dirty", "dirty marker seen: %s" % state(r))
r = homework("activate", new, "pw two")
check(state(r) == "active" and r.get("status", {}).get("recoveredDirty") is True, "dirty home recovered on activate")
r = homework("deactivate", new)

# Disk too small.
small = dict(new, userName="tiny", imagePath="/run/scratch/tiny.home", homeDirectory="/run/scratch/home/tiny",
             diskSize=8 << 20)
r = homework("create", small, "pw two")
check(err(r) == "BadHomeSize" and not os.path.exists(small["imagePath"]), "disk too small: BadHomeSize, no image")

r = homework("remove", new)
check(state(r) == "absent" and not os.path.exists(new["imagePath"]), "remove")

# Without offline discard the image is allocated up front.
pre = dict(new, userName="pre", imagePath="/run/scratch/pre.home", homeDirectory="/run/scratch/home/pre",
           diskSize=64 << 20, luksOfflineDiscard=False)
r = homework("create", pre, "pw two")
st = os.stat(pre["imagePath"])
check("error" not in r and st.st_blocks * 512 >= st.st_size, "luksOfflineDiscard=false: image preallocated (%d of %d MiB)"
      % (st.st_blocks * 512 >> 20, st.st_size >> 20))
homework("remove", pre)

# A home on a block device: the whole of /dev/vdb.
dev = dict(new, userName="devuser", imagePath="/dev/vdb", homeDirectory="/run/scratch/home/devuser")
dev.pop("diskSize")
r = homework("create", dict(dev, userName="vdauser", imagePath="/dev/vda"), "pw two")
check(err(r) is not None and os.path.ismount("/run/scratch"), "create on a mounted device refused: %s" % err(r))
r = homework("create", dev, "pw two")
check(state(r) == "inactive" and "error" not in r, "create on /dev/vdb: %s %s" % (state(r), err(r)))
check(sh("blkid", "-p", "-s", "PTTYPE", "-o", "value", "/dev/vdb").stdout.strip() == "gpt", "device has a GPT")
r = homework("activate", dev, "pw two")
dhome = dev["homeDirectory"]
table = sh("dmsetup", "table", "home-devuser").stdout
check(state(r) == "active" and os.path.ismount(dhome) and "allow_discards" in table,
      "activate from /dev/vdb (online discard on): %s %s" % (state(r), err(r)))
with open(dhome + "/on-device.txt", "w") as f:
    f.write("on the device\n")
r = homework("deactivate", dev)
r = homework("activate", dev, "pw two")
check(state(r) == "active" and open(dhome + "/on-device.txt").read() == "on the device\n", "device home re-activated, data read")
r = homework("resize", dev, size=256 << 20)
check(err(r) == "NotSupported", "resize of a device home: %s" % err(r))
r = homework("deactivate", dev)
r = homework("remove", dev)
with open("/dev/vdb", "rb") as f:
    head = f.read(17 << 20)
check(state(r) == "absent" and head == bytes(len(head)) and os.path.exists("/dev/vdb"),
      "remove wipes the GPT and LUKS header, the device stays: %s %s" % (state(r), err(r)))

# The way a user does it: hearthctl -> hearth-homed -> hearth-homework.
sys.path.insert(0, os.path.join(srcdir, "tests/homed"))
from homed_harness import Daemon  # noqa: E402

d = Daemon(builddir, "/run/scratch/homed")
try:
    d.start()
    kdf = ["--luks-pbkdf-type=pbkdf2", "--luks-pbkdf-force-iterations=1000"]
    rc, out, e = d.ctl("create", "dmuser", "--storage=luks", "--disk-size=%d" % (128 << 20), *kdf,
                       env={"NEWPASSWORD": "daemon pw"})
    check(rc == 0, "hearthctl create --storage=luks through hearth-homed: %d %s" % (rc, e.strip()))
    rc, out, e = d.ctl("activate", "dmuser", env={"PASSWORD": "daemon pw"})
    err_, rec_ = d.call("Inspect", {"userName": "dmuser"})
    dhome = (rec_ or {}).get("record", {}).get("homeDirectory", "")
    check(rc == 0 and dm_exists("home-dmuser") and os.path.ismount(dhome),
          "hearthctl activate: dm-crypt mapping and mount: %d %s" % (rc, e.strip()))
    if os.path.ismount(dhome):
        with open(os.path.join(dhome, "via-daemon.txt"), "w") as f:
            f.write("through the daemon\n")
    rc, out, e = d.ctl("lock", "dmuser")
    check(rc == 0 and suspended("home-dmuser"), "hearthctl lock: the dm device is suspended: %d %s" % (rc, e.strip()))
    rc, out, e = d.ctl("unlock", "dmuser", env={"PASSWORD": "daemon pw"})
    check(rc == 0 and not suspended("home-dmuser"), "hearthctl unlock: resumed: %d %s" % (rc, e.strip()))
    rc, out, e = d.ctl("deactivate", "dmuser")
    check(rc == 0 and not dm_exists("home-dmuser") and not os.path.ismount(dhome),
          "hearthctl deactivate: mapping and mount gone: %d %s" % (rc, e.strip()))
    rc, out, e = d.ctl("activate", "dmuser", env={"PASSWORD": "not it"})
    check(rc != 0 and not dm_exists("home-dmuser"), "hearthctl activate with a wrong password refused, nothing set up")
    rc, out, e = d.ctl("with", "dmuser", "--", "cat", "via-daemon.txt", env={"PASSWORD": "daemon pw"})
    check(rc == 0 and out == "through the daemon\n", "hearthctl with: the file written before is read back: %d %s" % (rc, e.strip()))
    d.wait_idle("dmuser")
    rc, out, e = d.ctl("remove", "dmuser")
    check(rc == 0 and not os.path.exists(os.path.join(d.home, "dmuser.home")), "hearthctl remove: %d %s" % (rc, e.strip()))
except Exception as ex:  # a harness failure is a test failure, never a crash without a verdict
    check(False, "hearth-homed in the guest: %r; log: %s" % (ex, d.log()[-2000:] if d.proc else ""))
finally:
    d.stop()

print("VMTEST %d failure(s)" % failures, flush=True)
sys.exit(1 if failures else 0)
