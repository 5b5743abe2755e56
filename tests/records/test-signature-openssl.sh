#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Signatures made by `hearthctl record sign` must verify with plain OpenSSL
# over the bytes `hearthctl record canonical --signable` prints, and a key
# made by `openssl genpkey` must be usable for signing.
#   test-signature-openssl.sh HEARTHCTL
set -euo pipefail

hearthctl=$(realpath "${1:?usage: $0 HEARTHCTL}")
command -v openssl >/dev/null || { echo "openssl not installed, skipping"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed, skipping"; exit 77; }

dir=$(mktemp -d /tmp/hearth-sig-XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

fail() { echo "FAIL: $*" >&2; exit 1; }

openssl genpkey -algorithm ed25519 -out priv.pem 2>/dev/null
openssl pkey -in priv.pem -pubout -out pub.pem

# Keys in unsorted order, nested objects, an unknown field with escapes,
# and the sections the signature must not cover.
cat > user.json <<'JSON'
{
  "uid": 60123,
  "userName": "sigtest",
  "realName": "Sig Test",
  "privileged": { "hashedPassword": ["$6$saltsalt$8iYtNHxjWRl.NF6oNZ5tF.iKFlQREaXBLlSmZKP6dy9l5z3vsooWNW0/GZ6Nej73/TFug6pIPSqbJoCT6dfnj."] },
  "perMachine": [ { "matchHostname": "example", "shell": "/bin/zsh" } ],
  "io.example.extra": { "z": [1, 2, {"b": "x\ty", "a": "/é"}], "a": -5 },
  "status": { "0123456789abcdef0123456789abcdef": { "state": "active" } },
  "binding": { "0123456789abcdef0123456789abcdef": { "uid": 60123 } }
}
JSON

"$hearthctl" record sign --private-key priv.pem user.json > signed.json \
        || fail "record sign refused an openssl-generated key"

"$hearthctl" record canonical --signable signed.json > bytes
python3 - signed.json <<'PY'
import base64, json, sys
rec = json.load(open(sys.argv[1]))
sig = rec["signature"]
assert len(sig) == 1, sig
open("sig.bin", "wb").write(base64.b64decode(sig[0]["data"], validate=True))
open("embedded.pem", "w").write(sig[0]["key"])
PY

openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in bytes -sigfile sig.bin >/dev/null \
        || fail "openssl does not verify hearthctl's signature"

# The key embedded in the record is the signer's public key.
cmp <(openssl pkey -pubin -in embedded.pem -outform DER) <(openssl pkey -pubin -in pub.pem -outform DER) \
        || fail "embedded key differs from the signing key"

# The signed bytes are the record without secret/binding/status/signature,
# sorted and compact: check a few properties independently with python.
python3 - bytes user.json <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
assert not raw.endswith(b"\n"), "signed bytes end with a newline"
got = json.loads(raw)
want = json.load(open(sys.argv[2]))
for k in ("status", "binding", "secret", "signature"):
    want.pop(k, None)
assert got == want, (got, want)
assert raw == json.dumps(want, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(), raw
PY

# And the other direction: a signature made by openssl over those bytes
# is accepted by hearthctl.
openssl pkeyutl -sign -inkey priv.pem -rawin -in bytes -out sig2.bin
python3 - signed.json sig2.bin <<'PY'
import base64, json, sys
rec = json.load(open(sys.argv[1]))
rec["signature"][0]["data"] = base64.b64encode(open(sys.argv[2], "rb").read()).decode()
json.dump(rec, open("resigned.json", "w"))
PY
"$hearthctl" record verify --public-key pub.pem resigned.json >/dev/null \
        || fail "hearthctl does not verify openssl's signature"

# A signature by the key over different bytes is refused.
printf 'other bytes' > other
openssl pkeyutl -sign -inkey priv.pem -rawin -in other -out sig3.bin
python3 - signed.json sig3.bin <<'PY'
import base64, json, sys
rec = json.load(open(sys.argv[1]))
rec["signature"][0]["data"] = base64.b64encode(open(sys.argv[2], "rb").read()).decode()
json.dump(rec, open("wrong.json", "w"))
PY
rc=0; "$hearthctl" record verify --public-key pub.pem wrong.json >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 5 ] || fail "a signature over other bytes gave exit $rc, expected 5"

echo "ok: hearthctl and openssl agree on Ed25519 record signatures"
