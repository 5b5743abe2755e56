#!/usr/bin/env bash
# LUKS home create/activate/deactivate through hearth-homework inside the
# qemu VM (real dm-crypt), minimal PBKDF (PBKDF2, 1000 iterations), 3
# rounds; the floor is `cryptsetup open`/`close` of the same volume.
#   bench/luks/run.sh [BUILDDIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
ninja -C "$build" homed/hearth-homework >/dev/null
exec python3 "$top/tests/vm/run-vm.py" "$top" "$build" "$top/tests/vm/guest-luks.py" bench
