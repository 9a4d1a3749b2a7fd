#!/usr/bin/env bash
# One scale row with a class histogram of the client: run.sh <out-dir> <kind> <k> [restart]
# Server and client in separate JVMs as Suite runs them; the library's classes come from the
# worktree's target/classes (ahead of the shaded jar's copy). After the client's RESULT line
# (all connected, settle + measure seconds of heartbeats, heap measured), waits 3 s and takes
# `jmap -histo:live` of the client. With `restart`: the client runs in storm mode, the server is
# SIGKILLed once all are connected and restarted on the same port 3 s later; the histogram is
# taken 8 s after every connection reconnected once.
set -euo pipefail
out=$1 kind=$2 k=$3 restart=${4:-}
here="$(cd "$(dirname "$0")/../../.." && pwd)"   # worktree root
cp="$here/target/classes:$here/benchmarks/target/benchmarks.jar"
hosts=127.0.0.1,127.0.0.2
mkdir -p "$out"
name="$kind-$k${restart:+-restart}"
start_server() {
  java -Xmx1g -cp "$cp" dev.lifeline.bench.scale.ScaleServer port=$1 hosts=$hosts > "$out/$name-server-$2.log" 2>&1 &
  echo $!
}
wait_for() { # file pattern seconds
  for _ in $(seq 1 $(( $3 * 10 ))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timeout waiting for $2 in $1" >&2; return 1
}
spid=$(start_server 0 1)
wait_for "$out/$name-server-1.log" READY 30
port=$(awk '/READY/{print $2}' "$out/$name-server-1.log")
extra=(settle=5 measure=10)
[ -n "$restart" ] && extra=(settle=5 storm=true)
java -Xmx2g -cp "$cp" dev.lifeline.bench.scale.ScaleClient kind=$kind k=$k port=$port hosts=$hosts "${extra[@]}" > "$out/$name-client.log" 2>&1 &
cpid=$!
if [ -n "$restart" ]; then
  wait_for "$out/$name-client.log" STORM_READY 120
  jmap -histo:live $cpid > "$out/histo-$kind-$k-before-restart.txt"
  kill -9 $spid; sleep 3
  spid=$(start_server $port 2)
  wait_for "$out/$name-server-2.log" READY 30
  wait_for "$out/$name-client.log" RESULT 120
  sleep 8
else
  wait_for "$out/$name-client.log" RESULT 120
  sleep 3
fi
jmap -histo:live $cpid > "$out/histo-$name.txt"
grep RESULT "$out/$name-client.log"
kill -9 $spid; kill -9 $cpid
wait 2>/dev/null || true
