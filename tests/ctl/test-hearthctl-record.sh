#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# hearthctl record ...: exit codes, messages and outputs.
#   test-hearthctl-record.sh HEARTHCTL
set -uo pipefail

hearthctl=$(realpath "${1:?usage: $0 HEARTHCTL}")
command -v openssl >/dev/null || { echo "openssl not installed, skipping"; exit 77; }

dir=$(mktemp -d /tmp/hearth-ctl-XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run EXPECTED_RC STDERR_PATTERN ARGS... : runs hearthctl, checks the exit
# code and that stderr matches the pattern (empty pattern: stderr empty).
run() {
        local want=$1 pattern=$2; shift 2
        local rc=0
        "$hearthctl" "$@" >out 2>err || rc=$?
        if [ "$rc" -ne "$want" ]; then
                fail "hearthctl $* exited $rc, expected $want; stderr: $(cat err)"
        elif [ -z "$pattern" ] && [ -s err ]; then
                fail "hearthctl $* wrote to stderr: $(cat err)"
        elif [ -n "$pattern" ] && ! grep -q -- "$pattern" err; then
                fail "hearthctl $*: stderr lacks '$pattern': $(cat err)"
        fi
}

cat > user.json <<'JSON'
{
  "userName": "ctltest",
  "uid": 60124,
  "realName": "Ctl Test",
  "storage": "directory",
  "privileged": { "hashedPassword": [] },
  "io.example.unknown": { "kept": true }
}
JSON
cat > group.json <<'JSON'
{ "groupName": "ctlgroup", "gid": 60124, "members": ["ctltest"] }
JSON

# --- usage ---------------------------------------------------------------
run 0 "" --help
grep -q "record sign" out || fail "--help does not list record sign"
run 0 "" --version
grep -q "^hearthctl " out || fail "--version output: $(cat out)"
run 2 "unknown verb" frobnicate
run 2 "unknown verb 'record frobnicate'" record frobnicate
run 2 "too few arguments" record validate
run 2 "too many arguments" record validate a b
run 2 "unknown option" --bogus record validate user.json
run 2 "needs an argument" record sign user.json --private-key
run 2 "unknown --json= mode" --json=fancy record show user.json
run 2 "missing verb" record

# --- validate --------------------------------------------------------------
run 0 "" record validate user.json
grep -q "valid user record" out || fail "validate output: $(cat out)"
run 0 "" record validate group.json
grep -q "valid group record" out || fail "validate group output: $(cat out)"
run 0 "" record validate - < user.json
grep -q "^stdin: valid user record" out || fail "validate - output: $(cat out)"
run 0 "" -q record validate user.json
[ -s out ] && fail "--quiet validate printed: $(cat out)"

sed 's/60124/-5/' user.json > bad-uid.json
run 1 "field 'uid'" record validate bad-uid.json
echo '{"userName":"x:y"}' > bad-name.json
run 1 "field 'userName'" record validate bad-name.json
echo '{"uid":1}' > neither.json
run 1 "neither \"userName\" nor \"groupName\"" record validate neither.json
run 1 "field 'userName'" --type=user record validate neither.json
echo '{"userName":"a",' > broken.json
run 1 "broken.json" record validate broken.json
echo '{"userName":"a","userName":"b"}' > dup.json
run 1 "dup.json" record validate dup.json
echo '[1]' > array.json
run 1 "array.json" record validate array.json
run 1 "cannot open missing.json" record validate missing.json
echo '{"groupName":"g","secret":{"password":["x"]}}' > group-secret.json
run 1 "secret" record validate group-secret.json

# --- show ------------------------------------------------------------------
run 0 "" record show user.json
grep -q "User name: ctltest" out || fail "show lacks user name: $(cat out)"
grep -q "Home directory: /home/ctltest" out || fail "show lacks the default home: $(cat out)"
grep -q "GID: 60124 (per-user group)" out || fail "show lacks the effective gid: $(cat out)"
grep -q "Storage: directory" out || fail "show lacks storage: $(cat out)"
run 0 "" record show group.json
grep -q "Group name: ctlgroup" out || fail "show group: $(cat out)"
run 0 "" --json=short record show user.json
grep -q '"io.example.unknown":{"kept":true}' out || fail "show --json=short lost the unknown field: $(cat out)"
run 1 "field 'uid'" record show bad-uid.json

# --- canonical -------------------------------------------------------------
run 0 "" record canonical user.json
expected='{"io.example.unknown":{"kept":true},"privileged":{"hashedPassword":[]},"realName":"Ctl Test","storage":"directory","uid":60124,"userName":"ctltest"}'
[ "$(cat out)" = "$expected" ] || fail "canonical: $(cat out)"
[ "$(tail -c1 out | od -An -c | tr -d ' ')" = "}" ] || fail "canonical output ends with a newline"
run 0 "" record canonical --json=pretty user.json
[ "$(head -c3 out)" = "{"$'\n\t' ] || fail "pretty form does not start with a tab-indented member"
grep -q $'^\t"uid" : 60124,$' out || fail "pretty form lacks '\"uid\" : 60124,': $(cat -A out)"

# --- sign / verify ---------------------------------------------------------
openssl genpkey -algorithm ed25519 -out priv.pem 2>/dev/null
openssl pkey -in priv.pem -pubout -out pub.pem
openssl genpkey -algorithm ed25519 -out other.pem 2>/dev/null
openssl pkey -in other.pem -pubout -out other-pub.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null

run 2 "--private-key=PATH is required" record sign user.json
run 1 "not an Ed25519 key" record sign --private-key ec.pem user.json
run 1 "not an unencrypted PEM private key" record sign --private-key pub.pem user.json
run 1 "field 'uid'" record sign --private-key priv.pem bad-uid.json
run 0 "" record sign --private-key priv.pem user.json
cp out signed.json
grep -q '"signature" : \[' signed.json || fail "signed record lacks a signature"
grep -q '"io.example.unknown"' signed.json || fail "signing dropped the unknown field"

run 2 "--public-key=PATH is required" record verify signed.json
run 0 "" record verify --public-key pub.pem signed.json
[ "$(cat out)" = "signed-exclusive" ] || fail "verify printed: $(cat out)"
run 0 "" record verify --public-key other-pub.pem --public-key pub.pem signed.json
run 3 "not signed" record verify --public-key pub.pem user.json
run 4 "not by any of the given keys" record verify --public-key other-pub.pem signed.json
sed 's/"uid" : 60124/"uid" : 60125/' signed.json > tampered.json
run 5 "BAD signature" record verify --public-key pub.pem tampered.json
run 1 "not a PEM public key" record verify --public-key priv.pem signed.json

# A second signature by another key: SIGNED for either key alone.
"$hearthctl" record sign --private-key other.pem user.json > other-signed.json
python3 - signed.json other-signed.json > both.json <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
a["signature"] += b["signature"]
print(json.dumps(a))
PY
run 0 "" record verify --public-key pub.pem both.json
[ "$(cat out)" = "signed" ] || fail "verify of two signatures printed: $(cat out)"

# Sections outside the signature may change.
python3 - signed.json > with-status.json <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
a["status"] = {"0123456789abcdef0123456789abcdef": {"state": "active"}}
print(json.dumps(a))
PY
run 0 "" record verify --public-key pub.pem with-status.json

# --- hash-password / recovery-key ------------------------------------------
printf 'hunter2\n' | "$hearthctl" record hash-password > hash 2>err || fail "hash-password failed: $(cat err)"
grep -Eq '^\$(y|6)\$' hash || fail "hash-password printed: $(cat hash)"
printf 'hunter2' | "$hearthctl" record hash-password --method=sha512 > hash6 || fail "hash-password sha512 failed"
grep -q '^\$6\$' hash6 || fail "--method=sha512 printed: $(cat hash6)"
python3 -W ignore - "$(cat hash6)" <<'PY' || fail "sha512 hash does not verify with python's crypt"
import sys
try:
    import crypt
except ImportError:
    sys.exit(0)
h = sys.argv[1]
sys.exit(0 if crypt.crypt("hunter2", h) == h else 1)
PY
run 2 "unknown --method=" record hash-password --method=md5 </dev/null

run 0 "" record recovery-key
grep -Eq '^([cbdefghijklnrtuv]{8}-){7}[cbdefghijklnrtuv]{8}$' out || fail "recovery-key printed: $(cat out)"
run 0 "" --json=short record recovery-key
python3 - out <<'PY' || fail "recovery-key --json output: $(cat out)"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["entry"]["type"] == "modhex64"
assert o["entry"]["hashedPassword"].startswith("$")
assert len(o["key"]) == 71
PY

if [ "$failures" -ne 0 ]; then
        echo "$failures check(s) failed"
        exit 1
fi
echo "ok: hearthctl record"
