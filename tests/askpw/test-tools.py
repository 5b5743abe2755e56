#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""hearth-ask-password and hearth-tty-ask-password-agent in a private
directory: terminal prompt through a pty, echo modes, credential, keyring,
--multiple, --user, --list, --wall suppression, error messages."""

import os
import pty
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import shutil

ASK, AGENT = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def read_until(fd, needle, timeout=5):
    buf = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            if needle in buf:
                break
    return buf


def in_pty(argv, env):
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env)
    return pid, fd


def finish(pid, fd):
    rest = read_until(fd, b"\0never", timeout=2)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), rest


def wait_ask(d, timeout=5):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            names = [n for n in os.listdir(d) if n.startswith("ask.")]
        except FileNotFoundError:
            names = []
        if names:
            return os.path.join(d, names[0])
        time.sleep(0.005)
    return None


def field(path, key):
    for line in open(path).read().splitlines():
        if line.startswith(key + "="):
            return line[len(key) + 1:]


def main():
    tmp = tempfile.mkdtemp(prefix="askpw-tools-")
    os.chmod(tmp, 0o755)
    env = dict(os.environ)
    env["HEARTH_ASK_PASSWORD_DIR"] = d = tmp + "/ask"
    env["HEARTH_ASK_PASSWORD_BLOCK_DIR"] = tmp + "/block"
    for k in ("SYSTEMD_ASK_PASSWORD_AGENT_PASSWORD", "CREDENTIALS_DIRECTORY", "HEARTH_ASK_PASSWORD_USER_DIR"):
        env.pop(k, None)
    os.mkdir(d)
    try:
        # Terminal on stdin: the querier prompts there itself.
        pid, fd = in_pty([ASK, "--timeout=10", "--credential=none", "TTY", "prompt:"], env)
        out = read_until(fd, b"TTY prompt:")
        check(b"TTY prompt:" in out, "querier prompts on its terminal")
        os.write(fd, b"h\xc3\xa9llo\r")
        rc, rest = finish(pid, fd)
        check(rc == 0 and b"h\xc3\xa9llo\r\n" in rest, "typed password printed")
        check(rest.count(b"*") == 5, "masked: one '*' per character (UTF-8 aware)")

        pid, fd = in_pty([ASK, "--timeout=10", "--echo=yes", "Name:"], env)
        read_until(fd, b"Name:")
        os.write(fd, b"bob\r")
        rc, rest = finish(pid, fd)
        check(rc == 0 and rest.count(b"bob") == 2, "--echo=yes shows the input")

        pid, fd = in_pty([ASK, "--timeout=10", "--echo=no", "Silent:"], env)
        read_until(fd, b"Silent:")
        os.write(fd, b"quiet\r")
        rc, rest = finish(pid, fd)
        check(rc == 0 and b"*" not in rest and rest.count(b"quiet") == 1, "--echo=no shows nothing")

        pid, fd = in_pty([ASK, "--timeout=10", "Cancel:"], env)
        read_until(fd, b"Cancel:")
        os.write(fd, b"\x03")
        rc, rest = finish(pid, fd)
        check(rc == 1 and b"cancelled" in rest, "^C on the terminal cancels")

        # Credential first.
        cred = tmp + "/cred"
        os.mkdir(cred)
        open(cred + "/password", "wb").write(b"c1\0c2")
        r = subprocess.run([ASK, "--no-tty", "--multiple"], env=dict(env, CREDENTIALS_DIRECTORY=cred),
                           capture_output=True, stdin=subprocess.DEVNULL)
        check(r.returncode == 0 and r.stdout == b"c1\nc2\n", "credential read, --multiple prints all")
        r = subprocess.run([ASK, "--no-tty", "-n"], env=dict(env, CREDENTIALS_DIRECTORY=cred),
                           capture_output=True, stdin=subprocess.DEVNULL)
        check(r.stdout == b"c1", "-n: no newline, first password only")

        # Agent answers and caches; the second call takes it from the keyring.
        key = "hearth-tools-%d" % os.getpid()
        agent = subprocess.Popen([AGENT, "--watch"], env=dict(env, SYSTEMD_ASK_PASSWORD_AGENT_PASSWORD="cached"))
        r = subprocess.run([ASK, "--no-tty", "--keyname=" + key, "--timeout=5", "K:"], env=env,
                           capture_output=True, stdin=subprocess.DEVNULL)
        check(r.stdout == b"cached\n", "agent answer returned")
        agent.send_signal(signal.SIGTERM)
        agent.wait()
        r = subprocess.run([ASK, "--no-tty", "--accept-cached", "--keyname=" + key, "--timeout=1", "K:"], env=env,
                           capture_output=True, stdin=subprocess.DEVNULL)
        check(r.returncode == 0 and r.stdout == b"cached\n", "--accept-cached answers from the keyring")
        if shutil.which("keyctl"):
            subprocess.run(["keyctl", "purge", "user", key], capture_output=True)

        # Errors.
        uenv = dict(env)
        uenv.pop("XDG_RUNTIME_DIR", None)
        r = subprocess.run([ASK, "--no-tty", "--user", "--credential=none", "U:"], env=uenv,
                           capture_output=True, stdin=subprocess.DEVNULL)
        check(r.returncode == 1 and b"no password agent available" in r.stderr,
              "--user without XDG_RUNTIME_DIR: no password agent available")
        r = subprocess.run([ASK, "--echo=loud", "x"], env=env, capture_output=True)
        check(r.returncode == 1 and b"--echo" in r.stderr, "bad --echo value refused")
        r = subprocess.run([ASK, "--no-tty", "two\nlines"], env=env, capture_output=True, stdin=subprocess.DEVNULL)
        check(r.returncode == 1 and not os.listdir(d), "message with a newline refused, nothing left")

        # --user agent serves both directories; --list shows both.
        xdg = tmp + "/xdg"
        os.mkdir(xdg)
        xenv = dict(env, XDG_RUNTIME_DIR=xdg)
        q1 = subprocess.Popen([ASK, "--no-tty", "--timeout=10", "Sys:"], env=xenv, stdout=subprocess.PIPE,
                              stdin=subprocess.DEVNULL)
        q2 = subprocess.Popen([ASK, "--no-tty", "--user", "--timeout=10", "Usr:"], env=xenv, stdout=subprocess.PIPE,
                              stdin=subprocess.DEVNULL)
        udir = xdg + "/systemd/ask-password"
        check(wait_ask(d) is not None and wait_ask(udir) is not None,
              "requests in the system and the per-user directory")
        out = subprocess.run([AGENT, "--list", "--user"], env=xenv, capture_output=True).stdout
        check(b"'Sys:' (PID %d)" % q1.pid in out and b"'Usr:' (PID %d)" % q2.pid in out, "--list --user shows both")
        pid, fd = in_pty([AGENT, "--query", "--user"], xenv)
        seen = read_until(fd, b":")
        os.write(fd, b"first\r")
        seen += read_until(fd, b"r:" if b"Sys:" in seen else b"s:")
        os.write(fd, b"second\r")
        rc, _ = finish(pid, fd)
        o1, _ = q1.communicate(timeout=10)
        o2, _ = q2.communicate(timeout=10)
        check(rc == 0 and sorted([o1, o2]) == [b"first\n", b"second\n"],
              "one --query agent answers both, one after another")

        # Wall: announces to terminals, except one blocked by a prompting agent.
        q = subprocess.Popen([ASK, "--no-tty", "--timeout=10", "Walled:"], env=env, stdout=subprocess.PIPE,
                             stdin=subprocess.DEVNULL)
        path = wait_ask(d)
        # --wall watches like --watch; it must announce and never answer.
        w = subprocess.Popen([AGENT, "--wall"], env=env)
        time.sleep(0.3)
        check(w.poll() is None and q.poll() is None, "--wall announces without answering")
        w.send_signal(signal.SIGTERM)
        check(w.wait(timeout=10) == 0, "--wall exits cleanly on SIGTERM")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.sendto(b"-", field(path, "Socket"))
        q.communicate(timeout=10)
        check(not os.listdir(d), "nothing left in the directory")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
