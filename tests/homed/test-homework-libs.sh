#!/bin/sh
# The worker must not load libcryptsetup, libfdisk or libargon2 at start:
# homed/dlopen-libs.c loads them when a LUKS home or an argon2 slot needs
# them. A LUKS call without a forwarder there would bring the library back
# as a direct dependency; this test names it.
set -eu
bin=$1
command -v readelf >/dev/null || { echo "SKIP: readelf missing"; exit 77; }
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ -n "$needed" ] || { echo "FAIL: no NEEDED entries read from $bin"; exit 1; }
bad=0
for lib in libcryptsetup libfdisk libargon2; do
  if printf '%s\n' "$needed" | grep -q "^$lib\."; then
    echo "FAIL: $bin links $lib directly; add the missing forwarders to homed/dlopen-libs.c:"
    nm -u "$bin" 2>/dev/null | grep -E " (crypt|fdisk|argon2)_" || true
    bad=1
  fi
done
[ $bad -eq 0 ] && echo "ok: $bin needs only: $(echo $needed)"
exit $bad
