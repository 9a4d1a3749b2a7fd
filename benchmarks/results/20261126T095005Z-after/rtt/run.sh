#!/bin/bash
# RTT experiment: one Lifeline scale run (server + client JVM) with a given fleet scheduler.
# usage: [KIND=raw] run.sh <outdir> <k> <scheduler> [extra client args...] (scheduler: Lifeline only)
set -u
dir=$1; k=$2; sched=$3; shift 3
cd "$(dirname "$0")/../../.."
CP=target/benchmarks.jar
kind=${KIND:-lifeline}
tag=$kind-$k-$sched
java -Xmx1g -cp $CP dev.lifeline.bench.scale.ScaleServer port=0 hosts=127.0.0.1,127.0.0.2 > $dir/$tag-server.log 2>&1 & SPID=$!
for i in $(seq 1 100); do grep -q READY $dir/$tag-server.log && break; sleep 0.2; done
PORT=$(awk '/READY/{print $2}' $dir/$tag-server.log)
java -Xmx2g -cp $CP dev.lifeline.bench.scale.ScaleClient kind=$kind k=$k port=$PORT hosts=127.0.0.1,127.0.0.2 settle=5 measure=20 scheduler=$sched "$@" > $dir/$tag-client.log 2>&1 & CPID=$!
for i in $(seq 1 900); do grep -q RESULT $dir/$tag-client.log && break; sleep 0.2; done
kill -9 $SPID; wait $SPID 2>/dev/null; kill -9 $CPID; wait $CPID 2>/dev/null
grep SPREAD $dir/$tag-client.log
echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg) scheduler=$sched $(grep RESULT $dir/$tag-client.log)"
