/* table.c - the hop table's rows as text, one formatting for the screen and the --report table, so both show the same figures. */
#include <stdio.h>
#include <string.h>

#include "pathmortem/util.h"
#include "pathmortem/watch.h"

#define NAME_W_MAX 48   /* router names are how interconnects are recognised: room for them, but a cap */
#define ASNAME_W 22

bool pm_watch_has_names(const struct pm_watch *w)
{
    if (w->numeric || !w->name_fn)
        return false;
    for (uint32_t ttl = 1; ttl <= PM_TTL_MAX; ttl++)
        for (uint32_t i = 0; i < w->hops[ttl].n_addr; i++)
            if (w->hops[ttl].addrs[i].name[0])
                return true;
    return false;
}

/* The name column's width: the longest name shown (capped), so names are whole. */
static int name_width(const struct pm_watch *w)
{
    size_t longest = 4;
    for (uint32_t ttl = 1; ttl <= PM_TTL_MAX; ttl++)
        for (uint32_t i = 0; i < w->hops[ttl].n_addr; i++) {
            size_t n = strlen(w->hops[ttl].addrs[i].name);
            if (n > longest)
                longest = n;
        }
    return (int)(longest < NAME_W_MAX ? longest : NAME_W_MAX);
}

static void mpls_text(const struct pm_watch_addr *a, char *buf, size_t len)
{
    buf[0] = '\0';
    size_t used = 0;
    for (uint32_t i = 0; i < a->n_mpls && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%sL=%u", i ? "," : "", a->mpls[i].label);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* The address columns: address with its mark, name, ASN, AS name. */
static int addr_cols(const struct pm_watch_addr *a, bool names, int name_w, char *buf, size_t len)
{
    char ab[16], addr[24], asn[16];
    if (a) {
        snprintf(addr, sizeof addr, "%s%s%s", pm_addr_str(a->addr, ab), a->mark[0] ? " " : "", a->mark);
        if (a->asn)
            snprintf(asn, sizeof asn, "AS%u", a->asn);
        else
            snprintf(asn, sizeof asn, "-");
    } else {
        snprintf(addr, sizeof addr, "???");
        asn[0] = '\0';
    }
    if (names)
        return snprintf(buf, len, "%-18s %-*.*s %-8s %-*.*s", addr, name_w, name_w, a && a->name[0] ? a->name : "",
                        asn, ASNAME_W, ASNAME_W, a ? a->as_name : "");
    return snprintf(buf, len, "%-18s %-8s %-*.*s", addr, asn, ASNAME_W, ASNAME_W, a ? a->as_name : "");
}

/* The address that answered most at h: the row's own; the others follow it. */
static uint32_t primary(const struct pm_watch_hop *h)
{
    uint32_t best = 0;
    for (uint32_t i = 1; i < h->n_addr; i++)
        if (h->addrs[i].replies > h->addrs[best].replies)
            best = i;
    return best;
}

/* An RTT in 6 columns: hundredths below 100 ms (LAN and lab RTTs are fractions of one). */
static const char *rtt(double ms, char buf[16])
{
    snprintf(buf, 16, ms < 99.995 ? "%6.2f" : "%6.1f", ms);
    return buf;
}

static int trimmed(char *buf, size_t len, int n)
{
    size_t end = n >= 0 && (size_t)n < len ? (size_t)n : (len ? len - 1 : 0);
    while (end > 0 && buf[end - 1] == ' ')
        buf[--end] = '\0';
    return (int)end;
}

int pm_watch_format_row(const struct pm_watch *w, uint8_t ttl, uint32_t ai, bool names, char *buf, size_t len)
{
    int n;
    char cols[160], mpls[64] = "";
    int name_w = names ? name_width(w) : 0;
    if (ttl == 0) {
        if (names)
            snprintf(cols, sizeof cols, "%-18s %-*s %-8s %-*s", "Address", name_w, "Name", "ASN", ASNAME_W,
                     "AS name");
        else
            snprintf(cols, sizeof cols, "%-18s %-8s %-*s", "Address", "ASN", ASNAME_W, "AS name");
        n = snprintf(buf, len, "Hop %s  Loss%%  Sent   Last    Avg   Best   Wrst   Jttr  MPLS", cols);
        return trimmed(buf, len, n);
    }
    const struct pm_watch_hop *h = &w->hops[ttl];
    uint32_t p = primary(h);
    if (ai > 0) {
        /* the others in the order they first answered, the primary left out */
        uint32_t idx = ai - 1 < p ? ai - 1 : ai;
        if (idx < h->n_addr) {
            addr_cols(&h->addrs[idx], names, name_w, cols, sizeof cols);
            mpls_text(&h->addrs[idx], mpls, sizeof mpls);
            n = snprintf(buf, len, "    %s%*s%s", cols, mpls[0] ? 48 : 0, "", mpls);
        } else {
            n = snprintf(buf, len, "    (+%u replies from other addresses)", h->other_addrs);
        }
        return trimmed(buf, len, n);
    }
    const struct pm_watch_addr *best = h->n_addr ? &h->addrs[p] : NULL;
    addr_cols(best, names, name_w, cols, sizeof cols);
    if (best)
        mpls_text(best, mpls, sizeof mpls);
    if (!h->received) {
        n = snprintf(buf, len, "%2u. %s %5.1f%% %5u %6s %6s %6s %6s %6s  %s", ttl, cols, pm_watch_loss(h), h->sent,
                     "-", "-", "-", "-", "-", mpls);
        return trimmed(buf, len, n);
    }
    char r[5][16];
    double avg = h->sum_ms / h->received;
    double jit = h->n_jitter ? h->jitter_sum_ms / h->n_jitter : 0.0;
    n = snprintf(buf, len, "%2u. %s %5.1f%% %5u %s %s %s %s %s  %s", ttl, cols, pm_watch_loss(h), h->sent,
                 rtt(h->last_ms, r[0]), rtt(avg, r[1]), rtt(h->best_ms, r[2]), rtt(h->worst_ms, r[3]),
                 rtt(jit, r[4]), mpls);
    return trimmed(buf, len, n);
}

uint32_t pm_watch_extra_rows(const struct pm_watch *w, uint8_t ttl)
{
    const struct pm_watch_hop *h = &w->hops[ttl];
    return (h->n_addr > 1 ? h->n_addr - 1 : 0) + (h->other_addrs ? 1 : 0);
}

bool pm_watch_row_shown(const struct pm_watch *w, uint8_t ttl)
{
    /* a sweep probes only some TTLs of most targets (its stop set, its split TTL): no row for a TTL never probed */
    return !w->many || w->hops[ttl].sent || w->hops[ttl].received;
}
