/* capture.h - libpcap behind a small interface: live capture of probes and replies, pcap file reading and writing. */
#ifndef PATHMORTEM_CAPTURE_H
#define PATHMORTEM_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pathmortem/common.h"

struct pm_capture;

/* Called for each frame; the frame bytes are borrowed for the call only. */
typedef void (*pm_capture_cb)(void *ctx, const uint8_t *frame, size_t caplen, size_t wirelen, uint64_t ts_us);

#define PM_CAPTURE_SNAPLEN 1024          /* enough for whole-packet quotes with RFC 4884 extensions */
#define PM_CAPTURE_BUFFER (64u << 20)    /* kernel ring: bursts of ~100k pps for a second */

/* Opens a live capture on ifname (NULL: the interface routing toward
 * `route_hint`), filtered to our probes from src and the replies to src. */
int pm_capture_open_live(const char *ifname, uint32_t src, struct pm_capture **out, char *errbuf);
/* Opens a pcap (or pcapng) file for reading; garbage gives PM_ECORRUPT with a one-line message. */
int pm_capture_open_file(const char *path, struct pm_capture **out, char *errbuf);
/* Same, from a stream already opened (before privileges were dropped); takes ownership of f. */
int pm_capture_open_stream(FILE *f, const char *name, struct pm_capture **out, char *errbuf);
void pm_capture_close(struct pm_capture *c);

/* One TCP connection of this process (IPv4 addresses and ports in host order). */
struct pm_capture_tcp {
    uint32_t local, peer;
    uint16_t local_port, peer_port;
};
/* Live: rebuilds the filter without conn (a store server's connection
 * made after the capture opened), effective for frames already waiting in
 * the ring too. No-op for files. */
int pm_capture_exclude_tcp(struct pm_capture *c, const struct pm_capture_tcp *conn, char *errbuf);

/* Starts writing every frame delivered to the stream f (takes ownership;
 * the caller opened it, safely, before dropping privileges); name is for
 * messages. */
int pm_capture_dump_fopen(struct pm_capture *c, FILE *f, const char *name, char *errbuf);
/* Flushes what was captured so far; PM_EIO if any write failed (disk full). */
int pm_capture_dump_flush(struct pm_capture *c, char *errbuf);
/* Writes one IPv4 packet (a run record, match.h) into the pcap being
 * written, under the link header of the capture's link type, timestamped
 * ts_us. PM_OK also when no pcap is being written. */
int pm_capture_dump_ip(struct pm_capture *c, const uint8_t *ip, size_t len, uint64_t ts_us, char *errbuf);
/* Flushes and closes the pcap stream; PM_EIO if any write failed since it
 * was opened (pcap_dump() itself reports nothing). */
int pm_capture_dump_close(struct pm_capture *c, char *errbuf);

int pm_capture_linktype(const struct pm_capture *c);
int pm_capture_fd(const struct pm_capture *c);     /* -1 for files */

/* Delivers up to max frames (live: what is ready now, non-blocking).
 * Returns the number delivered, 0 at end of file / nothing ready, or a
 * negative PM_E* (errbuf set). */
int pm_capture_dispatch(struct pm_capture *c, int max, pm_capture_cb cb, void *ctx, char *errbuf);
/* Frames the kernel dropped (live). */
uint64_t pm_capture_drops(struct pm_capture *c);
/* Frames read whose caplen exceeded the file's snaplen or other oddities libpcap refused. */
bool pm_capture_eof(const struct pm_capture *c);

/* Files: a last record cut short (a capture copied while it was written,
 * a full disk) ends the file instead of failing it, as tcpdump reads it:
 * pm_capture_dispatch returns 0 and this tells how many complete records
 * were read and how many bytes at the end were ignored (0 when the size is
 * unknown, e.g. a pipe). False when the file ended cleanly. */
bool pm_capture_cut(const struct pm_capture *c, uint64_t *records, uint64_t *ignored_bytes);

/* The smallest snaplen whose frames hold an ICMP error's quote (outer IPv4
 * and ICMP header, quoted IPv4 header and 8 transport bytes) behind this
 * capture's link header. */
#define PM_CAPTURE_QUOTE_BYTES (20 + 8 + 20 + 8)
/* Files: PM_OK when the file's snaplen can hold a quote; else PM_ECORRUPT
 * with a one-line message (every quote would be cut, so every hop would
 * look silent). */
int pm_capture_check_snaplen(const struct pm_capture *c, const char *name, char *errbuf);

/* How pm_run_from_capture reads. */
struct pm_capture_run_opts {
    uint8_t gaplimit;      /* silent hops in a row that end a path (pm_trace_finish) */
    uint32_t max_frames;   /* stop after about this many frames (0: read to the end); the fuzzer's bound */
    uint16_t run_id;       /* 0: the capture's only run; else the run with this identity (analyze --run) */
};

/* What a read noticed that does not stop it: the caller says it. */
struct pm_capture_run_notes {
    bool cut;                 /* the last record was cut short (pm_capture_cut) */
    uint64_t records;         /* then: complete records read */
    uint64_t ignored_bytes;   /* then: bytes ignored at the end */
    bool no_probes;           /* refused only for holding no pathmortem run at all (another tool's capture?) */
};

struct pm_run;

/* The offline pipeline, the same for `analyze` and the fuzzer: checks the
 * snaplen, feeds every frame of c (a capture written by `pathmortem trace
 * -w`) to a matcher that learns the run from its start record or its first
 * probe, refuses a capture holding several runs (unless o->run_id picks one)
 * or none, then finishes the model with pm_trace_finish_recorded (first TTL
 * when no record stated it, span, stop reasons). c is read, not closed;
 * name is for messages. On PM_OK *out is a new run the caller owns
 * (pm_run_free); run->stats.over_limit counts frames about targets past the
 * cap. PM_ECORRUPT with a one-line errbuf for every refusal (unreadable,
 * snaplen too short, several runs, no such run, no probes), PM_ENOMEM;
 * *out is NULL then. notes (may be NULL) is filled once the file was read,
 * on success and refusal alike. */
int pm_run_from_capture(struct pm_capture *c, const char *name, const struct pm_capture_run_opts *o,
                        struct pm_run **out, struct pm_capture_run_notes *notes, char *errbuf);

#endif
