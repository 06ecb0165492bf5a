#!/usr/bin/env python3
# make_hex.py - regenerates the .hex packet files of this corpus; TESTLIST (the expected outcomes) is written by hand.
# Run from anywhere: python3 tests/golden/packets/make_hex.py
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
VANTAGE = "198.18.0.2"
ROUTER = "198.18.5.1"
TARGET = "175.45.176.15"


def addr(s):
    return bytes(int(x) for x in s.split("."))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip(proto, src, dst, payload, ttl=64, ident=0x1234, opts=b"", frag=0x4000, total=None, vihl=None):
    hl = 20 + len(opts)
    if total is None:
        total = hl + len(payload)
    if vihl is None:
        vihl = 0x40 | (hl // 4)
    h = struct.pack("!BBHHHBBH4s4s", vihl, 0, total, ident, frag, ttl, proto, 0, addr(src), addr(dst)) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def icmp(typ, code, rest, body):
    h = struct.pack("!BBH", typ, code, 0) + rest + body
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0xBEEF) + payload


def tcp(sport, dport, seq, ack, flags, opts=b"", doff=None):
    if doff is None:
        doff = (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, 65535, 0xCAFE, 0) + opts


def ext(objs, version=2, good=True):
    body = b"".join(objs)
    h = struct.pack("!HH", version << 12, 0) + body
    c = csum(h)
    if not good:
        c ^= 0x0101
    return h[:2] + struct.pack("!H", c) + h[4:]


def mpls_obj(labels, length=None):
    entries = b""
    for i, lab in enumerate(labels):
        s = 1 if i == len(labels) - 1 else 0
        entries += struct.pack("!I", (lab << 12) | (5 << 9) | (s << 8) | (250 - i))
    if length is None:
        length = 4 + len(entries)
    return struct.pack("!HBB", length, 1, 1) + entries


ETH = bytes(range(0x10, 0x1C))

probe_udp = ip(17, VANTAGE, TARGET, udp(40000, 33435, bytes(12)), ttl=1)
probe_icmp = ip(1, VANTAGE, TARGET, icmp(8, 0, struct.pack("!HH", 0x4242, 7), bytes(12)), ttl=1)
probe_tcp = ip(6, VANTAGE, TARGET, tcp(40000, 80, 0x01020304, 0, 0x02, b"\x02\x04\x05\xb4"), ttl=1)
echo_reply = ip(1, TARGET, VANTAGE, icmp(0, 0, struct.pack("!HH", 0x4242, 7), bytes(12)), ttl=52, ident=777)


def err(typ, code, quote, length_words=0, extension=b"", outer_opts=b"", pad_to=None):
    q = quote
    if pad_to is not None and len(q) < pad_to:
        q = q + bytes(pad_to - len(q))
    rest = struct.pack("!BBH", 0, length_words, 0)
    return ip(1, ROUTER, VANTAGE, icmp(typ, code, rest, q + extension), ttl=250, ident=0x9999, opts=outer_opts)


def rfc4884(quote, extension, typ=11, code=0):
    padded = max(128, (len(quote) + 3) // 4 * 4)
    return err(typ, code, quote, padded // 4, extension, pad_to=padded)


def patch(b, off, val):
    return b[:off] + bytes([val]) + b[off + 1 :]


def opts_rr(n):
    # NOPs then EOL: options the decoder must skip without understanding them
    return b"\x01" * (n - 1) + b"\x00"


q_udp_opts = ip(17, VANTAGE, TARGET, udp(40000, 33435, bytes(8)), ttl=1, opts=opts_rr(8))

CASES = {
    # well-formed frames on each link type
    "eth_echo_reply": ETH + b"\x08\x00" + echo_reply + bytes(4),
    "eth_vlan_timxceed_udp": ETH + b"\x81\x00\x00\x64\x08\x00" + err(11, 0, probe_udp[:28]),
    "sll_timxceed_icmp_whole": bytes.fromhex("00000001000600000000000000000800") + err(11, 0, probe_icmp),
    "sll2_unreach_tcp": bytes.fromhex("0800000000000003000100060000000000000000") + err(3, 13, probe_tcp[:28]),
    "null_le_echo_reply": b"\x02\x00\x00\x00" + echo_reply,
    "null_be_echo_reply": b"\x00\x00\x00\x02" + echo_reply,
    "raw_echo_reply": echo_reply,
    "tcp_synack": ip(6, TARGET, VANTAGE, tcp(80, 40000, 0xA0B0C0D0, 0x01020305, 0x12, b"\x02\x04\x05\xb4"), ttl=50, ident=4),
    "tcp_rst_snapcut_options": ip(6, TARGET, VANTAGE, tcp(80, 40000, 0, 0x01020305, 0x14, bytes(20)), ttl=50, ident=5)[:45],
    # link-layer refusals
    "eth_ipv6": ETH + b"\x86\xdd" + bytes.fromhex("60000000000811400000"),
    "eth_arp": ETH + b"\x08\x06" + bytes(28),
    "eth_qinq_two_tags": ETH + b"\x88\xa8\x00\x64\x81\x00\x00\x65\x08\x00" + echo_reply,
    "eth_short": ETH[:10],
    "raw_ipv6": bytes.fromhex("6000000000083a40") + bytes(40),
    "null_af_inet6": b"\x1e\x00\x00\x00" + echo_reply,
    "empty": b"",
    # IPv4 header lies and truncations
    "ip_short": echo_reply[:19],
    "ip_version_5": patch(echo_reply, 0, 0x55),
    "ip_ihl_4": patch(echo_reply, 0, 0x44),
    "ip_ihl_lies": patch(echo_reply, 0, 0x4F),
    "ip_options_cut": ip(17, TARGET, VANTAGE, udp(53, 40000, b""), opts=opts_rr(40))[:40],
    "ip_totlen_10": echo_reply[:2] + b"\x00\x0a" + echo_reply[4:],
    "ip_totlen_beyond_caplen": echo_reply[:2] + b"\x05\xdc" + echo_reply[4:],
    "ip_totlen_cuts_l4": echo_reply[:2] + b"\x00\x18" + echo_reply[4:],
    "ip_fragment": ip(17, TARGET, VANTAGE, bytes(16), frag=0x0002),
    "ip_first_fragment": ip(17, TARGET, VANTAGE, udp(53, 40000, bytes(8)), frag=0x2000),
    "ip_options_outer": ip(17, TARGET, VANTAGE, udp(53, 40000, bytes(4)), opts=opts_rr(12)),
    # transport header truncations
    "icmp_short": ip(1, TARGET, VANTAGE, b"\x00\x00\xff\xff"),
    "udp_short": ip(17, TARGET, VANTAGE, b"\x00\x35\x9c\x40\x00"),
    "tcp_short": ip(6, TARGET, VANTAGE, bytes(12)),
    "tcp_doff_3": ip(6, TARGET, VANTAGE, tcp(80, 40000, 1, 2, 0x12, doff=3)),
    # ICMP errors with unusable quotes
    "timxceed_no_quote": err(11, 0, b""),
    "timxceed_quote_19": err(11, 0, probe_udp[:19]),
    "timxceed_quote_v6": err(11, 0, patch(probe_udp, 0, 0x65)[:28]),
    "timxceed_quote_ihl_lies": err(11, 0, patch(probe_udp, 0, 0x4F)[:28]),
    "timxceed_quote_fragment": err(11, 0, patch(probe_udp, 7, 0x10)[:28]),
    # ICMP errors with odd but usable quotes
    "timxceed_quote_options": err(11, 0, q_udp_opts, outer_opts=opts_rr(8)),
    "timxceed_quote_4_l4_bytes": err(11, 0, probe_udp[:24]),
    "timxceed_quote_ip_only": err(11, 0, probe_udp[:20]),
    "paramprob_udp": err(12, 0, probe_udp[:28]),
    "srcquench_udp": err(4, 0, probe_udp[:28]),
    "redirect_not_decoded": err(5, 1, probe_udp[:28]),
    # what the receiving kernel drops: decoded, flagged, refused by the matcher
    "ip_bad_csum": patch(echo_reply, 10, echo_reply[10] ^ 0x5A),
    "icmp_bad_csum": patch(echo_reply, 22, echo_reply[22] ^ 0x5A),
    "timxceed_bad_icmp_csum": patch(err(11, 0, probe_udp[:28]), 22, err(11, 0, probe_udp[:28])[22] ^ 0x01),
    "echo_reply_ttl0": ip(1, TARGET, VANTAGE, icmp(0, 0, struct.pack("!HH", 16962, 7), bytes(12)), ttl=0, ident=777),
    # RFC 4884 / RFC 4950
    "rfc4884_mpls_1": rfc4884(probe_udp, ext([mpls_obj([16001])])),
    "rfc4884_mpls_3": rfc4884(probe_udp, ext([mpls_obj([24000, 1048575, 3])])),
    "rfc4884_unreach_mpls": rfc4884(probe_icmp, ext([mpls_obj([299776])]), typ=3, code=0),
    "rfc4884_bad_csum": rfc4884(probe_udp, ext([mpls_obj([16001])], good=False)),
    "rfc4884_zero_csum": rfc4884(probe_udp, struct.pack("!HH", 0x2000, 0) + mpls_obj([42])),
    "rfc4884_obj_len_2": rfc4884(probe_udp, ext([mpls_obj([16001], length=2)])),
    "rfc4884_obj_len_0": rfc4884(probe_udp, ext([mpls_obj([16001], length=0)])),
    "rfc4884_obj_overrun": rfc4884(probe_udp, ext([mpls_obj([16001], length=200)])),
    "rfc4884_obj_ragged": rfc4884(probe_udp, ext([mpls_obj([16001, 16002], length=10)])),
    "rfc4884_version_1": rfc4884(probe_udp, ext([mpls_obj([16001])], version=1)),
    "rfc4884_ext_tail_2": rfc4884(probe_udp, b"\x20\x00"),
    "rfc4884_unknown_object": rfc4884(probe_udp, ext([struct.pack("!HBB", 8, 2, 1) + bytes(4), mpls_obj([7])])),
    "rfc4884_length_too_small": err(11, 0, probe_udp[:28], 1),
    "rfc4884_length_beyond": err(11, 0, probe_udp, 255, ext([mpls_obj([16001])]), pad_to=128),
    "rfc4884_mpls_10_capped": rfc4884(probe_udp, ext([mpls_obj(list(range(100, 110)))])),
    "legacy128_mpls_2": err(11, 0, probe_udp, 0, ext([mpls_obj([100, 200])]), pad_to=128),
    "legacy128_bad_csum_is_quote": err(11, 0, probe_udp, 0, ext([mpls_obj([100])], good=False), pad_to=128),
    "rfc4884_snapcut_ext": rfc4884(probe_udp, ext([mpls_obj([16001, 16002])]))[:170],
}


def main():
    for name, data in sorted(CASES.items()):
        with open(os.path.join(HERE, name + ".hex"), "w") as f:
            f.write("# %s (%d bytes) - generated by make_hex.py\n" % (name, len(data)))
            for i in range(0, len(data), 16):
                f.write(" ".join("%02x" % b for b in data[i : i + 16]) + "\n")


if __name__ == "__main__":
    main()
