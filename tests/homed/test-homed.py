#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# hearth-homed in a private root with directory homes, driven through
# hearthctl and raw io.hearth.Home calls: registry and signing, the
# verbs, bad input of every kind (nothing written, nothing lost),
# concurrency on one home, a crashing worker, a full disk, kill -9 of
# the daemon, dirty recovery, rate limiting and peer permissions.
#
# usage: test-homed.py BUILDDIR

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from homed_harness import (Daemon, Held, check, cleanup_mounts, is_mount, need_root, rmtree, skip, tmpdir,
                           varlink)

B = os.path.abspath(sys.argv[1])
need_root()
if not os.path.exists(os.path.join(B, "homed", "hearth-homed")):
    skip("hearth-homed not built (no libsystemd?)")

tmp = tmpdir("hearth-homed-")
d = Daemon(B, tmp)


def files(dirpath):
    return sorted(f for f in os.listdir(dirpath))


def record_file(user):
    return os.path.join(d.state, f"{user}.identity")


try:
    d.start()
    st = os.stat(os.path.join(d.state, "local.private"))
    check(stat.S_IMODE(st.st_mode) == 0o600, "local.private generated, 0600")
    check(os.path.exists(os.path.join(d.state, "local.public")), "local.public generated")
    err, p = varlink(d.sock, "org.varlink.service.GetInterfaceDescription", {"interface": "io.hearth.Home"})
    check(err is None and "interface io.hearth.Home" in p["description"] and "method Acquire" in p["description"],
          "IDL served by GetInterfaceDescription")

    # --- create through hearthctl
    rc, out, e = d.ctl("create", "alice", "--real-name=Alice A", "--storage=directory", "-G", "wheel",
                       env={"NEWPASSWORD": "alice pw"})
    check(rc == 0, f"create alice ({e.strip()})")
    st = os.stat(record_file("alice"))
    check(stat.S_IMODE(st.st_mode) == 0o600, "record file 0600")
    rec = json.load(open(record_file("alice")))
    check(rec["uid"] == 60001 and rec["storage"] == "directory" and "signature" in rec, "uid allocated, record signed")
    check("secret" not in rec and "alice pw" not in open(record_file("alice")).read(), "no secret on disk")
    check(rec["privileged"]["hashedPassword"][0].startswith("$"), "password hashed into the record")
    rc, out, e = d.ctl("list")
    check(rc == 0 and "alice" in out and "inactive" in out and "60001" in out, "list shows the home")
    rc, out, e = d.ctl("--json=short", "list")
    check(json.loads(out)[0]["userName"] == "alice", "list --json=short")

    # --- bad input: nothing written
    before = files(d.state)
    bad = os.path.join(tmp, "bad.json")
    json.dump({"userName": "bert", "shell": "not a shell\n"}, open(bad, "w"))
    rc, out, e = d.ctl("create", f"--identity={bad}", env={"NEWPASSWORD": "x"})
    check(rc != 0 and "BadRecord" in e and "shell" in e, "invalid field refused, error names it")
    json.dump({"userName": "bert", "uid": "sixty"}, open(bad, "w"))
    rc, out, e = d.ctl("create", f"--identity={bad}", env={"NEWPASSWORD": "x"})
    check(rc != 0 and "uid" in e, "mistyped uid refused")
    rc, out, e = d.ctl("create", "alice", env={"NEWPASSWORD": "x"})
    check(rc != 0 and "UserNameExists" in e, "existing name refused")
    rc, out, e = d.ctl("create", "carl", "--uid=60001", env={"NEWPASSWORD": "x"})
    check(rc != 0 and "UIDInUse" in e, "existing uid refused")
    rc, out, e = d.ctl("create", "root2", "--uid=0", env={"NEWPASSWORD": "x"})
    check(rc != 0 and "UIDInUse" in e, "uid of /etc/passwd user refused")
    rc, out, e = d.ctl("create", "root", env={"NEWPASSWORD": "x"})
    check(rc != 0, "reserved or existing name root refused")
    err, p = d.call("Create", {"record": {"userName": "dora"}})
    check(err == "io.hearth.Home.BadRecord" and "password" in p["message"], "create without any password refused")
    err, p = d.call("Create", {"record": {"userName": "dora", "storage": "cifs"}, "secret": {"password": ["x"]}})
    check(err == "io.hearth.Home.NotSupported", "unsupported storage refused")
    err, p = d.call("Create", {"record": {"userName": "9lives"}, "secret": {"password": ["x"]}})
    check(err == "io.hearth.Home.BadRecord", "non-strict user name refused")
    check(files(d.state) == before and len(d.call("List")[1]["homes"]) == 1, "bad creates wrote nothing")

    # --- activate: wrong, missing, right password
    rc, out, e = d.ctl("activate", "alice", env={"PASSWORD": "wrong"})
    check(rc != 0 and "BadPassword" in e, "wrong password refused")
    err, p = d.call("Activate", {"userName": "alice"})
    check(err == "io.hearth.Home.PasswordNeeded", "missing secret answered with PasswordNeeded")
    rc, out, e = d.ctl("activate", "alice", env={"PASSWORD": "alice pw"})
    home = os.path.join(d.home, "alice")
    check(rc == 0 and is_mount(home), "activate mounts the home")
    err, p = d.call("Inspect", {"userName": "alice"})
    status = list(p["record"]["status"].values())[0]
    check(status["state"] == "active" and status["badAuthenticationCounter"] == 1
          and status["goodAuthenticationCounter"] == 1 and status["service"] == "io.hearth.Home",
          "status carries state, service and auth counters")
    check(os.stat(home).st_uid == 60001, "home owned by the user")

    # --- peers: owner, stranger
    err, p = d.call("Inspect", {"userName": "alice"}, uid=65534)
    check(err is None and "privileged" not in p["record"], "others see no privileged data")
    err, p = d.call("Deactivate", {"userName": "alice"}, uid=65534)
    check(err == "org.varlink.service.PermissionDenied", "others may not deactivate")
    err, p = d.call("Remove", {"userName": "alice"}, uid=60001)
    check(err == "org.varlink.service.PermissionDenied", "the user may not remove their home")
    err, p = d.call("Authenticate", {"userName": "alice", "secret": {"password": ["alice pw"]}}, uid=60001)
    check(err is None, "the user may authenticate")
    err, p = d.call("Inspect", {"userName": "alice"}, uid=60001)
    check(err is None and "privileged" in p["record"], "the user sees their privileged data")

    rc, out, e = d.ctl("--help")
    check(rc == 0 and all(o in out for o in ("--storage=", "--identity=", "--rate-limit-burst=", "--luks-pbkdf-type=",
                                             "--no-ask-password", "activate USER")),
          "hearthctl --help lists the home verbs and their options")

    # --- update: good, downgrade, invalid
    rc, out, e = d.ctl("update", "alice", "--shell=/bin/sh")
    check(rc == 0 and json.load(open(record_file("alice")))["shell"] == "/bin/sh", "update changes the record")
    ident = json.load(open(os.path.join(home, ".identity")))
    check(ident["shell"] == "/bin/sh" and ident["lastChangeUSec"] == json.load(open(record_file("alice")))["lastChangeUSec"],
          "update of an active home reaches ~/.identity at once")

    def update_field(key, value):
        rec = json.load(open(record_file("alice")))
        rec.pop("signature")
        rec["lastChangeUSec"] += 1
        rec[key] = value
        return d.call("Update", {"record": rec})[0]

    err = update_field("accessMode", 0o750)
    check(err is None and stat.S_IMODE(os.stat(home).st_mode) == 0o750, "update of an active home applies accessMode at once")
    err = update_field("accessMode", 0o700)
    check(err is None and stat.S_IMODE(os.stat(home).st_mode) == 0o700, "accessMode back to 0700")
    saved = open(record_file("alice")).read()
    old = json.loads(saved)
    old["lastChangeUSec"] = 5
    old.pop("signature")
    err, p = d.call("Update", {"record": old})
    check(err == "io.hearth.Home.RecordDowngrade" and open(record_file("alice")).read() == saved,
          "downgrade refused, record unchanged")
    cur = json.loads(saved)
    cur.pop("signature")
    cur["lastChangeUSec"] += 10
    cur["umask"] = "bad"
    err, p = d.call("Update", {"record": cur})
    check(err == "io.hearth.Home.BadRecord" and p.get("field") == "umask", "invalid update names the field")

    # --- concurrency: many operations on one home are serialized
    results = []

    def worker(method, params):
        results.append((method, d.call(method, params)[0]))

    ts = [threading.Thread(target=worker, args=m) for m in [
        ("Deactivate", {"userName": "alice"}),
        ("Activate", {"userName": "alice", "secret": {"password": ["alice pw"]}}),
        ("Deactivate", {"userName": "alice"}),
        ("Activate", {"userName": "alice", "secret": {"password": ["alice pw"]}}),
    ]]
    for t in ts:
        t.start()
        time.sleep(0.01)
    for t in ts:
        t.join()
    check(all(r[1] is None for r in results), f"four queued operations all succeeded: {results}")
    check(d.wait_idle("alice") == "active" and is_mount(home), "final state after the queue is active")

    # --- with
    rc, out, e = d.ctl("with", "alice", "--", "pwd")
    check(rc == 0 and out.strip() == home, "with runs the command in the home")
    check(d.call("Inspect", {"userName": "alice"})[1]["state"] == "active", "with leaves a home it did not activate")

    # --- with on an inactive home: activated for the command, deactivated after
    rc, out, e = d.ctl("deactivate", "alice")
    rc, out, e = d.ctl("with", "alice", "--", "cat", ".identity", env={"PASSWORD": "alice pw"})
    check(rc == 0 and '"alice"' in out, f"with activates an inactive home for the command: {rc} {e}")
    check(d.wait_idle("alice") == "inactive", "with deactivates the home it activated once the command ends")

    # --- a killed `with` drops its reference with its connection
    env = dict(os.environ, HEARTH_HOMED_SOCKET=d.sock, PASSWORD="alice pw")
    w = subprocess.Popen([os.path.join(d.b, "ctl", "hearthctl"), "--no-ask-password", "with", "alice", "--",
                          "sleep", "60"], env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    end = time.time() + 30
    while time.time() < end and d.call("Inspect", {"userName": "alice"})[1].get("state") != "active":
        time.sleep(0.05)
    check(d.call("Inspect", {"userName": "alice"})[1].get("state") == "active", "with holds the home active")
    os.killpg(w.pid, signal.SIGKILL)
    w.wait()
    end = time.time() + 30
    while time.time() < end and d.call("Inspect", {"userName": "alice"})[1].get("state") != "inactive":
        time.sleep(0.05)
    check(d.call("Inspect", {"userName": "alice"})[1].get("state") == "inactive",
          "a killed with releases its reference and the home is deactivated")
    rc, out, e = d.ctl("activate", "alice", env={"PASSWORD": "alice pw"})

    # --- ~/.identity regenerated when missing
    rc, out, e = d.ctl("deactivate", "alice")
    check(rc == 0 and not is_mount(home), "deactivate")
    os.unlink(os.path.join(d.home, "alice.homedir", ".identity"))
    rc, out, e = d.ctl("activate", "alice", env={"PASSWORD": "alice pw"})
    check(rc == 0 and json.load(open(os.path.join(home, ".identity")))["shell"] == "/bin/sh",
          "~/.identity regenerated from the host copy")

    # --- acquire / release
    err, p = d.call("Deactivate", {"userName": "alice"})
    err, p = d.call("Acquire", {"userName": "alice", "secret": {"password": ["alice pw"]}})
    check(err is None and p["state"] == "active", "acquire activates")
    err, p = d.call("Acquire", {"userName": "alice"})
    check(err is None, "second acquire of an active home needs no secret")
    err, p = d.call("Release", {"userName": "alice"})
    check(err is None and p["state"] == "active", "first release keeps the home")
    err, p = d.call("Release", {"userName": "alice"})
    check(err is None and p["state"] == "inactive", "last release deactivates")
    err, p = d.call("Release", {"userName": "alice"})
    check(err == "io.hearth.Home.HomeNotReferenced", "release without reference refused")

    # --- acquire held by the connection ("more")
    def wait_state(user, want, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            st = d.call("Inspect", {"userName": user})[1].get("state")
            if st == want:
                return True
            time.sleep(0.02)
        return False

    a1 = Held(d.sock, "io.hearth.Home.Acquire", {"userName": "alice", "secret": {"password": ["alice pw"]}})
    r1 = a1.reply()
    check(r1 is not None and r1[0] is None and r1[1]["state"] == "active" and r1[2],
          "held acquire activates and answers with continues")
    a2 = Held(d.sock, "io.hearth.Home.Acquire", {"userName": "alice"})
    r2 = a2.reply()
    check(r2 is not None and r2[0] is None and r2[2], "second held acquire")
    err, p = d.call("Release", {"userName": "alice"})
    check(err == "io.hearth.Home.HomeNotReferenced", "Release does not take a reference held by a connection")
    a1.close()
    time.sleep(0.3)
    check(d.call("Inspect", {"userName": "alice"})[1]["state"] == "active" and is_mount(home),
          "closing one of two holding connections keeps the home active")
    a2.close()
    check(wait_state("alice", "inactive") and not is_mount(home),
          "closing the last holding connection deactivates the home Acquire activated")

    rc, out, e = d.ctl("activate", "alice", env={"PASSWORD": "alice pw"})
    a3 = Held(d.sock, "io.hearth.Home.Acquire", {"userName": "alice"})
    check(a3.reply()[1]["state"] == "active", "held acquire of a home activated before")
    a3.close()
    time.sleep(0.3)
    check(d.call("Inspect", {"userName": "alice"})[1]["state"] == "active",
          "a home Acquire did not activate stays active when the hold goes")
    a4 = Held(d.sock, "io.hearth.Home.Acquire", {"userName": "alice"})
    a4.reply()
    err, p = d.call("Deactivate", {"userName": "alice"})
    r4 = a4.reply()
    check(err is None and r4 is not None and r4[0] is None and r4[1]["state"] == "inactive" and not r4[2],
          "explicit deactivate ends a held acquire with a final reply")
    a4.close()
    a5 = Held(d.sock, "io.hearth.Home.Acquire", {"userName": "alice", "secret": {"password": ["wrong"]}})
    r5 = a5.reply()
    check(r5 is not None and r5[0] == "io.hearth.Home.BadPassword" and not r5[2], "held acquire with a bad password fails")
    a5.close()

    # --- a wrong secret is answered after the delay, one at a time per home
    d.stop()
    d.extra = [a for a in d.extra if not a.startswith("--bad-password-delay=")] + ["--bad-password-delay=400"]
    d.start()
    t0 = time.monotonic()
    err, p = d.call("Authenticate", {"userName": "alice", "secret": {"password": ["nope"]}})
    dt = time.monotonic() - t0
    check(err == "io.hearth.Home.BadPassword" and dt >= 0.4, f"bad password answered after the delay ({dt:.2f} s)")
    t0 = time.monotonic()
    err, p = d.call("Authenticate", {"userName": "alice", "secret": {"password": ["alice pw"]}})
    dt = time.monotonic() - t0
    check(err is None and dt < 0.4, f"good password answered at once ({dt:.2f} s)")
    errs = []
    ts = [threading.Thread(target=lambda: errs.append(
        d.call("Authenticate", {"userName": "alice", "secret": {"password": ["nope"]}})[0])) for _ in range(2)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    dt = time.monotonic() - t0
    check(errs == ["io.hearth.Home.BadPassword"] * 2 and dt >= 0.8,
          f"parallel wrong guesses on one home wait one after the other ({dt:.2f} s)")
    d.stop()
    d.extra = [a for a in d.extra if not a.startswith("--bad-password-delay=")] + ["--bad-password-delay=0"]
    d.start()

    # --- rate limit
    rc, out, e = d.ctl("create", "rl", "--rate-limit-burst=3", env={"NEWPASSWORD": "rl pw"})
    check(rc == 0, "create rl with a burst of 3")
    errs = [d.call("Authenticate", {"userName": "rl", "secret": {"password": ["nope"]}})[0] for _ in range(4)]
    check(errs[:3] == ["io.hearth.Home.BadPassword"] * 3 and errs[3] == "io.hearth.Home.AuthenticationLimitHit",
          "fourth attempt hits the rate limit")
    status = list(d.call("Inspect", {"userName": "rl"})[1]["record"]["status"].values())[0]
    check(status["rateLimitCount"] == 3 and status["badAuthenticationCounter"] == 3, "rate limit counters in status")

    # --- passwd
    rc, out, e = d.ctl("passwd", "rl", env={"PASSWORD": "rl pw", "NEWPASSWORD": "rl new"})
    check(rc != 0 and "AuthenticationLimitHit" in e, "passwd is rate limited too")

    # --- the worker as a program of its own (--homework=PATH, exec()ed)
    d.stop()
    d.start(homework=os.path.join(B, "homed", "hearth-homework"))
    if d.call("Inspect", {"userName": "alice"})[1].get("state") != "inactive":
        d.call("Deactivate", {"userName": "alice"})
    err, p = d.call("Activate", {"userName": "alice", "secret": {"password": ["alice pw"]}})
    check(err is None and p["state"] == "active", "activate through an exec()ed hearth-homework")
    err, p = d.call("Deactivate", {"userName": "alice"})
    check(err is None and p["state"] == "inactive", "deactivate through an exec()ed hearth-homework")

    # --- worker crash: registry consistent, nothing lost
    saved = open(record_file("alice")).read()
    crash = os.path.join(tmp, "crash-worker")
    with open(crash, "w") as f:
        f.write("#!/bin/sh\ncat >/dev/null\nkill -9 $$\n")
    os.chmod(crash, 0o755)
    d.stop()
    d.start(homework=crash)
    err, p = d.call("Activate", {"userName": "alice", "secret": {"password": ["alice pw"]}})
    check(err == "io.hearth.Home.WorkerFailed", "a worker killed mid-operation gives WorkerFailed")
    err, p = d.call("Create", {"record": {"userName": "crashy"}, "secret": {"password": ["x"]}})
    check(err == "io.hearth.Home.WorkerFailed" and not os.path.exists(record_file("crashy")),
          "create with a crashing worker leaves no record")
    d.stop()
    # A complete reply is the outcome even if the process then dies.
    answered = os.path.join(tmp, "answer-then-die")
    with open(answered, "w") as f:
        f.write("#!/bin/sh\ncat >/dev/null\n"
                "echo '{\"status\":{\"state\":\"inactive\"},\"error\":{\"errno\":-13,"
                "\"errnoName\":\"EACCES\",\"name\":\"BadPassword\",\"message\":\"wrong\"}}'\n"
                "kill -9 $$\n")
    os.chmod(answered, 0o755)
    d.start(homework=answered)
    err, p = d.call("Activate", {"userName": "alice", "secret": {"password": ["alice pw"]}})
    check(err == "io.hearth.Home.BadPassword", f"a worker that answered and then died: its answer counts ({err})")
    check(open(record_file("alice")).read() == saved and
          [h["userName"] for h in d.call("List")[1]["homes"]] == ["alice", "rl"], "registry intact after worker crashes")
    d.stop()

    # --- kill -9 of the daemon, torn writes, dirty recovery
    d.start()
    rc, out, e = d.ctl("activate", "alice", env={"PASSWORD": "alice pw"})
    check(rc == 0, "activate before kill -9")
    d.stop(signal.SIGKILL)
    # A write interrupted before its rename leaves only a temporary file.
    with open(os.path.join(d.state, ".#alice.identityAbCdEf"), "w") as f:
        f.write('{"userName": "alice", "tor')
    d.start()
    check(not os.path.exists(os.path.join(d.state, ".#alice.identityAbCdEf")), "stale temporary file removed")
    check(d.wait_idle("alice") == "active", "home still active after a daemon kill -9")
    marker = os.path.join(d.run, "markers", "alice.dirty")
    check(os.path.exists(marker) and "user.home-dirty" not in os.listxattr(os.path.join(d.home, "alice.homedir")),
          "while active the dirty marker is in the runtime directory, not on the home's file system")
    check(json.load(open(record_file("alice")))["shell"] == "/bin/sh", "record intact after kill -9")
    d.ctl("deactivate", "alice")
    cleanup_mounts(d.home)
    check(not os.path.exists(marker), "deactivate clears the dirty marker")
    open(marker, "w").close()     # as an activation interrupted by a crash leaves it
    d.stop()
    d.start()
    check(d.wait_idle("alice") == "inactive", "dirty home recovered to inactive on start")
    check(not os.path.exists(marker), "dirty marker cleared")
    check("recovering" in d.log(), "recovery logged")

    # --- signatures: unsigned adopted and signed; foreign ignored; other trusted key read-only
    unsigned = {"userName": "uns", "uid": 60400, "storage": "directory",
                "homeDirectory": f"{d.home}/uns", "imagePath": f"{d.home}/uns.homedir", "lastChangeUSec": 1,
                "privileged": {"hashedPassword": ["$6$x$y"]}}
    json.dump(unsigned, open(record_file("uns"), "w"))
    keydir = os.path.join(tmp, "keys")
    os.makedirs(keydir)
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", f"{keydir}/other.pem"], check=True)
    subprocess.run(["openssl", "pkey", "-in", f"{keydir}/other.pem", "-pubout", "-out", f"{keydir}/other.public"],
                   check=True)
    os.chmod(f"{keydir}/other.public", 0o644)
    hearthctl = os.path.join(B, "ctl", "hearthctl")
    for name, uid in (("adopted", 60401), ("stranger", 60402)):
        r = dict(unsigned, userName=name, uid=uid, homeDirectory=f"{d.home}/{name}",
                 imagePath=f"{d.home}/{name}.homedir")
        src = os.path.join(tmp, f"{name}.json")
        json.dump(r, open(src, "w"))
        out = subprocess.run([hearthctl, "record", "sign", f"--private-key={keydir}/other.pem", src],
                             capture_output=True, text=True, check=True).stdout
        open(record_file(name), "w").write(out)
    d.stop()
    d.extra = [f"--trusted-key-dir={keydir}"]
    open(os.path.join(tmp, "homed.log"), "w").close()
    d.start()
    names = [h["userName"] for h in d.call("List")[1]["homes"]]
    check("uns" in names and "adopted" in names, "unsigned and trusted-signed records loaded")
    check("signature" in json.load(open(record_file("uns"))), "unsigned record signed on load")
    cur = d.call("Inspect", {"userName": "adopted"})[1]["record"]
    check(list(cur["status"].values())[0]["signedLocally"] is False, "adopted record is not signed locally")
    cur.pop("status")
    cur["lastChangeUSec"] = 99
    err, p = d.call("Update", {"record": cur})
    check(err == "io.hearth.Home.BadSignature", "changed record with a stale signature refused")
    cur.pop("signature")
    err, p = d.call("Update", {"record": cur})
    check(err == "io.hearth.Home.RecordSigned", "record signed by another trusted key is read-only")
    d.stop()
    d.extra = []
    d.start()
    check("stranger" not in [h["userName"] for h in d.call("List")[1]["homes"]] and "no trusted key" in d.log(),
          "record signed by an untrusted key ignored")
    os.unlink(record_file("stranger"))

    # --- full disk while writing a record
    d.stop()
    small = os.path.join(tmp, "small")
    os.makedirs(small)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", small], check=True)
    try:
        for f in os.listdir(d.state):
            if not f.startswith("."):
                subprocess.run(["cp", "-a", os.path.join(d.state, f), small], check=True)
        d.state = small
        d.start()
        saved = open(record_file("alice")).read()
        filler = os.path.join(small, "filler")
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=4k", "count=1000"], capture_output=True)
        rc, out, e = d.ctl("update", "alice", "--real-name=Alice Full")
        check(rc != 0 and "NoDiskSpace" in e, "update on a full disk reports NoDiskSpace")
        check(open(record_file("alice")).read() == saved and
              not [f for f in os.listdir(small) if f.startswith(".#")], "old record intact, no temporary left")
        os.unlink(filler)
        rc, out, e = d.ctl("update", "alice", "--real-name=Alice Full")
        check(rc == 0 and json.load(open(record_file("alice")))["realName"] == "Alice Full", "update works with space")
        d.stop()
    finally:
        subprocess.run(["umount", "-l", small])

    # --- remove
    d.state = os.path.join(tmp, "state")
    d.start()
    rc, out, e = d.ctl("remove", "rl")
    check(rc == 0 and not os.path.exists(record_file("rl")) and not os.path.exists(os.path.join(d.home, "rl.homedir")),
          "remove deletes record and storage")
    err, p = d.call("Inspect", {"userName": "rl"})
    check(err == "io.hearth.Home.NoSuchHome", "removed home is gone")
    d.stop()
    check("Sanitizer" not in d.log() and "runtime error" not in d.log(), "no sanitizer report from the daemon")
    check("alice pw" not in d.log() and "rl pw" not in d.log(), "no secret in the daemon's log")
finally:
    d.stop(signal.SIGKILL) if d.proc else None
    cleanup_mounts(tmp)
    rmtree(tmp)
print("all ok")
