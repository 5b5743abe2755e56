#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bad input against hearth-userdbd itself: each bad client gets the right
error or is dropped, everyone else keeps being served, memory stays bounded;
and bad drop-in files are skipped with a log line without hiding others."""

import os
import resource
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from userdb_testlib import *  # noqa: E402,F403

SVC = "io.hearth.TestBad"
root = tempfile.mkdtemp(prefix="hearth-userdb-bad-")
os.chmod(root, 0o755)
d = make_tree(root, SAMPLE_USERS, SAMPLE_GROUPS, SAMPLE_MEMBERSHIPS)
# userdb-specific bad input
write(os.path.join(d, "broken.user"), "{\"userName\": ")
write(os.path.join(d, "wrongname.user"), {"userName": "someoneelse", "uid": 60890})
os.symlink("ghost.user", os.path.join(d, "60891.user"))
write(os.path.join(d, "badfield.user"), {"userName": "badfield", "uid": "sixty"})
write(os.path.join(d, "notobject.group"), "[]")

# Room for 5000 client sockets here and in the daemon.
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = min(hard, 16384)
if want < 10100:
    skip("RLIMIT_NOFILE hard limit %d is too low for 5000 connections" % hard)
resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

sockdir = os.path.join(root, "sock")
dm = Daemon(["--dropin-dir=" + d, "--socket-dir=" + sockdir, "--service-name=" + SVC, "--machine-id=" + MID])
sock = os.path.join(sockdir, SVC)
P = {"service": SVC}


def alive(what):
    r = call1(sock, "GetUserRecord", dict(P, userName="hearthtest1"))[0]
    check(r["parameters"]["record"]["uid"] == 60871, "still serving after " + what)


def dropped(c):
    try:
        c.s.settimeout(10)
        while True:
            d = c.s.recv(65536)
            if not d:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


try:
    dm.wait_socket(sock)
    rs = call1(sock, "GetUserRecord", P, more=True)
    check(sorted(x["parameters"]["record"]["userName"] for x in rs) == ["hearthsys", "hearthtest1", "hearthtest2"],
          "bad drop-in files do not hide the good ones")
    r = call1(sock, "GetUserRecord", dict(P, uid=60891))[0]
    check(r.get("error") == IFACE + "NoRecordFound", "UID link to a missing file: not found")
    r = call1(sock, "GetUserRecord", dict(P, userName="someoneelse"))[0]
    check(r.get("error") == IFACE + "NoRecordFound", "record whose userName does not match its file: ignored")

    c = Conn(sock)
    c.send_raw(b"\x00\xff\xfe garbage \x01\x02\0")
    check(dropped(c), "garbage bytes: dropped")
    alive("garbage")

    c = Conn(sock)
    c.send_raw(b'{"method":"io.systemd.UserDatabase.GetUserRecord","parameters":{"service":"x"}}')
    c.s.shutdown(socket.SHUT_WR)
    check(dropped(c), "message without NUL then EOF: dropped")
    alive("no NUL")

    c = Conn(sock)
    try:
        chunk = b"[" * (1 << 20)
        for _ in range(17):
            c.send_raw(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    check(dropped(c), "17 MiB message: dropped")
    alive("17 MiB")

    c = Conn(sock)
    r = c.call("GetUserRecord", {"service": SVC, "userName": 5})[0]
    check(r.get("error") == "org.varlink.service.InvalidParameter" and r["parameters"]["parameter"] == "userName",
          "wrong type: InvalidParameter naming the field")
    r = c.call("GetUserRecord", {"service": SVC, "bogus": 1})[0]
    check(r.get("error") == "org.varlink.service.InvalidParameter", "unknown field: InvalidParameter")
    r = c.call("io.systemd.UserDatabase.NoSuchMethod", {})[0]
    check(r.get("error") == "org.varlink.service.MethodNotFound", "unknown method: MethodNotFound")
    r = c.call("com.example.Nope.Method", {})[0]
    check(r.get("error") in ("org.varlink.service.InterfaceNotFound", "org.varlink.service.MethodNotFound"),
          "unknown interface: InterfaceNotFound")
    r = c.call("GetUserRecord", {"service": SVC, "userName": "hearthtest2"})[0]
    check(r["parameters"]["record"]["uid"] == 60872, "same connection still usable after errors")
    c.close()

    idle = Conn(sock)   # connects and never sends
    alive("an idle client")

    # Disconnect mid-stream: ask for a stream and go away at once.
    for _ in range(50):
        c = Conn(sock)
        c.send_raw(b'{"method":"io.systemd.UserDatabase.GetUserRecord","parameters":{"service":"%s"},"more":true}\0'
                   % SVC.encode())
        c.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        c.close()
    alive("clients leaving mid-stream")

    rss0 = dm.rss_kib()
    conns = []
    failed = 0
    for _ in range(5000):
        try:
            conns.append(Conn(sock, timeout=5))
        except OSError:
            failed += 1
    # One uid may hold only so many connections (the rest are closed at
    # once); another uid is still served meanwhile.
    if os.geteuid() == 0:
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            try:
                os.setgid(65534)
                os.setuid(65534)
                r = call1(sock, "GetUserRecord", dict(P, userName="hearthtest1"))[0]
                os.write(wfd, b"1" if r["parameters"]["record"]["uid"] == 60871 else b"0")
            finally:
                os._exit(0)
        os.close(wfd)
        res = os.read(rfd, 1)
        os.waitpid(pid, 0)
        check(res == b"1", "another uid is served while 5000 connections are open")
    for c in conns:
        c.close()
    time.sleep(0.5)
    alive("5000 connections closed")
    rss1 = dm.rss_kib()
    check(rss1 - rss0 < 64 * 1024, "memory bounded (RSS grew %d KiB)" % (rss1 - rss0))
    idle.close()
finally:
    err = dm.stop()
    sys.stderr.write(err)
for what in ("broken.user", "wrongname.user", "60891.user", "badfield.user", "notobject.group"):
    check(what in err, "skip of %s logged" % what)
shutil.rmtree(root, ignore_errors=True)
