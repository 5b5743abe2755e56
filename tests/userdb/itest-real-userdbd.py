#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hearth's client (through hearthctl) reads records served by the real
systemd-userdbd: through its multiplexer, by fanning out to its sockets,
and from one service with -s. systemd-userdbd runs in a private mount
namespace with a tmpfs over /run, so nothing of the real system is
touched (it also leaves its sockets behind on SIGTERM: the tmpfs goes with
the namespace)."""

import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from userdb_testlib import *  # noqa: E402,F403

USERDBD = "/usr/lib/systemd/systemd-userdbd"

if os.environ.get("HEARTH_IN_NS") != "1":
    if os.geteuid() != 0:
        skip("needs root for a private mount namespace")
    if not os.access(USERDBD, os.X_OK):
        skip("systemd-userdbd is not installed")
    if not os.environ.get("HEARTHCTL"):
        skip("HEARTHCTL not set (hearthctl not built)")
    if not shutil.which("unshare"):
        skip("unshare is not installed")
    env = dict(os.environ, HEARTH_IN_NS="1")
    p = subprocess.run(["unshare", "-m", sys.executable, os.path.abspath(__file__)], env=env)
    sys.exit(p.returncode)

subprocess.run(["mount", "--make-rprivate", "/"], check=True)
subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/run"], check=True)
make_tree("/run", SAMPLE_USERS, SAMPLE_GROUPS, SAMPLE_MEMBERSHIPS)   # /run/userdb
env = dict(os.environ, SYSTEMD_LOG_LEVEL="warning")
env.pop("HEARTH_USERDB_SOCKET_DIR", None)
env.pop("SYSTEMD_BYPASS_USERDB", None)
env.pop("SYSTEMD_ONLY_USERDB", None)
d = subprocess.Popen([USERDBD], env=env)
try:
    for _ in range(500):
        if os.path.exists("/run/systemd/userdb/io.systemd.DropIn"):
            break
        time.sleep(0.02)
    check(os.path.exists("/run/systemd/userdb/io.systemd.Multiplexer"), "systemd-userdbd is up")
    H = os.environ["HEARTHCTL"]

    def hc(*args):
        p = subprocess.run([H] + list(args), capture_output=True, text=True, env=env, timeout=60)
        return p.returncode, p.stdout, p.stderr

    rc, out, err = hc("--json=short", "user", "hearthtest1")
    check(rc == 0 and json.loads(out)["uid"] == 60871, "hearthctl user NAME via the real multiplexer")
    rc, out, err = hc("--multiplexer=no", "--json=short", "user", "60872")
    check(rc == 0 and json.loads(out)["userName"] == "hearthtest2", "by uid, fanning out to the real sockets")
    rc, out, err = hc("-s", "io.systemd.DropIn", "--json=short", "user", "hearthtest1")
    check(rc == 0 and json.loads(out)["realName"] == "Hearth Test One", "-s io.systemd.DropIn")
    rc, out, err = hc("-s", "io.systemd.DropIn", "user")
    check(rc == 0 and "hearthtest1" in out and "hearthsys" in out, "enumeration from the real DropIn service")
    rc, out, err = hc("--json=short", "group", "hearthgrp")
    check(rc == 0 and json.loads(out)["gid"] == 60880, "group by name")
    # systemd-userdbd 252 serves memberships from NSS (its drop-in service
    # has none): any /etc/group member list must come through.
    pairs = [(m, l.split(":")[0]) for l in open("/etc/group") if l.count(":") == 3
             for m in l.strip().split(":")[3].split(",") if m]
    if pairs:
        u, g = pairs[0]
        rc, out, err = hc("users-in-group", g)
        check(rc == 0 and any(line.split() == [u, g] for line in out.splitlines()),
              "memberships merged from the real services (%s in %s)" % (u, g))
    rc, out, err = hc("--json=short", "user", "hearth-nonexistent")
    check(rc == 1, "unknown user: exit 1")
    rc, out, err = hc("services")
    check(rc == 0 and "io.systemd.Multiplexer" in out, "services lists systemd-userdbd's sockets")
finally:
    d.terminate()
    d.wait(10)
