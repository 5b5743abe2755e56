#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""hearthctl's userdb verbs and the client library against hearth-userdbd in
a private socket directory: two drop-in services plus Hearth's multiplexer,
a dead socket and a hung one that never answers."""

import json
import shutil
import subprocess
import os
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from userdb_testlib import *  # noqa: E402,F403

H = os.environ.get("HEARTHCTL")
if not H:
    skip("HEARTHCTL not set (hearthctl not built)")

root = tempfile.mkdtemp(prefix="hearth-userdb-ctl-")
os.chmod(root, 0o755)
a = make_tree(os.path.join(root, "a"), SAMPLE_USERS[:2], SAMPLE_GROUPS, SAMPLE_MEMBERSHIPS)
b = make_tree(os.path.join(root, "b"), [dict(SAMPLE_USERS[2])] +
              [{"userName": "hearthtest1", "uid": 60999, "realName": "Shadowed duplicate"}], [],
              [("hearthsys", "hearthgrp")])
write(os.path.join(a, "hearthtest1.user-privileged"),
      {"privileged": {"sshAuthorizedKeys": ["ssh-ed25519 AAAAkey1 one@x", "ssh-rsa AAAAkey2 two@x"]}})
write(os.path.join(a, "hearthtest2.user-privileged"), {"privileged": {"hashedPassword": ["!"]}})
sockdir = os.path.join(root, "sock")
os.makedirs(sockdir)
# A socket nobody listens on, and one that accepts but never answers.
dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
dead.bind(os.path.join(sockdir, "io.test.Dead"))
dead.close()
hung = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
hung.bind(os.path.join(sockdir, "io.test.Hung"))
hung.listen(16)

d1 = Daemon(["--dropin-dir=" + a, "--socket-dir=" + sockdir, "--service-name=io.test.A", "--machine-id=" + MID,
             "--multiplexer=io.test.Mux", "--timeout=500"])
d2 = Daemon(["--dropin-dir=" + b, "--socket-dir=" + sockdir, "--service-name=io.test.B", "--machine-id=" + MID])
env = dict(os.environ, HEARTH_USERDB_SOCKET_DIR=sockdir, HEARTH_USERDB_TIMEOUT_MSEC="500", LC_ALL="C")
env.pop("SYSTEMD_ONLY_USERDB", None)
env.pop("SYSTEMD_BYPASS_USERDB", None)


def hc(*args, **kw):
    e = dict(env, **kw)
    t0 = time.time()
    p = subprocess.run([H] + list(args), capture_output=True, text=True, env=e, timeout=60)
    return p.returncode, p.stdout, p.stderr, time.time() - t0


try:
    d1.wait_socket(os.path.join(sockdir, "io.test.A"))
    d1.wait_socket(os.path.join(sockdir, "io.test.Mux"))
    d2.wait_socket(os.path.join(sockdir, "io.test.B"))

    rc, out, err, t = hc("--json=short", "user", "hearthsys")
    check(rc == 0 and json.loads(out)["uid"] == 871, "found on the second service (fan-out)")
    check(t < 2.5, "a dead and a hung service do not stall a hit for long (%.2fs)" % t)
    rc, out, err, t = hc("user", "nosuchuser")
    check(rc == 1 and "does not exist" in err and t < 2.0, "not found once the hung service timed out (%.2fs)" % t)

    rc, out, err, t = hc("--no-legend", "user")
    names = [l.split()[0] for l in out.splitlines() if l.strip()]
    check(rc == 0 and sorted(names) == ["hearthsys", "hearthtest1", "hearthtest2"],
          "enumeration merged, duplicate names once")
    rc, out, err, t = hc("user")
    check(out.splitlines()[0].split() == ["NAME", "DISPOSITION", "UID", "GID", "REALNAME", "HOME", "SHELL"]
          and out.rstrip().endswith("3 users listed."), "userdbctl's table shape")

    rc, out, err, t = hc("--no-legend", "users-in-group", "hearthgrp")
    pairs = sorted(tuple(l.split()) for l in out.splitlines() if l.strip())
    check(pairs == [("hearthsys", "hearthgrp"), ("hearthtest1", "hearthgrp"), ("hearthtest2", "hearthgrp")],
          "memberships merged from both services")

    rc, out, err, t = hc("--json=short", "-s", "io.test.B", "user", "hearthtest1")
    check(rc == 0 and json.loads(out)["uid"] == 60999, "-s SERVICE asks only that service")
    rc, out, err, t = hc("--fuzzy", "--no-legend", "user", "second")
    check([l.split()[0] for l in out.splitlines() if l.strip()] == ["hearthtest2"], "--fuzzy")
    rc, out, err, t = hc("--uid-min=60000", "--uid-max=60871", "--no-legend", "user")
    check([l.split()[0] for l in out.splitlines() if l.strip()] == ["hearthtest1"], "--uid-min/--uid-max")
    rc, out, err, t = hc("--disposition=system", "--no-legend", "user")
    check([l.split()[0] for l in out.splitlines() if l.strip()] == ["hearthsys"], "--disposition")

    # hearthtest1 is on both services (first answer wins): ask A.
    rc, out, err, t = hc("-s", "io.test.A", "ssh-authorized-keys", "hearthtest1")
    check(rc == 0 and out == "ssh-ed25519 AAAAkey1 one@x\nssh-rsa AAAAkey2 two@x\n",
          "ssh-authorized-keys prints one key per line")
    rc, out, err, t = hc("ssh-authorized-keys", "hearthtest2")
    check(rc == 0 and out == "", "ssh-authorized-keys: no keys, no output")

    rc, out, err, t = hc("--json=short", "user", "hearthtest1", SYSTEMD_BYPASS_USERDB="io.test.A:io.test.Mux")
    check(rc == 0 and json.loads(out)["uid"] == 60999, "SYSTEMD_BYPASS_USERDB skips a service")
    rc, out, err, t = hc("user", "hearthtest1", SYSTEMD_BYPASS_USERDB="1")
    check(rc == 1, "SYSTEMD_BYPASS_USERDB=1: no lookups")
    rc, out, err, t = hc("--json=short", "user", "hearthtest2", SYSTEMD_ONLY_USERDB="io.test.B")
    check(rc == 1, "SYSTEMD_ONLY_USERDB restricts the services")

    # Hearth's multiplexer, as a client sees it.
    mux = os.path.join(sockdir, "io.test.Mux")
    r = call1(mux, "GetUserRecord", {"service": "io.test.Mux", "userName": "hearthsys"})[0]
    check(r["parameters"]["record"]["status"][MID]["service"] == "io.test.B", "multiplexer: keyed lookup, service kept")
    rs = call1(mux, "GetUserRecord", {"service": "io.test.Mux"}, more=True)
    check(sorted(x["parameters"]["record"]["userName"] for x in rs) == ["hearthsys", "hearthtest1", "hearthtest2"],
          "multiplexer: enumeration merged")
    r = call1(mux, "GetUserRecord", {"service": "io.test.Mux", "userName": "nobody-here"})[0]
    check(r.get("error") == IFACE + "NoRecordFound", "multiplexer: NoRecordFound")
    r = call1(mux, "GetUserRecord", {"service": "io.test.Mux", "userName": "hearthsys", "uidMin": 1000})[0]
    check(r.get("error") == IFACE + "NonMatchingRecordFound", "multiplexer: NonMatchingRecordFound")
    rs = call1(mux, "GetMemberships", {"service": "io.test.Mux", "groupName": "hearthgrp"}, more=True)
    check(len(rs) == 3, "multiplexer: memberships merged")
    r = call1(mux, "GetUserRecord", {"service": "io.test.A", "userName": "hearthsys"})[0]
    check(r.get("error") == IFACE + "BadService", "multiplexer socket: BadService for another name")
    if os.geteuid() == 0:
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            try:
                os.setgid(65534)
                os.setuid(65534)
                r = call1(mux, "GetUserRecord", {"service": "io.test.Mux", "userName": "hearthtest2"})[0]["parameters"]
                os.write(wfd, b"1" if "privileged" not in r["record"] and r["incomplete"] else b"0")
            finally:
                os._exit(0)
        os.close(wfd)
        res = os.read(rfd, 1)
        os.waitpid(pid, 0)
        check(res == b"1", "multiplexer strips privileged data for other uids")
        r = call1(mux, "GetUserRecord", {"service": "io.test.Mux", "userName": "hearthtest2"})[0]["parameters"]
        check("privileged" in r["record"], "multiplexer passes privileged data to root")
    rc, out, err, t = hc("--multiplexer=yes", "--json=short", "user", "hearthsys")
    check(rc == 0, "hearthctl through a multiplexer named io.systemd.Multiplexer is optional (fan-out here)")
finally:
    hung.close()
    sys.stderr.write(d1.stop())
    sys.stderr.write(d2.stop())
    shutil.rmtree(root, ignore_errors=True)
