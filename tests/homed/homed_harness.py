# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Shared by the hearth-homed integration tests: a daemon in a private
# root (own state, runtime, home and userdb directories), a Varlink
# caller, a hearthctl runner, and an ext4 with fscrypt on a loop device.

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(77)


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"ok: {what}")


def varlink(sock, method, params=None, uid=None, more=False):
    """One call; returns (error name or None, parameters). With uid the
    call is made from a child running as that uid."""
    msg = {"method": method, "parameters": params or {}}
    if uid is not None:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                res = varlink(sock, method, params)
                os.write(w, json.dumps(res).encode())
            except Exception as e:
                os.write(w, json.dumps(["child failed: " + repr(e), {}]).encode())
            finally:
                os._exit(0)
        os.close(w)
        data = b""
        while True:
            d = os.read(r, 65536)
            if not d:
                break
            data += d
        os.close(r)
        os.waitpid(pid, 0)
        return tuple(json.loads(data))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    s.sendall(json.dumps(msg).encode() + b"\0")
    buf = b""
    while not buf.endswith(b"\0"):
        d = s.recv(65536)
        if not d:
            break
        buf += d
    s.close()
    reply = json.loads(buf[:-1])
    return reply.get("error"), reply.get("parameters", {})


class Held:
    """A call made with "more" whose connection stays open until close():
    an Acquire that holds its reference as long as the connection lives."""

    def __init__(self, sock, method, params):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(sock)
        self.s.sendall(json.dumps({"method": method, "parameters": params, "more": True}).encode() + b"\0")
        self.buf = b""

    def reply(self, timeout=30):
        """The next reply as (error, parameters, continues); None when the
        connection closed first."""
        self.s.settimeout(timeout)
        while b"\0" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                return None
            self.buf += d
        msg, self.buf = self.buf.split(b"\0", 1)
        r = json.loads(msg)
        return r.get("error"), r.get("parameters", {}), r.get("continues", False)

    def close(self):
        self.s.close()


class Daemon:
    def __init__(self, builddir, tmp, homework=None, extra=()):
        self.b = builddir
        self.tmp = tmp
        self.state = os.path.join(tmp, "state")
        self.run = os.path.join(tmp, "run")
        self.home = os.path.join(tmp, "home")
        self.userdb = os.path.join(tmp, "userdb")
        for d in (self.state, self.run, self.home, self.userdb):
            os.makedirs(d, exist_ok=True)
        self.sock = os.path.join(self.run, "io.hearth.Home")
        # None: the daemon's built-in (forked) worker; a path: that program.
        self.homework = homework
        # The bad-password delay (3 s by default) would make every test of
        # a wrong secret slow; tests that check it pass their own value.
        self.extra = list(extra)
        if not any(a.startswith("--bad-password-delay=") for a in self.extra):
            self.extra.append("--bad-password-delay=0")
        self.proc = None
        self.logs = []

    def start(self, homework=None, userdb=None):
        if userdb:
            self.userdb = userdb
        log = open(os.path.join(self.tmp, "homed.log"), "a")
        self.proc = subprocess.Popen(
            [os.path.join(self.b, "homed", "hearth-homed"), f"--state-dir={self.state}",
             f"--runtime-dir={self.run}", f"--home-root={self.home}", f"--userdb-dir={self.userdb}"] +
            ([f"--homework={homework or self.homework}"] if (homework or self.homework) else []) + self.extra,
            stdout=log, stderr=log)
        for _ in range(200):
            if os.path.exists(self.sock):
                try:
                    err, p = varlink(self.sock, "io.hearth.Home.List")
                    if err is None:
                        return
                except OSError:
                    pass
            if self.proc.poll() is not None:
                raise AssertionError("hearth-homed exited: " + self.log())
            time.sleep(0.02)
        raise AssertionError("hearth-homed did not come up")

    def wait_idle(self, user, timeout=30):
        """Waits until the home is in a stable state."""
        end = time.time() + timeout
        while time.time() < end:
            err, p = self.call("Inspect", {"userName": user})
            if err is None and p["state"] in ("inactive", "active", "locked", "absent", "dirty"):
                return p["state"]
            time.sleep(0.05)
        raise AssertionError(f"{user} did not settle")

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
        self.proc = None

    def log(self):
        try:
            return open(os.path.join(self.tmp, "homed.log")).read()
        except OSError:
            return ""

    def call(self, method, params=None, uid=None):
        return varlink(self.sock, "io.hearth.Home." + method, params, uid=uid)

    def ctl(self, *args, env=None, input=None):
        e = dict(os.environ)
        e.pop("PASSWORD", None)
        e.pop("NEWPASSWORD", None)
        e["HEARTH_HOMED_SOCKET"] = self.sock
        e.update(env or {})
        p = subprocess.run([os.path.join(self.b, "ctl", "hearthctl"), "--no-ask-password", *args],
                           capture_output=True, text=True, env=e, input=input, stdin=None if input else subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr


def need_root():
    if os.geteuid() != 0:
        skip("needs root (bind mounts, chown, trusted.* xattrs)")


def is_mount(path):
    return any(line.split()[4] == path for line in open("/proc/self/mountinfo"))


def cleanup_mounts(prefix):
    for line in reversed(open("/proc/self/mountinfo").read().splitlines()):
        target = line.split()[4]
        if target.startswith(prefix + "/"):
            subprocess.run(["umount", "-l", target])


def tmpdir(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    # Calls made as other uids must reach the socket inside.
    os.chmod(d, 0o755)
    return d


def rmtree(path):
    shutil.rmtree(path, ignore_errors=True)


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def open_errno(path):
    """0 if the file reads, else the errno opening or reading it gave."""
    try:
        with open(path) as f:
            f.read()
        return 0
    except OSError as e:
        return e.errno


def slots(path):
    return {a: os.getxattr(path, a) for a in os.listxattr(path) if a.startswith("trusted.fscrypt_slot")}


def need_fscrypt(tools=()):
    """Skips, naming what is missing, unless loop devices and ext4 fscrypt are here."""
    need_root()
    for tool in ("mkfs.ext4", "losetup", "mount", "umount") + tuple(tools):
        if not shutil.which(tool):
            skip(f"{tool} not installed")
    if not os.path.exists("/dev/loop-control"):
        skip("no loop device support (/dev/loop-control missing)")
    if not os.path.exists("/sys/fs/ext4/features/encryption"):
        skip("kernel ext4 lacks fscrypt (no /sys/fs/ext4/features/encryption)")


class FscryptFs:
    """A 128 MiB ext4 made with -O encrypt, loop-mounted at `where`;
    close() takes down everything below it too."""

    def __init__(self, tmp, where):
        self.img, self.where, self.loop, self.mounted = os.path.join(tmp, "fs.img"), where, None, False
        run("truncate", "-s", "128M", self.img)
        run("mkfs.ext4", "-q", "-O", "encrypt", self.img)
        self.loop = run("losetup", "-f", "--show", self.img).stdout.strip()
        os.makedirs(where, exist_ok=True)
        run("mount", self.loop, where)
        self.mounted = True

    def close(self):
        if self.mounted:
            cleanup_mounts(self.where)
            subprocess.run(["umount", "-l", self.where])
            self.mounted = False
        if self.loop:
            subprocess.run(["losetup", "-d", self.loop])
            self.loop = None
