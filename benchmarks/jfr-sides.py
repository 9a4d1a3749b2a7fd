#!/usr/bin/env python3
"""Where an echo's CPU samples go, per side: client event loop against server event loop.

Usage: jfr-sides.py BASELINE.txt OTHER.txt [N]
  each file is `jfr print --stack-depth 80 --events jdk.ExecutionSample rec.jfr` of one run of
  ResumeThroughput -Donly=<client> (client and server in one JVM, each on its own event loop).

Prints, for each recording, the Java samples of the thread that runs the server's connections
and of the one that runs the client's (the thread whose samples most often hold ServerSession,
resp. WebSocketConnection frames), then the N self methods whose samples grew most on the
server's thread, BASELINE against OTHER. Samples are JFR's (Java code only, not time in
system calls), so compare like with like: same frames, same rounds.
"""
import collections
import re
import sys

SERVER = ("ServerSession", "ResumedSession", "SessionAttachment", "HttpServerOperations")
CLIENT = ("WebSocketConnection", "HttpClientOperations", "internal.Link")


def load(path):
    samples, current = [], None
    for line in open(path):
        if line.startswith("jdk.ExecutionSample"):
            current = [[], None]
            samples.append(current)
        elif current is not None:
            m = re.match(r'\s+sampledThread = "([^"]*)"', line)
            if m:
                current[1] = m.group(1)
            m = re.match(r"\s+([\w$.<>]+)\(", line)
            if m:
                current[0].append(m.group(1))
    return samples


def threads(samples):
    by = collections.defaultdict(lambda: collections.Counter())
    for stack, thread in samples:
        joined = " ".join(stack)
        by[thread]["all"] += 1
        by[thread]["server"] += any(k in joined for k in SERVER)
        by[thread]["client"] += any(k in joined for k in CLIENT)
    server = max(by, key=lambda t: by[t]["server"])
    client = max((t for t in by if t != server), key=lambda t: by[t]["client"])
    return server, client, by


def main():
    base, other = load(sys.argv[1]), load(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    selfs = []
    for name, samples in ((sys.argv[1], base), (sys.argv[2], other)):
        server, client, by = threads(samples)
        print(f"{name}: {len(samples)} samples; server loop {server} {by[server]['all']}, "
              f"client loop {client} {by[client]['all']}")
        selfs.append(collections.Counter(s[0] for s, t in samples if t == server and s))
    a, b = selfs
    print(f"\nserver loop, self samples: delta  baseline  other  method")
    for k in sorted(set(a) | set(b), key=lambda k: -(b[k] - a[k]))[:n]:
        print(f"{b[k] - a[k]:6d} {a[k]:9d} {b[k]:6d}  {k}")


if __name__ == "__main__":
    main()
