# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers the userdb integration tests share: a sample drop-in tree, a
hearth-userdbd runner and a minimal Varlink client speaking the raw wire
format (one JSON object per message, NUL-terminated)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

MID = open("/etc/machine-id").read().strip() if os.path.exists("/etc/machine-id") else "0" * 31 + "1"
IFACE = "io.systemd.UserDatabase."


def skip(reason):
    print("SKIP: " + reason)
    sys.exit(77)


def daemon_path():
    p = os.environ.get("HEARTH_USERDBD")
    if not p or not os.access(p, os.X_OK):
        skip("HEARTH_USERDBD not set (run through meson test)")
    return p


def write(path, obj):
    with open(path, "w") as f:
        f.write(obj if isinstance(obj, str) else json.dumps(obj))


def make_tree(root, users=(), groups=(), memberships=()):
    d = os.path.join(root, "userdb")
    os.makedirs(d, exist_ok=True)
    for u in users:
        write(os.path.join(d, u["userName"] + ".user"), u)
        if "uid" in u:
            os.symlink(u["userName"] + ".user", os.path.join(d, "%d.user" % u["uid"]))
    for g in groups:
        write(os.path.join(d, g["groupName"] + ".group"), g)
        if "gid" in g:
            os.symlink(g["groupName"] + ".group", os.path.join(d, "%d.group" % g["gid"]))
    for u, g in memberships:
        write(os.path.join(d, "%s:%s.membership" % (u, g)), "")
    return d


SAMPLE_USERS = [
    {"userName": "hearthtest1", "uid": 60871, "gid": 60871, "realName": "Hearth Test One",
     "homeDirectory": "/home/hearthtest1", "shell": "/bin/sh", "disposition": "regular",
     "emailAddress": "one@hearth.example"},
    {"userName": "hearthtest2", "uid": 60872, "realName": "Second Tester", "shell": "/bin/bash"},
    {"userName": "hearthsys", "uid": 871, "disposition": "system"},
]
SAMPLE_GROUPS = [
    {"groupName": "hearthtest1", "gid": 60871, "description": "Primary group"},
    {"groupName": "hearthgrp", "gid": 60880, "description": "Hearth testers", "members": ["hearthtest2"]},
]
SAMPLE_MEMBERSHIPS = [("hearthtest1", "hearthgrp")]


class Daemon:
    def __init__(self, args, env=None, stderr=None):
        self.tmp = None
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen([daemon_path()] + args, env=e, stderr=stderr or subprocess.PIPE,
                                     text=True)

    def wait_socket(self, path, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("hearth-userdbd exited: %s" % self.proc.stderr.read())
            if os.path.exists(path):
                try:
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(path)
                    s.close()
                    return
                except OSError:
                    pass
            time.sleep(0.02)
        raise RuntimeError("socket %s did not appear" % path)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.stderr.read() if self.proc.stderr else ""

    def workers(self):
        """PIDs of the serving workers (none when it serves itself)."""
        try:
            with open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)) as f:
                return [int(p) for p in f.read().split()]
        except OSError:
            return []

    def rss_kib(self):
        """Resident memory of the daemon and all its workers."""
        total = 0
        for pid in [self.proc.pid] + self.workers():
            try:
                for line in open("/proc/%d/status" % pid):
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total


class Conn:
    def __init__(self, path, timeout=10):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""

    def send_raw(self, data):
        self.s.sendall(data)

    def recv_msg(self):
        while b"\0" not in self.buf:
            d = self.s.recv(1 << 16)
            if not d:
                raise EOFError("connection closed")
            self.buf += d
        m, self.buf = self.buf.split(b"\0", 1)
        return json.loads(m)

    def call(self, method, params=None, more=False):
        msg = {"method": method if "." in method else IFACE + method}
        if params is not None:
            msg["parameters"] = params
        if more:
            msg["more"] = True
        self.send_raw(json.dumps(msg).encode() + b"\0")
        out = []
        while True:
            r = self.recv_msg()
            out.append(r)
            if not r.get("continues"):
                return out

    def close(self):
        self.s.close()


def call1(path, method, params=None, more=False):
    c = Conn(path)
    try:
        return c.call(method, params, more)
    finally:
        c.close()


def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)
    print("ok: " + what)
