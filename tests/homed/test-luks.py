#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""LUKS home images up to activation (this kernel has loop devices but no
device-mapper): GPT layout, LUKS2 format, keyslots in passphrase order,
the systemd-homed token, passphrase checks and password change, all
cross-checked with the real cryptsetup CLI; damaged images refused with
nothing changed; the worker's create failing cleanly where dm-crypt is
missing. Needs root and loop devices, else skips."""

import base64, json, os, shutil, struct, subprocess, sys, tempfile, uuid

tool, homework = sys.argv[1], sys.argv[2]
SKIP = 77
HOME_TYPE = "773f91ef-66d4-49b5-bd83-d683bf40ad16"

if os.geteuid() != 0 or not os.path.exists("/dev/loop-control"):
    print("skipped: needs root and /dev/loop-control"); sys.exit(SKIP)
if not shutil.which("cryptsetup") or not shutil.which("losetup"):
    print("skipped: needs cryptsetup and losetup"); sys.exit(SKIP)

failures = 0
def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1

def run(*args, inp=None):
    return subprocess.run(list(args), input=inp, capture_output=True, text=True)

def crypt_hash(pw):
    # $6$ via the crypt(3) the records layer verifies with
    import ctypes, ctypes.util
    lib = ctypes.CDLL(ctypes.util.find_library("crypt"))
    lib.crypt.restype = ctypes.c_char_p
    return lib.crypt(pw.encode(), b"$6$saltsaltsalt$").decode()

tmp = tempfile.mkdtemp(prefix="hearth-luks-")
loops = []
def losetup(img, off, size):
    l = run("losetup", "-f", "--show", "-o", str(off), "--sizelimit", str(size), img).stdout.strip()
    loops.append(l)
    return l
def detach_all():
    for l in loops:
        run("losetup", "-d", l)
    loops.clear()

try:
    rec = {
        "userName": "lukstest", "uid": 60321, "storage": "luks", "lastChangeUSec": 1000,
        "luksPbkdfForceIterations": 1, "luksPbkdfMemoryCost": 65536, "luksPbkdfType": "argon2id",
        "luksUuid": str(uuid.uuid4()), "partitionUuid": str(uuid.uuid4()),
        "privileged": {"hashedPassword": [crypt_hash("first pw"), crypt_hash("second pw")]},
        "someUnknownField": {"kept": True},
        "binding": {"0" * 31 + "1": {"imagePath": "/x"}},
    }
    recfile = os.path.join(tmp, "rec.json")
    json.dump(rec, open(recfile, "w"))
    img = os.path.join(tmp, "lukstest.home")

    p = run(tool, "format", img, str(64 << 20), recfile, "first pw", "second pw")
    check(p.returncode == 0, f"format ({p.stderr.strip()})")
    off, size = map(int, p.stdout.split())
    check(off == 1 << 20 and size % 4096 == 0 and off + size <= 64 << 20, f"partition at {off}, {size} bytes")
    check(os.stat(img).st_blocks * 512 < 32 << 20, "image is sparse")

    # GPT, read by hand: header at LBA 1, first entry at LBA 2.
    with open(img, "rb") as f:
        f.seek(512); hdr = f.read(92)
        f.seek(1024); ent = f.read(128)
    check(hdr[:8] == b"EFI PART", "GPT signature")
    check(str(uuid.UUID(bytes_le=ent[:16])) == HOME_TYPE, "partition type is the home type")
    check(str(uuid.UUID(bytes_le=ent[16:32])) == rec["partitionUuid"], "partition UUID from the record")
    first, last = struct.unpack("<QQ", ent[32:48])
    check(first * 512 == off and (last + 1 - first) * 512 == size, "partition bounds")
    check(ent[56:].decode("utf-16-le").rstrip("\0") == "lukstest", "partition name = user")
    lsblk = run("blkid", "-p", "-o", "value", "-s", "PTTYPE", img)
    check(lsblk.stdout.strip() == "gpt", "blkid sees a GPT")

    loop = losetup(img, off, size)
    dump = run("cryptsetup", "luksDump", "--dump-json-metadata", loop)
    check(dump.returncode == 0, "cryptsetup luksDump reads the header")
    meta = json.loads(dump.stdout)
    check(sorted(meta["keyslots"]) == ["0", "1"], f"two keyslots: {sorted(meta['keyslots'])}")
    check(all(k["kdf"]["type"] == "argon2id" and k["kdf"]["memory"] == 64 for k in meta["keyslots"].values()),
          "keyslots use the record's PBKDF (argon2id, 64 KiB forced)")
    toks = [t for t in meta["tokens"].values() if t["type"] == "systemd-homed"]
    check(len(toks) == 1 and toks[0]["keyslots"] == [] and set(toks[0]) == {"type", "keyslots", "record", "iv"},
          "one systemd-homed token with record and iv")
    check(len(base64.b64decode(toks[0]["iv"])) == 16, "token IV is 16 bytes")
    text = run("cryptsetup", "luksDump", loop).stdout
    check("systemd-homed" in text, "luksDump lists the systemd-homed token")
    uuid_out = run("cryptsetup", "luksUUID", loop).stdout.strip()
    check(uuid_out == rec["luksUuid"], "LUKS UUID from the record")
    check(meta["config"].get("json_size") is not None, "LUKS2 config present")
    label = run("blkid", "-p", "-o", "value", "-s", "LABEL", loop).stdout.strip()
    check(label == "lukstest", f"LUKS label = user ({label})")
    sub = run("blkid", "-p", "-o", "value", "-s", "SUBSYSTEM", loop).stdout.strip()
    check(sub == "systemd-home", f"LUKS subsystem = systemd-home ({sub})")

    def cs_test(pw, slot=None):
        args = ["cryptsetup", "open", "--test-passphrase", "--key-file", "-", loop]
        if slot is not None:
            args += ["--key-slot", str(slot)]
        return run(*args, inp=pw).returncode
    check(cs_test("first pw", 0) == 0, "cryptsetup accepts the first password in slot 0")
    check(cs_test("second pw", 1) == 0, "cryptsetup accepts the second password in slot 1")
    check(cs_test("wrong pw") == 2, "cryptsetup rejects a wrong password")
    detach_all()

    p = run(tool, "check", img, "nope", "second pw")
    check(p.returncode == 0 and p.stdout.strip() == "1", "check tries each passphrase (slot 1)")
    p = run(tool, "check", img, "nope")
    check(p.returncode == 2, "wrong passphrase: BadPassword")

    p = run(tool, "token", img, "first pw")
    hdr_rec = json.loads(p.stdout) if p.returncode == 0 else {}
    expect = {k: v for k, v in rec.items() if k != "binding"}
    check(hdr_rec == expect, "header record round trip (binding left out, unknown field kept)")
    p = run(tool, "verify", img, recfile, "first pw")
    check(p.returncode == 0, "header record matches the host record")
    other = dict(rec, userName="someoneelse")
    json.dump(other, open(os.path.join(tmp, "other.json"), "w"))
    p = run(tool, "verify", img, os.path.join(tmp, "other.json"), "first pw")
    check(p.returncode == 3, "header record of another user: RecordMismatch")
    signed = dict(rec, signature=[{"data": base64.b64encode(b"x" * 64).decode(),
                                   "key": "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"}])
    json.dump(signed, open(os.path.join(tmp, "signed.json"), "w"))
    p = run(tool, "verify", img, os.path.join(tmp, "signed.json"), "first pw")
    check(p.returncode == 3, "unsigned header record against a signed host record: refused")

    # passwd: slots re-created from the volume key, stale ones destroyed.
    before = open(img, "rb").read()
    p = run(tool, "passwd", img, recfile, "bad old", "new pw")
    check(p.returncode == 2 and open(img, "rb").read() == before, "passwd with a wrong old password changes nothing")
    p = run(tool, "passwd", img, recfile, "second pw", "new pw")
    check(p.returncode == 0, "passwd")
    loop = losetup(img, off, size)
    meta = json.loads(run("cryptsetup", "luksDump", "--dump-json-metadata", loop).stdout)
    check(sorted(meta["keyslots"]) == ["0"], "one keyslot left")
    check(cs_test("new pw", 0) == 0 and cs_test("first pw") == 2 and cs_test("second pw") == 2,
          "cryptsetup: new password opens, old ones do not")
    check(len([t for t in meta["tokens"].values() if t["type"] == "systemd-homed"]) == 1, "token kept")
    detach_all()
    p = run(tool, "token", img, "new pw")
    check(p.returncode == 0 and json.loads(p.stdout) == expect, "record still readable with the new password")

    # Bad input: nothing is destroyed.
    bad = os.path.join(tmp, "bad.home")
    shutil.copy(img, bad)
    with open(bad, "r+b") as f:
        f.seek(off); f.write(b"\0" * 4096); f.seek(off + 0x4000); f.write(b"\0" * 4096)
    snap = open(bad, "rb").read()
    p = run(tool, "check", bad, "new pw")
    check(p.returncode == 3 and open(bad, "rb").read() == snap, "damaged LUKS header: refused, image untouched")
    os.truncate(bad, 8 << 20)
    p = run(tool, "check", bad, "new pw")
    check(p.returncode == 3, "truncated image: refused")
    junk = os.path.join(tmp, "junk.home")
    open(junk, "wb").write(os.urandom(1 << 20))
    p = run(tool, "check", junk, "x")
    check(p.returncode == 3, "not an image: refused")
    # Token whose ciphertext was altered: decoding fails, never a wrong record.
    loop = losetup(img, off, size)
    tokid = [k for k, t in json.loads(run("cryptsetup", "luksDump", "--dump-json-metadata", loop).stdout)["tokens"].items()
             if t["type"] == "systemd-homed"][0]
    t = json.loads(run("cryptsetup", "token", "export", "--token-id", tokid, loop).stdout)
    ct = bytearray(base64.b64decode(t["record"])); ct[5] ^= 0xff
    t["record"] = base64.b64encode(bytes(ct)).decode()
    open(os.path.join(tmp, "tok.json"), "w").write(json.dumps(t))
    run("cryptsetup", "token", "remove", "--token-id", tokid, loop)
    imp = run("cryptsetup", "token", "import", "--json-file", os.path.join(tmp, "tok.json"), loop)
    detach_all()
    p = run(tool, "verify", img, recfile, "new pw")
    check(imp.returncode == 0 and p.returncode == 3, "altered token: refused")

    # Lock: an image in use elsewhere is refused.
    import fcntl
    fd = os.open(img, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    p = run(tool, "check", img, "new pw")
    check(p.returncode == 1 and "Address already in use" in p.stderr, "locked image: in use elsewhere")
    os.close(fd)

    # The worker: create needs dm-crypt; where it is missing the create
    # fails with an error and leaves no image behind.
    if "device-mapper" not in open("/proc/misc").read():
        wrec = dict(rec, imagePath=os.path.join(tmp, "w.home"), homeDirectory=os.path.join(tmp, "w"),
                    diskSize=64 << 20, fileSystemType="ext4")
        wrec.pop("binding")
        req = {"operation": "create", "record": wrec, "secret": {"password": ["first pw", "second pw"]}}
        env = dict(os.environ, HEARTH_LUKS_RUN_DIR=os.path.join(tmp, "run"))
        p = subprocess.run([homework], input=json.dumps(req), capture_output=True, text=True, env=env)
        reply = json.loads(p.stdout or "{}")
        check(p.returncode == 1 and "error" in reply, f"worker create without dm-crypt fails: {reply.get('error', {}).get('message')}")
        check(not os.path.exists(wrec["imagePath"]), "nothing left behind")
        check("first pw" not in p.stderr + p.stdout, "no secret in the output")
finally:
    detach_all()
    shutil.rmtree(tmp, ignore_errors=True)

sys.exit(1 if failures else 0)
