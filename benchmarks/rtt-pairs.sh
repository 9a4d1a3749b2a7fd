#!/usr/bin/env bash
# Heartbeat round trip, Lifeline against raw Reactor Netty, in paired rounds: for each K, ROUNDS
# rounds of one Lifeline and one raw scale run (order alternating by round), each a server JVM and
# a client JVM as Suite runs them (1 s heartbeat interval, settle 5 s, measure 20 s). Prints each
# round's p50/p99 and the p99 ratio, then the median ratio per K, and writes everything to
# results/<UTC stamp>-rtt-pairs/. A single scale run's p99 moves by 2x on this shared 2-core
# machine; the median of paired rounds is the figure to quote.
#
#   ./rtt-pairs.sh            K = 1000 and 5000, 3 rounds (~7 min)
#   KS="1000" ROUNDS=5 ./rtt-pairs.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/target/benchmarks.jar"
[ -f "$jar" ] || { echo "build first: mvn -B -q package (in $here)" >&2; exit 2; }
ks=(${KS:-1000 5000}); rounds=${ROUNDS:-3}; hosts=127.0.0.1,127.0.0.2
out="$here/results/$(date -u +%Y%m%dT%H%M%SZ)-rtt-pairs"; mkdir -p "$out"
pids=(); trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done' EXIT
wait_for() { # file prefix seconds pid
  local deadline=$((SECONDS + $3)) line
  while [ $SECONDS -lt $deadline ]; do
    line="$(grep -m1 "^$2" "$1" 2>/dev/null || true)"
    if [ -n "$line" ]; then echo "$line"; return 0; fi
    kill -0 "$4" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}
run() { # kind k round -> prints the RESULT line
  local kind=$1 k=$2 r=$3 name="$1-$2-$3" port spid cpid result
  java -Xmx1g -cp "$jar" dev.lifeline.bench.scale.ScaleServer port=0 hosts=$hosts > "$out/$name-server.log" 2>&1 &
  spid=$!; pids+=("$spid")
  port="$(wait_for "$out/$name-server.log" READY 30 "$spid")"; port="${port#READY }"
  java -Xmx2g -cp "$jar" dev.lifeline.bench.scale.ScaleClient kind="$kind" k="$k" port="$port" \
    hosts=$hosts settle=5 measure=20 > "$out/$name-client.log" 2>&1 &
  cpid=$!; pids+=("$cpid")
  result="$(wait_for "$out/$name-client.log" RESULT 240 "$cpid" || echo "RESULT FAILED")"
  kill -9 "$spid" "$cpid" 2>/dev/null || true; wait "$spid" "$cpid" 2>/dev/null || true
  echo "$result"
}
field() { echo "$1" | grep -oE "$2=[^ ]+" | cut -d= -f2; }
{
  echo "# rtt-pairs $(date -u +%FT%TZ), $(git -C "$here" rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)"
  for k in "${ks[@]}"; do
    ratios=()
    for r in $(seq 1 "$rounds"); do
      if [ $((r % 2)) = 1 ]; then order=(lifeline raw); else order=(raw lifeline); fi
      declare -A p99=() p50=()
      for kind in "${order[@]}"; do
        res="$(run "$kind" "$k" "$r")"; echo "$kind k=$k round=$r $res" >> "$out/results.txt"
        p99[$kind]="$(field "$res" rtt_p99_ms)"; p50[$kind]="$(field "$res" rtt_p50_ms)"
      done
      ratio="$(awk -v a="${p99[lifeline]}" -v b="${p99[raw]}" 'BEGIN{printf "%.2f", a/b}')"
      ratios+=("$ratio")
      echo "K=$k round $r: lifeline p50/p99 ${p50[lifeline]}/${p99[lifeline]} ms, raw ${p50[raw]}/${p99[raw]} ms, p99 ratio $ratio"
    done
    median="$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}')"
    echo "K=$k median p99 ratio (lifeline/raw) over $rounds rounds: $median"
  done
  echo "# load after $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/summary.txt"
