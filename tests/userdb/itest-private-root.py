#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""hearth-userdbd in a private directory: every method, parameter and
error of io.systemd.UserDatabase, and privileged data by peer uid."""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from userdb_testlib import *  # noqa: E402,F403

SVC = "io.hearth.TestPrivate"

root = tempfile.mkdtemp(prefix="hearth-userdb-")
os.chmod(root, 0o755)   # unprivileged peers below must reach the socket
users = [dict(u) for u in SAMPLE_USERS]
d = make_tree(root, users, SAMPLE_GROUPS, SAMPLE_MEMBERSHIPS)
write(os.path.join(d, "hearthtest1.user-privileged"),
      {"privileged": {"hashedPassword": ["$6$salt$hash"], "sshAuthorizedKeys": ["ssh-ed25519 AAAA test"]}})
sockdir = os.path.join(root, "sock")
dm = Daemon(["--dropin-dir=" + d, "--socket-dir=" + sockdir, "--service-name=" + SVC, "--machine-id=" + MID])
sock = os.path.join(sockdir, SVC)
try:
    dm.wait_socket(sock)
    P = {"service": SVC}

    r = call1(sock, "GetUserRecord", dict(P, userName="hearthtest1"))[0]
    rec = r["parameters"]["record"]
    check(rec["userName"] == "hearthtest1" and rec["uid"] == 60871, "lookup by name")
    check(rec["status"][MID]["service"] == SVC, "record carries status.<machine-id>.service")
    check("secret" not in rec, "no secret")
    if os.geteuid() == 0:
        check("privileged" in rec and r["parameters"]["incomplete"] is False, "root sees the privileged section")

    r = call1(sock, "GetUserRecord", dict(P, uid=60872))[0]
    check(r["parameters"]["record"]["userName"] == "hearthtest2", "lookup by uid")
    check(r["parameters"]["incomplete"] is False, "incomplete false without privileged data")

    r = call1(sock, "GetUserRecord", dict(P, uid=60872, userName="hearthtest1"))[0]
    check(r.get("error") == IFACE + "ConflictingRecordFound", "uid and name of two records: ConflictingRecordFound")
    r = call1(sock, "GetUserRecord", dict(P, uid=60872, userName="hearthtest2"))[0]
    check("error" not in r, "uid and name of the same record")
    r = call1(sock, "GetUserRecord", dict(P, userName="nosuchuser"))[0]
    check(r.get("error") == IFACE + "NoRecordFound", "NoRecordFound")
    r = call1(sock, "GetUserRecord", {"service": "io.other", "userName": "hearthtest1"})[0]
    check(r.get("error") == IFACE + "BadService", "BadService")
    r = call1(sock, "GetUserRecord", {"userName": "hearthtest1"})[0]
    check(r.get("error") == "org.varlink.service.InvalidParameter", "missing service: InvalidParameter")
    r = call1(sock, "GetUserRecord", dict(P, userName="hearthtest1", uidMin=61000))[0]
    check(r.get("error") == IFACE + "NonMatchingRecordFound", "range filter on keyed lookup: NonMatchingRecordFound")
    r = call1(sock, "GetUserRecord", dict(P, userName="hearthtest1", dispositionMask=["system"]))[0]
    check(r.get("error") == IFACE + "NonMatchingRecordFound", "disposition filter: NonMatchingRecordFound")
    r = call1(sock, "GetUserRecord", dict(P, userName="hearthtest1", dispositionMask=["nonsense"]))[0]
    check(r.get("error") == "org.varlink.service.InvalidParameter" and
          r["parameters"].get("parameter") == "dispositionMask", "bad disposition: InvalidParameter")
    r = call1(sock, "GetUserRecord", dict(P, uid=-5))[0]
    check(r.get("error") == "org.varlink.service.InvalidParameter", "negative uid: InvalidParameter")

    r = call1(sock, "GetUserRecord", P)[0]
    check(r.get("error") == "org.varlink.service.ExpectedMore", "enumeration without more: ExpectedMore")
    rs = call1(sock, "GetUserRecord", P, more=True)
    names = sorted(x["parameters"]["record"]["userName"] for x in rs)
    check(names == ["hearthsys", "hearthtest1", "hearthtest2"], "enumeration streams every user")
    check(all(x.get("continues") for x in rs[:-1]) and not rs[-1].get("continues"), "continues on all but the last")
    rs = call1(sock, "GetUserRecord", dict(P, fuzzyNames=["second"]), more=True)
    check([x["parameters"]["record"]["userName"] for x in rs] == ["hearthtest2"], "fuzzy by real name")
    rs = call1(sock, "GetUserRecord", dict(P, fuzzyNames=["hearthtset1"]), more=True)
    check([x["parameters"]["record"]["userName"] for x in rs] == ["hearthtest1"], "fuzzy by Levenshtein distance")
    rs = call1(sock, "GetUserRecord", dict(P, dispositionMask=["system"]), more=True)
    check([x["parameters"]["record"]["userName"] for x in rs] == ["hearthsys"], "disposition mask enumeration")
    rs = call1(sock, "GetUserRecord", dict(P, uidMin=60000, uidMax=60871), more=True)
    check([x["parameters"]["record"]["userName"] for x in rs] == ["hearthtest1"], "uid range enumeration")
    rs = call1(sock, "GetUserRecord", dict(P, uidMin=1, uidMax=2), more=True)
    check(rs[0].get("error") == IFACE + "NoRecordFound", "empty enumeration: NoRecordFound")

    r = call1(sock, "GetGroupRecord", dict(P, groupName="hearthgrp"))[0]
    check(r["parameters"]["record"]["gid"] == 60880, "group by name")
    r = call1(sock, "GetGroupRecord", dict(P, gid=60871))[0]
    check(r["parameters"]["record"]["groupName"] == "hearthtest1", "group by gid")
    rs = call1(sock, "GetGroupRecord", dict(P, gidMin=60880), more=True)
    check([x["parameters"]["record"]["groupName"] for x in rs] == ["hearthgrp"], "gid range enumeration")

    r = call1(sock, "GetMemberships", dict(P, userName="hearthtest1", groupName="hearthgrp"))[0]
    check(r["parameters"] == {"userName": "hearthtest1", "groupName": "hearthgrp"}, "membership pair")
    r = call1(sock, "GetMemberships", dict(P, userName="hearthtest2", groupName="hearthtest1"))[0]
    check(r.get("error") == IFACE + "NoRecordFound", "absent pair: NoRecordFound")
    rs = call1(sock, "GetMemberships", dict(P, groupName="hearthgrp"), more=True)
    check(sorted(x["parameters"]["userName"] for x in rs) == ["hearthtest1", "hearthtest2"],
          "members of a group (file + members field)")
    rs = call1(sock, "GetMemberships", dict(P, userName="hearthtest1"), more=True)
    check([x["parameters"]["groupName"] for x in rs] == ["hearthgrp"], "groups of a user")
    rs = call1(sock, "GetMemberships", P, more=True)
    check(len(rs) == 2, "all memberships")

    r = call1(sock, "org.varlink.service.GetInfo")[0]
    check(IFACE[:-1] in r["parameters"]["interfaces"], "GetInfo lists io.systemd.UserDatabase")
    r = call1(sock, "org.varlink.service.GetInterfaceDescription", {"interface": IFACE[:-1]})[0]
    check("NonMatchingRecordFound" in r["parameters"]["description"], "interface description")

    # An unprivileged peer gets no privileged section and incomplete=true.
    if os.geteuid() == 0:
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            try:
                os.setgid(65534)
                os.setuid(65534)
                r = call1(sock, "GetUserRecord", dict(P, userName="hearthtest1"))[0]["parameters"]
                ok = "privileged" not in r["record"] and r["incomplete"] is True
                os.write(wfd, b"1" if ok else b"0")
            finally:
                os._exit(0)
        os.close(wfd)
        res = os.read(rfd, 1)
        os.waitpid(pid, 0)
        check(res == b"1", "unprivileged peer: privileged stripped, incomplete true")

        # The record's own uid sees it.
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            try:
                os.setgid(60871)
                os.setuid(60871)
                r = call1(sock, "GetUserRecord", dict(P, userName="hearthtest1"))[0]["parameters"]
                os.write(wfd, b"1" if "privileged" in r["record"] and r["incomplete"] is False else b"0")
            finally:
                os._exit(0)
        os.close(wfd)
        res = os.read(rfd, 1)
        os.waitpid(pid, 0)
        check(res == b"1", "the record's own uid sees its privileged section")
finally:
    err = dm.stop()
    sys.stderr.write(err)
    shutil.rmtree(root, ignore_errors=True)
check(not os.path.exists(sock), "socket removed on exit")
