#!/usr/bin/env python3
# make_bad.py - derives the bad pcap, MMDB and store files of this corpus from the good ones here (ok_*.pcap, written by tests/fuzz/gen_seeds.c); run from this directory.
import os
import random
import sqlite3
import struct

random.seed(6)  # the files are committed; the seed only keeps reruns identical

def read(name):
    with open(name, "rb") as f:
        return f.read()

def write(name, data):
    with open(name, "wb") as f:
        f.write(data)

good = read("ok_icmp_eth.pcap")
hdr, body = good[:24], good[24:]
magic, vmaj, vmin, zone, sigfigs, snaplen, link = struct.unpack("<IHHiIII", hdr)

def with_header(**kw):
    f = dict(magic=magic, vmaj=vmaj, vmin=vmin, snaplen=snaplen, link=link)
    f.update(kw)
    return struct.pack("<IHHiIII", f["magic"], f["vmaj"], f["vmin"], 0, 0, f["snaplen"], f["link"])

def records(data):
    out, off = [], 0
    while off + 16 <= len(data):
        sec, usec, cap, ln = struct.unpack("<IIII", data[off:off + 16])
        out.append([sec, usec, cap, ln, data[off + 16:off + 16 + cap]])
        off += 16 + cap
    return out

def pack(recs, fix_cap=True):
    b = b""
    for sec, usec, cap, ln, frame in recs:
        b += struct.pack("<IIII", sec, usec, cap, ln) + frame
    return b

recs = records(body)

write("bad_magic.pcap", b"\x00\x11\x22\x33" + good[4:])
write("bad_version.pcap", with_header(vmaj=7) + body)
write("zero_snaplen.pcap", with_header(snaplen=0) + body)
write("huge_snaplen.pcap", with_header(snaplen=0xFFFFFFFF) + body)
write("small_snaplen.pcap", with_header(snaplen=16) + body)
# caplen larger than the original length on the wire, frame bytes as claimed
r = [list(x) for x in recs]
r[0][3] = 10
write("caplen_gt_len.pcap", hdr + pack(r))
# caplen above the file's snaplen: records claim more than the header allows
r = [list(x) for x in recs]
r[1][4] = r[1][4] + b"\x00" * 100
r[1][2] = len(r[1][4])
write("caplen_gt_snaplen.pcap", with_header(snaplen=len(recs[1][4])) + pack(r))
# caplen of 1 GiB: libpcap must refuse, never allocate it
r = [list(x) for x in recs]
write("caplen_huge.pcap", hdr + pack(r[:2]) + struct.pack("<IIII", r[2][0], r[2][1], 1 << 30, 1 << 30) + r[2][4])
write("truncated_header.pcap", good[:10])
write("truncated_record_header.pcap", hdr + pack(recs[:3]) + struct.pack("<II", 1, 2))
write("truncated_record.pcap", hdr + pack(recs[:3]) + pack(recs[3:4])[:30])
write("unknown_linktype.pcap", with_header(link=147) + body)
write("linktype_huge.pcap", with_header(link=0x0FFFFFFF) + body)
write("empty.pcap", b"")
write("header_only.pcap", hdr)
garbage = b""
for i in range(40):
    n = random.randint(0, 200)
    frame = bytes(random.getrandbits(8) for _ in range(n))
    garbage += struct.pack("<IIII", 1764316800 + i, 0, n, n) + frame
write("garbage_frames.pcap", hdr + garbage)
write("random_bytes.pcap", bytes(random.getrandbits(8) for _ in range(3000)))
# big-endian file and nanosecond timestamps: valid, must read the same
be = struct.pack(">IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, link)
for sec, usec, cap, ln, frame in recs:
    be += struct.pack(">IIII", sec, usec, cap, ln) + frame
write("ok_bigendian.pcap", be)
ns = struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, snaplen, link)
for sec, usec, cap, ln, frame in recs:
    ns += struct.pack("<IIII", sec, usec * 1000, cap, ln) + frame
write("ok_nanosecond.pcap", ns)

# pcapng: section header, one interface, enhanced packet blocks
def block(btype, payload):
    pad = (-len(payload)) % 4
    total = 12 + len(payload) + pad
    return struct.pack("<II", btype, total) + payload + b"\x00" * pad + struct.pack("<I", total)

ng = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
ng += block(0x00000001, struct.pack("<HHI", link, 0, snaplen))
for sec, usec, cap, ln, frame in recs:
    ts = sec * 1000000 + usec
    ng += block(0x00000006, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, cap, ln) + frame)
write("ok_pcapng.pcapng", ng)
# pcapng whose packet block claims more than the block holds
bad = bytearray(ng)
epb = ng.find(struct.pack("<I", 6), 28)
struct.pack_into("<I", bad, epb + 20, 0xFFFF)
write("pcapng_bad_caplen.pcapng", bytes(bad))
write("pcapng_truncated.pcapng", ng[: len(ng) - 7])

# MMDB: the good ASN database from the fuzz corpus, damaged three ways
mm = read("../../fuzz/corpus/mmdb/starjv-asn.mmdb")
write("db_mmdb_truncated.mmdb", mm[: len(mm) // 3])
marker = mm.rfind(b"\xab\xcd\xefMaxMind.com")
meta = bytearray(mm)
for i in range(marker + 14, min(len(mm), marker + 60)):
    meta[i] ^= 0x5A
write("db_mmdb_bad_metadata.mmdb", bytes(meta))
tree = bytearray(mm)
for i in range(0, min(marker, 96)):
    tree[i] = 0xFF
write("db_mmdb_bad_tree.mmdb", bytes(tree))
write("db_mmdb_garbage.mmdb", bytes(random.getrandbits(8) for _ in range(2048)))

# Stores: not SQLite, truncated, another application's SQLite database
st = read("../../fuzz/corpus/store/two-snapshots.db")
write("db_store_truncated.db", st[:1500])
write("db_store_garbage.db", bytes(random.getrandbits(8) for _ in range(8192)))
pages = bytearray(st)
for i in range(4096, min(len(pages), 4096 * 3)):
    pages[i] = random.getrandbits(8)
write("db_store_bad_pages.db", bytes(pages))
if os.path.exists("db_store_foreign.db"):
    os.unlink("db_store_foreign.db")
con = sqlite3.connect("db_store_foreign.db")
con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
con.execute("INSERT INTO notes (body) VALUES ('not a pathmortem store')")
con.commit()
con.close()

# A good capture with broken IPv4 frames between its records: same run, drops counted
mixed = b""
for i, (sec, usec, cap, ln, frame) in enumerate(recs):
    mixed += struct.pack("<IIII", sec, usec, cap, ln) + frame
    junk = b"\x00" * 12 + b"\x08\x00" + bytes([0x45 + (i % 3)]) + bytes(random.getrandbits(8) for _ in range(i % 30))
    mixed += struct.pack("<IIII", sec, usec + 1, len(junk), len(junk)) + junk
write("ok_mixed_garbage.pcap", hdr + mixed)
