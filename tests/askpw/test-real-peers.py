#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hearth's ask-password tools against systemd 252's real ones, both ways.

Uses the real /run/systemd/ask-password (the 252 tools know no other
directory), so meson runs it with is_parallel : false.  Every request is
matched by the PID of the querier this script started, and everything it
created is removed at the end."""

import glob
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time

ASK_DIR = "/run/systemd/ask-password"
HEARTH_ASK, HEARTH_AGENT = sys.argv[1], sys.argv[2]
REAL_ASK = shutil.which("systemd-ask-password")
REAL_AGENT = shutil.which("systemd-tty-ask-password-agent")

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def env_without_overrides():
    env = dict(os.environ)
    for k in ("HEARTH_ASK_PASSWORD_DIR", "HEARTH_ASK_PASSWORD_USER_DIR",
              "SYSTEMD_ASK_PASSWORD_AGENT_PASSWORD", "CREDENTIALS_DIRECTORY"):
        env.pop(k, None)
    return env


def ask_files_of(pid):
    out = []
    for path in glob.glob(ASK_DIR + "/ask.*"):
        try:
            text = open(path).read()
        except OSError:
            continue
        if "\nPID=%d\n" % pid in text:
            out.append((path, text))
    return out


def wait_ask(pid, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        files = ask_files_of(pid)
        if files:
            return files[0]
        time.sleep(0.005)
    return None, None


def field(text, key):
    for line in text.splitlines():
        if line.startswith(key + "="):
            return line[len(key) + 1:]
    return None


def start_querier(argv):
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env_without_overrides())


def pty_agent(argv):
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env_without_overrides())
    return pid, fd


def read_until(fd, needle, timeout=10):
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
                return buf
    return buf


def reap(pid, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        p, status = os.waitpid(pid, os.WNOHANG)
        if p == pid:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def leftovers(pid, sock):
    return bool(ask_files_of(pid)) or (sock is not None and os.path.exists(sock))


def send(sock, payload):
    import socket
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(payload, sock)
    s.close()


def real_querier_hearth_agent():
    q = start_querier([REAL_ASK, "--no-tty", "--timeout=20", "RealQ:"])
    path, text = wait_ask(q.pid)
    check(path is not None, "systemd-ask-password wrote an ask file")
    if path is None:
        q.kill(); q.wait(); return
    sock = field(text, "Socket")
    apid, fd = pty_agent([HEARTH_AGENT, "--query"])
    out = read_until(fd, b"RealQ:")
    check(b"RealQ:" in out, "hearth agent shows the real querier's Message on its pty")
    os.write(fd, b"s3cr\x7fret\r")  # with a backspace
    rc = reap(apid)
    os.close(fd)
    stdout, _ = q.communicate(timeout=10)
    check(rc == 0, "hearth agent --query exits 0 after answering")
    check(q.returncode == 0 and stdout == b"s3cret\n", "systemd-ask-password got the password typed into the hearth agent")
    check(b"s3cret" not in out, "masked input is not echoed")
    check(not leftovers(q.pid, sock), "no ask/sck files left by the real querier")


def hearth_querier_real_agent():
    q = start_querier([HEARTH_ASK, "--no-tty", "--timeout=20", "HearthQ:"])
    path, text = wait_ask(q.pid)
    check(path is not None, "hearth-ask-password wrote an ask file")
    if path is None:
        q.kill(); q.wait(); return
    sock = field(text, "Socket")
    apid, fd = pty_agent([REAL_AGENT, "--query"])
    out = read_until(fd, b"HearthQ:")
    check(b"HearthQ:" in out, "systemd-tty-ask-password-agent shows hearth's Message")
    os.write(fd, b"ttypass\r")
    reap(apid)
    os.close(fd)
    stdout, _ = q.communicate(timeout=10)
    check(q.returncode == 0 and stdout == b"ttypass\n", "hearth-ask-password got the password typed into the real agent")
    check(not leftovers(q.pid, sock), "no ask/sck files left by hearth's querier")


def cancel_both_ways():
    # Real querier, Hearth agent: ^C in the agent sends "-".
    q = start_querier([REAL_ASK, "--no-tty", "--timeout=20", "CancelMe:"])
    path, text = wait_ask(q.pid)
    sock = field(text, "Socket") if text else None
    apid, fd = pty_agent([HEARTH_AGENT, "--query"])
    read_until(fd, b"CancelMe:")
    os.write(fd, b"\x03")
    reap(apid)
    os.close(fd)
    q.communicate(timeout=10)
    check(q.returncode != 0, "systemd-ask-password fails when the hearth agent cancels")
    check(not leftovers(q.pid, sock), "real querier cleaned up after cancel")

    # Hearth querier, cancel sent as a "-" datagram (what the real agent's
    # helper systemd-reply-password 0 sends).
    q = start_querier([HEARTH_ASK, "--no-tty", "--timeout=20", "CancelMe2:"])
    path, text = wait_ask(q.pid)
    sock = field(text, "Socket") if text else None
    if sock:
        subprocess.run(["/lib/systemd/systemd-reply-password", "0", sock], stdin=subprocess.DEVNULL, check=False)
    _, err = q.communicate(timeout=10)
    check(q.returncode == 1 and b"cancelled" in err, "hearth querier reports a cancel sent by systemd-reply-password")
    check(not leftovers(q.pid, sock), "hearth querier cleaned up after cancel")

    # Hearth querier answered by systemd-reply-password 1.
    q = start_querier([HEARTH_ASK, "--no-tty", "--timeout=20", "Reply:"])
    path, text = wait_ask(q.pid)
    sock = field(text, "Socket") if text else None
    if sock:
        subprocess.run(["/lib/systemd/systemd-reply-password", "1", sock], input=b"viahelper\n", check=False)
    out, _ = q.communicate(timeout=10)
    check(q.returncode == 0 and out == b"viahelper\n", "systemd-reply-password 1 answers hearth's querier")


def timeouts():
    # Hearth querier, nobody answers.
    t0 = time.monotonic()
    q = start_querier([HEARTH_ASK, "--no-tty", "--timeout=1", "Nobody:"])
    path, text = wait_ask(q.pid)
    sock = field(text, "Socket") if text else None
    _, err = q.communicate(timeout=10)
    check(q.returncode == 1 and b"timed out" in err and time.monotonic() - t0 >= 0.9,
          "hearth querier times out after --timeout")
    check(not leftovers(q.pid, sock), "hearth querier cleaned up after timeout")

    # Real querier times out while the hearth agent is prompting: the agent
    # withdraws its prompt once NotAfter passes.
    q = start_querier([REAL_ASK, "--no-tty", "--timeout=1", "Slow:"])
    path, text = wait_ask(q.pid)
    sock = field(text, "Socket") if text else None
    apid, fd = pty_agent([HEARTH_AGENT, "--query"])
    out = read_until(fd, b"Slow:")
    out += read_until(fd, b"withdrawn", timeout=5)
    rc = reap(apid)
    os.close(fd)
    q.communicate(timeout=10)
    check(b"withdrawn" in out, "hearth agent withdraws the prompt when the real querier's NotAfter passes")
    check(q.returncode != 0 and rc == 0, "real querier timed out, agent exited cleanly")
    check(not leftovers(q.pid, sock), "real querier cleaned up after timeout")


def same_bytes_as_252():
    args = ["--no-tty", "--id=probe:test", "--icon=drive-harddisk", "--timeout=20", "Pw:"]
    texts = {}
    for name, exe in (("real", REAL_ASK), ("hearth", HEARTH_ASK)):
        q = start_querier([exe] + args)
        path, text = wait_ask(q.pid)
        now = int(time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6)
        texts[name] = (q.pid, text, now)
        st = os.stat(path) if path else None
        check(st is not None and (st.st_mode & 0o7777) == 0o644, name + ": ask file mode 0644")
        sock = field(text, "Socket") if text else None
        sst = os.stat(sock) if sock else None
        check(sst is not None and (sst.st_mode & 0o7777) == 0o600, name + ": socket mode 0600")
        if sock:
            send(sock, b"-")
        q.communicate(timeout=10)
        check(not leftovers(q.pid, sock), name + ": files removed after '-'")

    def normalise(pid, text):
        lines = []
        for line in (text or "").splitlines():
            k = line.split("=", 1)[0]
            if k in ("PID", "Socket", "NotAfter"):
                lines.append(k + "=*")
            else:
                lines.append(line)
        return lines

    rpid, rtext, rnow = texts["real"]
    hpid, htext, hnow = texts["hearth"]
    check(normalise(rpid, rtext) == normalise(hpid, htext),
          "hearth's ask file has the same keys, order and values as systemd 252's")
    check(field(htext, "PID") == str(hpid), "hearth PID= is the querier's pid")
    check(field(htext, "Socket").startswith(ASK_DIR + "/sck.") and len(field(htext, "Socket").split("sck.")[1]) == 16,
          "hearth Socket= is sck.<16 hex digits> in the ask directory")
    for name, (pid, text, now) in texts.items():
        na = int(field(text, "NotAfter"))
        check(abs(na - (now + 20_000_000)) < 2_000_000, name + ": NotAfter is CLOCK_MONOTONIC µs, now + 20 s")


def lists():
    q = start_querier([REAL_ASK, "--no-tty", "--timeout=20", "ListMe:"])
    path, text = wait_ask(q.pid)
    out = subprocess.run([HEARTH_AGENT, "--list"], capture_output=True, env=env_without_overrides()).stdout
    check(("'ListMe:' (PID %d)" % q.pid).encode() in out, "hearth --list shows the real querier's request")
    send(field(text, "Socket"), b"-")
    q.communicate(timeout=10)

    q = start_querier([HEARTH_ASK, "--no-tty", "--timeout=20", "ListMe2:"])
    path, text = wait_ask(q.pid)
    out = subprocess.run([REAL_AGENT, "--list"], capture_output=True, env=env_without_overrides()).stdout
    check(("'ListMe2:' (PID %d)" % q.pid).encode() in out, "systemd-tty-ask-password-agent --list shows hearth's request")
    send(field(text, "Socket"), b"-")
    q.communicate(timeout=10)


def main():
    if os.geteuid() != 0:
        print("SKIP: needs root to use /run/systemd/ask-password")
        return 77
    if not REAL_ASK or not REAL_AGENT:
        print("SKIP: systemd-ask-password / systemd-tty-ask-password-agent not installed")
        return 77
    os.makedirs(ASK_DIR, mode=0o755, exist_ok=True)
    for t in (real_querier_hearth_agent, hearth_querier_real_agent, cancel_both_ways, timeouts,
              same_bytes_as_252, lists):
        t()
    shutil.rmtree("/run/systemd/ask-password-block", ignore_errors=True)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
