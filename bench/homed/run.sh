#!/usr/bin/env bash
# Activation/deactivation latency of hearth-homed vs systemd-homed 252 on
# the same storage (directory and fscrypt homes on an ext4 with -O encrypt
# on a loop device), every KDF at its minimum where the tool allows it.
# systemd-homed runs in a private mount namespace (tmpfs over /run and
# /var/lib/systemd, the loop file system on /home, its own system bus), so
# the machine's /home, /var/lib and /run are untouched.
#   usage: bench/homed/run.sh [BUILDDIR] [N] [SYSTEMD_HOMED_ROOT] [ROUNDS]
# SYSTEMD_HOMED_ROOT: where systemd-homed's files are: "/" when the package
# is installed, or a directory made with
#   apt-get download systemd-homed && dpkg-deb -x systemd-homed_*.deb ROOT
# (same version as the installed systemd; nothing gets installed).
# ROUNDS (default 3) alternate hearth and systemd; the table gives the
# median of the rounds' medians.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
build=$(realpath "${1:-build}")
n=${2:-20}
sdroot=${3:-/}
rounds=${4:-3}
[ "$(id -u)" -eq 0 ] || { echo "needs root (loop devices, mounts, namespaces)" >&2; exit 77; }
have_systemd=false
if [ -x "$sdroot/lib/systemd/systemd-homed" ] && command -v dbus-daemon >/dev/null; then
        have_systemd=true
else
        echo "systemd-homed not found under $sdroot (see the usage above)"
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for r in $(seq "$rounds"); do
        echo "== round $r: hearth-homed ($n runs per operation)"
        h=$(python3 -W ignore "$here/bench-homed.py" hearth "$build" "$n")
        echo "$h"
        echo "hearth $h" >>"$out"
        if $have_systemd; then
                echo "== round $r: systemd-homed 252 ($n runs per operation)"
                s=$(unshare -m --propagation private python3 -W ignore "$here/bench-homed.py" systemd "$sdroot" "$n" 2>/dev/null)
                echo "$s"
                echo "systemd $s" >>"$out"
        fi
done

python3 - "$out" <<'PY'
import json, statistics, sys
runs = {"hearth": [], "systemd": []}
for line in open(sys.argv[1]):
    who, js = line.split(" ", 1)
    runs[who].append(json.loads(js))

def med(who, storage, key, sub=None):
    v = [r[storage][key][sub] if sub else r[storage][key] for r in runs[who] if storage in r]
    return statistics.median(v) if v else None

print()
print(f"medians of {len(runs['hearth'])} rounds; ms")
print()
print("| storage | operation | hearth-homed (CLI) | KDF | spawn | beyond KDF | systemd-homed (CLI) | KDF | spawn | beyond KDF "
      "| ratio | ratio, spawn excluded |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for st in ("directory", "fscrypt"):
    for op in ("activate", "deactivate"):
        hv = med("hearth", st, op + "_cli", "median")
        hk = med("hearth", st, "kdf_ms") if op == "activate" else 0.0
        hs = med("hearth", st, "spawn_ms")
        row = f"| {st} | {op} | {hv:.2f} | {hk:.2f} | {hs:.2f} | {hv - hk:.2f}"
        sst = st.split("-")[0]
        sv = med("systemd", sst, op + "_cli", "median")
        if sv is not None:
            sk = med("systemd", sst, "kdf_ms") if op == "activate" else 0.0
            ss = med("systemd", sst, "spawn_ms")
            row += (f" | {sv:.2f} | {sk:.2f} | {ss:.2f} | {sv - sk:.2f} | {(hv - hk) / (sv - sk):.2f}"
                    f" | {(hv - hk - hs) / (sv - sk - ss):.2f} |")
        else:
            row += " | - | - | - | - | - | - |"
        print(row)
print()
for st in ("directory", "fscrypt"):
    print(f"hearth-homed {st} over the API (no CLI process): activate {med('hearth', st, 'activate_api', 'median'):.2f} ms, "
          f"deactivate {med('hearth', st, 'deactivate_api', 'median'):.2f} ms")
PY
