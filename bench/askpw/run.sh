#!/usr/bin/env bash
# Round trip querier -> agent -> answer, Hearth's querier and systemd's
# systemd-ask-password against the same agent (hearth-tty-ask-password-agent
# answering automatically). Runs in a private mount namespace with a tmpfs
# over /run/systemd/ask-password, so the real directory is untouched.
#   usage: bench/askpw/run.sh [BUILDDIR] [RUNS]
set -euo pipefail
build=$(realpath "${1:-build}")
runs=${2:-200}
bench=$build/bench/askpw/bench-askpw
ask=$build/ctl/askpw/hearth-ask-password
agent=$build/ctl/askpw/hearth-tty-ask-password-agent
[ "$(id -u)" -eq 0 ] || { echo "needs root (mount namespace)" >&2; exit 77; }
command -v systemd-ask-password >/dev/null || { echo "systemd-ask-password not installed" >&2; exit 77; }
[ -x "$bench" ] || { echo "build $bench first (ninja -C $build)" >&2; exit 1; }

if [ "${HEARTH_BENCH_INNER:-}" != 1 ]; then
  mkdir -p /run/systemd/ask-password
  exec env HEARTH_BENCH_INNER=1 unshare -m --propagation private "$0" "$build" "$runs"
fi

mount -t tmpfs -o mode=0755 tmpfs /run/systemd/ask-password
unset HEARTH_ASK_PASSWORD_DIR
SYSTEMD_ASK_PASSWORD_AGENT_PASSWORD=benchpw "$agent" --watch &
agent_pid=$!
trap 'kill $agent_pid 2>/dev/null; wait 2>/dev/null || true' EXIT
sleep 0.2

row() { # label median p99 base_median
  printf '| %-44s | %8.3f | %8.3f | %5.2f |\n' "$1" "$(echo "$2/1000" | bc -l)" "$(echo "$3/1000" | bc -l)" "$(echo "$2/$4" | bc -l)"
}

read -r sd50 sd99 < <("$bench" spawn "$runs" "$(command -v systemd-ask-password)" --no-tty --timeout=10 Bench:)
read -r hs50 hs99 < <("$bench" spawn "$runs" "$ask" --no-tty --timeout=10 Bench:)
read -r hl50 hl99 < <("$bench" lib "$runs")

echo "runs: $runs per row; agent: hearth-tty-ask-password-agent --watch (auto answer)"
echo
echo "| round trip                                   | p50 ms   | p99 ms   | ratio |"
echo "|----------------------------------------------|----------|----------|-------|"
row "systemd-ask-password --no-tty (252, spawned)" "$sd50" "$sd99" "$sd50"
row "hearth-ask-password --no-tty (spawned)" "$hs50" "$hs99" "$sd50"
row "askpw_query_agent() in-process" "$hl50" "$hl99" "$sd50"
