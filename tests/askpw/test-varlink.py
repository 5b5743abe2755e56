#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""io.systemd.AskPassword served by `hearth-ask-password --varlink`, in a
private directory (bookworm's 252 has no Varlink API to compare with):
answers, errors, echo mapping on disk, hang-up, caller policy, socket
activation and the per-user instance."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ASK, AGENT = sys.argv[1], sys.argv[2]
failures = []
ORDER = ["PID", "Socket", "AcceptCached", "Echo", "NotAfter", "Silent", "Message", "Icon", "Id"]


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


class Client:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)

    def send(self, method, params):
        self.s.sendall(json.dumps({"method": method, "parameters": params}).encode() + b"\0")

    def recv(self):
        buf = b""
        while not buf.endswith(b"\0"):
            chunk = self.s.recv(65536)
            if not chunk:
                return None
            buf += chunk
        return json.loads(buf[:-1])

    def call(self, method, params):
        self.send(method, params)
        return self.recv()

    def close(self):
        self.s.close()


def wait_for(pred, timeout=5):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.005)
    return None


def ask_files(d):
    try:
        return [os.path.join(d, n) for n in os.listdir(d) if n.startswith("ask.")]
    except FileNotFoundError:
        return []


def parse(path):
    keys, vals = [], {}
    for line in open(path).read().splitlines()[1:]:
        k, v = line.split("=", 1)
        keys.append(k)
        vals[k] = v
    return keys, vals


def start(env, args, activate=False):
    cmd = [ASK, "--varlink"] + args
    if activate:
        # systemd-socket-activate passes on only the variables named.
        pass_env = []
        for k in env:
            if k.startswith("HEARTH_") or k.startswith("ASAN_") or k.startswith("UBSAN_"):
                pass_env += ["-E", k]
        cmd = [shutil.which("systemd-socket-activate"), "-l", env["HEARTH_ASK_PASSWORD_VARLINK_SOCKET"],
               "--fdname=varlink"] + pass_env + cmd
    p = subprocess.Popen(cmd, env=env)

    def answers():
        try:
            c = Client(env["HEARTH_ASK_PASSWORD_VARLINK_SOCKET"])
            r = c.call("org.varlink.service.GetInfo", {})
            c.close()
            return r is not None and "parameters" in r
        except OSError:
            return False
    ok = wait_for(answers)
    if ok and activate:
        os.chmod(env["HEARTH_ASK_PASSWORD_VARLINK_SOCKET"], 0o666)  # SocketMode=0666 in the unit
    return p if ok else None


def stop(p):
    if p:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=10)


def system_instance(tmp, activate):
    env = dict(os.environ)
    env["HEARTH_ASK_PASSWORD_DIR"] = ask_dir = tmp + "/ask"
    env["HEARTH_ASK_PASSWORD_VARLINK_SOCKET"] = sock = tmp + "/io.systemd.AskPassword"
    env.pop("SYSTEMD_ASK_PASSWORD_AGENT_PASSWORD", None)
    label = "activated" if activate else "direct"
    svc = start(env, [], activate)
    check(svc is not None, label + ": service socket appears")
    if not svc:
        return

    # Answered through the file protocol by hand, checking the file.
    c = Client(sock)
    c.send("io.systemd.AskPassword.Ask", {"message": "VL:", "icon": "dialog-password", "id": "vl:test",
                                          "echo": "off", "timeoutUSec": 20_000_000})
    path = wait_for(lambda: ask_files(ask_dir) and ask_files(ask_dir)[0])
    check(path is not None, label + ": Ask drops an ask file")
    if path:
        keys, vals = parse(path)
        check(keys == ORDER, label + ": ask file keys in systemd 252 order")
        check(vals["Silent"] == "1" and vals["Echo"] == "0", label + ": echo=off is Silent=1")
        check(vals["Message"] == "VL:" and vals["Icon"] == "dialog-password" and vals["Id"] == "vl:test",
              label + ": message/icon/id on disk")
        now = int(time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6)
        check(abs(int(vals["NotAfter"]) - (now + 20_000_000)) < 2_000_000, label + ": timeoutUSec becomes NotAfter")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.sendto(b"+one\0two", vals["Socket"])
        s.close()
    r = c.recv()
    check(r == {"parameters": {"passwords": ["one", "two"]}}, label + ": passwords returned: %r" % (r,))
    check(wait_for(lambda: not ask_files(ask_dir)) is not None or not ask_files(ask_dir), label + ": ask file removed")

    # echo=on, through Hearth's agent answering automatically.
    aenv = dict(env, SYSTEMD_ASK_PASSWORD_AGENT_PASSWORD="agentpw")
    agent = subprocess.Popen([AGENT, "--watch"], env=aenv)
    r = c.call("io.systemd.AskPassword.Ask", {"echo": "on"})
    check(r == {"parameters": {"passwords": ["agentpw"]}}, label + ": answered by hearth agent")
    agent.send_signal(signal.SIGTERM)
    agent.wait()

    r = c.call("io.systemd.AskPassword.Ask", {"timeoutUSec": 0})
    check(r.get("error") == "io.systemd.AskPassword.NoPasswordAvailable", label + ": timeoutUSec=0 -> NoPasswordAvailable")
    r = c.call("io.systemd.AskPassword.Ask", {"untilUSec": 0})
    check(r.get("error") == "io.systemd.AskPassword.NoPasswordAvailable", label + ": untilUSec=0 -> NoPasswordAvailable")
    t0 = time.monotonic()
    r = c.call("io.systemd.AskPassword.Ask", {"timeoutUSec": 300_000})
    check(r.get("error") == "io.systemd.AskPassword.TimeoutReached" and time.monotonic() - t0 >= 0.25,
          label + ": timeout -> TimeoutReached")
    check(not ask_files(ask_dir) and not os.listdir(ask_dir), label + ": nothing left after timeout")
    r = c.call("io.systemd.AskPassword.Ask", {"echo": "loud"})
    check(r.get("error") == "org.varlink.service.InvalidParameter", label + ": bad echo -> InvalidParameter")
    r = c.call("io.systemd.AskPassword.Ask", {"message": 5})
    check(r.get("error") == "org.varlink.service.InvalidParameter", label + ": mistyped field -> InvalidParameter")
    c.close()

    # Hang-up: closing the connection withdraws the request.
    c = Client(sock)
    c.send("io.systemd.AskPassword.Ask", {"message": "HangUp:"})
    path = wait_for(lambda: ask_files(ask_dir) and ask_files(ask_dir)[0])
    check(path is not None, label + ": request pending before hang-up")
    c.close()
    check(wait_for(lambda: not os.listdir(ask_dir)) is not None, label + ": hang-up removes ask file and socket")

    # Policy: a non-root caller of the system instance is refused.
    pid = os.fork()
    if pid == 0:
        os.setresgid(65534, 65534, 65534)
        os.setresuid(65534, 65534, 65534)
        try:
            r = Client(sock).call("io.systemd.AskPassword.Ask", {"timeoutUSec": 0})
            os._exit(0 if r.get("error") == "org.varlink.service.PermissionDenied" else 1)
        except Exception:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    check(os.waitstatus_to_exitcode(status) == 0, label + ": uid 65534 gets PermissionDenied")

    # ... unless its group is allowed.
    stop(svc)
    genv = dict(env, HEARTH_ASK_PASSWORD_VARLINK_GROUP="nogroup")
    svc = start(genv, [], activate)
    pid = os.fork()
    if pid == 0:
        os.setresgid(65534, 65534, 65534)
        os.setresuid(65534, 65534, 65534)
        try:
            r = Client(sock).call("io.systemd.AskPassword.Ask", {"timeoutUSec": 0})
            os._exit(0 if r.get("error") == "io.systemd.AskPassword.NoPasswordAvailable" else 1)
        except Exception:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    check(os.waitstatus_to_exitcode(status) == 0, label + ": member of the allowed group is served")
    stop(svc)


def user_instance(tmp):
    xdg = tmp + "/xdg"
    os.makedirs(xdg, mode=0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=xdg)
    for k in ("HEARTH_ASK_PASSWORD_DIR", "HEARTH_ASK_PASSWORD_USER_DIR", "HEARTH_ASK_PASSWORD_VARLINK_SOCKET"):
        env.pop(k, None)
    sock = xdg + "/systemd/io.systemd.AskPassword"
    svc = subprocess.Popen([ASK, "--user", "--varlink"], env=env)
    check(wait_for(lambda: os.path.exists(sock)) is not None, "user: socket under $XDG_RUNTIME_DIR/systemd")
    agent = subprocess.Popen([AGENT, "--watch", "--user"], env=dict(env, SYSTEMD_ASK_PASSWORD_AGENT_PASSWORD="userpw"))
    c = Client(sock)
    r = c.call("io.systemd.AskPassword.Ask", {"message": "User:"})
    check(r == {"parameters": {"passwords": ["userpw"]}}, "user: answered by the --user agent")
    c.close()
    agent.send_signal(signal.SIGTERM)
    agent.wait()

    # The per-user request file, kept pending to look at it.
    c = Client(sock)
    c.send("io.systemd.AskPassword.Ask", {"message": "Look:"})
    udir = xdg + "/systemd/ask-password"
    path = wait_for(lambda: ask_files(udir) and ask_files(udir)[0])
    check(path is not None, "user: request in $XDG_RUNTIME_DIR/systemd/ask-password")
    if path:
        keys, vals = parse(path)
        check(keys == ORDER[:7], "user: same key order as the system directory")
        check(vals["Socket"].startswith(udir + "/sck."), "user: socket in the per-user directory")
    c.close()
    check(wait_for(lambda: not os.listdir(udir)) is not None, "user: hang-up cleans the per-user directory")
    stop(svc)


def main():
    if os.geteuid() != 0:
        print("SKIP: needs root (setresuid for the policy checks)")
        return 77
    tmp = tempfile.mkdtemp(prefix="askpw-vl-")
    os.chmod(tmp, 0o755)
    try:
        system_instance(tmp + "/a" if os.mkdir(tmp + "/a") is None else tmp, False)
        os.chmod(tmp + "/a", 0o755)
        if shutil.which("systemd-socket-activate"):
            os.mkdir(tmp + "/b")
            os.chmod(tmp + "/b", 0o755)
            system_instance(tmp + "/b", True)
        else:
            print("note: systemd-socket-activate missing, activation not tested")
        user_instance(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
