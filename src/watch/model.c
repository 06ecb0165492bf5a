/* model.c - the live view's figures: what each cycle's run sent and received, folded per TTL as it arrives (sent, received, RTTs, jitter, addresses, MPLS). */
#include <stdlib.h>
#include <string.h>

#include "pathmortem/geo.h"
#include "pathmortem/watch.h"
#include "pathmortem/wire.h"

void pm_watch_init(struct pm_watch *w, pm_lookup_fn lookup, void *lookup_ctx)
{
    memset(w, 0, sizeof *w);
    w->lookup = lookup;
    w->lookup_ctx = lookup_ctx;
}

void pm_watch_free(struct pm_watch *w)
{
    for (uint32_t i = 0; i < w->n_sections; i++) {
        pm_watch_free(w->sections[i]);
        free(w->sections[i]);
        w->sections[i] = NULL;
    }
    w->n_sections = 0;
    free(w->section_of);
    w->section_of = NULL;
    free(w->folded_replies);
    free(w->folded_sent);
    pm_run_free(w->last_run);
    pm_analysis_free(w->last_analysis);
    w->folded_replies = NULL;
    w->folded_sent = NULL;
    w->last_run = NULL;
    w->last_analysis = NULL;
    w->cur = NULL;
}

int pm_watch_begin_cycle(struct pm_watch *w, const struct pm_run *run, uint32_t n_targets)
{
    uint32_t n = n_targets ? n_targets : 1;
    uint32_t *fr = calloc(n, sizeof *fr);
    uint8_t *fs = calloc(n, PM_TTL_MAX + 1);
    uint8_t *so = calloc(n, 1);
    if (!fr || !fs || !so) {
        free(fr);
        free(fs);
        free(so);
        return PM_ENOMEM;
    }
    free(w->folded_replies);
    free(w->folded_sent);
    free(w->section_of);
    w->section_of = so;
    w->folded_replies = fr;
    w->folded_sent = fs;
    w->cur = run;
    w->cur_targets = n_targets;
    w->many = w->many || n_targets > 1;
    return PM_OK;
}

/* The slot of addr at hop h: found, added, or NULL (counted in other_addrs). */
static struct pm_watch_addr *addr_slot(struct pm_watch *w, struct pm_watch_hop *h, uint32_t addr)
{
    for (uint32_t i = 0; i < h->n_addr; i++)
        if (h->addrs[i].addr == addr)
            return &h->addrs[i];
    if (h->n_addr == PM_WATCH_ADDRS)
        return NULL;
    struct pm_watch_addr *a = &h->addrs[h->n_addr++];
    memset(a, 0, sizeof *a);
    a->addr = addr;
    if (w->lookup) {
        struct pm_geo_info gi;
        memset(&gi, 0, sizeof gi);
        w->lookup(w->lookup_ctx, addr, &gi);
        a->asn = gi.asn;
        /* names from a database: kept printable for the terminal */
        size_t k = 0;
        for (size_t j = 0; gi.as_name[j] && k + 1 < sizeof a->as_name; j++) {
            unsigned char c = (unsigned char)gi.as_name[j];
            a->as_name[k++] = c >= 0x20 && c != 0x7f ? (char)c : '?';
        }
        a->as_name[k] = '\0';
    }
    if (w->name_fn) {
        const char *nm = w->name_fn(w->name_ctx, addr);
        if (nm)
            snprintf(a->name, sizeof a->name, "%s", nm);
    }
    return a;
}

static void mark_of(const struct pm_target *t, const struct pm_reply *r, char out[8])
{
    out[0] = '\0';
    if (r->kind != PM_REPLY_UNREACH)
        return;
    /* a port unreachable from the target is its answer, as in traceroute */
    if (pm_reply_from_target(t, r))
        return;
    const char *m = pm_wire_icmp_mark(r->icmp_code);
    snprintf(out, 8, "%s", m ? m : "!?");
}

static void fold_reply(struct pm_watch *w, const struct pm_target *t, const struct pm_reply *r)
{
    if (r->ttl == 0 || r->ttl > PM_TTL_MAX)
        return;
    struct pm_watch_hop *h = &w->hops[r->ttl];
    double rtt = !r->no_rtt && r->recv_us > r->sent_us ? (double)(r->recv_us - r->sent_us) / 1000.0 : 0.0;
    if (h->received) {
        double d = rtt > h->last_ms ? rtt - h->last_ms : h->last_ms - rtt;
        h->jitter_sum_ms += d;
        h->n_jitter++;
        h->last_jitter_ms = d;
        if (rtt < h->best_ms)
            h->best_ms = rtt;
        if (rtt > h->worst_ms)
            h->worst_ms = rtt;
    } else {
        h->best_ms = h->worst_ms = rtt;
    }
    h->received++;
    h->last_ms = rtt;
    h->sum_ms += rtt;
    if (r->ttl > w->max_reply_ttl)
        w->max_reply_ttl = r->ttl;
    if (pm_reply_from_target(t, r) && (!w->end_ttl || r->ttl < w->end_ttl))
        w->end_ttl = r->ttl;
    struct pm_watch_addr *a = addr_slot(w, h, r->from);
    if (!a) {
        h->other_addrs++;
        return;
    }
    a->replies++;
    mark_of(t, r, a->mark);
    a->n_mpls = r->n_mpls <= PM_REPLY_MPLS_MAX ? r->n_mpls : PM_REPLY_MPLS_MAX;
    memcpy(a->mpls, r->mpls, sizeof a->mpls);
}

/* A reply counts when its probe did: sent before the pause, or after the resume. */
static bool counted(const struct pm_watch *w, const struct pm_reply *r)
{
    if (w->paused)
        return r->sent_us < w->paused_at_us;
    return !(w->paused_at_us && r->sent_us >= w->paused_at_us && r->sent_us < w->resumed_at_us);
}

void pm_watch_set_paused(struct pm_watch *w, bool paused, uint64_t now_us)
{
    if (paused == w->paused)
        return;
    pm_watch_fold(w); /* everything sent so far is counted before the figures freeze */
    w->paused = paused;
    if (paused)
        w->paused_at_us = now_us;
    else
        w->resumed_at_us = now_us;
}

/* The upstream the last complete cycle's analysis gave dst: the target's own
 * verdict, else its /24's; 0 when unknown. *known: whether dst was in that cycle. */
static uint32_t last_upstream(const struct pm_watch *w, uint32_t dst, const char **name, bool *known)
{
    const struct pm_run *run = w->last_run;
    const struct pm_analysis *a = w->last_analysis;
    *known = false;
    *name = "";
    if (!run || !a || a->n_targets != run->n_targets)
        return 0;
    /* the finished run's targets are sorted by address */
    uint32_t lo = 0, hi = run->n_targets;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (run->targets[mid].dst < dst)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= run->n_targets || run->targets[lo].dst != dst)
        return 0;
    *known = true;
    const struct pm_verdict *v = &a->verdicts[lo];
    if (v->upstream.asn) {
        *name = v->upstream.name;
        return v->upstream.asn;
    }
    if (v->group < a->n_prefix && a->by_prefix[v->group].upstream.asn) {
        *name = a->by_prefix[v->group].upstream.name;
        return a->by_prefix[v->group].upstream.asn;
    }
    return 0;
}

/* The section model of target i of the running cycle, created on first use; NULL for none. */
static struct pm_watch *section_for(struct pm_watch *w, uint32_t i, uint32_t dst)
{
    if (!w->many || !w->section_of)
        return NULL;
    uint8_t so = w->section_of[i];
    if (so == 0xff)
        return NULL;
    if (so)
        return w->sections[so - 1];
    const char *name;
    bool known;
    uint32_t asn = last_upstream(w, dst, &name, &known);
    if (!known) {
        w->section_of[i] = 0xff;
        return NULL;
    }
    uint32_t k = 0;
    while (k < w->n_sections && w->sections[k]->section_asn != asn)
        k++;
    if (k == w->n_sections) {
        if (w->n_sections == PM_WATCH_SECTIONS) {
            k = PM_WATCH_SECTIONS - 1; /* past the cap: the last table holds the rest */
        } else {
            struct pm_watch *sec = calloc(1, sizeof *sec);
            if (!sec) {
                w->section_of[i] = 0xff;
                return NULL;
            }
            pm_watch_init(sec, w->lookup, w->lookup_ctx);
            sec->name_fn = w->name_fn;
            sec->name_ctx = w->name_ctx;
            sec->numeric = w->numeric;
            sec->many = true;
            sec->section_asn = asn;
            size_t o = 0;
            for (size_t j = 0; name[j] && o + 1 < sizeof sec->section_name; j++) {
                unsigned char c = (unsigned char)name[j];
                sec->section_name[o++] = c >= 0x20 && c != 0x7f ? (char)c : '?';
            }
            sec->section_name[o] = '\0';
            w->sections[w->n_sections++] = sec;
        }
    }
    w->section_of[i] = (uint8_t)(k + 1);
    return w->sections[k];
}

void pm_watch_fold(struct pm_watch *w)
{
    const struct pm_run *run = w->cur;
    if (!run)
        return;
    uint32_t n = run->n_targets < w->cur_targets ? run->n_targets : w->cur_targets;
    for (uint32_t i = 0; i < n; i++) {
        const struct pm_target *t = &run->targets[i];
        struct pm_watch *sec = section_for(w, i, t->dst);
        uint8_t *fs = &w->folded_sent[(size_t)i * (PM_TTL_MAX + 1)];
        for (uint32_t ttl = 1; ttl <= t->max_ttl_sent && ttl <= PM_TTL_MAX; ttl++) {
            if (t->sent[ttl] <= fs[ttl])
                continue;
            if (!w->paused) {
                uint32_t more = (uint32_t)(t->sent[ttl] - fs[ttl]);
                w->hops[ttl].sent += more;
                if (ttl > w->max_sent_ttl)
                    w->max_sent_ttl = (uint8_t)ttl;
                if (sec) {
                    sec->hops[ttl].sent += more;
                    if (ttl > sec->max_sent_ttl)
                        sec->max_sent_ttl = (uint8_t)ttl;
                }
            }
            fs[ttl] = t->sent[ttl];
        }
        for (uint32_t k = w->folded_replies[i]; k < t->n_replies; k++)
            if (counted(w, &t->replies[k])) {
                fold_reply(w, t, &t->replies[k]);
                if (sec)
                    fold_reply(sec, t, &t->replies[k]);
            }
        w->folded_replies[i] = t->n_replies;
    }
}

void pm_watch_section_title(const struct pm_watch *sec, char *buf, size_t len)
{
    if (sec->section_asn && sec->section_name[0])
        snprintf(buf, len, "via %s (AS%u)", sec->section_name, sec->section_asn);
    else if (sec->section_asn)
        snprintf(buf, len, "via AS%u", sec->section_asn);
    else
        snprintf(buf, len, "via an unknown upstream");
}

void pm_watch_end_cycle(struct pm_watch *w, struct pm_run *run, struct pm_analysis *a, uint64_t now_us)
{
    pm_watch_fold(w);
    w->cur = NULL;
    w->cycles_total++;
    if (!w->paused)
        w->cycles++;
    if (!run && !a)
        return;
    pm_run_free(w->last_run);
    pm_analysis_free(w->last_analysis);
    w->last_run = run;
    w->last_analysis = a;
    w->last_end_us = now_us;
}

void pm_watch_reset(struct pm_watch *w)
{
    for (uint32_t i = 0; i < w->n_sections; i++)
        pm_watch_reset(w->sections[i]);
    memset(w->hops, 0, sizeof w->hops);
    w->end_ttl = w->max_reply_ttl = w->max_sent_ttl = 0;
    w->cycles = 0;
}

void pm_watch_refresh_names(struct pm_watch *w)
{
    if (!w->name_fn)
        return;
    for (uint32_t i = 0; i < w->n_sections; i++)
        pm_watch_refresh_names(w->sections[i]);
    for (uint32_t ttl = 1; ttl <= PM_TTL_MAX; ttl++)
        for (uint32_t i = 0; i < w->hops[ttl].n_addr; i++) {
            struct pm_watch_addr *a = &w->hops[ttl].addrs[i];
            const char *nm = w->name_fn(w->name_ctx, a->addr);
            if (nm)
                snprintf(a->name, sizeof a->name, "%s", nm);
        }
}

double pm_watch_loss(const struct pm_watch_hop *h)
{
    if (!h->sent)
        return 0.0;
    uint32_t got = h->received < h->sent ? h->received : h->sent;
    return 100.0 * (double)(h->sent - got) / (double)h->sent;
}

void pm_watch_rows(const struct pm_watch *w, uint8_t first_ttl, uint8_t *last)
{
    uint8_t end;
    if (!w->many && w->end_ttl)
        end = w->end_ttl; /* past the target, probes only repeat it */
    else if (w->max_reply_ttl)
        end = w->max_reply_ttl < w->max_sent_ttl ? (uint8_t)(w->max_reply_ttl + 1) : w->max_reply_ttl;
    else
        end = w->max_sent_ttl ? first_ttl : 0; /* nothing answered yet: one row of silence */
    if (end && end < first_ttl)
        end = first_ttl;
    *last = end;
}
