#!/usr/bin/env bash
# Serves the same N drop-in users from hearth-userdbd and from the real
# systemd-userdbd and measures both with one client (bench-userdb), plus a
# bare AF_UNIX ping-pong as the floor and `getent passwd NAME` through
# nss-systemd. systemd-userdbd and the getent runs live in private mount
# namespaces (tmpfs over /run), so the real /run/systemd/userdb is untouched.
#   usage: bench/userdb/run.sh [BUILDDIR] [NUSERS] [SECONDS]
set -euo pipefail
build=$(realpath "${1:-build}")
n=${2:-10000}
secs=${3:-3}
bench=$build/bench/userdb/bench-userdb
daemon=$build/userdb/hearth-userdbd
[ "$(id -u)" -eq 0 ] || { echo "needs root (mount namespaces)" >&2; exit 77; }
[ -x /usr/lib/systemd/systemd-userdbd ] || { echo "systemd-userdbd not installed" >&2; exit 77; }

work=$(mktemp -d /tmp/hearth-bench-userdb.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

python3 - "$work/userdb" "$n" <<'PY'
import json, os, sys
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d)
for i in range(n):
    name = "user%05d" % i
    uid = 100000 + i
    rec = {"userName": name, "uid": uid, "gid": uid, "realName": "Bench User %d" % i,
           "homeDirectory": "/home/" + name, "shell": "/bin/bash", "disposition": "regular"}
    with open(os.path.join(d, name + ".user"), "w") as f:
        json.dump(rec, f)
    os.symlink(name + ".user", os.path.join(d, "%d.user" % uid))
PY

wait_sock() { for _ in $(seq 500); do [ -S "$1" ] && return 0; sleep 0.02; done; echo "no socket $1" >&2; return 1; }

# Runs the measurements against SOCKET/SERVICE; prefix each line with LABEL.
measure() { # label socket service
  local label=$1 sock=$2 svc=$3
  "$bench" lookup "$sock" "$svc" "$n" "$secs" 1 | sed "s/^/$label /"
  "$bench" lookup "$sock" "$svc" "$n" "$secs" 2 | sed "s/^/$label /"
  "$bench" enum "$sock" "$svc" 5 | sed "s/^/$label /"
  "$bench" lookup "$sock" "$svc" "$n" "$secs" 1 --parse | sed "s/^/$label /"
  "$bench" enum "$sock" "$svc" 5 --parse | sed "s/^/$label /"
}
getent_time() { # label; runs inside a namespace where the service is in /run/systemd/userdb
  local t0 t1 k=200
  t0=$(date +%s%N)
  for i in $(seq $k); do getent passwd "user$(printf %05d $((i * 37 % n)))" >/dev/null; done
  t1=$(date +%s%N)
  echo "$1 getent_passwd runs=$k mean_ms=$(awk "BEGIN {printf \"%.2f\", ($t1 - $t0) / $k / 1e6}")"
}
export -f getent_time
export n

echo "# users=$n seconds=$secs $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cpus"
"$bench" pingpong "$secs" 1 | sed 's/^/floor /'
"$bench" pingpong "$secs" 2 | sed 's/^/floor /'

# Hearth.
"$daemon" --dropin-dir="$work/userdb" --socket-dir="$work/sock" --service-name=io.hearth.DropIn 2>"$work/hearth.log" &
pids+=($!)
wait_sock "$work/sock/io.hearth.DropIn"
measure hearth "$work/sock/io.hearth.DropIn" io.hearth.DropIn
echo "hearth rss_kib=$(awk '/VmRSS/ {print $2}' /proc/${pids[0]}/status)"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()
unshare -m bash -c '
  set -e
  mount --make-rprivate /
  mount -t tmpfs tmpfs /run
  "$0" --dropin-dir="$1" --socket-dir=/run/systemd/userdb --service-name=io.hearth.DropIn 2>/dev/null &
  for _ in $(seq 500); do [ -S /run/systemd/userdb/io.hearth.DropIn ] && break; sleep 0.02; done
  getent_time hearth
  kill $!' "$daemon" "$work/userdb"

# systemd-userdbd, reading the same files from /run/userdb in its own namespace.
unshare -m bash -c '
  set -e
  mount --make-rprivate /
  mount -t tmpfs tmpfs /run
  mkdir -p /run/userdb /run/systemd/userdb
  cp -a "$1"/. /run/userdb/
  /usr/lib/systemd/systemd-userdbd 2>/dev/null &
  pid=$!
  for _ in $(seq 500); do [ -S /run/systemd/userdb/io.systemd.DropIn ] && break; sleep 0.02; done
  s=/run/systemd/userdb/io.systemd.DropIn
  "$0" lookup $s io.systemd.DropIn "$n" "$2" 1 | sed "s/^/systemd /"
  "$0" lookup $s io.systemd.DropIn "$n" "$2" 2 | sed "s/^/systemd /"
  "$0" enum $s io.systemd.DropIn 5 | sed "s/^/systemd /"
  "$0" lookup $s io.systemd.DropIn "$n" "$2" 1 --parse | sed "s/^/systemd /"
  "$0" enum $s io.systemd.DropIn 5 --parse | sed "s/^/systemd /"
  getent_time systemd
  kill $pid' "$bench" "$work/userdb" "$secs"
