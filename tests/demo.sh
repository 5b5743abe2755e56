#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Hearth demo: walks through what Hearth can do so far, with a heading per
# step. Everything happens in a temporary directory that is removed at the
# end; nothing on the machine is changed.
#   tests/demo.sh BUILD_DIR
set -euo pipefail

build=$(realpath "${1:?usage: $0 BUILD_DIR}")
hearthctl=$build/ctl/hearthctl
[ -x "$hearthctl" ] || { echo "no hearthctl in $build (build first)" >&2; exit 1; }

work=$(mktemp -d /tmp/hearth-demo-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

step=0
heading() {
        step=$((step + 1))
        printf '\n\033[1m== %d. %s\033[0m\n' "$step" "$*"
}
show() {  # prints a command (to stderr, so output can be redirected), then runs it
        local shown=("${1##*/}" "${@:2}")
        printf '\033[2m$ %s\033[0m\n' "${shown[*]}" >&2
        "$@"
}

heading "A user record, as systemd-homed and userdbctl read it"
password=$(head -c 12 /dev/urandom | base64)
hash=$(printf '%s\n' "$password" | "$hearthctl" record hash-password)
cat > alice.user <<JSON
{
  "userName": "alice",
  "realName": "Alice Example",
  "uid": 60100,
  "disposition": "regular",
  "storage": "directory",
  "memberOf": ["wheel"],
  "lastChangeUSec": $(($(date +%s) * 1000000)),
  "privileged": { "hashedPassword": ["$hash"] },
  "io.example.note": "fields Hearth does not know are kept"
}
JSON
cat alice.user
echo "(the password hash above was made by 'hearthctl record hash-password')"

heading "Validate it"
show "$hearthctl" record validate alice.user

heading "A broken copy is refused, naming the field"
sed 's/"uid": 60100/"uid": 4294967295/' alice.user > broken.user
show "$hearthctl" record validate broken.user || echo "(exit status $?)"

heading "Show it with effective values (defaults filled in)"
show "$hearthctl" record show alice.user

heading "Make an Ed25519 signing key with openssl"
show openssl genpkey -algorithm ed25519 -out local.private
show openssl pkey -in local.private -pubout -out local.public
cat local.public

heading "Sign the record"
show "$hearthctl" record sign --private-key=local.private alice.user > alice.signed
sed -n '/"signature"/,/\]/p' alice.signed

heading "Verify the signature"
show "$hearthctl" record verify --public-key=local.public alice.signed

heading "The signed bytes, and OpenSSL checking the signature on its own"
show "$hearthctl" record canonical --signable alice.signed > signed-bytes
cat signed-bytes; echo
python3 -c 'import base64, json, sys
rec = json.load(open("alice.signed"))
sys.stdout.buffer.write(base64.b64decode(rec["signature"][0]["data"]))' > signature.bin
show openssl pkeyutl -verify -pubin -inkey local.public -rawin -in signed-bytes -sigfile signature.bin

heading "A tampered copy fails verification"
sed 's/"uid" : 60100/"uid" : 0/' alice.signed > tampered.signed
grep '"uid"' tampered.signed
rc=0; show "$hearthctl" record verify --public-key=local.public tampered.signed || rc=$?
echo "(exit status $rc: bad signature)"

heading "Another key does not vouch for it"
openssl genpkey -algorithm ed25519 -out other.private
openssl pkey -in other.private -pubout -out other.public
rc=0; show "$hearthctl" record verify --public-key=other.public alice.signed || rc=$?
echo "(exit status $rc: signed, but by a key we were not told to trust)"

heading "A recovery key, and the entry a record stores for it"
show "$hearthctl" --json=pretty record recovery-key

heading "Serve it with hearth-userdbd (private socket folder) and look it up"
if [ -x "$build/userdb/hearth-userdbd" ]; then
        mkdir -p userdb
        cp alice.user userdb/alice.user
        ln -s alice.user userdb/60100.user
        echo '{"groupName":"wheel-demo","gid":60200,"members":["alice"]}' > userdb/wheel-demo.group
        printf '\033[2m$ hearth-userdbd --dropin-dir=%s --socket-dir=%s &\033[0m\n' "$work/userdb" "$work/sock" >&2
        "$build/userdb/hearth-userdbd" --dropin-dir="$work/userdb" --socket-dir="$work/sock" 2>userdbd.log &
        userdbd=$!
        for _ in $(seq 250); do [ -S "$work/sock/io.hearth.DropIn" ] && break; sleep 0.02; done
        export HEARTH_USERDB_SOCKET_DIR=$work/sock
        show "$hearthctl" user alice
        show "$hearthctl" user
        show "$hearthctl" groups-of-user alice
        show "$hearthctl" services
        unset HEARTH_USERDB_SOCKET_DIR
        kill "$userdbd"; wait "$userdbd" 2>/dev/null || true
        if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null && command -v userdbctl >/dev/null; then
                heading "The real userdbctl and getent read it through Hearth's socket (private mount namespace)"
                show unshare -m bash -c '
                        mount --make-rprivate / && mount -t tmpfs tmpfs /run
                        "$0" --dropin-dir="$1" --socket-dir=/run/systemd/userdb 2>/dev/null &
                        for _ in $(seq 250); do [ -S /run/systemd/userdb/io.hearth.DropIn ] && break; sleep 0.02; done
                        userdbctl --no-pager user alice; getent passwd alice; id alice
                        kill $!' "$build/userdb/hearth-userdbd" "$work/userdb"
        fi
else
        echo "(hearth-userdbd not built)"
fi

homed_demo() {
        local homed=$build/homed/hearth-homed
        local pw="demo $(head -c 6 /dev/urandom | base64)"
        # Globals: the EXIT trap runs after this function's locals are gone.
        homed_loop= homed_fs=$work/fs homed_pid=
        local fsdir=$homed_fs
        homed_cleanup() {
                [ -n "$homed_pid" ] && { kill "$homed_pid" 2>/dev/null; wait "$homed_pid" 2>/dev/null || true; }
                grep -o " $homed_fs[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
                [ -n "$homed_loop" ] && losetup -d "$homed_loop" 2>/dev/null || true
                rm -rf "$work"
        }
        trap homed_cleanup EXIT

        heading "hearth-homed in a private root, homes on an ext4 with fscrypt (loop device)"
        show truncate -s 128M fs.img
        show mkfs.ext4 -q -O encrypt fs.img
        homed_loop=$(losetup -f --show fs.img)
        mkdir -p "$fsdir" && mount "$homed_loop" "$fsdir"
        echo "mounted $homed_loop on $fsdir"
        printf '\033[2m$ hearth-homed --state-dir=%s --runtime-dir=%s --home-root=%s --userdb-dir=%s &\033[0m\n' \
                "$work/state" "$work/run" "$fsdir" "$work/homed-userdb" >&2
        "$homed" --state-dir="$work/state" --runtime-dir="$work/run" --home-root="$fsdir" \
                --userdb-dir="$work/homed-userdb" >homed.log 2>&1 &
        homed_pid=$!
        for _ in $(seq 250); do [ -S "$work/run/io.hearth.Home" ] && break; sleep 0.02; done
        export HEARTH_HOMED_SOCKET=$work/run/io.hearth.Home
        ls -l "$work/state"

        heading "Create a user with an fscrypt home (KDF at its minimum for the demo)"
        NEWPASSWORD=$pw show "$hearthctl" create dana --real-name="Dana Demo" --storage=fscrypt \
                --luks-pbkdf-force-iterations=1 --luks-pbkdf-memory-cost=65536
        show "$hearthctl" list
        show "$hearthctl" inspect dana

        heading "The user through userdb: hearthctl and, in a private namespace, the real userdbctl and getent"
        HEARTH_USERDB_SOCKET_DIR=$work/homed-userdb show "$hearthctl" user dana
        if command -v unshare >/dev/null && command -v userdbctl >/dev/null; then
                show unshare -m bash -c '
                        mount --make-rprivate / && mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/userdb
                        mount --bind "$0" /run/systemd/userdb
                        userdbctl --no-pager user dana; getent passwd dana; getent group dana' "$work/homed-userdb"
        fi

        heading "Activate (password from \$PASSWORD) and write a file"
        PASSWORD=$pw show "$hearthctl" activate dana
        echo "dana's diary" > "$fsdir/dana/diary.txt"
        show cat "$fsdir/dana/diary.txt"

        heading "Lock: the key leaves the kernel, contents are unreadable"
        show "$hearthctl" lock dana
        show "$hearthctl" list
        show cat "$fsdir/dana/diary.txt" || echo "(exit status $?)"

        heading "Unlock with the password: readable again"
        PASSWORD=$pw show "$hearthctl" unlock dana
        show cat "$fsdir/dana/diary.txt"

        heading "Deactivate: unmounted, names encrypted, files cannot be opened"
        show "$hearthctl" deactivate dana
        show ls "$fsdir/dana.homedir"
        for f in "$fsdir"/dana.homedir/*; do [ -f "$f" ] && { show cat "$f" || echo "(exit status $?)"; }; done

        heading "A wrong password is refused and changes nothing"
        PASSWORD=wrong show "$hearthctl" --no-ask-password activate dana || echo "(exit status $?)"
        show "$hearthctl" list

        heading "Activate again: the file is back"
        PASSWORD=$pw show "$hearthctl" activate dana
        show cat "$fsdir/dana/diary.txt"
        show "$hearthctl" deactivate dana
        show "$hearthctl" remove dana
        unset HEARTH_HOMED_SOCKET
        echo "daemon log:"; sed 's/^/  /' homed.log
}
if [ "$(id -u)" -eq 0 ] && [ -x "$build/homed/hearth-homed" ] && [ -e /dev/loop-control ] &&
   [ -e /sys/fs/ext4/features/encryption ] && command -v mkfs.ext4 >/dev/null; then
        homed_demo
else
        echo "(hearth-homed demo skipped: needs root, loop devices, ext4 with fscrypt and a built hearth-homed)"
fi

printf '\n\033[1mDemo done; %s removed.\033[0m\n' "$work"
