#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The real userdbctl and getent/id (through nss-systemd) resolve users and
groups served by hearth-userdbd. The records live in a private folder the
real tools never read, so an answer can only have come through Hearth's
socket, which sits in /run/systemd/userdb/ under a unique test name."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from userdb_testlib import *  # noqa: E402,F403

if os.geteuid() != 0:
    skip("needs root to put a socket into /run/systemd/userdb")
for tool in ("userdbctl", "getent", "id"):
    if not shutil.which(tool):
        skip(tool + " is not installed")
nss = open("/etc/nsswitch.conf").read() if os.path.exists("/etc/nsswitch.conf") else ""
if not re.search(r"^passwd:.*\bsystemd\b", nss, re.M) or not re.search(r"^group:.*\bsystemd\b", nss, re.M):
    skip("/etc/nsswitch.conf does not consult 'systemd' for passwd and group")
for u in SAMPLE_USERS:
    if subprocess.run(["grep", "-q", "^%s:" % u["userName"], "/etc/passwd"]).returncode == 0:
        skip("%s exists in /etc/passwd" % u["userName"])

SVC = "io.hearth.Test%d" % os.getpid()
SOCKDIR = "/run/systemd/userdb"
created_dir = not os.path.isdir(SOCKDIR)
root = tempfile.mkdtemp(prefix="hearth-userdb-real-")
d = make_tree(root, SAMPLE_USERS, SAMPLE_GROUPS, SAMPLE_MEMBERSHIPS)
env = dict(os.environ, SYSTEMD_PAGER="cat", PAGER="cat", SYSTEMD_COLORS="0", LC_ALL="C")
env.pop("SYSTEMD_BYPASS_USERDB", None)
env.pop("SYSTEMD_ONLY_USERDB", None)


def run(*args):
    p = subprocess.run(list(args), capture_output=True, text=True, env=env, timeout=60)
    return p.returncode, p.stdout


dm = Daemon(["--dropin-dir=" + d, "--socket-dir=" + SOCKDIR, "--service-name=" + SVC])
try:
    dm.wait_socket(os.path.join(SOCKDIR, SVC))

    rc, out = run("userdbctl", "--no-pager", "-j", "user", "hearthtest1")
    check(rc == 0, "userdbctl -j user NAME: rc 0")
    rec = json.loads(out)
    check(rec["uid"] == 60871 and rec["realName"] == "Hearth Test One", "userdbctl gets the record by name")
    rc, out = run("userdbctl", "--no-pager", "user", "60872")
    check(rc == 0 and "hearthtest2" in out, "userdbctl user UID")
    rc, out = run("userdbctl", "--no-pager", "--output=table", "user")
    check(rc == 0 and "hearthtest1" in out and "hearthtest2" in out, "userdbctl user (enumeration)")
    rc, out = run("userdbctl", "--no-pager", "-s", SVC, "user", "hearthtest1")
    check(rc == 0 and "hearthtest1" in out, "userdbctl -s SERVICE")
    rc, out = run("userdbctl", "--no-pager", "group", "hearthgrp")
    check(rc == 0 and "60880" in out, "userdbctl group NAME")
    rc, out = run("userdbctl", "--no-pager", "users-in-group", "hearthgrp")
    check(rc == 0 and "hearthtest1" in out, "userdbctl users-in-group")
    rc, out = run("userdbctl", "--no-pager", "groups-of-user", "hearthtest1")
    check(rc == 0 and "hearthgrp" in out, "userdbctl groups-of-user")
    rc, out = run("userdbctl", "--no-pager", "services")
    check(rc == 0 and SVC in out, "userdbctl services lists the socket")

    rc, out = run("getent", "passwd", "hearthtest1")
    check(rc == 0 and out.strip() == "hearthtest1:x:60871:60871:Hearth Test One:/home/hearthtest1:/bin/sh",
          "getent passwd NAME through nss-systemd")
    rc, out = run("getent", "passwd", "60872")
    check(rc == 0 and out.startswith("hearthtest2:x:60872:"), "getent passwd UID")
    rc, out = run("getent", "passwd")
    check(rc == 0 and "\nhearthtest1:" in "\n" + out and "\nhearthsys:" in "\n" + out, "getent passwd enumeration")
    rc, out = run("getent", "group", "hearthgrp")
    members = out.strip().split(":")[3].split(",") if rc == 0 else []
    check(rc == 0 and sorted(members) == ["hearthtest1", "hearthtest2"], "getent group: members merged with memberships")
    rc, out = run("getent", "group", "60871")
    check(rc == 0 and out.startswith("hearthtest1:x:60871:"), "getent group GID")
    rc, out = run("id", "hearthtest1")
    check(rc == 0 and "uid=60871(hearthtest1)" in out and "60880(hearthgrp)" in out, "id USER with memberships")
    rc, out = run("getent", "passwd", "hearth-nonexistent")
    check(rc == 2, "unknown user: getent rc 2")
finally:
    sys.stderr.write(dm.stop())
    try:
        os.unlink(os.path.join(SOCKDIR, SVC))
    except FileNotFoundError:
        pass
    if created_dir:
        try:
            os.rmdir(SOCKDIR)
        except OSError:
            pass
    shutil.rmtree(root, ignore_errors=True)
check(not os.path.exists(os.path.join(SOCKDIR, SVC)), "test socket cleaned up")
