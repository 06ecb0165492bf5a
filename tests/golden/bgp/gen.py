#!/usr/bin/env python3
# gen.py - writes a small MRT RIB (TABLE_DUMP_V2) and update file (BGP4MP MESSAGE_AS4, STATE_CHANGE_AS4) with one known control-plane event per /24 of 175.45.176.0/22: gen.py OUTDIR T0
import gzip, struct, sys, bz2

out, t0 = sys.argv[1], int(sys.argv[2])
ORIGIN = 131279
# (peer address, peer AS, upstream side): two peers via China Unicom, three via TransTeleCom, one partial feed.
PEERS = [("192.0.2.1", 3333, 4837), ("192.0.2.2", 2914, 4837), ("192.0.2.3", 1299, 20485),
         ("192.0.2.4", 6939, 20485), ("192.0.2.5", 174, 20485), ("192.0.2.6", 64500, 4837)]
FULL = 5            # the first five carry the whole (small) table
TARGETS = ["175.45.176.0/24", "175.45.177.0/24", "175.45.178.0/24", "175.45.179.0/24"]
FILLER = ["203.0.%d.0/24" % i for i in range(20)]

def ip(s): return bytes(int(x) for x in s.split("."))
def pfx(p):
    a, l = p.split("/"); l = int(l)
    return bytes([l]) + ip(a)[: (l + 7) // 8]
def attr(flags, t, v):
    return struct.pack(">BBB", flags, t, len(v)) + v if len(v) < 256 else struct.pack(">BBH", flags | 0x10, t, len(v)) + v
def attrs(path, nh):
    seg = struct.pack(">BB", 2, len(path)) + b"".join(struct.pack(">I", a) for a in path)
    return attr(0x40, 1, b"\0") + attr(0x40, 2, seg) + attr(0x40, 3, ip(nh))
def mrt(t, ty, st, body): return struct.pack(">IHHI", t, ty, st, len(body)) + body

def rib():
    body = ip("192.0.2.254") + struct.pack(">H", 0) + struct.pack(">H", len(PEERS))
    for a, asn, _ in PEERS:
        body += b"\x02" + ip(a) + ip(a) + struct.pack(">I", asn)   # IPv4 peer, 4-byte AS
    recs = [mrt(t0, 13, 1, body)]
    seq = 0
    for p in TARGETS + FILLER:
        ents = b""; n = 0
        for i, (a, asn, up) in enumerate(PEERS):
            if i >= FULL and p != TARGETS[0]:
                continue
            at = attrs([asn, up, ORIGIN] if p in TARGETS else [asn, 64511], a)
            ents += struct.pack(">HI", i, t0 - 3600) + struct.pack(">H", len(at)) + at; n += 1
        recs.append(mrt(t0, 13, 2, struct.pack(">I", seq) + pfx(p) + struct.pack(">H", n) + ents)); seq += 1
    return b"".join(recs)

def update(t, peer, withdrawn=(), path=None, nlri=()):
    a, asn, _ = PEERS[peer]
    wd = b"".join(pfx(p) for p in withdrawn)
    at = attrs(path, a) if path else b""
    msg = struct.pack(">H", len(wd)) + wd + struct.pack(">H", len(at)) + at + b"".join(pfx(p) for p in nlri)
    bgp = b"\xff" * 16 + struct.pack(">HB", 19 + len(msg), 2) + msg
    body = struct.pack(">IIHH", asn, 12654, 0, 1) + ip(a) + ip("192.0.2.254") + bgp
    return mrt(t, 16, 4, body)

def state(t, peer, old, new):
    a, asn, _ = PEERS[peer]
    return mrt(t, 16, 5, struct.pack(">IIHH", asn, 12654, 0, 1) + ip(a) + ip("192.0.2.254") + struct.pack(">HH", old, new))

ups = []
# 176.0/24: the origin withdraws: every peer loses it within 10 s (both upstream sides together).
for i in range(FULL + 1):
    ups.append(update(t0 + 100 + 2 * i, i, withdrawn=["175.45.176.0/24"]))
# 177.0/24: a leak: one peer's path now has AS64777 before the origin.
ups.append(update(t0 + 200, 3, path=[6939, 64777, ORIGIN], nlri=["175.45.177.0/24"]))
# 178.0/24: China Unicom's side drops it; TransTeleCom's three peers keep it.
ups.append(update(t0 + 300, 0, withdrawn=["175.45.178.0/24"]))
ups.append(update(t0 + 301, 1, withdrawn=["175.45.178.0/24"]))
# 179.0/24: a hijack: AS64666 originates it, seen by one peer.
ups.append(update(t0 + 400, 2, path=[1299, 64666], nlri=["175.45.179.0/24"]))
# a session that goes down (Established -> Idle) takes its routes with it: the partial peer.
ups.append(state(t0 + 500, 5, 6, 1))

open(out + "/rib.mrt.bz2", "wb").write(bz2.compress(rib()))
open(out + "/updates.mrt.gz", "wb").write(gzip.compress(b"".join(ups), mtime=0))
