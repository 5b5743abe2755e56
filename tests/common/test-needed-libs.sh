#!/bin/sh
# test-needed-libs.sh BINARY LIB...: BINARY must not load any LIB at start.
# Such libraries are loaded on first use through forwarders
# (common/dlopen-forward.h: homed/dlopen-libs.c, ctl/hearthctl-libs.c). A
# call without a forwarder brings the library back as a direct dependency;
# this test names the library and the calls that did it.
set -eu
bin=$1
shift
command -v readelf >/dev/null || { echo "SKIP: readelf missing"; exit 77; }
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ -n "$needed" ] || { echo "FAIL: no NEEDED entries read from $bin"; exit 1; }
bad=0
for lib in "$@"; do
  if printf '%s\n' "$needed" | grep -q "^$lib\."; then
    echo "FAIL: $bin links $lib directly; its undefined symbols that $lib may define:"
    nm -D --undefined-only "$bin" 2>/dev/null | grep -vE "GLIBC|JSONC|XCRYPT" || true
    bad=1
  fi
done
[ $bad -eq 0 ] && echo "ok: $bin needs only: $(echo $needed)"
exit $bad
