#!/usr/bin/env python3
"""Minimal HPROF reader: for instances of classes whose names contain a given string, prints the
referrer chains (class.field ← ...) up to `depth` levels, aggregated.
Usage: hprof.py dump.hprof depth class-substring..."""
import struct, sys, collections
f = open(sys.argv[1], 'rb').read()
p = f.index(b'\0') + 1
idsz = struct.unpack('>I', f[p:p+4])[0]; p += 12
fmt = '>Q' if idsz == 8 else '>I'
def rid(o): return struct.unpack(fmt, f[o:o+idsz])[0]
def u4(o): return struct.unpack('>I', f[o:o+4])[0]
def u2(o): return struct.unpack('>H', f[o:o+2])[0]
strings, classname, classes, inst, arrs = {}, {}, {}, {}, {}
tsz = {2: idsz, 4: 1, 5: 2, 6: 4, 7: 8, 8: 1, 9: 2, 10: 4, 11: 8}
while p < len(f):
    tag = f[p]; ln = u4(p+5); body = p + 9; end = body + ln; p = end
    if tag == 0x01:
        strings[rid(body)] = f[body+idsz:end].decode('utf8', 'replace')
    elif tag == 0x02:
        classname[rid(body+4)] = strings.get(rid(body+8+idsz), '?').replace('/', '.')
    elif tag in (0x0c, 0x1c):
        q = body
        while q < end:
            st = f[q]; q += 1
            if st == 0xff: q += idsz
            elif st == 0x01: q += 2*idsz
            elif st in (0x02, 0x03): q += idsz + 8
            elif st == 0x04: q += idsz + 4
            elif st in (0x05, 0x07): q += idsz
            elif st == 0x06: q += idsz + 4
            elif st == 0x08: q += idsz + 8
            elif st == 0x20:
                cid = rid(q); sup = rid(q+idsz+4); q += idsz + 4 + 6*idsz + 4
                n = u2(q); q += 2
                for _ in range(n): t = f[q+2]; q += 3 + tsz[t]
                n = u2(q); q += 2
                for _ in range(n): t = f[q+idsz]; q += idsz + 1 + tsz[t]
                n = u2(q); q += 2
                fields = []
                for _ in range(n): fields.append((strings.get(rid(q), '?'), f[q+idsz])); q += idsz + 1
                classes[cid] = (sup, fields)
            elif st == 0x21:
                oid = rid(q); cid = rid(q+idsz+4); n = u4(q+2*idsz+4)
                inst[oid] = (cid, q+2*idsz+8); q += 2*idsz + 8 + n
            elif st == 0x22:
                oid = rid(q); n = u4(q+idsz+4); ec = rid(q+idsz+8)
                arrs[oid] = (ec, q+2*idsz+8, n); q += 2*idsz + 8 + n*idsz
            elif st == 0x23:
                n = u4(q+idsz+4); t = f[q+idsz+8]; q += idsz + 9 + n*tsz[t]
            else:
                raise SystemExit('unknown subtag %x' % st)
def allfields(cid):
    out = []
    while cid:
        sup, fields = classes[cid]; out.extend(fields); cid = sup
    return out
fcache = {}
refs = collections.defaultdict(list)  # target -> [(src, label)]
for oid, (cid, off) in inst.items():
    fl = fcache.get(cid) or fcache.setdefault(cid, allfields(cid))
    q = off
    for name, t in fl:
        if t == 2:
            v = rid(q)
            if v: refs[v].append((oid, name))
        q += tsz[t]
for oid, (ec, off, n) in arrs.items():
    for i in range(n):
        v = rid(off + i*idsz)
        if v: refs[v].append((oid, '[]'))
def cname(o):
    if o in inst: return classname.get(inst[o][0], '?')
    if o in arrs: return classname.get(arrs[o][0], '?') + '[]'
    return '?'
import re
def short(n): return re.sub(r'\$\$Lambda\$\d+/0x[0-9a-f]+', '$$Lambda', n).replace('reactor.core.publisher.', 'r.').replace('dev.lifeline.', 'l.')
depth = int(sys.argv[2])
for pat in sys.argv[3:]:
    targets = [o for o in inst if pat == short(classname.get(inst[o][0], '')) or pat == classname.get(inst[o][0], '')]
    targets += [o for o in arrs if pat == classname.get(arrs[o][0], '') + '[]']
    chains = collections.Counter()
    for o in targets:
        cur = [(o, '')]
        chain = []
        for d in range(depth):
            r = refs.get(cur[0][0], [])
            if not r: break
            src, fld = r[0]
            chain.append(f'{short(cname(src))}.{fld}' + (f'(+{len(r)-1})' if len(r) > 1 else ''))
            cur = [(src, fld)]
        chains[' <- '.join(chain)] += 1
    print(f'== {pat}: {len(targets)}')
    for c, n in chains.most_common(6):
        print(f'  {n:5d}  {c}')
