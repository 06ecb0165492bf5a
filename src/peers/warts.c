/* warts.c - scamper warts (trace and tracelb) through Debian's libscamperfile into runs, one per monitor and round. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* libscamperfile's headers need the system types above and each other in this order */
#include <scamper_addr.h>
#include <scamper_list.h>
#include <scamper_dealias.h>
#include <scamper_file.h>
#include <scamper_host.h>
#include <scamper_icmpext.h>
#include <scamper_neighbourdisc.h>
#include <scamper_ping.h>
#include <scamper_sniff.h>
#include <scamper_sting.h>
#include <scamper_tbit.h>
#include <scamper_trace.h>
#include <scamper_tracelb.h>

#include "pathmortem/cursor.h"
#include "peers/internal.h"

#define WARTS_MAGIC 0x1205
#define WARTS_HDR 8

/* Walks the record framing (magic, type, length) with the cursor before
 * libscamperfile sees the file: a record cut short or longer than the cap is
 * found here, with its number and offset. *good = bytes of whole records. */
static int frame_walk(struct pm_peers_ctx *c, FILE *f, uint64_t *good, uint64_t *records, char *cut, size_t cutlen)
{
    uint8_t hdr[WARTS_HDR];
    uint64_t off = 0;
    *good = 0;
    *records = 0;
    cut[0] = '\0';
    if (fseeko(f, 0, SEEK_SET) != 0)
        return pm_err(c->errbuf, PM_EIO, "cannot seek: %s", strerror(errno));
    for (;;) {
        size_t n = fread(hdr, 1, sizeof hdr, f);
        if (n == 0)
            break;
        struct pm_cursor cur;
        uint16_t magic = 0, type = 0;
        uint32_t len = 0;
        pm_cursor_init(&cur, hdr, n);
        c->record = *records + 1;
        if (pm_cursor_be16(&cur, &magic) || pm_cursor_be16(&cur, &type) || pm_cursor_be32(&cur, &len)) {
            snprintf(cut, cutlen, "record %llu at byte %llu is cut short in its header",
                     (unsigned long long)c->record, (unsigned long long)off);
            break;
        }
        if (magic != WARTS_MAGIC)
            return pm_peers_bad(c, PM_ECORRUPT, "at byte %llu: not a warts record (magic 0x%04x)",
                                (unsigned long long)off, magic);
        if (len > PM_PEERS_MAX_RECORD)
            return pm_peers_bad(c, PM_ELIMIT, "at byte %llu: %u bytes long (the reader's cap is %zu MiB)",
                                (unsigned long long)off, len, PM_PEERS_MAX_RECORD >> 20);
        if (fseeko(f, (off_t)len, SEEK_CUR) != 0)
            return pm_err(c->errbuf, PM_EIO, "cannot seek: %s", strerror(errno));
        /* fseek past the end succeeds: the next read tells whether the bytes were there */
        off_t at = ftello(f);
        if (fseeko(f, 0, SEEK_END) != 0)
            return pm_err(c->errbuf, PM_EIO, "cannot seek: %s", strerror(errno));
        off_t end = ftello(f);
        if (at > end) {
            snprintf(cut, cutlen, "record %llu at byte %llu is cut short (%llu of %u bytes)",
                     (unsigned long long)c->record, (unsigned long long)off,
                     (unsigned long long)(end - (off_t)off - WARTS_HDR), len);
            break;
        }
        fseeko(f, at, SEEK_SET);
        off = (uint64_t)at;
        *good = off;
        (*records)++;
    }
    c->record = 0;
    return PM_OK;
}

static bool addr_v4(const scamper_addr_t *a, uint32_t *out)
{
    if (!a || a->type != SCAMPER_ADDR_TYPE_IPV4)
        return false;
    const uint8_t *b = a->addr;
    *out = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return true;
}

static void addr_text(const scamper_addr_t *a, char *buf, size_t len)
{
    buf[0] = '\0';
    if (a)
        scamper_addr_tostr(a, buf, len);
}

static uint64_t tv_us(const struct timeval *tv)
{
    return tv->tv_sec < 0 ? 0 : (uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec;
}

/* The label stack into m, and every object (class, c-type, bytes) into e. */
static void mpls_from(const scamper_icmpext_t *ie, struct pm_reply *r, struct pm_ext_set *e, struct pm_mpls_stack *m)
{
    for (; ie; ie = ie->ie_next) {
        r->has_ext = true;
        pm_ext_set_add(e, ie->ie_cn, ie->ie_ct, ie->ie_dl, ie->ie_data);
        if (!SCAMPER_ICMPEXT_IS_MPLS(ie))
            continue;
        for (int x = 0; x < SCAMPER_ICMPEXT_MPLS_COUNT(ie) && m->n < PM_REPLY_MPLS_MAX; x++)
            m->e[m->n++] = (struct pm_mpls_entry){
                .label = (uint32_t)SCAMPER_ICMPEXT_MPLS_LABEL(ie, x),
                .tc = (uint8_t)SCAMPER_ICMPEXT_MPLS_EXP(ie, x),
                .s = (uint8_t)SCAMPER_ICMPEXT_MPLS_S(ie, x),
                .ttl = (uint8_t)SCAMPER_ICMPEXT_MPLS_TTL(ie, x),
            };
    }
}

/* The vantage of a scamper record: the cycle's hostname, else the list's monitor, else the source. */
static void vantage_of(struct pm_peers_ctx *c, const scamper_list_t *list, const scamper_cycle_t *cycle,
                       const scamper_addr_t *src, struct pm_run *proto)
{
    const char *host = cycle && cycle->hostname && cycle->hostname[0] ? cycle->hostname
                       : list && list->monitor && list->monitor[0]  ? list->monitor
                       : c->monitor[0]                              ? c->monitor
                                                                    : NULL;
    char sa[48];
    addr_text(src, sa, sizeof sa);
    struct pm_run_input *in = &proto->input;
    snprintf(in->tool, sizeof in->tool, "scamper");
    if (host)
        snprintf(in->vantage_id, sizeof in->vantage_id, "monitor %.38s", host);
    else
        snprintf(in->vantage_id, sizeof in->vantage_id, "src %.42s", sa);
    snprintf(in->vantage_addr, sizeof in->vantage_addr, "%s", sa);
    snprintf(proto->vantage, sizeof proto->vantage, "scamper %s", in->vantage_id);
    /* warts records carry neither scamper's version nor whether the quoted IP ID matched */
    snprintf(in->missing, sizeof in->missing, "version,quoted-ipid");
}

static void v6_summary(struct pm_peers_ctx *c, struct pm_peer_v6 *v, const struct pm_run *proto, const scamper_addr_t *dst,
                       uint64_t started)
{
    memset(v, 0, sizeof *v);
    snprintf(v->vantage, sizeof v->vantage, "%s", proto->input.vantage_id);
    addr_text(dst, v->dst, sizeof v->dst);
    v->started_us = started;
    (void)c;
}

static int read_trace(struct pm_peers_ctx *c, const scamper_trace_t *tr, const char *format)
{
    struct pm_run proto;
    memset(&proto, 0, sizeof proto);
    snprintf(proto.input.format, sizeof proto.input.format, "%s", format);
    vantage_of(c, tr->list, tr->cycle, tr->src, &proto);
    uint64_t t0 = tv_us(&tr->start);
    uint32_t dst, src = 0;
    if (!addr_v4(tr->dst, &dst)) { /* IPv6: summarised, never dropped */
        struct pm_peer_v6 v;
        v6_summary(c, &v, &proto, tr->dst, t0);
        for (uint16_t i = 0; tr->hops && i < tr->hop_count; i++)
            for (const scamper_trace_hop_t *h = tr->hops[i]; h; h = h->hop_next) {
                v.replies++;
                addr_text(h->hop_addr, v.last, sizeof v.last);
                v.last_hop = h->hop_probe_ttl;
                if (scamper_addr_cmp(h->hop_addr, tr->dst) == 0)
                    v.reached = true;
            }
        return pm_peers_add_v6(c, &v);
    }
    addr_v4(tr->src, &src);
    switch (tr->type) {
    case SCAMPER_TRACE_TYPE_ICMP_ECHO: proto.classic = true; /* fall through */
    case SCAMPER_TRACE_TYPE_ICMP_ECHO_PARIS: proto.method = PM_METHOD_ICMP; break;
    case SCAMPER_TRACE_TYPE_UDP: proto.classic = true; /* fall through */
    case SCAMPER_TRACE_TYPE_UDP_PARIS: proto.method = PM_METHOD_UDP; break;
    case SCAMPER_TRACE_TYPE_TCP:
    case SCAMPER_TRACE_TYPE_TCP_ACK: proto.method = PM_METHOD_TCP; break;
    default: return pm_peers_bad(c, PM_ECORRUPT, "trace type %u is not one scamper defines", tr->type);
    }
    proto.source = src;
    proto.dport = tr->dport;
    proto.flow = tr->sport;
    proto.first_ttl = tr->firsthop ? tr->firsthop : 1;
    proto.queries = tr->attempts;
    proto.wait_ms = tr->wait * 1000u;
    proto.max_ttl = tr->hoplimit; /* 0: scamper's default, learnt from the data */
    proto.started_us = t0;
    proto.ended_us = t0;
    struct pm_run *run;
    struct pm_target *t;
    int rc = pm_peers_scamper_run(c, &proto, false, dst, &run, &t);
    if (rc)
        return rc;
    for (uint16_t i = 0; tr->hops && i < tr->hop_count; i++) {
        unsigned ttl = (unsigned)i + 1;
        if (ttl > PM_TTL_MAX) {
            c->deep_hops++;
            continue;
        }
        unsigned sent = 0;
        for (const scamper_trace_hop_t *h = tr->hops[i]; h; h = h->hop_next) {
            struct pm_reply r;
            memset(&r, 0, sizeof r);
            /* the probe id is the attempt counted from 1 (scamper's own text
             * prints it as "attempt: 1", and the trace's probe count agrees) */
            unsigned attempt = h->hop_probe_id ? h->hop_probe_id : 1u;
            if (attempt > sent)
                sent = attempt;
            if (!addr_v4(h->hop_addr, &r.from))
                return pm_peers_bad(c, PM_ECORRUPT, "hop %u answered from a non-IPv4 address on an IPv4 trace", ttl);
            r.ttl = (uint8_t)ttl;
            r.attempt = (uint8_t)(attempt - 1);
            r.sent_us = tv_us(&h->hop_tx);
            r.recv_us = r.sent_us + tv_us(&h->hop_rtt);
            r.reply_ttl = h->hop_reply_ttl;
            r.reply_ipid = h->hop_reply_ipid;
            if (SCAMPER_TRACE_HOP_IS_TCP(h)) {
                r.kind = (h->hop_tcp_flags & 0x04) ? PM_REPLY_TCP_RST : PM_REPLY_TCP_SYNACK;
            } else if (SCAMPER_TRACE_HOP_IS_UDP(h)) {
                r.kind = PM_REPLY_OTHER_ICMP; /* a UDP answer from the destination: reached */
            } else {
                pm_peers_icmp_kind(h->hop_icmp_type, h->hop_icmp_code, &r);
                r.quoted_ttl = h->hop_icmp_q_ttl;
            }
            struct pm_ext_set ext = {0};
            struct pm_mpls_stack mpls = {0};
            mpls_from(h->hop_icmpext, &r, &ext, &mpls);
            if (r.recv_us > run->ended_us)
                run->ended_us = r.recv_us;
            if ((rc = pm_peers_add_reply_ext(c, t, &r, &ext, &mpls)) < 0)
                return rc;
        }
        if (!sent) /* silent: every attempt went out */
            sent = tr->attempts ? tr->attempts : 1;
        for (unsigned k = 0; k < sent; k++)
            pm_target_note_sent(t, (uint8_t)ttl);
    }
    /* last-ditch probes (TTL 255 after the gap limit) answered by the destination show it reachable */
    for (const scamper_trace_hop_t *h = tr->lastditch; h; h = h->hop_next) {
        uint32_t from;
        if (addr_v4(h->hop_addr, &from) && from == dst) {
            struct pm_reply r = {.from = from, .ttl = PM_TTL_MAX, .sent_us = tv_us(&h->hop_tx)};
            r.recv_us = r.sent_us + tv_us(&h->hop_rtt);
            pm_peers_icmp_kind(h->hop_icmp_type, h->hop_icmp_code, &r);
            pm_target_note_sent(t, PM_TTL_MAX);
            if ((rc = pm_peers_add_reply(c, t, &r)) < 0)
                return rc;
        }
    }
    if (tr->stop_reason == SCAMPER_TRACE_STOP_ERROR || tr->stop_reason == SCAMPER_TRACE_STOP_HALTED) {
        c->set->failed += tr->stop_reason == SCAMPER_TRACE_STOP_ERROR;
        char d[48], why[32];
        addr_text(tr->dst, d, sizeof d);
        scamper_trace_stop_tostr(tr, why, sizeof why);
        pm_peers_skip(c, "scamper stopped the trace to %s early (%s): read as far as it went", d, why);
        c->set->skipped--; /* not skipped: read, with the warning */
    }
    return PM_OK;
}

static int lb_probe(struct pm_peers_ctx *c, struct pm_run *run, struct pm_target *t, const scamper_tracelb_t *lb,
                    const scamper_tracelb_probe_t *p)
{
    if (!p || !p->ttl)
        return PM_OK;
    if (p->ttl > PM_TTL_MAX) {
        c->deep_hops++;
        return PM_OK;
    }
    /* a probe counts as sent when it went unanswered or an answer of it is
     * kept: one whose answers only repeat kept ones would show as a loss */
    uint32_t kept = 0;
    if (!p->rxs || !p->rxc)
        pm_target_note_sent(t, p->ttl);
    for (uint16_t k = 0; p->rxs && k < p->rxc; k++) {
        const scamper_tracelb_reply_t *rx = p->rxs[k];
        struct pm_reply r;
        struct pm_ext_set ext = {0};
        struct pm_mpls_stack mpls = {0};
        memset(&r, 0, sizeof r);
        if (!rx || !addr_v4(rx->reply_from, &r.from))
            return pm_peers_bad(c, PM_ECORRUPT, "a tracelb reply at TTL %u has no IPv4 address", p->ttl);
        if (pm_peers_seen_at(t, p->ttl, r.from) >= PM_PEERS_LB_PER_ADDR)
            continue;
        r.ttl = p->ttl;
        r.attempt = p->attempt;
        r.sent_us = tv_us(&p->tx);
        r.recv_us = tv_us(&rx->reply_rx);
        r.reply_ttl = rx->reply_ttl;
        r.reply_ipid = rx->reply_ipid;
        if (SCAMPER_TRACELB_TYPE_IS_TCP(lb) && (rx->reply_flags & SCAMPER_TRACELB_REPLY_FLAG_TCP)) {
            r.kind = (rx->reply_tcp_flags & 0x04) ? PM_REPLY_TCP_RST : PM_REPLY_TCP_SYNACK;
        } else {
            pm_peers_icmp_kind(rx->reply_icmp_type, rx->reply_icmp_code, &r);
            r.quoted_ttl = rx->reply_icmp_q_ttl;
            mpls_from(rx->reply_icmp_ext, &r, &ext, &mpls);
        }
        int rc = pm_peers_lb_keep(c, run, t, &r, &ext, &mpls, &kept);
        if (rc != PM_OK)
            return rc < 0 ? rc : PM_OK;
    }
    return PM_OK;
}

/* tracelb: every probe of every link's probe sets goes in at its TTL, so a
 * hop with several next hops (ECMP) shows each of them; no single path is made up. */
static int read_tracelb(struct pm_peers_ctx *c, const scamper_tracelb_t *lb)
{
    struct pm_run proto;
    memset(&proto, 0, sizeof proto);
    snprintf(proto.input.format, sizeof proto.input.format, "warts-tracelb");
    vantage_of(c, lb->list, lb->cycle, lb->src, &proto);
    uint64_t t0 = tv_us(&lb->start);
    uint32_t dst, src = 0;
    if (!addr_v4(lb->dst, &dst)) {
        struct pm_peer_v6 v;
        v6_summary(c, &v, &proto, lb->dst, t0);
        for (uint16_t i = 0; lb->nodes && i < lb->nodec; i++) {
            const scamper_tracelb_node_t *n = lb->nodes[i];
            if (!n || !n->addr)
                continue;
            v.replies++;
            addr_text(n->addr, v.last, sizeof v.last);
            if (scamper_addr_cmp(n->addr, lb->dst) == 0)
                v.reached = true;
        }
        return pm_peers_add_v6(c, &v);
    }
    addr_v4(lb->src, &src);
    proto.method = SCAMPER_TRACELB_TYPE_IS_ICMP(lb) ? PM_METHOD_ICMP
                   : SCAMPER_TRACELB_TYPE_IS_TCP(lb) ? PM_METHOD_TCP
                                                      : PM_METHOD_UDP;
    proto.classic = true; /* the flow varies on purpose, per probe */
    proto.source = src;
    proto.dport = lb->dport;
    proto.first_ttl = lb->firsthop ? lb->firsthop : 1;
    proto.queries = lb->attempts;
    proto.wait_ms = lb->wait_timeout * 1000u;
    proto.started_us = t0;
    proto.ended_us = t0;
    struct pm_run *run;
    struct pm_target *t;
    int rc = pm_peers_scamper_run(c, &proto, true, dst, &run, &t);
    if (rc)
        return rc;
    /* the first node was found by probes tracelb does not keep (scamper's own
     * text shows it without a time too): one answer at the first hop, marked
     * as having no rtt rather than reading 0 ms */
    if (lb->nodec && lb->nodes[0] && lb->firsthop && lb->firsthop <= PM_TTL_MAX) {
        struct pm_reply r = {.ttl = lb->firsthop, .sent_us = t0, .recv_us = t0, .kind = PM_REPLY_TIME_EXCEEDED,
                             .icmp_type = 11, .quoted_ttl = lb->nodes[0]->q_ttl, .no_rtt = true};
        if (addr_v4(lb->nodes[0]->addr, &r.from)) {
            pm_target_note_sent(t, lb->firsthop);
            if ((rc = pm_peers_add_reply(c, t, &r)) < 0)
                return rc;
        }
    }
    for (uint16_t i = 0; lb->links && i < lb->linkc; i++) {
        const scamper_tracelb_link_t *l = lb->links[i];
        for (uint8_t s = 0; l && l->sets && s < l->hopc; s++) {
            const scamper_tracelb_probeset_t *ps = l->sets[s];
            for (uint16_t k = 0; ps && ps->probes && k < ps->probec; k++)
                if ((rc = lb_probe(c, run, t, lb, ps->probes[k])) < 0)
                    return rc;
        }
    }
    return PM_OK;
}

static const char *obj_name(uint16_t type)
{
    switch (type) {
    case SCAMPER_FILE_OBJ_PING: return "scamper ping results";
    case SCAMPER_FILE_OBJ_DEALIAS: return "scamper dealias (alias resolution) results";
    case SCAMPER_FILE_OBJ_NEIGHBOURDISC: return "scamper neighbour discovery results";
    case SCAMPER_FILE_OBJ_TBIT: return "scamper tbit results";
    case SCAMPER_FILE_OBJ_STING: return "scamper sting results";
    case SCAMPER_FILE_OBJ_SNIFF: return "scamper sniff results";
    case SCAMPER_FILE_OBJ_HOST: return "scamper host (DNS) results";
    default: return "scamper records of an unknown type";
    }
}

static void free_obj(uint16_t type, void *data)
{
    switch (type) {
    case SCAMPER_FILE_OBJ_TRACE: scamper_trace_free(data); break;
    case SCAMPER_FILE_OBJ_TRACELB: scamper_tracelb_free(data); break;
    case SCAMPER_FILE_OBJ_LIST: scamper_list_free(data); break;
    case SCAMPER_FILE_OBJ_CYCLE_START:
    case SCAMPER_FILE_OBJ_CYCLE_DEF:
    case SCAMPER_FILE_OBJ_CYCLE_STOP: scamper_cycle_free(data); break;
    case SCAMPER_FILE_OBJ_PING: scamper_ping_free(data); break;
    case SCAMPER_FILE_OBJ_DEALIAS: scamper_dealias_free(data); break;
    case SCAMPER_FILE_OBJ_NEIGHBOURDISC: scamper_neighbourdisc_free(data); break;
    case SCAMPER_FILE_OBJ_TBIT: scamper_tbit_free(data); break;
    case SCAMPER_FILE_OBJ_STING: scamper_sting_free(data); break;
    case SCAMPER_FILE_OBJ_SNIFF: scamper_sniff_free(data); break;
    case SCAMPER_FILE_OBJ_HOST: scamper_host_free(data); break;
    default: break;
    }
}

int pm_peers_warts(struct pm_peers_ctx *c, FILE *f, const char *name)
{
    uint64_t good, n_frames;
    char cut[PM_ERRBUF_SIZE - 64];
    int rc = frame_walk(c, f, &good, &n_frames, cut, sizeof cut);
    if (rc)
        return rc;
    if (!good)
        return pm_err(c->errbuf, PM_ECORRUPT, "%s", cut[0] ? cut : "holds no whole warts record");
    /* libscamperfile reads its own descriptor from the start. It is given
     * the whole records only: a file cut short is first copied up to its
     * last whole record (a cut record makes libscamperfile print debugging
     * lines; the frame walk has already named it). */
    int fd = -1;
    if (cut[0]) {
        FILE *tmp = tmpfile();
        char buf[65536];
        uint64_t left = good;
        if (tmp && fseeko(f, 0, SEEK_SET) == 0)
            while (left) {
                size_t n = fread(buf, 1, left < sizeof buf ? (size_t)left : sizeof buf, f);
                if (!n || fwrite(buf, 1, n, tmp) != n)
                    break;
                left -= n;
            }
        if (tmp && !left && fflush(tmp) == 0)
            fd = dup(fileno(tmp));
        if (tmp)
            fclose(tmp);
    } else {
        fd = dup(fileno(f));
    }
    if (fd < 0 || lseek(fd, 0, SEEK_SET) != 0) {
        if (fd >= 0)
            close(fd);
        return pm_err(c->errbuf, PM_EIO, "cannot read %s from its start: %s", name, strerror(errno));
    }
    char fname[256], type[] = "warts";
    snprintf(fname, sizeof fname, "%s", name);
    scamper_file_t *sf = scamper_file_openfd(fd, fname, 'r', type);
    /* every object type: without a filter libscamperfile returns none */
    uint16_t types[] = {SCAMPER_FILE_OBJ_LIST, SCAMPER_FILE_OBJ_CYCLE_START, SCAMPER_FILE_OBJ_CYCLE_DEF,
                        SCAMPER_FILE_OBJ_CYCLE_STOP, SCAMPER_FILE_OBJ_TRACE, SCAMPER_FILE_OBJ_PING,
                        SCAMPER_FILE_OBJ_TRACELB, SCAMPER_FILE_OBJ_DEALIAS, SCAMPER_FILE_OBJ_NEIGHBOURDISC,
                        SCAMPER_FILE_OBJ_TBIT, SCAMPER_FILE_OBJ_STING, SCAMPER_FILE_OBJ_SNIFF, SCAMPER_FILE_OBJ_HOST};
    scamper_file_filter_t *filter = scamper_file_filter_alloc(types, sizeof types / sizeof types[0]);
    if (!sf || !filter) {
        if (sf)
            scamper_file_close(sf);
        else
            close(fd);
        scamper_file_filter_free(filter);
        return pm_err(c->errbuf, PM_ECORRUPT, "libscamperfile cannot open it as warts");
    }
    /* libscamperfile prints debugging lines on stderr when a record is
     * damaged; the error is ours to say in one line, so stderr points at
     * /dev/null while it reads (and back afterwards) */
    fflush(stderr);
    int saved_err = dup(STDERR_FILENO), devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved_err >= 0 && devnull >= 0)
        dup2(devnull, STDERR_FILENO);
    uint64_t objs = 0;
    rc = PM_OK;
    for (;;) {
        uint16_t otype = 0;
        void *data = NULL;
        c->record = objs + 1;
        int r = scamper_file_read(sf, filter, &otype, &data);
        if (r != 0) {
            rc = pm_peers_bad(c, PM_ECORRUPT, "libscamperfile cannot read this object (a damaged warts record)");
            break;
        }
        if (!data)
            break; /* end of file */
        objs++;
        c->set->records += otype == SCAMPER_FILE_OBJ_TRACE || otype == SCAMPER_FILE_OBJ_TRACELB;
        if (otype == SCAMPER_FILE_OBJ_CYCLE_START) {
            const scamper_cycle_t *cy = data;
            if (cy->hostname)
                snprintf(c->monitor, sizeof c->monitor, "%s", cy->hostname);
        } else if (otype == SCAMPER_FILE_OBJ_TRACE) {
            if (!c->first_seen)
                snprintf(c->set->what, sizeof c->set->what, "scamper warts (trace)");
            c->first_seen = true;
            rc = read_trace(c, data, "warts");
        } else if (otype == SCAMPER_FILE_OBJ_TRACELB) {
            if (!c->first_seen)
                snprintf(c->set->what, sizeof c->set->what, "scamper warts (tracelb)");
            c->first_seen = true;
            rc = read_tracelb(c, data);
        } else if (otype != SCAMPER_FILE_OBJ_LIST && otype != SCAMPER_FILE_OBJ_CYCLE_DEF &&
                   otype != SCAMPER_FILE_OBJ_CYCLE_STOP && otype != SCAMPER_FILE_OBJ_ADDR) {
            if (!c->first_seen)
                rc = pm_err(c->errbuf, PM_EUNSUPP, "%s", obj_name(otype));
            else
                pm_peers_skip(c, "%s among traces, skipped", obj_name(otype));
        }
        free_obj(otype, data);
        if (rc)
            break;
    }
    scamper_file_close(sf); /* closes fd */
    scamper_file_filter_free(filter);
    if (saved_err >= 0 && devnull >= 0)
        dup2(saved_err, STDERR_FILENO);
    if (saved_err >= 0)
        close(saved_err);
    if (devnull >= 0)
        close(devnull);
    if (!rc && !c->first_seen && cut[0])
        rc = pm_err(c->errbuf, PM_ECORRUPT, "%s, and no whole trace precedes it", cut);
    else if (!rc && !c->first_seen)
        rc = pm_err(c->errbuf, PM_EUNSUPP, "scamper warts without traces (%llu records)", (unsigned long long)objs);
    if (!rc && cut[0] && !c->set->warning[0])
        snprintf(c->set->warning, sizeof c->set->warning, "%s: the %llu whole records before it were read", cut,
                 (unsigned long long)n_frames);
    c->record = 0;
    return rc;
}
