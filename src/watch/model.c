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
    free(w->sec_folded_replies);
    free(w->sec_folded_sent);
    free(w->live_checked);
    free(w->seen24_hops);
    w->seen24_hops = NULL;
    w->n_seen24 = 0;
    w->sec_folded_replies = NULL;
    w->sec_folded_sent = NULL;
    w->live_checked = NULL;
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

void pm_watch_set_upstreams(struct pm_watch *w, uint32_t target_asn, const uint32_t *watched, uint32_t n)
{
    w->target_asn = target_asn;
    w->n_watched = 0;
    for (uint32_t i = 0; i < n && i < sizeof w->watched / sizeof w->watched[0]; i++)
        w->watched[w->n_watched++] = watched[i];
}

int pm_watch_begin_cycle(struct pm_watch *w, const struct pm_run *run, uint32_t n_targets)
{
    uint32_t n = n_targets ? n_targets : 1;
    /* the cycle's arrays taken together or not at all: the same calloc, free
     * and assign shape as pm_watch_free above and util/map.c's grow, over
     * other arrays, with nothing in common to share but free() */
    uint32_t *fr = calloc(n, sizeof *fr), *sfr = calloc(n, sizeof *sfr), *lc = calloc(n, sizeof *lc);
    uint8_t *fs = calloc(n, PM_TTL_MAX + 1), *sfs = calloc(n, PM_TTL_MAX + 1);
    uint8_t *so = calloc(n, 1);
    if (!fr || !fs || !so || !sfr || !sfs || !lc) {
        free(fr);
        free(fs);
        free(so);
        free(sfr);
        free(sfs);
        free(lc);
        return PM_ENOMEM;
    }
    free(w->folded_replies);
    free(w->folded_sent);
    free(w->section_of);
    free(w->sec_folded_replies);
    free(w->sec_folded_sent);
    free(w->live_checked);
    w->sec_folded_replies = sfr;
    w->sec_folded_sent = sfs;
    w->live_checked = lc;
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
    const struct pm_mpls_stack *ms = pm_reply_mpls(t, r);
    a->n_mpls = ms ? ms->n : 0;
    if (ms)
        memcpy(a->mpls, ms->e, sizeof a->mpls);
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
    const struct pm_target *t = pm_run_find(run, dst); /* verdicts are in the run's target order */
    if (!t)
        return 0;
    *known = true;
    const struct pm_verdict *v = &a->verdicts[t - run->targets];
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

static uint32_t asn_of(const struct pm_watch *w, uint32_t addr, char *name, size_t len)
{
    struct pm_geo_info gi;
    memset(&gi, 0, sizeof gi);
    w->lookup(w->lookup_ctx, addr, &gi);
    if (name && len) {
        size_t n = strnlen(gi.as_name, len - 1); /* a database's name, cut to the section's */
        memcpy(name, gi.as_name, n);
        name[n] = '\0';
    }
    return gi.asn;
}

static bool is_watched(const struct pm_watch *w, uint32_t asn)
{
    for (uint32_t i = 0; asn && i < w->n_watched; i++)
        if (w->watched[i] == asn)
            return true;
    return false;
}

/* The AS most of t's hops below TTL `below` belong to (one vote per TTL,
 * its first reply), outside the target AS tas; only watched ASes when any
 * is on the path; 0 without a clear majority. A vote, not the last hop: the
 * target's border router is often numbered from its upstream's space, and
 * one upstream's space (kpbr's 198.18.20.5, China Unicom's) can answer for
 * the other's paths; the analyzer sees through that by ownership
 * inference, which needs the whole cycle. */
static uint32_t owner_before(const struct pm_watch *w, const struct pm_target *t, const uint32_t *shared,
                             uint32_t tas, uint32_t below, char *name, size_t len)
{
    struct vote {
        uint32_t asn, votes, last_ttl;
    } c[16];
    uint32_t n = 0;
    bool any_watched = false;
    for (uint32_t ttl = 1; ttl < below && ttl <= PM_TTL_MAX; ttl++) {
        const struct pm_reply *r = NULL;
        for (uint32_t k = 0; k < t->n_replies && !r; k++)
            if (t->replies[k].ttl == ttl)
                r = &t->replies[k];
        uint32_t from = r ? r->from : shared ? shared[ttl] : 0;
        uint32_t a = from ? asn_of(w, from, NULL, 0) : 0;
        if (!a || a == tas)
            continue;
        uint32_t j = 0;
        while (j < n && c[j].asn != a)
            j++;
        if (j == n) {
            if (n == sizeof c / sizeof c[0])
                continue;
            c[n++] = (struct vote){.asn = a};
        }
        c[j].votes++;
        c[j].last_ttl = ttl;
        any_watched = any_watched || is_watched(w, a);
    }
    /* a clear majority of two hops at least: a path probed only above the
     * hops its /24 shares (one upstream router, then the border numbered
     * from either upstream's space) decides nothing; its /24 will */
    uint32_t best = n, second = 0;
    for (uint32_t j = 0; j < n; j++) {
        if (any_watched && !is_watched(w, c[j].asn))
            continue;
        if (best == n || c[j].votes > c[best].votes) {
            second = best == n ? 0 : c[best].votes;
            best = j;
        } else if (c[j].votes > second) {
            second = c[j].votes;
        }
    }
    if (best == n || c[best].votes < 2 || c[best].votes == second)
        return 0;
    bool named = false;
    for (uint32_t k = 0; name && k < t->n_replies && !named; k++)
        named = asn_of(w, t->replies[k].from, name, len) == c[best].asn;
    for (uint32_t ttl = 1; name && shared && !named && ttl < below && ttl <= PM_TTL_MAX; ttl++)
        named = shared[ttl] && asn_of(w, shared[ttl], name, len) == c[best].asn;
    return c[best].asn;
}

/* The index of /24 p24 among the n of list (n: not there). */
static uint32_t index24(const uint32_t *list, uint32_t n, uint32_t p24)
{
    uint32_t j = 0;
    while (j < n && list[j] != p24)
        j++;
    return j;
}

/* The row of t's /24 in the table of routers its targets heard per TTL,
 * created on first use; NULL past PM_WATCH_LIVE24 /24s or without memory
 * (then a target's own replies decide alone). */
static uint32_t *seen24_row(struct pm_watch *w, uint32_t dst)
{
    uint32_t p24 = dst & 0xffffff00u, j = index24(w->seen24_prefix, w->n_seen24, p24);
    if (j < w->n_seen24)
        return &w->seen24_hops[(size_t)j * (PM_TTL_MAX + 1)];
    if (w->n_seen24 == PM_WATCH_LIVE24)
        return NULL;
    if (!w->seen24_hops && !(w->seen24_hops = calloc((size_t)PM_WATCH_LIVE24 * (PM_TTL_MAX + 1), sizeof *w->seen24_hops)))
        return NULL;
    w->seen24_prefix[w->n_seen24] = p24;
    return &w->seen24_hops[(size_t)w->n_seen24++ * (PM_TTL_MAX + 1)];
}

/* The upstream of target i from its replies so far, before any analysis
 * has it: once its path entered the target AS (a reply from the target, or
 * from an address of its AS) or a router answered it unreachable, the AS
 * most of the hops before belong to (owner_before). Until then (a path
 * silent so far) no table. Looks only at replies not seen
 * before, so a target costs one lookup per reply until it is decided. */
static bool live_upstream(struct pm_watch *w, uint32_t i, const struct pm_target *t, uint32_t *asn, char *name,
                          size_t len)
{
    /* nothing new since the last look: nothing can have changed */
    if (!w->lookup || !w->live_checked || w->live_checked[i] >= t->n_replies)
        return false;
    uint32_t tas = w->target_asn ? w->target_asn : asn_of(w, t->dst, NULL, 0);
    uint32_t entry = 0, unreach = 0; /* lowest TTLs of each */
    uint32_t *shared = seen24_row(w, t->dst);
    for (uint32_t k = w->live_checked[i]; k < t->n_replies; k++) {
        const struct pm_reply *r = &t->replies[k];
        bool inside = pm_reply_from_target(t, r) || (tas && asn_of(w, r->from, NULL, 0) == tas);
        if (inside && (!entry || r->ttl < entry))
            entry = r->ttl;
        else if (!inside && r->kind == PM_REPLY_UNREACH && (!unreach || r->ttl < unreach))
            unreach = r->ttl;
        else if (!inside && shared && r->kind == PM_REPLY_TIME_EXCEEDED && r->ttl >= 1 && r->ttl <= PM_TTL_MAX &&
                 !shared[r->ttl])
            shared[r->ttl] = r->from;
    }
    w->live_checked[i] = t->n_replies;
    if (entry)
        *asn = owner_before(w, t, shared, tas, entry, name, len);
    else if (unreach)
        *asn = owner_before(w, t, shared, tas, unreach + 1, name, len);
    return *asn != 0;
}

/* The section model of target i of the running cycle, created on first use;
 * NULL for none, or none yet. */
static struct pm_watch *section_for(struct pm_watch *w, uint32_t i, const struct pm_target *t)
{
    if (!w->many || !w->section_of)
        return NULL;
    uint8_t so = w->section_of[i];
    if (so == 0xff)
        return NULL;
    if (so)
        return w->sections[so - 1];
    const char *name;
    char live_name[64];
    bool known;
    uint32_t asn = last_upstream(w, t->dst, &name, &known);
    if (!known) {
        /* not in the last cycle (the first cycle has none): its /24's
         * upstream if a target there showed it, else its own replies */
        uint32_t p24 = t->dst & 0xffffff00u, j = index24(w->live24_prefix, w->n_live24, p24);
        if (j < w->n_live24) {
            asn = w->live24_asn[j];
        } else {
            live_name[0] = '\0';
            asn = 0;
            if (!live_upstream(w, i, t, &asn, live_name, sizeof live_name))
                return NULL;
            name = live_name;
            if (w->n_live24 < PM_WATCH_LIVE24) {
                w->live24_prefix[w->n_live24] = p24;
                w->live24_asn[w->n_live24++] = asn;
            }
        }
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

/* What target t sent and received since *fr / fs were counted, into m (w
 * holds the pause). */
static void fold_target(const struct pm_watch *w, struct pm_watch *m, const struct pm_target *t, uint32_t *fr,
                        uint8_t *fs)
{
    for (uint32_t ttl = 1; ttl <= t->max_ttl_sent && ttl <= PM_TTL_MAX; ttl++) {
        if (t->sent[ttl] <= fs[ttl])
            continue;
        if (!w->paused) {
            m->hops[ttl].sent += (uint32_t)(t->sent[ttl] - fs[ttl]);
            if (ttl > m->max_sent_ttl)
                m->max_sent_ttl = (uint8_t)ttl;
        }
        fs[ttl] = t->sent[ttl];
    }
    for (uint32_t k = *fr; k < t->n_replies; k++)
        if (counted(w, &t->replies[k]))
            fold_reply(m, t, &t->replies[k]);
    *fr = t->n_replies;
}

void pm_watch_fold(struct pm_watch *w)
{
    const struct pm_run *run = w->cur;
    if (!run)
        return;
    uint32_t n = run->n_targets < w->cur_targets ? run->n_targets : w->cur_targets;
    for (uint32_t i = 0; i < n; i++) {
        const struct pm_target *t = &run->targets[i];
        fold_target(w, w, t, &w->folded_replies[i], &w->folded_sent[(size_t)i * (PM_TTL_MAX + 1)]);
        /* its table once its upstream is known: then all it sent and got so far */
        struct pm_watch *sec = section_for(w, i, t);
        if (sec)
            fold_target(w, sec, t, &w->sec_folded_replies[i], &w->sec_folded_sent[(size_t)i * (PM_TTL_MAX + 1)]);
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
