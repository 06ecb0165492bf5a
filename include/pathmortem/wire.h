/* wire.h - decoders for captured frames: link layer, IPv4, ICMP (with RFC 4884/4950 extensions), UDP, TCP. */
#ifndef PATHMORTEM_WIRE_H
#define PATHMORTEM_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "pathmortem/common.h"
#include "pathmortem/cursor.h"

/* Link types we accept (values are the pcap LINKTYPE_* numbers). */
#define PM_LINK_NULL 0
#define PM_LINK_ETHERNET 1
#define PM_LINK_RAW 101
#define PM_LINK_LINUX_SLL 113
#define PM_LINK_IPV4 228
#define PM_LINK_LINUX_SLL2 276

#define PM_PROTO_ICMP 1
#define PM_PROTO_TCP 6
#define PM_PROTO_UDP 17

#define PM_ICMP_ECHOREPLY 0
#define PM_ICMP_UNREACH 3
#define PM_ICMP_SRCQUENCH 4
#define PM_ICMP_ECHO 8
#define PM_ICMP_TIMXCEED 11
#define PM_ICMP_PARAMPROB 12

/* What an ICMP message says about the path of the probe it answers. The one
 * table of ICMP codes in the project (src/wire/icmp_class.c): the verdicts,
 * compare-methods, the traceroute marks, the trace model and the scheduler
 * all ask it instead of testing code numbers. */
enum pm_icmp_meaning {
    PM_ICMP_M_OTHER = 0,        /* not about a path: unknown type, echo request, ... */
    PM_ICMP_M_ECHO_REPLY,       /* 0: the destination answered an echo */
    PM_ICMP_M_TIME_EXCEEDED,    /* 11: a router on the path (or reassembly timeout) */
    PM_ICMP_M_SOURCE_QUENCH,    /* 4 (deprecated, RFC 6633) */
    PM_ICMP_M_PARAM_PROBLEM,    /* 12 */
    PM_ICMP_M_NET_UNREACH,      /* 3/0, 3/6 (network unknown), 3/11 (for ToS) */
    PM_ICMP_M_HOST_UNREACH,     /* 3/1, 3/7 (host unknown), 3/12 (for ToS), 3/8: source host
                                   isolated, obsolete; RFC 1812 5.2.7.1 says send 0 or 1 instead */
    PM_ICMP_M_PROTO_UNREACH,    /* 3/2: sent by the destination host (RFC 792) */
    PM_ICMP_M_PORT_UNREACH,     /* 3/3: sent by the destination host (RFC 792) */
    PM_ICMP_M_FRAG_NEEDED,      /* 3/4: fragmentation needed and DF set */
    PM_ICMP_M_SRCROUTE_FAILED,  /* 3/5 */
    PM_ICMP_M_ADMIN_PROHIB,     /* refused by policy, a filter: 3/9, 3/10, 3/13 (administratively
                                   prohibited), 3/14, 3/15 (precedence policy, RFC 1812 5.2.7.1) */
    PM_ICMP_M_UNREACH_UNKNOWN,  /* 3/16..255: an unreachable with an unassigned code */
};

/* The meaning of ICMP type/code (any values). */
enum pm_icmp_meaning pm_wire_icmp_meaning(uint8_t type, uint8_t code);

/* The traceroute mark of a destination unreachable with this code ("!N",
 * "!H", "!P", "!X", ...; static storage), or NULL when traceroute has none
 * (3/3, 3/11, 3/12, unassigned codes: callers print "!<code>"). */
const char *pm_wire_icmp_mark(uint8_t code);

/* True for the messages only the destination host itself sends about a
 * probe (RFC 792: protocol and port unreachable come "from a host"; echo
 * reply): one of them from the destination's address means the probe got
 * there. A net, host or admin unreachable comes from a router (or a
 * filter) and means it did not. */
bool pm_wire_icmp_from_end_host(uint8_t type, uint8_t code);

/* Where non-RFC-4884 routers put the extension structure when the ICMP
 * length attribute is 0: right after a 128-byte original datagram. */
#define PM_ICMP_LEGACY_EXT_OFF 128

#define PM_TCP_FIN 0x01
#define PM_TCP_SYN 0x02
#define PM_TCP_RST 0x04
#define PM_TCP_PSH 0x08
#define PM_TCP_ACK 0x10
#define PM_TCP_URG 0x20

#define PM_MPLS_MAX 8

/* Bytes after the transport header kept in struct pm_packet (an echo reply's
 * payload, which the matcher compares with what the probe carried). */
#define PM_WIRE_PAYLOAD_KEEP 16

/* A checksum as received. */
enum pm_csum { PM_CSUM_UNCHECKED = 0, PM_CSUM_OK, PM_CSUM_BAD };

/* Addresses are kept in host byte order throughout the project. */
struct pm_ipv4 {
    uint8_t ihl;          /* header length in bytes (20..60) */
    uint8_t tos;
    uint16_t total_len;   /* as claimed by the header */
    uint16_t id;
    uint16_t frag;        /* flags + fragment offset */
    uint8_t ttl;
    uint8_t proto;
    uint16_t csum;
    uint32_t src;
    uint32_t dst;
    bool has_options;
};

struct pm_mpls_entry {
    uint32_t label; /* 20 bits */
    uint8_t tc;     /* traffic class (EXP) */
    uint8_t s;      /* bottom of stack */
    uint8_t ttl;
};

/* One RFC 4884 extension object as received: its class and c-type, its
 * length and the first bytes of its payload (RFC 5837 interface information
 * fits whole: at most 4 + 20 + 64 + 4 = 92 bytes; a longer object is cut,
 * which `kept < len` shows). Sources that give no bytes (RIPE Atlas) leave
 * len PM_EXT_LEN_UNKNOWN and kept 0. */
#define PM_EXT_OBJ_MAX 4
#define PM_EXT_OBJ_BYTES 92
#define PM_EXT_LEN_UNKNOWN 0xffff
#define PM_EXT_CLASS_MPLS 1
#define PM_EXT_CLASS_IFINFO 2   /* RFC 5837 */
struct pm_ext_obj {
    uint8_t cls, ctype;
    uint16_t len;                  /* payload bytes after the 4-byte object header */
    uint8_t kept;                  /* bytes of data[] present (<= len) */
    uint8_t data[PM_EXT_OBJ_BYTES];
};
struct pm_ext_set {
    uint8_t n;                     /* objects kept, in the order received (further ones counted in more) */
    uint8_t more;
    struct pm_ext_obj obj[PM_EXT_OBJ_MAX];
};
/* Appends an object to s (counted in more past PM_EXT_OBJ_MAX); len bytes at
 * data, of which the first PM_EXT_OBJ_BYTES are kept (data NULL: none known). */
void pm_ext_set_add(struct pm_ext_set *s, uint8_t cls, uint8_t ctype, uint16_t len, const uint8_t *data);

/* RFC 5837 interface information, parsed from an object's kept bytes. */
struct pm_ext_ifinfo {
    uint8_t role;                  /* c-type bits 7-6: 0 incoming, 1 sub-IP, 2 outgoing, 3 next hop */
    bool has_ifindex, has_addr, has_name, has_mtu;
    bool addr_v6;
    uint32_t ifindex, mtu;
    uint8_t addr[16];              /* IPv4 in the first 4 bytes (network order) */
    char name[64];                 /* as received, NUL-terminated; bytes outside printable ASCII become '?' */
};
/* PM_OK when o is a class-2 object whose kept bytes hold every field its
 * c-type announces; PM_ECORRUPT when they do not (cut, lying lengths). */
int pm_ext_ifinfo_parse(const struct pm_ext_obj *o, struct pm_ext_ifinfo *out);
const char *pm_ext_ifinfo_role(uint8_t role);

/* Transport header of a packet or of the packet quoted inside an ICMP error.
 * For quoted packets only the first 8 bytes are guaranteed (RFC 792). */
struct pm_l4 {
    uint8_t proto;
    uint8_t raw[8];      /* first 8 bytes exactly as on the wire */
    uint8_t raw_len;     /* how many of raw[] were present (0..8) */
    /* Parsed views, valid when raw_len >= 8 (icmp/udp) or as noted. */
    uint8_t icmp_type, icmp_code;
    uint16_t icmp_csum, icmp_id, icmp_seq;
    uint16_t sport, dport;   /* udp and tcp */
    uint16_t udp_len, udp_csum;
    uint32_t tcp_seq;        /* first 8 bytes carry ports + seq */
    uint32_t tcp_ack;        /* valid when tcp_full */
    uint8_t tcp_flags;       /* valid when tcp_full */
    bool tcp_full;           /* the fixed 20-byte TCP header was present (data
                                offset >= 5); options may be cut by snaplen.
                                Always true for a decoded full TCP packet;
                                for a quote only when the router quoted >= 20
                                bytes of it. */
};

/* A decoded frame. Everything is copied out; nothing points into the frame. */
struct pm_packet {
    struct pm_ipv4 ip;
    struct pm_l4 l4;
    /* Set when the packet is an ICMP error (time exceeded, unreachable,
     * parameter problem, source quench) that quotes an IPv4 header. */
    bool has_quote;
    struct pm_ipv4 quoted_ip;
    struct pm_l4 quoted_l4;
    uint16_t quoted_len;     /* bytes of the original datagram quoted */
    /* RFC 4884 extension structure, if present and well formed. */
    bool has_ext;
    bool ext_csum_ok;
    uint8_t n_mpls;          /* RFC 4950 label stack entries kept (<= PM_MPLS_MAX) */
    struct pm_mpls_entry mpls[PM_MPLS_MAX];
    struct pm_ext_set ext;   /* every object of the extension structure (MPLS included) */
    uint16_t payload_len;    /* bytes after the transport header (full packets) */
    /* The extension area was present but broken (bad version, short or
     * overrunning object, ragged MPLS object); the packet stays usable and
     * what was read before the fault is kept. Callers count it. */
    bool ext_malformed;
    /* Checksums, so callers can refuse what the receiving kernel would
     * drop. ip_csum_ok: the IPv4 header checksum verifies. l4_csum: the ICMP
     * checksum over the whole message (UNCHECKED when the capture cut it or
     * the protocol is not ICMP; UDP/TCP are left to offload-free senders). */
    bool ip_csum_ok;
    uint8_t l4_csum;         /* enum pm_csum */
    uint8_t payload_kept;    /* bytes of payload[] present (<= PM_WIRE_PAYLOAD_KEEP) */
    uint8_t payload[PM_WIRE_PAYLOAD_KEEP]; /* first bytes after the transport header */
};

/* Why a frame was dropped by the decoders; counted by callers. */
enum pm_wire_drop {
    PM_DROP_NONE = 0,
    PM_DROP_LINK,        /* unknown or short link header, not IPv4 */
    PM_DROP_IP_SHORT,    /* fewer bytes than an IPv4 header */
    PM_DROP_IP_BAD,      /* version, IHL or total length lies */
    PM_DROP_FRAGMENT,    /* non-first fragment: no transport header */
    PM_DROP_L4_SHORT,    /* transport header truncated */
    PM_DROP_QUOTE_BAD,   /* ICMP error whose quote is unusable */
    PM_DROP__COUNT
};

const char *pm_wire_drop_name(enum pm_wire_drop why);

/* Skips the link header of a frame of the given pcap link type, leaving c
 * at the IPv4 header. PM_EUNSUPP for unknown link types, PM_EINVAL for a
 * non-IPv4 frame, PM_ETRUNC for a short one. */
int pm_wire_link(struct pm_cursor *c, int linktype);

/* Decodes an IPv4 header. c must be at the header; on success it is left at
 * the payload, limited to min(total_len, bytes available) - quoted packets are
 * often truncated so `quoted` allows total_len to exceed what is present. */
int pm_wire_ipv4(struct pm_cursor *c, bool quoted, struct pm_ipv4 *out);

/* Decodes a whole frame into *out. Returns PM_OK, or a negative code with
 * *why set to the drop reason. Never reads outside [frame, frame+caplen). */
int pm_wire_decode(const uint8_t *frame, size_t caplen, int linktype,
                   struct pm_packet *out, enum pm_wire_drop *why);

/* Decodes from an IPv4 header onward (no link layer). */
int pm_wire_decode_ip(const uint8_t *ip, size_t len, struct pm_packet *out,
                      enum pm_wire_drop *why);

/* Writes a one-line, deterministic summary of a decoded packet into buf
 * (always NUL-terminated when len > 0), e.g.
 *   ip 198.18.5.1>198.18.0.2 ttl=63 icmp 11/0 quote{ip 198.18.0.2>175.45.176.15
 *   ttl=1 id=4660 udp 40000>33435} qlen=28
 * PM_OK, or PM_ELIMIT when buf was too small (output truncated). */
int pm_wire_format(const struct pm_packet *p, char *buf, size_t len);

/* Internet checksum (RFC 1071). pm_wire_sum adds the big-endian 16-bit words
 * of p to sum (an odd last byte is padded with zero) and returns a partly
 * folded running sum (equal to the plain word sum modulo 65535, which is all
 * that pm_wire_fold keeps), so calls can be chained over even-length pieces (a
 * pseudo-header, then a header, then a payload). pm_wire_fold folds it to 16
 * bits, not complemented: the checksum field to write is ~pm_wire_fold(s),
 * and received data including its checksum is intact when pm_wire_fold(s) is
 * 0xffff. */
uint32_t pm_wire_sum(const uint8_t *p, size_t len, uint32_t sum);
uint16_t pm_wire_fold(uint32_t sum);

#endif
