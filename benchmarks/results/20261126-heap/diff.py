#!/usr/bin/env python3
"""Per-class diff (lambda classes merged per declaring class) of two `jmap -histo:live` outputs, per connection.
Usage: diff.py <base histo> <other histo> <connections> [min bytes/conn]"""
import re, sys

def load(path):
    d = {}
    for line in open(path):
        m = re.match(r'\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)', line)
        if m:
            n, b, c = int(m[1]), int(m[2]), re.sub(r'\$\$Lambda\$\d+/0x[0-9a-f]+', '$$Lambda', m[3])
            a = d.setdefault(c, [0, 0]); a[0] += n; a[1] += b
    return d

base, other, k = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
floor = float(sys.argv[4]) if len(sys.argv) > 4 else 4.0
rows = []
for c in set(base) | set(other):
    bn, bb = base.get(c, [0, 0]); on, ob = other.get(c, [0, 0])
    rows.append((ob - bb, on - bn, c, bn, on))
rows.sort(reverse=True)
tb = sum(r[0] for r in rows)
print(f"# {sys.argv[2]} minus {sys.argv[1]}, per connection (K = {k})")
print(f"# total: {tb / k:+.0f} B/conn, {sum(r[1] for r in rows) / k:+.1f} objects/conn")
print(f"| class | instances/conn (base → other) | Δ instances/conn | Δ bytes/conn |")
print(f"|---|---|---|---|")
shown = 0
for db, dn, c, bn, on in rows:
    if abs(db) / k >= floor:
        print(f"| `{c}` | {bn / k:.2f} → {on / k:.2f} | {dn / k:+.2f} | {db / k:+.0f} |")
        shown += db
print(f"| (classes under {floor:g} B/conn) | | | {(tb - shown) / k:+.0f} |")
