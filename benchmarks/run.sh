#!/usr/bin/env bash
# Runs Lifeline's whole benchmark suite and writes raw outputs under results/<date>-<mode>/.
#   ./run.sh quick   smoke run, about 3 minutes
#   ./run.sh full    every measurement in benchmarks/README.md, about 15 minutes
# Builds the library and this module first. Nothing here runs in the root build.
set -euo pipefail
mode="${1:-quick}"
case "$mode" in quick|full) ;; *) echo "usage: $0 quick|full" >&2; exit 2 ;; esac
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
mvn -B -q install -DskipTests
cd "$here"
mvn -B -q package
out="results/$(date -u +%Y%m%dT%H%M%SZ)-$mode"
mkdir -p "$out"
jar=target/benchmarks.jar
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
  echo "memory: $(free -g | awk '/Mem:/{print $2 " GiB"}')"
  echo "ulimit -n: $(ulimit -n)"
  java -version 2>&1 | sed 's/^/java: /'
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit: $(git rev-parse --short HEAD)"
} > "$out/machine.txt"
cat "$out/machine.txt"

if [ "$mode" = quick ]; then
  jmh=(-f 1 -wi 1 -w 1s -i 2 -r 1s)
  echo_args=(frames=200000 warmup=2 rounds=3)
else
  jmh=(-f 1 -wi 3 -w 2s -i 5 -r 2s)
  echo_args=(frames=500000 warmup=4 rounds=8)
fi

echo "== 1. JMH per-frame (inbound, outbound), -prof gc"
java -jar "$jar" 'InboundFrameBenchmark|OutboundFrameBenchmark' "${jmh[@]}" -prof gc \
  -rf json -rff "$out/jmh-per-frame.json" > "$out/jmh-per-frame.txt" 2>&1
grep -E '^(Benchmark|[A-Za-z]+FrameBenchmark\.[a-zA-Z]+( |:gc.alloc.rate.norm))' "$out/jmh-per-frame.txt"

echo "== 2. Echo throughput: raw Reactor Netty, Lifeline frame by frame, Lifeline streaming (twice)"
for run in 1 2; do
  java -Xmx1g -cp "$jar" dev.lifeline.bench.socket.EchoThroughput "${echo_args[@]}" \
    > "$out/echo-$run.txt" 2>&1
  grep RESULT "$out/echo-$run.txt"
done

echo "== 2b. Resume: streaming echo with lifeline.resume.v1 vs without vs raw, and ACK traffic"
java -Xmx1g -cp "$jar" dev.lifeline.bench.socket.ResumeThroughput "${echo_args[@]}" \
  > "$out/resume.txt" 2>&1
grep RESULT "$out/resume.txt"

echo "== 2c. Resume: heap per idle connection with and without a session on each side"
java -Xmx1g -cp "$jar" dev.lifeline.bench.socket.IdleSessionHeap k=1000 rounds=3 \
  > "$out/idle-session.txt" 2>&1
grep RESULT "$out/idle-session.txt"
java -Xmx1g -cp "$jar" dev.lifeline.bench.socket.IdleSessionHeap k=1000 rounds=3 split=1 \
  > "$out/idle-session-by-side.txt" 2>&1
grep RESULT "$out/idle-session-by-side.txt"

echo "== 3-5. Scale, peers, reconnect storm (separate JVMs on loopback)"
java -cp "$jar" dev.lifeline.bench.scale.Suite mode="$mode" out="$out/scale" \
  > "$out/suite.txt" 2>&1 || { tail -30 "$out/suite.txt"; exit 1; }
cat "$out/scale/summary.md"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
echo "raw outputs: $out"
