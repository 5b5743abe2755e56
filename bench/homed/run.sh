#!/usr/bin/env bash
# Activation/deactivation latency of hearth-homed vs systemd-homed 252 on
# the same storage (directory and fscrypt homes on an ext4 with -O encrypt
# on a loop device), every KDF at its minimum where the tool allows it.
# systemd-homed runs in a private mount namespace (tmpfs over /run and
# /var/lib/systemd, the loop file system on /home, its own system bus), so
# the machine's /home, /var/lib and /run are untouched.
#   usage: bench/homed/run.sh [BUILDDIR] [N] [SYSTEMD_HOMED_ROOT]
# SYSTEMD_HOMED_ROOT: where systemd-homed's files are: "/" when the package
# is installed, or a directory made with
#   apt-get download systemd-homed && dpkg-deb -x systemd-homed_*.deb ROOT
# (same version as the installed systemd; nothing gets installed).
set -euo pipefail
here=$(dirname "$(realpath "$0")")
build=$(realpath "${1:-build}")
n=${2:-20}
sdroot=${3:-/}
[ "$(id -u)" -eq 0 ] || { echo "needs root (loop devices, mounts, namespaces)" >&2; exit 77; }

echo "== hearth-homed ($n rounds)"
hearth=$(python3 -W ignore "$here/bench-homed.py" hearth "$build" "$n")
echo "$hearth"
if [ -x "$sdroot/lib/systemd/systemd-homed" ] && command -v dbus-daemon >/dev/null; then
        echo "== systemd-homed 252 ($n rounds)"
        systemd=$(unshare -m --propagation private python3 -W ignore "$here/bench-homed.py" systemd "$sdroot" "$n" 2>/dev/null)
        echo "$systemd"
else
        echo "systemd-homed not found under $sdroot (see the usage above)"
        systemd='{}'
fi

python3 - "$hearth" "$systemd" <<'PY'
import json, sys
h, s = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print()
print("| storage | operation | hearth-homed (CLI) | KDF | beyond KDF | systemd-homed (CLI) | KDF | beyond KDF | ratio |")
print("|---|---|---|---|---|---|---|---|---|")
for st in ("directory", "fscrypt", "fscrypt-keep-caches"):
    for op in ("activate", "deactivate"):
        hv = h[st][op + "_cli"]["median"]
        hk = h[st]["kdf_ms"] if op == "activate" else 0
        row = f"| {st} | {op} | {hv:.1f} ms | {hk:.1f} | {hv - hk:.1f} ms"
        sst = st.split("-")[0]
        if sst in s:
            st2 = sst
            sv = s[st2][op + "_cli"]["median"]
            sk = s[st2]["kdf_ms"] if op == "activate" else 0
            row += f" | {sv:.1f} ms | {sk:.1f} | {sv - sk:.1f} ms | {(hv - hk) / (sv - sk):.2f} |"
        else:
            row += " | - | - | - | - |"
        print(row)
print()
for st in ("directory", "fscrypt", "fscrypt-keep-caches"):
    print(f"hearth-homed {st} over the API (no CLI process): activate {h[st]['activate_api']['median']:.1f} ms, "
          f"deactivate {h[st]['deactivate_api']['median']:.1f} ms")
PY
