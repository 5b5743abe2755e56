#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Drives the real hearth-homework worker against a real fscrypt-enabled
# ext4 on a loop device: create, activate, deactivate (key really gone),
# wrong password, lock/unlock, password change, dirty recovery, remove,
# and the directory backend. Needs root, loop devices and kernel fscrypt;
# exits 77 (skip) naming what is missing.
#
# usage: test-homework.py HEARTH-HOMEWORK FSCRYPT-KEY-STATUS

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from homed_harness import FscryptFs, check, is_mount, need_fscrypt, open_errno, run, slots

WORKER, KEYSTATUS = sys.argv[1], sys.argv[2]
need_fscrypt(("openssl",))

tmp = tempfile.mkdtemp(prefix="hearth-homework-")
mnt = os.path.join(tmp, "fs")
lfs = None


def cleanup():
    # Everything this test could have left: bind mounts below the fs, the
    # fs, the loop device, the directory.
    if lfs:
        lfs.close()
    shutil.rmtree(tmp, ignore_errors=True)


def hash_pw(pw):
    return run("openssl", "passwd", "-6", "-stdin", input=pw + "\n").stdout.strip()


def worker(op, record, secret=None, **extra):
    req = {"operation": op, "record": record}
    if secret is not None:
        req["secret"] = {"password": secret}
    req.update(extra)
    p = subprocess.run([WORKER], input=json.dumps(req), capture_output=True, text=True)
    sys.stderr.write(p.stderr)
    for pw in (secret or []):
        assert pw not in p.stderr and pw not in p.stdout, "secret leaked to output"
    reply = json.loads(p.stdout)
    assert (p.returncode == 0) == ("error" not in reply), (p.returncode, reply)
    return p.returncode, reply


def key_status(path):
    return run(KEYSTATUS, path).stdout.strip()


try:
    lfs = FscryptFs(tmp, mnt)

    skel = os.path.join(tmp, "skel")
    os.makedirs(os.path.join(skel, "sub"))
    with open(os.path.join(skel, "sub", "hello"), "w") as f:
        f.write("from skel\n")

    pw1, pw2 = "first secret", "second secret"
    record = {
        "userName": "hwtest",
        "uid": 60123,
        "storage": "fscrypt",
        "imagePath": f"{mnt}/hwtest.homedir",
        "homeDirectory": f"{mnt}/hwtest",
        "skeletonDirectory": skel,
        "accessMode": 0o750,
        "lastChangeUSec": 1000,
        "luksPbkdfType": "argon2id",
        "luksPbkdfForceIterations": 1,
        "luksPbkdfMemoryCost": 65536,
        "someUnknownField": {"kept": True},
        "privileged": {"hashedPassword": [hash_pw(pw1)]},
    }
    image, home = record["imagePath"], record["homeDirectory"]

    # --- fscrypt create
    rc, r = worker("create", record, [pw1])
    check(rc == 0 and r["status"]["state"] == "inactive", "fscrypt create leaves the home inactive")
    check(r["status"]["fscryptPolicyVersion"] == 2, "new homes use a v2 policy")
    check(key_status(image) == "absent v2", "key not in the kernel after create")
    check(list(slots(image)) == ["trusted.fscrypt_slot0"], "one slot per passphrase")
    check(slots(image)["trusted.fscrypt_slot0"].startswith(b"$hearth1:argon2id,t=1,m=64,p=1:"),
          "slot records the KDF and its parameters")
    check(r["record"]["someUnknownField"] == {"kept": True}, "unknown record fields survive")
    rc, r = worker("create", record, [pw1])
    check(rc != 0 and r["error"]["name"] == "HomeExists", "create refuses an existing home")

    # --- activate, write, deactivate
    rc, r = worker("activate", record, [pw1])
    check(rc == 0 and r["status"]["state"] == "active", "activate")
    check(key_status(image) == "present v2" and is_mount(home), "key present and home mounted while active")
    st = os.stat(home)
    check(st.st_uid == 60123 and st.st_gid == 60123 and stat.S_IMODE(st.st_mode) == 0o750,
          "home root owner and accessMode")
    ident = os.stat(os.path.join(home, ".identity"))
    check(ident.st_uid == 60123 and stat.S_IMODE(ident.st_mode) == 0o600, ".identity is 0600, user-owned")
    embedded = json.load(open(os.path.join(home, ".identity")))
    check(embedded["userName"] == "hwtest" and "secret" not in embedded, ".identity holds the embedded record")
    check(open(os.path.join(home, "sub", "hello")).read() == "from skel\n", "skeleton copied")
    check(os.stat(os.path.join(home, "sub", "hello")).st_uid == 60123, "skeleton files owned by the user")
    with open(os.path.join(home, "data.txt"), "w") as f:
        f.write("plaintext payload\n")

    rc, r = worker("activate", record, [pw1])
    check(rc != 0 and r["error"]["name"] == "HomeAlreadyActive", "second activate refused")

    rc, r = worker("deactivate", record)
    check(rc == 0 and r["status"]["state"] == "inactive", "deactivate")
    check(not r["status"]["filesBusy"], "no files busy on deactivate")
    check(key_status(image) == "absent v2", "key removed from the kernel on deactivate")
    check(not is_mount(home), "home unmounted")
    names = os.listdir(image)
    check("data.txt" not in names and len(names) >= 3, "names are encrypted after deactivate")
    check(all(open_errno(os.path.join(image, n)) == errno.ENOKEY
              for n in names if os.path.isfile(os.path.join(image, n))),
          "files cannot be opened after deactivate (ENOKEY)")

    rc, r = worker("activate", record, [pw1])
    check(rc == 0 and open(os.path.join(home, "data.txt")).read() == "plaintext payload\n",
          "readable again after re-activation")
    worker("deactivate", record)

    # --- wrong password: refused, nothing changed
    before = slots(image)
    rc, r = worker("activate", record, ["not it"])
    check(rc != 0 and r["error"]["name"] == "BadPassword" and r["error"]["errno"] == -errno.ENOKEY,
          "wrong password refused with BadPassword/-ENOKEY")
    check(r["status"]["state"] == "inactive" and key_status(image) == "absent v2"
          and not is_mount(home) and slots(image) == before, "wrong password changed nothing")

    # --- lock / unlock
    rc, r = worker("activate", record, [pw1])
    check(rc == 0, "activate for lock test")
    rc, r = worker("lock", record)
    check(rc == 0 and r["status"]["state"] == "locked", "lock")
    check(key_status(image) in ("absent v2", "incompletely-removed v2"), "key secret gone after lock")
    check(open_errno(os.path.join(home, "data.txt")) == errno.ENOKEY, "file unreadable while locked")
    rc, r = worker("unlock", record, ["not it"])
    check(rc != 0 and r["error"]["name"] == "BadPassword", "unlock with a wrong password refused")
    rc, r = worker("unlock", record, [pw1])
    check(rc == 0 and r["status"]["state"] == "active", "unlock")
    check(open(os.path.join(home, "data.txt")).read() == "plaintext payload\n", "readable after unlock")

    # --- change password (while active)
    new_record = dict(record, lastChangeUSec=2000, privileged={"hashedPassword": [hash_pw(pw2)]})
    before = slots(image)
    rc, r = worker("passwd", new_record, [pw2], oldSecret={"password": ["not it"]})
    check(rc != 0 and r["error"]["name"] == "BadPassword" and slots(image) == before,
          "passwd with a wrong old password refused")
    rc, r = worker("passwd", new_record, [pw2], oldSecret={"password": [pw1]})
    check(rc == 0 and slots(image) != before, "passwd re-wraps the slot")
    check(json.load(open(os.path.join(home, ".identity")))["lastChangeUSec"] == 2000,
          ".identity rewritten by passwd while active")
    worker("deactivate", new_record)
    rc, r = worker("activate", new_record, [pw1])
    check(rc != 0 and r["error"]["name"] == "BadPassword", "old password refused after passwd")
    # the old record still accepts pw1 by hash, but no slot opens with it any more
    rc, r = worker("activate", record, [pw1])
    check(rc != 0 and r["error"]["name"] == "BadPassword", "old password opens no slot")
    rc, r = worker("activate", new_record, [pw2])
    check(rc == 0 and open(os.path.join(home, "data.txt")).read() == "plaintext payload\n",
          "new password works")

    # --- older host record: the newer embedded copy wins
    rc, r = worker("deactivate", new_record)
    rc, r = worker("activate", dict(new_record, lastChangeUSec=1500), [pw2])
    check(rc == 0 and r["record"]["lastChangeUSec"] == 2000, "newer ~/.identity wins over an older host record")

    # --- interrupted activation: dirty, then recovered
    run("umount", home)            # as if the worker died half-way: key still loaded, mark still set
    rc, r = worker("inspect", new_record)
    check(r["status"]["state"] == "dirty", "an interrupted activation is detected as dirty")
    rc, r = worker("activate", new_record, [pw2])
    check(rc == 0 and r["status"]["recoveredDirty"] and r["status"]["state"] == "active",
          "dirty home recovered on the next activation")
    rc, r = worker("remove", new_record)
    check(rc != 0 and r["error"]["name"] == "HomeBusy", "remove refuses an active home")
    worker("deactivate", new_record)

    # --- dirty markers in a runtime directory (as hearth-homed asks)
    markers = os.path.join(tmp, "markers")
    os.mkdir(markers)
    rc, r = worker("activate", new_record, [pw2], markerDirectory="markers")
    check(rc != 0 and r["error"]["name"] == "InvalidRequest", "a relative markerDirectory is refused")
    rc, r = worker("activate", new_record, [pw2], markerDirectory=markers)
    marker = os.path.join(markers, new_record["userName"] + ".dirty")
    check(rc == 0 and os.path.exists(marker) and "user.home-dirty" not in os.listxattr(image),
          "activate sets the marker file, not the xattr")
    run("umount", home)
    rc, r = worker("inspect", new_record, markerDirectory=markers)
    check(r["status"]["state"] == "dirty", "an interrupted activation is dirty by the marker file")
    rc, r = worker("deactivate", new_record, markerDirectory=markers)
    check(rc == 0 and not os.path.exists(marker) and r["status"]["state"] == "inactive",
          "deactivate of the dirty home cleans up and clears the marker file")
    check(key_status(image) == "absent v2", "key gone after recovery and deactivate")

    # --- remove
    rc, r = worker("remove", new_record)
    check(rc == 0 and not os.path.exists(image) and not os.path.exists(home), "fscrypt remove")

    # --- directory backend
    drec = {
        "userName": "hwdir",
        "uid": 60124,
        "storage": "directory",
        "imagePath": f"{mnt}/hwdir.homedir",
        "homeDirectory": f"{mnt}/hwdir",
        "skeletonDirectory": skel,
        "privileged": {"hashedPassword": [hash_pw(pw1)]},
    }
    rc, r = worker("create", drec, [pw1])
    check(rc == 0 and r["status"]["state"] == "inactive", "directory create")
    check(stat.S_IMODE(os.stat(drec["imagePath"]).st_mode) == 0o700, "directory home default mode 0700")
    rc, r = worker("activate", drec, ["wrong"])
    check(rc != 0 and r["error"]["name"] == "BadPassword", "directory: wrong password refused")
    rc, r = worker("activate", drec, [pw1])
    check(rc == 0 and is_mount(drec["homeDirectory"]), "directory activate bind-mounts the home")
    with open(os.path.join(drec["homeDirectory"], "note"), "w") as f:
        f.write("x")
    rc, r = worker("lock", drec)
    check(rc != 0 and r["error"]["name"] == "NotSupported", "directory: lock not supported")
    rc, r = worker("deactivate", drec)
    check(rc == 0 and not is_mount(drec["homeDirectory"]), "directory deactivate")
    check(open(os.path.join(drec["imagePath"], "note")).read() == "x", "directory data kept")
    rc, r = worker("deactivate", drec)
    check(rc != 0 and r["error"]["name"] == "HomeNotActive", "deactivate of an inactive home refused")
    rc, r = worker("remove", drec)
    check(rc == 0 and not os.path.exists(drec["imagePath"]), "directory remove")

    # --- bad requests
    p = subprocess.run([WORKER], input="{not json", capture_output=True, text=True)
    check(p.returncode != 0 and json.loads(p.stdout)["error"]["name"] == "InvalidRequest", "garbage request refused")
    rc, r = worker("explode", drec)
    check(rc != 0 and r["error"]["name"] == "InvalidRequest", "unknown operation refused")
finally:
    cleanup()

print("all homework checks passed")
