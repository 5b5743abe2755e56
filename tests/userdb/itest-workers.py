#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""hearth-userdbd --workers=2: connections are spread over both workers, a
killed worker is restarted while lookups keep working, a file change and
SIGHUP reach every worker, the per-UID limit holds across the workers, and
SIGTERM stops all of them and removes the socket."""

import os
import resource
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from userdb_testlib import *  # noqa: E402,F403

SVC = "io.hearth.TestWorkers"
root = tempfile.mkdtemp(prefix="hearth-userdb-workers-")
os.chmod(root, 0o755)
d = make_tree(root, SAMPLE_USERS[:1])
sockdir = os.path.join(root, "sock")
sock = os.path.join(sockdir, SVC)
P = {"service": SVC}
resource.setrlimit(resource.RLIMIT_NOFILE, (min(resource.getrlimit(resource.RLIMIT_NOFILE)[1], 8192),) * 2)
logpath = os.path.join(root, "daemon.log")
logf = open(logpath, "w")
dm = Daemon(["--dropin-dir=" + d, "--socket-dir=" + sockdir, "--service-name=" + SVC, "--machine-id=" + MID,
             "--workers=2"], stderr=logf)


def n_loads():
    with open(logpath) as f:
        return f.read().count("hearth-userdbd: loaded ")


def lookup(conn, name):
    r = conn.call("GetUserRecord", dict(P, userName=name))[0]
    return None if "error" in r else r["parameters"]["record"]


def n_sockets(pid):
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:")
        except OSError:
            pass
    return n


def wait_until(fn, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if fn():
            return True
        time.sleep(0.05)
    return False


try:
    dm.wait_socket(sock)
    check(wait_until(lambda: len(dm.workers()) == 2), "two workers forked")
    w = dm.workers()
    base = {p: n_sockets(p) for p in w}
    conns = [Conn(sock) for _ in range(8)]
    check(all(lookup(c, "hearthtest1")["uid"] == 60871 for c in conns), "8 connections served")
    got = {p: n_sockets(p) - base[p] for p in w}
    check(all(k >= 2 for k in got.values()), "connections spread over both workers: %s" % got)

    # A change to the files reaches every worker: each connection sees it.
    write(os.path.join(d, "hearthtest2.user"), SAMPLE_USERS[1])
    check(all(wait_until(lambda c=c: lookup(c, "hearthtest2") is not None) for c in conns),
          "new file seen on every connection (both workers reloaded)")

    # SIGHUP to the parent is forwarded: every worker reloads once more.
    time.sleep(0.5)
    loads = n_loads()
    os.kill(dm.proc.pid, signal.SIGHUP)
    check(wait_until(lambda: n_loads() == loads + 2), "SIGHUP: both workers reloaded (%d -> %d loads)" % (loads, n_loads()))
    check(len(dm.workers()) == 2, "still two workers after SIGHUP")
    os.unlink(os.path.join(d, "hearthtest2.user"))
    check(all(wait_until(lambda c=c: lookup(c, "hearthtest2") is None) for c in conns),
          "removal seen on every connection")
    for c in conns:
        c.close()

    # Kill one worker: lookups keep working at once, and it is replaced.
    time.sleep(1.2)  # past the crash-loop delay, so the restart is immediate
    victim = dm.workers()[0]
    os.kill(victim, signal.SIGKILL)
    ok = 0
    for _ in range(50):
        try:
            ok += call1(sock, "GetUserRecord", dict(P, userName="hearthtest1"))[0]["parameters"]["record"]["uid"] == 60871
        except (OSError, EOFError, KeyError):
            pass
    check(ok == 50, "50 lookups right after a worker was killed: %d answered" % ok)
    check(wait_until(lambda: len(dm.workers()) == 2 and victim not in dm.workers()), "killed worker restarted")
    w = dm.workers()
    base = {p: n_sockets(p) for p in w}
    conns = [Conn(sock) for _ in range(4)]
    check(all(lookup(c, "hearthtest1") is not None for c in conns), "served after the restart")
    got = {p: n_sockets(p) - base[p] for p in w}
    check(all(k >= 1 for k in got.values()), "the new worker takes connections: %s" % got)
    for c in conns:
        c.close()

    # The per-UID limit (1024) holds for the daemon as a whole.
    many = []
    for _ in range(1100):
        try:
            many.append(Conn(sock, timeout=5))
        except OSError:
            pass
    alive = 0
    for c in many:
        try:
            alive += lookup(c, "hearthtest1") is not None
        except (OSError, EOFError):
            pass
    # All still open: connections counted here were held at the same time.
    for c in many:
        c.close()
    check(900 <= alive <= 1024, "per-UID limit across workers: %d of 1100 connections kept" % alive)

    w = dm.workers()
    dm.proc.send_signal(signal.SIGTERM)
    rc = dm.proc.wait(10)
    check(rc == 0, "SIGTERM: daemon exits 0")
    check(all(not os.path.exists("/proc/%d" % p) or open("/proc/%d/stat" % p).read().split()[2] == "Z" for p in w),
          "SIGTERM: workers gone")
    check(not os.path.exists(sock), "SIGTERM: socket removed")
finally:
    dm.stop()
    logf.close()
    with open(logpath) as f:
        log = f.read()
    sys.stderr.write(log)
    shutil.rmtree(root, ignore_errors=True)
    if "ERROR: AddressSanitizer" in log or "runtime error:" in log or "LeakSanitizer" in log:
        print("FAIL: sanitizer report in the daemon log")
        sys.exit(1)
