#!/usr/bin/env bash
# bench/loadgen/smoke.sh BIN_DIR: the bench-smoke ctest. Runs the load generator for one
# second against the raw epoll echo baseline (64-byte and 4096-byte messages) and the raw
# epoll HTTP baseline; fails unless every run exits 0 and counted messages.
set -uo pipefail
bin=$1
status=0
server_pid=""
stop() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; server_pid=""; }
trap stop EXIT

run() {  # run SERVER MODE SIZE
  local port=$((20000 + RANDOM % 30000))
  "$bin/$1" "$port" &
  server_pid=$!
  if ! "$bin/weft_loadgen" -p "$port" --probe; then
    echo "FAIL: $1 did not listen on $port"; status=1; stop; return
  fi
  local out
  out=$("$bin/weft_loadgen" -p "$port" --mode "$2" -c 8 -s "$3" -w 0.2 -d 1 --server-pid "$server_pid")
  local rc=$?
  echo "$1 $2 S=$3: $out"
  if [[ $rc -ne 0 || ! "$out" =~ msgs=[1-9] || ! "$out" =~ errors=0 ]]; then
    echo "FAIL: $1 ($2, S=$3), exit status $rc"; status=1
  fi
  stop
}

run weft_baseline_epoll_echo echo 64
run weft_baseline_epoll_echo echo 4096
run weft_baseline_epoll_http http 64
exit $status
