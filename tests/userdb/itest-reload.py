#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Changes in the drop-in directories are picked up (inotify) without
dropping connected clients; a directory created later is watched too."""

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from userdb_testlib import *  # noqa: E402,F403

SVC = "io.hearth.TestReload"
root = tempfile.mkdtemp(prefix="hearth-userdb-reload-")
d = make_tree(root, SAMPLE_USERS[:1])
late = os.path.join(root, "late", "userdb")
sockdir = os.path.join(root, "sock")
dm = Daemon(["--dropin-dir=" + d, "--dropin-dir=" + late, "--socket-dir=" + sockdir,
             "--service-name=" + SVC, "--machine-id=" + MID])
sock = os.path.join(sockdir, SVC)
P = {"service": SVC}


def wait_for(conn, name, present, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        r = conn.call("GetUserRecord", dict(P, userName=name))[0]
        if ("error" not in r) == present:
            return True
        time.sleep(0.05)
    return False


try:
    dm.wait_socket(sock)
    c = Conn(sock)
    check(wait_for(c, "hearthtest1", True), "initial user served")
    check(wait_for(c, "hearthtest2", False), "second user not yet there")
    write(os.path.join(d, "hearthtest2.user"), SAMPLE_USERS[1])
    check(wait_for(c, "hearthtest2", True), "new file picked up on the same connection")
    u = dict(SAMPLE_USERS[1], realName="Renamed")
    write(os.path.join(d, "hearthtest2.user.tmp"), u)
    os.rename(os.path.join(d, "hearthtest2.user.tmp"), os.path.join(d, "hearthtest2.user"))
    end = time.time() + 10
    while time.time() < end:
        r = c.call("GetUserRecord", dict(P, userName="hearthtest2"))[0]
        if r["parameters"]["record"].get("realName") == "Renamed":
            break
        time.sleep(0.05)
    check(r["parameters"]["record"].get("realName") == "Renamed", "atomic replace picked up")
    os.unlink(os.path.join(d, "hearthtest1.user"))
    check(wait_for(c, "hearthtest1", False), "removed file gone")
    os.makedirs(late)
    write(os.path.join(late, "hearthsys.user"), SAMPLE_USERS[2])
    check(wait_for(c, "hearthsys", True), "directory created later is read")
    c.close()
finally:
    sys.stderr.write(dm.stop())
    shutil.rmtree(root, ignore_errors=True)
