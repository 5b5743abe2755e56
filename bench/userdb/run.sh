#!/usr/bin/env bash
# Serves the same N drop-in users from hearth-userdbd and from the real
# systemd-userdbd and measures both with one client (bench-userdb), plus a
# bare AF_UNIX ping-pong as the floor and `getent passwd NAME` through
# nss-systemd. systemd-userdbd and the getent runs live in private mount
# namespaces (tmpfs over /run), so the real /run/systemd/userdb is untouched.
#
# Every measurement is repeated ROUNDS times, interleaved (floor, hearth,
# systemd, floor, hearth, systemd, ...), and the medians are reported. It
# is done in two CPU placements applied identically to both servers (with
# all their worker processes) and the client:
#   unpinned  no affinity, the scheduler places everything;
#   cpu0      servers and client all on CPU 0 (taskset -c 0): no cross-CPU
#             wake-ups, so an idle virtual CPU's wake-up latency drops out.
# Two clients are measured unpinned only (on one CPU they measure nothing
# about concurrency).
#   usage: bench/userdb/run.sh [BUILDDIR] [NUSERS] [SECONDS] [ROUNDS]
#   env:   MODES="unpinned cpu0" (default), RAW=FILE keeps the raw lines
set -euo pipefail
build=$(realpath "${1:-build}")
n=${2:-10000}
secs=${3:-2}
rounds=${4:-5}
modes=${MODES:-unpinned cpu0}
bench=$build/bench/userdb/bench-userdb
daemon=$build/userdb/hearth-userdbd
here=$(dirname "$(realpath "$0")")
[ "$(id -u)" -eq 0 ] || { echo "needs root (mount namespaces)" >&2; exit 77; }
[ -x /usr/lib/systemd/systemd-userdbd ] || { echo "systemd-userdbd not installed" >&2; exit 77; }

work=$(mktemp -d /tmp/hearth-bench-userdb.XXXXXX)
chmod 755 "$work"
pids=()
stop_daemons() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; pids=(); }
cleanup() { stop_daemons; rm -rf "$work"; }
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

# Starts both servers under the placement prefix ($pin). systemd-userdbd
# runs in its own mount namespace (it reads only /run/userdb and friends);
# unshare, bash and taskset exec, so $! is the daemon, and its socket is
# reached through /proc/PID/root.
start_daemons() {
  $pin "$daemon" --dropin-dir="$work/userdb" --socket-dir="$work/sock" --service-name=io.hearth.DropIn \
    2>"$work/hearth.log" &
  pids+=($!); hpid=$!
  $pin unshare -m bash -c '
    set -e
    mount --make-rprivate /
    mount -t tmpfs tmpfs /run
    mkdir -p /run/userdb /run/systemd/userdb
    cp -a "$1"/. /run/userdb/
    exec /usr/lib/systemd/systemd-userdbd 2>/dev/null' _ "$work/userdb" &
  pids+=($!); spid=$!
  hsock=$work/sock/io.hearth.DropIn
  ssock=/proc/$spid/root/run/systemd/userdb/io.systemd.DropIn
  wait_sock "$hsock"
  wait_sock "$ssock"
  sleep 0.5
}

# nss-systemd in a namespace whose /run/systemd/userdb holds only the
# service's socket (bind-mounted), the same for both servers; NSENTER puts
# it into systemd-userdbd's namespace, where its socket lives.
getent_time() { # label socket service [nsenter args]
  ${4:-} unshare -m bash -c '
    set -e
    mount --make-rprivate /
    stage=$(mktemp /tmp/hearth-bench-stage.XXXXXX)
    mount --bind "$2" "$stage"
    mount -t tmpfs tmpfs /run
    mkdir -p /run/systemd/userdb
    touch /run/systemd/userdb/$3
    mount --bind "$stage" /run/systemd/userdb/$3
    umount "$stage"; rm -f "$stage"
    k=100
    t0=$(date +%s%N)
    for i in $(seq $k); do $4 getent passwd "user$(printf %05d $((i * 37 % $5)))" >/dev/null; done
    t1=$(date +%s%N)
    echo "$1 getent_passwd runs=$k mean_ms=$(awk "BEGIN {printf \"%.3f\", ($t1 - $t0) / $k / 1e6}")"' \
    _ "$1" "$2" "$3" "$pin" "$n"
}

round() { # mode round
  local m=$1 r=$2 tag="$1 $2"
  $pin "$bench" pingpong "$secs" 1 | sed "s/^/$tag floor /"
  [ "$m" = unpinned ] && $pin "$bench" pingpong "$secs" 2 | sed "s/^/$tag floor /"
  for s in hearth systemd; do
    if [ $s = hearth ]; then sock=$hsock svc=io.hearth.DropIn; else sock=$ssock svc=io.systemd.DropIn; fi
    $pin "$bench" lookup "$sock" "$svc" "$n" "$secs" 1 | sed "s/^/$tag $s /"
    if [ "$m" = unpinned ]; then
      $pin "$bench" lookup "$sock" "$svc" "$n" "$secs" 2 | sed "s/^/$tag $s /"
      $pin "$bench" lookup "$sock" "$svc" "$n" "$secs" 1 --parse | sed "s/^/$tag $s /"
      $pin "$bench" enum "$sock" "$svc" 5 --parse | sed "s/^/$tag $s /"
    fi
    $pin "$bench" enum "$sock" "$svc" 5 | sed "s/^/$tag $s /"
    if [ $s = hearth ]; then getent_time "$tag $s" "$sock" "$svc"
    else getent_time "$tag $s" /run/systemd/userdb/io.systemd.DropIn "$svc" "nsenter -m -t $spid"; fi
  done
}

raw=${RAW:-$work/raw.txt}
: >"$raw"
echo "# users=$n seconds=$secs rounds=$rounds $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cpus, $(uname -r)" | tee -a "$raw"
for m in $modes; do
  case $m in
    unpinned) pin="" ;;
    cpu0) pin="taskset -c 0" ;;
    *) echo "unknown mode $m" >&2; exit 2 ;;
  esac
  start_daemons
  echo "# $m: hearth-userdbd $(($(wc -w </proc/$hpid/task/$hpid/children))) workers" | tee -a "$raw"
  for r in $(seq "$rounds"); do round "$m" "$r" | tee -a "$raw"; done
  # Memory of hearth-userdbd and its workers: RSS, and PSS (shared pages
  # counted once between the processes).
  rss=0 pss=0
  for p in $hpid $(cat /proc/$hpid/task/$hpid/children); do
    rss=$((rss + $(awk '/^Rss:/ {print $2}' /proc/$p/smaps_rollup)))
    pss=$((pss + $(awk '/^Pss:/ {print $2}' /proc/$p/smaps_rollup)))
  done
  echo "$m 0 hearth memory rss_kib=$rss pss_kib=$pss" | tee -a "$raw"
  stop_daemons
done
echo "# medians over $rounds rounds"
python3 "$here/summarize.py" "$raw"
