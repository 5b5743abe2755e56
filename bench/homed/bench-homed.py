#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Activation/deactivation latency of directory and fscrypt homes, with
# every KDF at its minimum so what is left is the manager's own overhead.
#   bench-homed.py hearth BUILDDIR N        hearth-homed in a private root
#   bench-homed.py systemd SDROOT N         systemd-homed 252 (run by run.sh inside
#                                           a private mount namespace)
# Prints one JSON object with the medians (ms) and the KDF costs measured
# on their own.

import crypt
import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

PW = "bench password"
CHEAP_HASH = crypt.crypt(PW, "$6$rounds=1000$benchsaltbench$")


def ms(f, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        out.append((time.perf_counter() - t) * 1000)
    return out


def run(*cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd}: {p.stderr.strip()}")
    return p.stdout


def hash_cost(h, n=20):
    return statistics.median(ms(lambda: crypt.crypt(PW, h), n))


def spawn_floor(n=40):
    """What starting and reaping a program that does nothing costs this
    harness: part of every CLI measurement, for both managers alike, and
    neither manager's own overhead."""
    return statistics.median(ms(lambda: run("/bin/true"), n))


def loop_fs(where):
    img = os.path.join(tempfile.gettempdir(), f"bench-homed-{os.getpid()}.img")
    run("truncate", "-s", "256M", img)
    run("mkfs.ext4", "-q", "-O", "encrypt", img)
    loop = run("losetup", "-f", "--show", img).strip()
    os.makedirs(where, exist_ok=True)
    run("mount", loop, where)
    return img, loop


def unmount_all(prefix):
    for line in reversed(open("/proc/self/mountinfo").read().splitlines()):
        t = line.split()[4]
        if t == prefix or t.startswith(prefix + "/"):
            subprocess.run(["umount", "-l", t])


def stats(v):
    v = sorted(v)
    return {"median": round(statistics.median(v), 2), "p90": round(v[int(len(v) * 0.9) - 1], 2),
            "min": round(v[0], 2)}


def varlink(sock, method, params):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    s.sendall(json.dumps({"method": method, "parameters": params}).encode() + b"\0")
    buf = b""
    while not buf.endswith(b"\0"):
        d = s.recv(65536)
        if not d:
            break
        buf += d
    s.close()
    r = json.loads(buf[:-1])
    if "error" in r:
        raise RuntimeError(f"{method}: {r}")
    return r.get("parameters")


def bench_hearth(build, n):
    tmp = tempfile.mkdtemp(prefix="bench-homed-")
    fs = os.path.join(tmp, "fs")
    img, loop = loop_fs(fs)
    # The runtime directory on tmpfs, as /run is wherever hearth-homed runs
    # (and as the systemd-homed half gets it).
    rundir = os.path.join(tmp, "run")
    os.makedirs(rundir)
    run("mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", rundir)
    sock = os.path.join(rundir, "io.hearth.Home")
    d = subprocess.Popen([f"{build}/homed/hearth-homed", f"--state-dir={tmp}/state", f"--runtime-dir={tmp}/run",
                          f"--home-root={fs}", f"--userdb-dir={tmp}/userdb"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    res = {}
    try:
        for _ in range(500):
            if os.path.exists(sock):
                break
            time.sleep(0.01)
        env = dict(os.environ, HEARTH_HOMED_SOCKET=sock, PASSWORD=PW)
        ctl = f"{build}/ctl/hearthctl"
        # fscrypt homes keep the default dropCaches (on): the key removal
        # evicts the home's cached plaintext itself, so it costs nothing more
        # unless files are still open (docs/design/homed-storage.md).
        for variant in ("directory", "fscrypt"):
            storage = variant
            user = "b" + variant[:3]
            rec = {"userName": user, "storage": storage, "privileged": {"hashedPassword": [CHEAP_HASH]},
                   "luksPbkdfType": "pbkdf2", "luksPbkdfForceIterations": 1,
                   "rateLimitBurst": 100000}
            varlink(sock, "io.hearth.Home.Create", {"record": rec, "secret": {"password": [PW]}})
            act, deact = [], []
            for _ in range(n):
                act += ms(lambda: varlink(sock, "io.hearth.Home.Activate",
                                          {"userName": user, "secret": {"password": [PW]}}), 1)
                deact += ms(lambda: varlink(sock, "io.hearth.Home.Deactivate", {"userName": user}), 1)
            cact, cdeact = [], []
            for _ in range(n):
                cact += ms(lambda: run(ctl, "activate", user, env=env), 1)
                cdeact += ms(lambda: run(ctl, "deactivate", user, env=env), 1)
            # The KDFs: the password hash check, and one PBKDF2 iteration per slot.
            kdf = hash_cost(CHEAP_HASH)
            res[variant] = {"activate_api": stats(act), "deactivate_api": stats(deact),
                            "activate_cli": stats(cact), "deactivate_cli": stats(cdeact),
                            "kdf_ms": round(kdf, 2), "spawn_ms": round(spawn_floor(), 2)}
    finally:
        d.send_signal(signal.SIGTERM)
        d.wait()
        unmount_all(fs)
        unmount_all(rundir)
        subprocess.run(["losetup", "-d", loop])
        os.unlink(img)
        shutil.rmtree(tmp, ignore_errors=True)
    return res


def bench_systemd(root, n):
    """Runs inside a private mount namespace (run.sh): tmpfs on /run and
    /var/lib/systemd, an fscrypt ext4 on /home, a private system bus."""
    homed = f"{root}/lib/systemd/systemd-homed"
    env = dict(os.environ, SYSTEMD_HOMEWORK_PATH=f"{root}/lib/systemd/systemd-homework")
    run("mount", "--make-rprivate", "/")
    for d in ("/run", "/var/lib/systemd"):
        run("mount", "-t", "tmpfs", "tmpfs", d)
    os.makedirs("/run/systemd/system")     # sd_booted()
    os.makedirs("/run/dbus")
    os.makedirs("/var/lib/systemd/home", mode=0o700)
    img, loop = loop_fs("/home")
    # homework mounts the home in a namespace of its own; shared
    # propagation brings it back into ours (real-peers.md §8).
    run("mount", "--make-rshared", "/")
    conf = "/run/bench-bus.conf"
    with open(conf, "w") as f:
        f.write("""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path=/run/dbus/system_bus_socket</listen>
<auth>EXTERNAL</auth><policy context="default"><allow user="*"/><allow own="*"/>
<allow send_type="method_call"/><allow send_destination="*"/><allow receive_sender="*"/></policy></busconfig>""")
    bus = subprocess.Popen(["dbus-daemon", f"--config-file={conf}", "--nofork"])
    for _ in range(500):
        if os.path.exists("/run/dbus/system_bus_socket"):
            break
        time.sleep(0.01)
    hd = subprocess.Popen([homed], env=dict(env, SYSTEMD_LOG_LEVEL="warning"),
                          stdout=subprocess.DEVNULL, stderr=open("/run/homed.log", "w"))
    res = {}
    try:
        hc = f"{root}/usr/bin/homectl"
        cenv = dict(env, PASSWORD=PW, NEWPASSWORD=PW)
        for _ in range(500):
            if subprocess.run([hc, "list"], capture_output=True, env=cenv).returncode == 0:
                break
            time.sleep(0.02)
        for storage in ("directory", "fscrypt"):
            user = "b" + storage[:3]
            ident = f"/run/{user}.json"
            json.dump({"userName": user, "storage": storage, "enforcePasswordPolicy": False, "rateLimitBurst": 100000,
                       "privileged": {"hashedPassword": [CHEAP_HASH]},
                       "secret": {"password": [PW]}}, open(ident, "w"))
            run(hc, "create", f"--identity={ident}", env=cenv)
            act, deact = [], []
            for _ in range(n):
                act += ms(lambda: run(hc, "activate", user, env=cenv), 1)
                deact += ms(lambda: run(hc, "deactivate", user, env=cenv), 1)
            kdf = hash_cost(CHEAP_HASH)
            if storage == "fscrypt":
                # homed 252's slots: PBKDF2-HMAC-SHA512, 65535 iterations, fixed.
                kdf += statistics.median(ms(lambda: hashlib.pbkdf2_hmac("sha512", PW.encode(), b"x" * 64, 0xFFFF), 5))
            res[storage] = {"activate_cli": stats(act), "deactivate_cli": stats(deact), "kdf_ms": round(kdf, 2),
                            "spawn_ms": round(spawn_floor(), 2)}
    finally:
        hd.send_signal(signal.SIGTERM)
        hd.wait()
        bus.send_signal(signal.SIGTERM)
        bus.wait()
        unmount_all("/home")
        subprocess.run(["losetup", "-d", loop])
        os.unlink(img)
    return res


if __name__ == "__main__":
    mode, arg, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    out = bench_hearth(os.path.abspath(arg), n) if mode == "hearth" else bench_systemd(arg, n)
    print(json.dumps(out))
