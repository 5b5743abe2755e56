#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The whole chain hearthctl -> hearth-homed -> hearth-homework on a real
# fscrypt ext4 (mkfs.ext4 -O encrypt, loop-mounted): create, activate,
# write, deactivate (ENOKEY, key absent), activate (readable), wrong
# password (refused, nothing changed), lock/unlock, passwd, lock-all,
# deactivate-all. While the daemon runs its users are looked up with the
# real userdbctl and getent (nss-systemd) through /run/systemd/userdb.
#
# usage: test-homed-fscrypt.py BUILDDIR FSCRYPT-KEY-STATUS

import errno
import json
import os
import stat
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from homed_harness import (Daemon, FscryptFs, check, is_mount, need_fscrypt, open_errno, rmtree, run, skip,
                           slots, tmpdir)

B, KEYSTATUS = os.path.abspath(sys.argv[1]), sys.argv[2]
need_fscrypt()
if not os.path.exists(os.path.join(B, "homed", "hearth-homed")):
    skip("hearth-homed not built")

USERDB = "/run/systemd/userdb"
SOCK = os.path.join(USERDB, "io.hearth.Home")
real_userdb = shutil.which("userdbctl") and shutil.which("getent")
if os.path.exists(SOCK):
    skip(f"{SOCK} exists: another hearth-homed serves this machine")

tmp = tmpdir("hearth-homed-fscrypt-")
fs = os.path.join(tmp, "fs")
lfs = None
d = None


def meminfo_kib(field):
    for line in open("/proc/meminfo"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/meminfo")


try:
    lfs = FscryptFs(tmp, fs)

    d = Daemon(B, tmp)
    d.home = fs
    os.makedirs(USERDB, exist_ok=True)
    d.start(userdb=USERDB)

    kdf = ["--luks-pbkdf-force-iterations=1", "--luks-pbkdf-memory-cost=65536"]
    rc, out, e = d.ctl("create", "fsuser", "--storage=fscrypt", "--real-name=Fs User", *kdf,
                       env={"NEWPASSWORD": "fs secret"})
    check(rc == 0, f"create an fscrypt home through the daemon ({e.strip()})")
    image, home = os.path.join(fs, "fsuser.homedir"), os.path.join(fs, "fsuser")
    check(run(KEYSTATUS, image).stdout.strip() == "absent v2", "key not in the kernel after create")

    if real_userdb:
        p = subprocess.run(["userdbctl", "user", "fsuser"], capture_output=True, text=True)
        check(p.returncode == 0 and "fsuser" in p.stdout and "Fs User" in p.stdout, "real userdbctl shows the user")
        p = subprocess.run(["userdbctl", "-j", "user", "fsuser"], capture_output=True, text=True)
        rec = json.loads(p.stdout)
        st = list(rec["status"].values())[0]
        check(st["service"] == "io.hearth.Home" and st["state"] == "inactive", "userdbctl sees service and state")
        p = subprocess.run(["getent", "passwd", "fsuser"], capture_output=True, text=True)
        check(p.returncode == 0 and p.stdout.startswith("fsuser:x:60001:60001:Fs User:" + home),
              f"real getent passwd shows the user ({p.stdout.strip()})")
        p = subprocess.run(["getent", "group", "fsuser"], capture_output=True, text=True)
        check(p.returncode == 0 and p.stdout.startswith("fsuser:x:60001:"), "getent group shows the synthesized group")
        p = subprocess.run(["userdbctl", "group", "fsuser"], capture_output=True, text=True)
        check(p.returncode == 0 and "Primary Group of User fsuser" in p.stdout, "userdbctl shows the group")
    else:
        print("note: userdbctl/getent missing, lookups through real tools not checked")

    rc, out, e = d.ctl("activate", "fsuser", env={"PASSWORD": "fs secret"})
    check(rc == 0 and is_mount(home) and run(KEYSTATUS, image).stdout.strip() == "present v2",
          "activate: mounted, key present")
    with open(os.path.join(home, "note.txt"), "w") as f:
        f.write("hello from fscrypt\n")
    if real_userdb:
        p = subprocess.run(["userdbctl", "-j", "user", "fsuser"], capture_output=True, text=True)
        check(list(json.loads(p.stdout)["status"].values())[0]["state"] == "active", "userdb status is live")

    # Plaintext in the page cache: 48 MiB written and read back stay cached
    # while the home is active; the key removal must take them away.
    big = os.path.join(home, "big.bin")
    with open(big, "wb") as f:
        for _ in range(48):
            f.write(os.urandom(1 << 20))
        f.flush()
        os.fsync(f.fileno())
    with open(big, "rb") as f:
        while f.read(1 << 20):
            pass
    cached_before = meminfo_kib("Cached")

    rc, out, e = d.ctl("deactivate", "fsuser")
    check(rc == 0 and not is_mount(home), "deactivate")
    cached_after = meminfo_kib("Cached")
    check(cached_before - cached_after >= 40 * 1024,
          f"deactivate evicts the home's cached plaintext (Cached fell by {(cached_before - cached_after) // 1024} MiB "
          f"of 48 MiB read)")
    check(run(KEYSTATUS, image).stdout.strip() == "absent v2", "key status absent after deactivate")
    st = os.lstat(home)
    check(stat.S_ISDIR(st.st_mode) and st.st_uid == 0 and not os.listdir(home),
          "the mount point stays behind, empty and root's")
    names = [n for n in os.listdir(image) if os.path.isfile(os.path.join(image, n))]
    check("note.txt" not in os.listdir(image) and names and
          all(open_errno(os.path.join(image, n)) == errno.ENOKEY for n in names),
          "files cannot be opened after deactivate (ENOKEY)")

    before = slots(image)
    rc, out, e = d.ctl("activate", "fsuser", env={"PASSWORD": "wrong"})
    check(rc != 0 and "BadPassword" in e, "wrong password refused")
    check(not is_mount(home) and run(KEYSTATUS, image).stdout.strip() == "absent v2" and slots(image) == before,
          "wrong password changed nothing")

    rc, out, e = d.ctl("activate", "fsuser", env={"PASSWORD": "fs secret"})
    check(rc == 0 and open(os.path.join(home, "note.txt")).read() == "hello from fscrypt\n",
          "readable again after activation")

    rc, out, e = d.ctl("lock", "fsuser")
    check(rc == 0 and d.call("Inspect", {"userName": "fsuser"})[1]["state"] == "locked", "lock")
    check(open_errno(os.path.join(home, "note.txt")) == errno.ENOKEY, "file contents unreadable while locked")
    rc, out, e = d.ctl("unlock", "fsuser", env={"PASSWORD": "wrong"})
    check(rc != 0 and d.call("Inspect", {"userName": "fsuser"})[1]["state"] == "locked",
          "unlock with a wrong password refused")
    rc, out, e = d.ctl("unlock", "fsuser", env={"PASSWORD": "fs secret"})
    check(rc == 0 and open(os.path.join(home, "note.txt")).read() == "hello from fscrypt\n", "unlock")

    rc, out, e = d.ctl("passwd", "fsuser", env={"PASSWORD": "fs secret", "NEWPASSWORD": "fs new"})
    check(rc == 0, f"passwd ({e.strip()})")
    rc, out, e = d.ctl("lock-all")
    check(rc == 0 and d.call("Inspect", {"userName": "fsuser"})[1]["state"] == "locked", "lock-all locks it")
    rc, out, e = d.ctl("unlock", "fsuser", env={"PASSWORD": "fs secret"})
    check(rc != 0, "old password no longer unlocks")
    rc, out, e = d.ctl("unlock", "fsuser", env={"PASSWORD": "fs new"})
    check(rc == 0, "new password unlocks")
    rc, out, e = d.ctl("deactivate-all")
    check(rc == 0 and d.call("Inspect", {"userName": "fsuser"})[1]["state"] == "inactive" and
          run(KEYSTATUS, image).stdout.strip() == "absent v2", "deactivate-all")
    rc, out, e = d.ctl("remove", "fsuser")
    check(rc == 0 and not os.path.exists(image) and not os.path.exists(home), "remove takes image and mount point")
    if real_userdb:
        p = subprocess.run(["getent", "passwd", "fsuser"], capture_output=True, text=True)
        check(p.returncode != 0, "removed user gone from getent")
    d.stop()
    check(not os.path.exists(SOCK), "userdb socket removed on exit")
    check("Sanitizer" not in d.log() and "runtime error" not in d.log(), "no sanitizer report from the daemon")
    check("fs secret" not in d.log() and "fs new" not in d.log(), "no secret in the daemon's log")
finally:
    if d:
        d.stop()
    if lfs:
        lfs.close()
    rmtree(tmp)
print("all ok")
