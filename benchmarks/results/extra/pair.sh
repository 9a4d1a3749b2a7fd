#!/bin/bash
# runs one scale measurement (server + client JVM) and prints its RESULT line
cd "$(dirname "$0")/../.."
CP=target/benchmarks.jar
kind=$1; k=$2; tag=$3
java -Xmx1g -cp $CP dev.lifeline.bench.scale.ScaleServer port=0 hosts=127.0.0.1,127.0.0.2 > results/extra/$tag-$kind-$k-server.log 2>&1 & SPID=$!
for i in $(seq 1 50); do grep -q READY results/extra/$tag-$kind-$k-server.log && break; sleep 0.2; done
PORT=$(awk '/READY/{print $2}' results/extra/$tag-$kind-$k-server.log)
java -Xmx2g -cp $CP dev.lifeline.bench.scale.ScaleClient kind=$kind k=$k port=$PORT hosts=127.0.0.1,127.0.0.2 settle=5 measure=20 $EXTRA > results/extra/$tag-$kind-$k-client.log 2>&1 & CPID=$!
for i in $(seq 1 600); do grep -q RESULT results/extra/$tag-$kind-$k-client.log && break; sleep 0.2; done
kill -9 $SPID; wait $SPID 2>/dev/null; kill -9 $CPID; wait $CPID 2>/dev/null
echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg) $(grep RESULT results/extra/$tag-$kind-$k-client.log)"
