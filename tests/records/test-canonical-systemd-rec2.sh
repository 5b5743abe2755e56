#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The real systemd JSON formatter as the oracle: userdbctl prints a drop-in
# record in compact form (--json=short) and pretty form (--json=pretty)
# with systemd's own code. For records whose keys are already sorted those
# outputs must equal hearthctl's canonical and pretty forms byte for byte.
# Runs userdbctl in a private mount namespace with its own /run, so the
# machine's userdb is neither read nor touched.
#   test-canonical-systemd-rec2.sh HEARTHCTL
set -euo pipefail

hearthctl=$(realpath "${1:?usage: $0 HEARTHCTL}")
command -v userdbctl >/dev/null || { echo "userdbctl not installed, skipping"; exit 77; }
command -v unshare >/dev/null || { echo "unshare not available, skipping"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "needs root for a private mount namespace, skipping"; exit 77; }
unshare -m true 2>/dev/null || { echo "cannot create a mount namespace here, skipping"; exit 77; }

dir=$(mktemp -d /tmp/hearth-canon-XXXXXX)
trap 'rm -rf "$dir"' EXIT

# Records with sorted keys and tricky values; written as bytes by python.
# DEL goes in escaped: systemd's parser refuses a raw 0x7f, but prints one.
# Reals are limited to ones systemd's own number parser reads as strtod()
# does: it computes some (1e-300) to a neighbouring double, which is a
# parser difference, not a formatting one (docs/design/records-signing.md).
python3 - "$dir" <<'PY'
import sys, os
d = sys.argv[1]
recs = {
  "strings": '{"uid":60901,"userName":"canona","xa":"\\u0001\\u001f\\u007f/\u00e9\u20ac\\t\\"\\\\\\b\\f\\r\\n","xb":"\\u000b\\u001b"}',
  "numbers": '{"uid":60902,"userName":"canonb","xbig":18446744073709551615,"xi":9223372036854775808,"xneg":-9223372036854775808,"xr":[0.1,1.5,-2.25,1e300,-0.0,123456.789,-7e-5]}',
  "nested": '{"privileged":{"hashedPassword":["$6$x$y"]},"uid":60903,"userName":"canonc","xe":{},"xf":[],"xg":[[],{},[1,[2,{"a":null,"b":true,"c":false}]]]}',
}
for name, text in recs.items():
    open(os.path.join(d, name + ".json"), "wb").write(text.encode())
PY

for name in strings numbers nested; do
        in="$dir/$name.json"
        user=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["userName"])' "$in")

        unshare -m --propagation private sh -c '
                mount -t tmpfs tmpfs /run && mkdir /run/userdb &&
                cp "$1" "/run/userdb/$2.user" &&
                userdbctl --json=short user "$2" >"$3.sd-short" 2>/dev/null &&
                userdbctl --json=pretty user "$2" >"$3.sd-pretty" 2>/dev/null
        ' sh "$in" "$user" "$dir/$name" || { echo "FAIL: userdbctl could not read $name"; exit 1; }

        "$hearthctl" record canonical "$in" >"$dir/$name.short"
        printf '\n' >>"$dir/$name.short"   # userdbctl ends its output with a newline
        "$hearthctl" record canonical --json=pretty "$in" >"$dir/$name.pretty"

        # systemd's record loader may drop nothing here; if it printed the
        # keys in another order the test input was not sorted.
        if ! cmp -s "$dir/$name.sd-short" "$dir/$name.short"; then
                echo "FAIL: compact form of $name differs from systemd's:"
                od -c "$dir/$name.sd-short" | head -20; echo "--- hearthctl:"; od -c "$dir/$name.short" | head -20
                exit 1
        fi
        if ! cmp -s "$dir/$name.sd-pretty" "$dir/$name.pretty"; then
                echo "FAIL: pretty form of $name differs from systemd's:"
                diff <(cat -A "$dir/$name.sd-pretty") <(cat -A "$dir/$name.pretty") || true
                exit 1
        fi
        echo "ok: $name matches systemd $(userdbctl --version | head -1 | cut -d' ' -f2)"
done
