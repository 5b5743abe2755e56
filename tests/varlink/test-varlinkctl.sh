#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# hearth-varlinkctl against the Varlink test server.
# Usage: test-varlinkctl.sh HEARTH_VARLINKCTL TEST_SERVER
set -u
ctl=$1 server=$2
dir=$(mktemp -d)
sock=$dir/test.sock
fail=0

"$server" "$sock" >"$dir/ready" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do grep -q READY "$dir/ready" 2>/dev/null && break; sleep 0.05; done

expect() { # description, expected exit code, expected stdout (grep -E), command...
        local what=$1 code=$2 pattern=$3; shift 3
        local out rc
        out=$("$@" 2>"$dir/err"); rc=$?
        if [ "$rc" -ne "$code" ] || ! grep -qE -- "$pattern" <<<"$out"; then
                echo "FAIL $what: rc=$rc (want $code)"; echo "$out" | head -20; cat "$dir/err"; fail=1
        else
                echo "ok   $what"
        fi
}

expect "info" 0 '^ +Product: hearth-test-server$' "$ctl" info "$sock"
expect "info lists interfaces" 0 'org\.example\.Test' "$ctl" info "unix:$sock"
expect "info --json=short" 0 '^\{"vendor":"Hearth",' "$ctl" --json=short info "$sock"
expect "list-interfaces" 0 '^org\.varlink\.service$' "$ctl" list-interfaces "$sock"
expect "introspect one" 0 '^method Echo\($' "$ctl" introspect "$sock" org.example.Test
expect "introspect all" 0 '^interface org\.varlink\.service$' "$ctl" introspect "$sock"
expect "introspect unknown" 3 '^$' "$ctl" introspect "$sock" org.example.Nope
expect "call" 0 '^\{"text":"hi","n":5\}$' "$ctl" call --json=short "$sock" org.example.Test.Echo '{"text":"hi","n":5}'
expect "call pretty" 0 '"text": "hi"' "$ctl" call "$sock" org.example.Test.Echo '{"text":"hi"}'
expect "call params from stdin" 0 '"stdin"' sh -c "echo '{\"text\":\"stdin\"}' | '$ctl' call --json=short '$sock' org.example.Test.Echo -"
expect "call --more" 0 '^\{"i":2\}$' "$ctl" call --more --json=short "$sock" org.example.Test.Count '{"n":3}'
n=$("$ctl" call --more --json=short "$sock" org.example.Test.Count '{"n":3}' | wc -l)
[ "$n" -eq 3 ] && echo "ok   --more prints each reply" || { echo "FAIL --more printed $n lines"; fail=1; }
expect "call --oneway" 0 '^$' "$ctl" call --oneway "$sock" org.example.Test.Echo '{"text":"x"}'
expect "error reply exit code" 3 '^$' "$ctl" call "$sock" org.example.Test.Fail '{"name":"boom"}'
grep -q 'org.example.Test.Failed' "$dir/err" && echo "ok   error name on stderr" || { echo "FAIL error name missing"; fail=1; }
expect "invalid parameter" 3 '^$' "$ctl" call "$sock" org.example.Test.Echo '{"text":1}'
expect "timeout" 1 '^$' "$ctl" call --timeout=100ms "$sock" org.example.Test.Slow '{"usec":3000000}'
expect "bad JSON" 2 '^$' "$ctl" call "$sock" org.example.Test.Echo '{nope'
expect "no such socket" 1 '^$' "$ctl" info "$dir/missing.sock"
expect "unknown verb" 2 '^$' "$ctl" frobnicate
expect "--help" 0 'call ADDRESS METHOD' "$ctl" --help
exit $fail
