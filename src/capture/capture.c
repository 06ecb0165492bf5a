/* capture.c - opening, filtering, reading and writing captures with libpcap; the only file that includes pcap.h. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pathmortem/capture.h"
#include "pathmortem/wire.h"

struct pm_capture {
    pcap_t *p;
    pcap_dumper_t *dump;
    bool live;
    bool eof;
    bool cut;             /* file: the last record was cut short */
    long last_good;       /* file: offset just past the last complete record (-1: unknown) */
    uint64_t records;     /* frames delivered */
    uint64_t cut_bytes;   /* file: bytes after last_good when cut */
    pm_capture_cb cb;
    void *ctx;
    char *iobuf;          /* file: the stdio buffer of the stream libpcap reads (owned; NULL: stdio's own) */
    uint32_t src;         /* live: the probing address the filter is built around */
};

static void dotted(uint32_t a, char out[16])
{
    snprintf(out, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* Our probes leaving, and what comes back to us: ICMP, and TCP answers;
 * less one TCP connection of our own when ex names one (a store server's:
 * its handshake, its password exchange, its rows are no probe or answer). */
static int set_filter(struct pm_capture *c, const struct pm_capture_tcp *ex, char *errbuf)
{
    char filter[512], s[16];
    dotted(c->src, s);
    int n = snprintf(filter, sizeof filter,
                     "ip and ((src host %s and (icmp or udp or tcp)) or (dst host %s and (icmp or tcp)))", s, s);
    if (ex) {
        char a[16], b[16];
        dotted(ex->local, a);
        dotted(ex->peer, b);
        n += snprintf(filter + n, sizeof filter - (size_t)n,
                      " and not (tcp and ((src host %s and src port %u and dst host %s and dst port %u) or"
                      " (src host %s and src port %u and dst host %s and dst port %u)))",
                      a, ex->local_port, b, ex->peer_port, b, ex->peer_port, a, ex->local_port);
    }
    struct bpf_program prog;
    if (pcap_compile(c->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
        return pm_err(errbuf, PM_EIO, "cannot set capture filter: %s", pcap_geterr(c->p));
    /* libpcap filters what the ring already holds with the new program too,
     * so nothing of the excluded connection captured before is delivered */
    int rc = pcap_setfilter(c->p, &prog) < 0 ? pm_err(errbuf, PM_EIO, "cannot set capture filter: %s", pcap_geterr(c->p))
                                             : PM_OK;
    pcap_freecode(&prog);
    return rc;
}

int pm_capture_exclude_tcp(struct pm_capture *c, const struct pm_capture_tcp *conn, char *errbuf)
{
    if (!c->live)
        return PM_OK;
    return set_filter(c, conn, errbuf);
}

int pm_capture_open_live(const char *ifname, uint32_t src, struct pm_capture **out, char *errbuf)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    struct pm_capture *c = calloc(1, sizeof *c);
    if (!c)
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    c->live = true;
    c->p = pcap_create(ifname ? ifname : "any", perr);
    if (!c->p) {
        free(c);
        return pm_err(errbuf, PM_EIO, "cannot capture on %s: %s", ifname ? ifname : "any", perr);
    }
    pcap_set_snaplen(c->p, PM_CAPTURE_SNAPLEN);
    /* Not immediate mode: libpcap then uses TPACKET_V3 blocks, handed over
     * when full or after 1 ms, which measured 30% more probes per second
     * than per-packet wake-ups (docs/performance.md); 1 ms is far below any
     * wait the engine uses. */
    pcap_set_immediate_mode(c->p, 0);
    pcap_set_timeout(c->p, 1);
    pcap_set_buffer_size(c->p, (int)PM_CAPTURE_BUFFER);
    pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_MICRO);
    int rc = pcap_activate(c->p);
    if (rc < 0) {
        int code = (rc == PCAP_ERROR_PERM_DENIED) ? PM_EPERM : PM_EIO;
        pm_err(errbuf, code, "cannot capture on %s: %s", ifname ? ifname : "any", pcap_geterr(c->p));
        pcap_close(c->p);
        free(c);
        return code;
    }
    c->src = src;
    if ((rc = set_filter(c, NULL, errbuf)) != PM_OK) {
        pcap_close(c->p);
        free(c);
        return rc;
    }
    if (pcap_setnonblock(c->p, 1, perr) < 0) {
        pm_err(errbuf, PM_EIO, "cannot make capture non-blocking: %s", perr);
        pcap_close(c->p);
        free(c);
        return PM_EIO;
    }
    *out = c;
    return PM_OK;
}

int pm_capture_open_file(const char *path, struct pm_capture **out, char *errbuf)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return pm_err(errbuf, PM_ENOTFOUND, "cannot open %s: %m", path);
    return pm_capture_open_stream(f, path, out, errbuf);
}

/* libpcap reads a file with two freads per record; stdio's default buffer
 * is the file system's block (4 KiB here), so a /16's 167 MB file cost
 * 42,000 read()s, about 5 % of `analyze` (docs/performance.md). */
#define FILE_BUF (256u * 1024u)

/* A regular file gets a fresh stream on a dup of its descriptor, its buffer
 * set before any I/O on it (setvbuf on a stream already read is undefined)
 * and then positioned where f's reader stood; f is closed and the new stream
 * returned. The seek also tells stdio its offset, which keeps the ftell per
 * record (last_good) free of lseek: a stream given a buffer without one asks
 * the kernel every time. A pipe, or a failure before f is closed: f as it
 * was, with stdio's own buffer. NULL (f closed) when the new stream cannot
 * be positioned. */
static FILE *with_buffer(FILE *f, char **buf)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
        return f;
    off_t at = ftello(f);
    char *b = at >= 0 ? malloc(FILE_BUF) : NULL;
    if (!b)
        return f;
    int fd = dup(fileno(f));
    FILE *g = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!g || setvbuf(g, b, _IOFBF, FILE_BUF) != 0) {
        if (g)
            fclose(g); /* before its buffer goes */
        else if (fd >= 0)
            close(fd);
        free(b);
        return f;
    }
    /* f first: closing a read stream may move the offset of the descriptor
     * g shares, so g's seek comes last and sets it */
    fclose(f);
    if (fseeko(g, at, SEEK_SET) != 0) {
        fclose(g);
        free(b);
        return NULL;
    }
    *buf = b;
    return g;
}

int pm_capture_open_stream(FILE *f, const char *path, struct pm_capture **out, char *errbuf)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    struct pm_capture *c = calloc(1, sizeof *c);
    if (!c) {
        fclose(f);
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    }
    f = with_buffer(f, &c->iobuf);
    if (!f) {
        free(c);
        return pm_err(errbuf, PM_EIO, "cannot read %s from where it stood: %m", path);
    }
    c->p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, perr);
    if (!c->p) {
        fclose(f);
        free(c->iobuf);
        free(c);
        /* libpcap's messages can span clauses; keep the first line only */
        perr[strcspn(perr, "\n")] = 0;
        return pm_err(errbuf, PM_ECORRUPT, "%s is not a readable capture file: %s", path, perr);
    }
    c->last_good = ftell(f);
    *out = c;
    return PM_OK;
}

void pm_capture_close(struct pm_capture *c)
{
    if (!c)
        return;
    if (c->dump)
        pcap_dump_close(c->dump);
    if (c->p)
        pcap_close(c->p); /* closes the stream, so its buffer can go after */
    free(c->iobuf);
    free(c);
}

int pm_capture_dump_fopen(struct pm_capture *c, FILE *f, const char *name, char *errbuf)
{
    c->dump = pcap_dump_fopen(c->p, f);
    if (!c->dump) {
        fclose(f);
        return pm_err(errbuf, PM_EIO, "cannot write %s: %s", name, pcap_geterr(c->p));
    }
    return PM_OK;
}

int pm_capture_dump_flush(struct pm_capture *c, char *errbuf)
{
    if (c->dump && (pcap_dump_flush(c->dump) != 0 || ferror(pcap_dump_file(c->dump))))
        return pm_err(errbuf, PM_EIO, "cannot write the pcap file: %m");
    return PM_OK;
}

/* The link header a frame of this capture carries in front of IPv4, built
 * so that pm_wire_link() takes it; 0 bytes for raw IP. */
static int link_header(int dlt, uint8_t *h, size_t *n)
{
    memset(h, 0, 20);
    switch (dlt) {
    case DLT_EN10MB: /* zero MAC addresses, ethertype IPv4 */
        h[12] = 0x08;
        *n = 14;
        return PM_OK;
    case DLT_LINUX_SLL: /* outgoing (4), ARPHRD_NONE, no address, IPv4 */
        h[1] = 4;
        h[2] = 0xff;
        h[3] = 0xfe;
        h[14] = 0x08;
        *n = 16;
        return PM_OK;
    case DLT_LINUX_SLL2: /* IPv4, ifindex 0, ARPHRD_NONE, outgoing */
        h[0] = 0x08;
        h[8] = 0xff;
        h[9] = 0xfe;
        h[10] = 4;
        *n = 20;
        return PM_OK;
    case DLT_NULL: { /* AF_INET in the writing host's order */
        uint32_t af = 2;
        memcpy(h, &af, 4);
        *n = 4;
        return PM_OK;
    }
    case DLT_RAW:
#ifdef DLT_IPV4
    case DLT_IPV4:
#endif
        *n = 0;
        return PM_OK;
    default:
        return PM_EUNSUPP;
    }
}

int pm_capture_dump_ip(struct pm_capture *c, const uint8_t *ip, size_t len, uint64_t ts_us, char *errbuf)
{
    if (!c->dump)
        return PM_OK;
    uint8_t frame[20 + 2048];
    size_t hl;
    if (len > 2048)
        return pm_err(errbuf, PM_ELIMIT, "run record too long (%zu bytes)", len);
    if (link_header(pcap_datalink(c->p), frame, &hl) != PM_OK)
        return pm_err(errbuf, PM_EUNSUPP, "cannot write run records for link type %d", pcap_datalink(c->p));
    memcpy(frame + hl, ip, len);
    struct pcap_pkthdr h = {.caplen = (bpf_u_int32)(hl + len), .len = (bpf_u_int32)(hl + len)};
    h.ts.tv_sec = (time_t)(ts_us / 1000000u);
    h.ts.tv_usec = (suseconds_t)(ts_us % 1000000u);
    pcap_dump((u_char *)c->dump, &h, frame);
    return PM_OK;
}

int pm_capture_dump_close(struct pm_capture *c, char *errbuf)
{
    if (!c->dump)
        return PM_OK;
    /* pcap_dump() cannot report a failed write: the stream's error flag and
     * the final flush are where a full disk shows */
    FILE *f = pcap_dump_file(c->dump);
    int rc = pcap_dump_flush(c->dump) != 0 || ferror(f) ? PM_EIO : PM_OK;
    int e = errno;
    /* after a clean flush only close() could still fail; the caller's fsync
     * of the file itself is the last check */
    pcap_dump_close(c->dump);
    c->dump = NULL;
    if (rc != PM_OK)
        return pm_err(errbuf, PM_EIO, "cannot write the pcap file: %s", strerror(e ? e : EIO));
    return PM_OK;
}

int pm_capture_linktype(const struct pm_capture *c)
{
    /* pcap_datalink() answers DLT_* values; the decoders take the LINKTYPE_*
     * numbers of the file format. They agree except for raw IP, whose DLT
     * differs between platforms (12 on Linux, 14 on OpenBSD). */
    int dlt = pcap_datalink(c->p);
    if (dlt == DLT_RAW)
        return PM_LINK_RAW;
    return dlt;
}

int pm_capture_fd(const struct pm_capture *c)
{
    return c->live ? pcap_get_selectable_fd(c->p) : -1;
}

bool pm_capture_eof(const struct pm_capture *c)
{
    return c->eof;
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct pm_capture *c = (struct pm_capture *)user;
    if (c->dump)
        pcap_dump((u_char *)c->dump, h, bytes);
    c->records++;
    if (!c->live)
        c->last_good = ftell(pcap_file(c->p));
    uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    /* libpcap guarantees caplen <= snaplen, but never trust len >= caplen */
    c->cb(c->ctx, bytes, h->caplen, h->len, ts);
}

int pm_capture_dispatch(struct pm_capture *c, int max, pm_capture_cb cb, void *ctx, char *errbuf)
{
    c->cb = cb;
    c->ctx = ctx;
    int n = pcap_dispatch(c->p, max, on_frame, (u_char *)c);
    if (n == PCAP_ERROR) {
        char msg[PCAP_ERRBUF_SIZE];
        snprintf(msg, sizeof msg, "%s", pcap_geterr(c->p));
        msg[strcspn(msg, "\n")] = 0;
        /* libpcap says "truncated dump file" (pcap) or "truncated pcapng
         * dump file" when the last record header or body is cut: keep what
         * came before it */
        if (!c->live && strstr(msg, "truncated")) {
            c->cut = c->eof = true;
            struct stat st;
            FILE *f = pcap_file(c->p);
            if (f && c->last_good >= 0 && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
                st.st_size >= c->last_good)
                c->cut_bytes = (uint64_t)(st.st_size - c->last_good);
            return 0;
        }
        return pm_err(errbuf, c->live ? PM_EIO : PM_ECORRUPT, "capture read failed: %s", msg);
    }
    if (n == PCAP_ERROR_BREAK)
        return 0;
    if (n == 0 && !c->live)
        c->eof = true;
    return n;
}

bool pm_capture_cut(const struct pm_capture *c, uint64_t *records, uint64_t *ignored_bytes)
{
    if (records)
        *records = c->records;
    if (ignored_bytes)
        *ignored_bytes = c->cut_bytes;
    return c->cut;
}

int pm_capture_check_snaplen(const struct pm_capture *c, const char *name, char *errbuf)
{
    int snap = pcap_snapshot(c->p);
    uint8_t h[20];
    size_t hl = 0;
    if (link_header(pcap_datalink(c->p), h, &hl) != PM_OK)
        return PM_OK; /* a link type we do not decode: every frame is counted as other traffic */
    int need = (int)hl + PM_CAPTURE_QUOTE_BYTES;
    if (snap > 0 && snap < need)
        return pm_err(errbuf, PM_ECORRUPT,
                      "%s was captured with snaplen %d, too short to hold the quote of an ICMP error (%d bytes "
                      "needed): every hop would look silent, refused",
                      name, snap, need);
    return PM_OK;
}

uint64_t pm_capture_drops(struct pm_capture *c)
{
    struct pcap_stat st;
    if (!c->live || pcap_stats(c->p, &st) != 0)
        return 0;
    return (uint64_t)st.ps_drop + st.ps_ifdrop;
}
