#!/usr/bin/env bash
# Measures a baseline commit (default 0098b5f, main before the engine rewrite) and the current
# working tree side by side, in one run (single-module commits only: before the module split
# 41e9037, see the check below), and writes results/<UTC stamp>-compare/summary.md
# (metric | baseline | current | ratio current/baseline) next to every raw output.
#
#   ./compare.sh quick [baseline]   validates the script: 1 x 1 s JMH iterations, K = 300, short echo
#                                   (2.5 min on the 2-core machine; its figures mean nothing)
#   ./compare.sh full  [baseline]   JMH as run.sh full (-f 1 -wi 3 -w 2s -i 5 -r 2s, -prof gc), scale at
#                                   K = 1000 and 5000 as Suite mode=full (settle 5 s, measure 20 s),
#                                   echo as run.sh full (frames=500000 warmup=4 rounds=8) once per side;
#                                   estimated 11-13 min (JMH ~5, scale ~4.5, echo ~1-2, builds 0.5)
#
# The scale runs drive ScaleServer and ScaleClient directly, with Suite's JVM flags, hosts and
# settle/measure windows, instead of calling Suite: Suite has no K parameter (quick is K = 300 only,
# full always adds K = file limit - 500, about 19 500 here), and driving the JVMs here lets the two
# sides alternate K by K. Per side, raw Reactor Netty runs against that side's Lifeline server
# right after the Lifeline run, as in Suite.
#
# Environment overrides (all optional):
#   CURRENT=<commit>   measure that commit instead of the working tree
#   SCALE_KS="1000 5000 19500"   the K values of the scale runs
#   ECHO=0             skip the echo throughput
#   MVN_FLAGS="-o"     extra Maven flags (e.g. offline once the dependencies are in ~/.m2)
#   KEEP_BUILD=1       keep the build directory under /tmp (it is deleted at the end otherwise)
#
# How each version is built (nothing is installed, ~/.m2 is only read and filled with downloads):
# the library sources (pom.xml, src/) of each version are exported into their own directory under
# /tmp (`git archive <commit>` for the baseline, a copy of the working tree for the current side),
# next to a copy of *this* working tree's benchmarks module, and built with a two-module aggregator
# pom: `mvn package -DskipTests` resolves dev.lifeline:lifeline:0.1.0-SNAPSHOT from that reactor,
# i.e. from the jar just built beside it, never from the local repository. So the two versions can
# keep the same version number, the local repository keeps working offline, nobody else's installed
# snapshot or target/ directory is touched, and both sides run identical benchmark code (only the
# library differs). Each benchmarks.jar is checked to carry exactly the classes of its library jar.
set -euo pipefail

mode="${1:-quick}"
case "$mode" in quick|full) ;; *) echo "usage: $0 quick|full [baseline-commit]" >&2; exit 2 ;; esac
baseline_ref="${2:-${BASELINE:-0098b5f}}"
current_ref="${CURRENT:-}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(git -C "$here" rev-parse --show-toplevel)"
baseline_sha="$(git -C "$root" rev-parse --verify "$baseline_ref^{commit}")"
if [ -n "$current_ref" ]; then current_sha="$(git -C "$root" rev-parse --verify "$current_ref^{commit}")"; fi

# Both sides must be single-module builds (pom.xml + src/ at the root, as up to 41e9037^): from
# the module split on (41e9037) the library is a reactor of modules and the benchmarks use the
# resume API, so one benchmarks tree no longer builds against both sides.
for ref in "$baseline_sha" ${current_sha:-}; do
  if git -C "$root" cat-file -e "$ref:lifeline-core/pom.xml" 2>/dev/null; then
    echo "compare.sh: ${ref:0:7} is a multi-module build (lifeline-core/ exists); this script" \
      "compares single-module commits only (before 41e9037). For later commits, build each one's" \
      "benchmarks module in its own clone and run the same JMH and socket commands in each" \
      "(README.md, 'How to run')." >&2
    exit 2
  fi
done
if [ -z "${current_sha:-}" ] && [ -f "$root/lifeline-core/pom.xml" ]; then
  echo "compare.sh: the working tree is a multi-module build; set CURRENT=<commit> to a commit" \
    "before 41e9037, or see README.md for measuring later commits." >&2
  exit 2
fi

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
if [ "$mode" = full ]; then out="$here/results/$stamp-compare"; else out="$here/results/$stamp-compare-quick"; fi
mkdir -p "$out"/{build,jmh,scale,echo}
work="$(mktemp -d /tmp/lifeline-compare.XXXXXX)"
sides=(baseline current)

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [ "${KEEP_BUILD:-0}" = 1 ]; then echo "build kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$SECONDS
phase() { echo "== $(date -u +%H:%M:%S) [$((SECONDS - t0)) s] $*" | tee -a "$out/phases.txt"; }

# ---------------------------------------------------------------- sources and builds
phase "sources: baseline ${baseline_sha:0:7}, current ${current_sha:-working tree} (build dir $work)"
for side in "${sides[@]}"; do mkdir -p "$work/$side/lib" "$work/$side/benchmarks"; done
lib_paths=(pom.xml src)
export_commit() { # commit dir
  local extra=()
  if git -C "$root" cat-file -e "$1:.mvn" 2>/dev/null; then extra=(.mvn); fi
  git -C "$root" archive "$1" "${lib_paths[@]}" "${extra[@]}" | tar -x -C "$2"
}
export_commit "$baseline_sha" "$work/baseline/lib"
if [ -n "$current_ref" ]; then
  export_commit "$current_sha" "$work/current/lib"
else
  extra=(); [ -d "$root/.mvn" ] && extra=(.mvn)
  (cd "$root" && tar -c --exclude=target "${lib_paths[@]}" "${extra[@]}") | tar -x -C "$work/current/lib"
fi
for side in "${sides[@]}"; do
  (cd "$here" && tar -c pom.xml src) | tar -x -C "$work/$side/benchmarks"
  cat > "$work/$side/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.lifeline.compare</groupId>
  <artifactId>compare-$side</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <modules>
    <module>lib</module>
    <module>benchmarks</module>
  </modules>
</project>
EOF
done

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "mode: $mode"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
  echo "memory: $(free -g | awk '/Mem:/{print $2 " GiB"}')"
  echo "ulimit -n: $(ulimit -n)"
  java -version 2>&1 | sed 's/^/java: /'
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "baseline: $(git -C "$root" log -1 --format='%H %s' "$baseline_sha")"
  if [ -n "$current_ref" ]; then
    echo "current: $(git -C "$root" log -1 --format='%H %s' "$current_sha")"
  else
    echo "current: working tree of $root at $(git -C "$root" log -1 --format='%H %s')"
    dirty="$(git -C "$root" status --porcelain -- "${lib_paths[@]}")"
    echo "current library sources uncommitted: ${dirty:-none}" | tr '\n' ' '; echo
  fi
  echo "benchmark sources (both sides): $here at $(git -C "$root" log -1 --format=%h), uncommitted: $(git -C "$root" status --porcelain -- "$here/src" "$here/pom.xml" | wc -l) files"
} > "$out/machine.txt"
cat "$out/machine.txt"

for side in "${sides[@]}"; do
  phase "build $side"
  # shellcheck disable=SC2086
  if ! mvn -B -q ${MVN_FLAGS:-} -f "$work/$side/pom.xml" package -DskipTests -Dspotless.check.skip=true \
      > "$out/build/$side.log" 2>&1; then
    tail -40 "$out/build/$side.log"; echo "build of $side failed (log: $out/build/$side.log)" >&2; exit 1
  fi
  jar="$work/$side/benchmarks/target/benchmarks.jar"
  libjar="$work/$side/lib/target/lifeline-0.1.0-SNAPSHOT.jar"
  # the benchmarks jar must carry exactly this side's library classes
  if ! diff <(unzip -Z1 "$libjar" | grep '^dev/lifeline/.*\.class$' | sort) \
            <(unzip -Z1 "$jar" | grep '^dev/lifeline/.*\.class$' | grep -v '^dev/lifeline/bench/' | sort) \
            > "$out/build/$side-classes.diff"; then
    echo "$jar does not hold the classes of $libjar (see $out/build/$side-classes.diff)" >&2; exit 1
  fi
  echo "$side: $(unzip -Z1 "$libjar" | grep -c '\.class$') library classes, sha256 $(sha256sum "$libjar" | cut -c1-16)" \
    | tee -a "$out/build/jars.txt"
done
jar_of() { echo "$work/$1/benchmarks/target/benchmarks.jar"; }

# ---------------------------------------------------------------- 1. JMH per frame
if [ "$mode" = quick ]; then
  jmh=(-f 1 -wi 1 -w 1s -i 1 -r 1s)
  scale_ks=(${SCALE_KS:-300}); settle=3; measure=5
  echo_args=(frames=50000 warmup=1 rounds=2)
else
  jmh=(-f 1 -wi 3 -w 2s -i 5 -r 2s) # run.sh full's settings
  scale_ks=(${SCALE_KS:-1000 5000}); settle=5; measure=20 # Suite mode=full's settings
  echo_args=(frames=500000 warmup=4 rounds=8)
fi

mapfile -t benches < <(java -jar "$(jar_of current)" -l 'InboundFrameBenchmark|OutboundFrameBenchmark' | grep '^dev\.lifeline\.')
phase "1. JMH per frame, -prof gc: ${#benches[@]} benchmarks x 2 sides, alternating (${jmh[*]})"
i=0
for b in "${benches[@]}"; do
  short="${b#dev.lifeline.bench.}"
  if [ $((i % 2)) = 0 ]; then order=(baseline current); else order=(current baseline); fi
  i=$((i + 1))
  for side in "${order[@]}"; do
    if java -jar "$(jar_of "$side")" "^${b//./\\.}\$" "${jmh[@]}" -prof gc \
        -rf json -rff "$out/jmh/$side-$short.json" > "$out/jmh/$side-$short.txt" 2>&1; then
      echo "  $side $short: $(grep -E "^$(echo "$short" | sed 's/\./\\./g') " "$out/jmh/$side-$short.txt" | awk '{$1 = $2 = ""; print}' | sed 's/^ *//')"
    else
      echo "  $side $short: FAILED (see jmh/$side-$short.txt)"
    fi
  done
done

# ---------------------------------------------------------------- 2. scale
hosts=127.0.0.1,127.0.0.2
# wait_for FILE PREFIX SECONDS PID: prints the first line of FILE starting with PREFIX
wait_for() {
  local deadline=$((SECONDS + $3)) line
  while [ $SECONDS -lt $deadline ]; do
    line="$(grep -m1 "^$2" "$1" 2>/dev/null || true)"
    if [ -n "$line" ]; then echo "$line"; return 0; fi
    kill -0 "$4" 2>/dev/null || { sleep 0.5; grep -m1 "^$2" "$1" 2>/dev/null && return 0; return 1; }
    sleep 0.2
  done
  return 1
}
stop() { kill -9 "$1" 2>/dev/null || true; { wait "$1"; } 2>/dev/null || true; }
# one scale run as Suite.scale() makes it: server JVM, client JVM, RESULT line, server killed first
scale_run() { # side kind k
  local side=$1 kind=$2 k=$3 jar name port result spid cpid
  jar="$(jar_of "$side")"; name="$side-$kind-$k"
  java -Xmx1g -cp "$jar" dev.lifeline.bench.scale.ScaleServer port=0 hosts=$hosts \
    > "$out/scale/$name-server.log" 2>&1 &
  spid=$!; pids+=("$spid")
  if ! port="$(wait_for "$out/scale/$name-server.log" READY 30 "$spid")"; then
    stop "$spid"; echo "$side FAILED kind=$kind k=$k (no server)" >> "$out/scale/results.txt"; echo "  $name: FAILED (server)"; return 0
  fi
  port="${port#READY }"
  java -Xmx2g -cp "$jar" dev.lifeline.bench.scale.ScaleClient kind="$kind" k="$k" port="$port" \
    hosts=$hosts settle=$settle measure=$measure > "$out/scale/$name-client.log" 2>&1 &
  cpid=$!; pids+=("$cpid")
  if result="$(wait_for "$out/scale/$name-client.log" RESULT 240 "$cpid")"; then
    echo "$side $result" >> "$out/scale/results.txt"
    echo "  $name: $(echo "$result" | grep -oE '(connected|heap_per_conn_B|cpu_cores|rtt_p50_ms|rtt_p99_ms|deaths)=[^ ]+' | tr '\n' ' ')"
  else
    echo "$side FAILED kind=$kind k=$k" >> "$out/scale/results.txt"; echo "  $name: FAILED (see scale/$name-client.log)"
  fi
  stop "$spid" # server first: its side keeps the TIME_WAIT sockets, not the client's ports
  stop "$cpid"
}
phase "2. scale: K = ${scale_ks[*]}, settle ${settle} s, measure ${measure} s; Lifeline then raw per side, sides alternating"
i=0
for k in "${scale_ks[@]}"; do
  if [ $((i % 2)) = 0 ]; then order=(baseline current); else order=(current baseline); fi
  i=$((i + 1))
  for side in "${order[@]}"; do
    scale_run "$side" lifeline "$k"
    scale_run "$side" raw "$k"
  done
done

# ---------------------------------------------------------------- 3. echo
if [ "${ECHO:-1}" != 0 ]; then
  phase "3. echo throughput (${echo_args[*]}), baseline then current"
  for side in baseline current; do
    if timeout 900 java -Xmx1g -cp "$(jar_of "$side")" dev.lifeline.bench.socket.EchoThroughput "${echo_args[@]}" \
        > "$out/echo/$side.txt" 2>&1 && grep -q '^RESULT' "$out/echo/$side.txt"; then
      echo "$side $(grep -m1 '^RESULT' "$out/echo/$side.txt")" >> "$out/echo/results.txt"
      echo "  $side: $(grep -m1 '^RESULT' "$out/echo/$side.txt")"
    else
      echo "  $side: FAILED (see echo/$side.txt)"
    fi
  done
fi

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
phase "summary"
elapsed=$((SECONDS - t0))

# ---------------------------------------------------------------- summary.md
python3 - "$out" "$mode" "$elapsed" <<'PY'
import glob, json, os, re, sys

out, mode, elapsed = sys.argv[1], sys.argv[2], int(sys.argv[3])
machine = open(os.path.join(out, "machine.txt")).read().splitlines()
rows = []  # (metric, baseline, current, ratio) or a section title (str)

def fmt(v, digits):
    return "—" if v is None else f"{v:,.{digits}f}".replace(",", " ")

def ratio(b, c, floor=None):
    if b is None or c is None:
        return "—"
    if floor is not None and abs(b) <= floor and abs(c) <= floor:
        return "≈ 0 both"
    if b == 0:
        return "—" if c == 0 else "n/a"
    return f"{c / b:.2f}"

def add(metric, b, c, digits, floor=None, errors=(None, None)):
    cells = [fmt(v, digits) for v in (b, c)]
    for i, e in enumerate(errors):  # JMH's 99.9 % error, when there were enough iterations
        if e is not None and e == e and cells[i] != "—":
            cells[i] += " ± " + fmt(e, digits)
    rows.append((metric, cells[0], cells[1], ratio(b, c, floor)))

# 1. JMH
jmh = {}
order = []
for path in sorted(glob.glob(os.path.join(out, "jmh", "*.json"))):
    side, name = os.path.basename(path)[:-5].split("-", 1)
    try:
        data = json.load(open(path))
    except ValueError:
        continue
    for r in data:
        short = r["benchmark"].replace("dev.lifeline.bench.", "")
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        try:  # "NaN" (a string) with a single iteration
            error = float(r["primaryMetric"].get("scoreError"))
        except (TypeError, ValueError):
            error = None
        jmh[(side, short)] = (r["primaryMetric"]["score"], error, alloc)
        if short not in order:
            order.append(short)
key = lambda s: (not s.startswith("Inbound"), s)
if order:
    rows.append("JMH per frame (in memory; lower is better)")
for short in sorted(order, key=key):
    b, c = jmh.get(("baseline", short)), jmh.get(("current", short))
    add(f"`{short}` ns/op", b and b[0], c and c[0], 1, errors=(b and b[1], c and c[1]))
    add(f"`{short}` B/op (gc.alloc.rate.norm)", b and b[2], c and c[2], 1, floor=0.5)

# 2. scale
scale = {}
ks = []
path = os.path.join(out, "scale", "results.txt")
if os.path.exists(path):
    for line in open(path):
        side, rest = line.split(" ", 1)
        kv = dict(p.split("=", 1) for p in rest.split() if "=" in p)
        if not rest.startswith("RESULT"):
            continue
        k = int(kv["k"])
        scale[(side, kv["kind"], k)] = kv
        if k not in ks:
            ks.append(k)

def sv(side, kind, k, field):
    kv = scale.get((side, kind, k))
    return float(kv[field]) if kv and field in kv else None

def sr(side, k, field):
    l, r = sv(side, "lifeline", k, field), sv(side, "raw", k, field)
    return l / r if l is not None and r else None

for k in sorted(ks):
    rows.append(f"Scale, K = {k} heartbeating connections (1 s text heartbeat), client JVM; lower is better")
    g = lambda kind, f: (sv("baseline", kind, k, f), sv("current", kind, k, f))
    add("Lifeline heap per connection (B)", *g("lifeline", "heap_per_conn_B"), 0)
    add("raw Reactor Netty heap per connection (B)", *g("raw", "heap_per_conn_B"), 0)
    add("**heap per connection, Lifeline / raw**", sr("baseline", k, "heap_per_conn_B"), sr("current", k, "heap_per_conn_B"), 3)
    add("Lifeline heartbeat RTT p99 (ms)", *g("lifeline", "rtt_p99_ms"), 2)
    add("raw heartbeat RTT p99 (ms)", *g("raw", "rtt_p99_ms"), 2)
    add("**heartbeat RTT p99, Lifeline / raw**", sr("baseline", k, "rtt_p99_ms"), sr("current", k, "rtt_p99_ms"), 2)
    add("Lifeline heartbeat RTT p50 (ms)", *g("lifeline", "rtt_p50_ms"), 2)
    add("Lifeline heartbeat RTT max (ms)", *g("lifeline", "rtt_max_ms"), 1)
    add("client CPU, Lifeline / raw", sr("baseline", k, "cpu_cores"), sr("current", k, "cpu_cores"), 2)
    add("Lifeline client CPU (cores)", *g("lifeline", "cpu_cores"), 3)
    add("Lifeline client threads", *g("lifeline", "threads"), 0)
    add("Lifeline connected", *g("lifeline", "connected"), 0)
    add("Lifeline false deaths", *g("lifeline", "deaths"), 0)

# 3. echo
echo = {}
path = os.path.join(out, "echo", "results.txt")
if os.path.exists(path):
    for line in open(path):
        side, rest = line.split(" ", 1)
        echo[side] = {k: float(v) for k, v in (p.split("=", 1) for p in rest.split() if "=" in p)}
if echo:
    rows.append("Echo over one loopback socket, 32-byte text frames (medians; higher is better for frames/s)")
    e = lambda f: (echo.get("baseline", {}).get(f), echo.get("current", {}).get(f))
    add("raw Reactor Netty (frames/s)", *e("raw_median"), 0)
    add("Lifeline frame by frame `concatMap(send)` (frames/s)", *e("supervised_median"), 0)
    add("**frame by frame / raw**", *e("ratio"), 3)
    add("Lifeline streaming `send(Flux)` (frames/s)", *e("stream_median"), 0)
    add("**streaming / raw**", *e("stream_ratio"), 3)
    add("allocation per frame, raw / frame by frame / streaming (B, whole JVM)", None, None, 0)
    rows[-1] = (rows[-1][0],
                " / ".join(fmt(echo.get("baseline", {}).get(f), 0) for f in ("raw_B_per_frame", "supervised_B_per_frame", "stream_B_per_frame")),
                " / ".join(fmt(echo.get("current", {}).get(f), 0) for f in ("raw_B_per_frame", "supervised_B_per_frame", "stream_B_per_frame")),
                "—")

failed = []
for p in ("scale/results.txt",):
    fp = os.path.join(out, p)
    if os.path.exists(fp):
        failed += [l.strip() for l in open(fp) if " FAILED " in l]

md = [f"# Baseline vs current ({mode} mode)", ""]
md += [f"- {l}" for l in machine if l.startswith(("date", "baseline", "current", "benchmark sources", "load", "nproc", "java: openjdk version"))]
md += [f"- wall time: {elapsed // 60} min {elapsed % 60} s", ""]
md += ["Ratio = current / baseline. Sides alternate (JMH benchmark by benchmark, scale K by K); "
       "the scale client and server are separate JVMs on loopback, raw Reactor Netty runs against the "
       "same side's Lifeline server right after its Lifeline run. Both sides use the same benchmark sources.", ""]
if mode == "quick":
    md += ["**Quick mode: tiny iteration counts and K — validates the script, the figures mean nothing.**", ""]
if failed:
    md += ["**Failed runs:** " + "; ".join(failed), ""]
md += ["| metric | baseline | current | ratio |", "|---|---|---|---|"]
for r in rows:
    if isinstance(r, str):
        md.append(f"| *{r}* | | | |")
    else:
        md.append("| " + " | ".join(r) + " |")
md += ["", "Raw outputs: `machine.txt`, `phases.txt`, `build/`, `jmh/<side>-<benchmark>.{txt,json}`, "
       "`scale/results.txt` and one log per JVM, `echo/<side>.txt`."]
open(os.path.join(out, "summary.md"), "w").write("\n".join(md) + "\n")
print("\n".join(md))
PY
echo "raw outputs: $out"
