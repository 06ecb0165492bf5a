/* run.c - the run and its targets: allocation, the dst->target index, reply storage. */
#include <stdlib.h>
#include <string.h>

#include "pathmortem/trace.h"
#include "util/grow.h"
#include "util/prefetch.h"

struct pm_run *pm_run_alloc(void)
{
    struct pm_run *run = calloc(1, sizeof *run);
    if (!run)
        return NULL;
    run->first_ttl = 1;
    run->max_ttl = 30;
    run->queries = 3;
    return run;
}

void pm_run_free(struct pm_run *run)
{
    if (!run)
        return;
    for (uint32_t i = 0; i < run->n_targets; i++) {
        free(run->targets[i].replies);
        free(run->targets[i].ext);
        free(run->targets[i].mpls);
    }
    free(run->targets);
    free(run->index);
    free(run);
}

static uint32_t hash_addr(uint32_t a)
{
    /* multiplicative hash: consecutive addresses of a prefix spread out */
    return (a * 2654435761u) ^ (a >> 16);
}

/* Index slots hold the address and its target position + 1 (pos 0 = empty).
 * Load factor <= 1/2. The address is kept in the slot although targets[]
 * has it too: a lookup then reads one 8-byte slot, not a 120-byte target
 * record far away (that cache miss per packet was 17 % of `analyze`). Not
 * util's pm_map: slots of 8 bytes instead of 13, on the per-packet path. */
static void index_put(struct pm_run_slot *idx, uint32_t cap, uint32_t dst, uint32_t pos)
{
    uint32_t h = hash_addr(dst) & (cap - 1);
    while (idx[h].pos)
        h = (h + 1) & (cap - 1);
    idx[h] = (struct pm_run_slot){dst, pos};
}

static int index_grow(struct pm_run *run)
{
    uint32_t cap = run->index_cap ? run->index_cap * 2 : 1024;
    struct pm_run_slot *idx = calloc(cap, sizeof *idx);
    if (!idx)
        return PM_ENOMEM;
    for (uint32_t i = 0; i < run->n_targets; i++)
        index_put(idx, cap, run->targets[i].dst, i + 1);
    free(run->index);
    run->index = idx;
    run->index_cap = cap;
    return PM_OK;
}

void pm_run_reindex(struct pm_run *run)
{
    if (!run->index_cap)
        return;
    memset(run->index, 0, (size_t)run->index_cap * sizeof *run->index);
    for (uint32_t i = 0; i < run->n_targets; i++)
        index_put(run->index, run->index_cap, run->targets[i].dst, i + 1);
}

static uint32_t find_index(const struct pm_run *run, uint32_t dst)
{
    if (run->index_cap) {
        uint32_t h = hash_addr(dst) & (run->index_cap - 1);
        while (run->index[h].pos) {
            if (run->index[h].dst == dst)
                return run->index[h].pos;
            h = (h + 1) & (run->index_cap - 1);
        }
    }
    return 0;
}

void pm_run_prefetch(const struct pm_run *run, uint32_t dst)
{
    if (run->index_cap)
        PM_PREFETCH(&run->index[hash_addr(dst) & (run->index_cap - 1)]);
}

const struct pm_target *pm_run_find(const struct pm_run *run, uint32_t dst)
{
    uint32_t i = find_index(run, dst);
    return i ? &run->targets[i - 1] : NULL;
}

struct pm_target *pm_run_target(struct pm_run *run, uint32_t dst, bool create)
{
    uint32_t i = find_index(run, dst);
    if (i)
        return &run->targets[i - 1];
    if (!create || run->n_targets >= PM_TRACE_MAX_TARGETS)
        return NULL;
    if (PM_GROW(run->targets, run->cap_targets, run->n_targets + 1, 256, PM_TRACE_MAX_TARGETS) != PM_OK)
        return NULL;
    if ((run->n_targets + 1) * 2 > run->index_cap && index_grow(run) != PM_OK)
        return NULL;
    struct pm_target *t = &run->targets[run->n_targets];
    memset(t, 0, sizeof *t);
    t->dst = dst;
    index_put(run->index, run->index_cap, dst, ++run->n_targets);
    return t;
}

void pm_target_note_sent(struct pm_target *t, uint8_t ttl)
{
    if (ttl == 0 || ttl > PM_TTL_MAX)
        return;
    if (t->sent[ttl] < UINT8_MAX)
        t->sent[ttl]++;
    if (ttl > t->max_ttl_sent)
        t->max_ttl_sent = ttl;
}

uint8_t pm_target_first_sent(const struct pm_target *t)
{
    for (uint8_t ttl = 1; ttl <= PM_TTL_MAX; ttl++)
        if (t->sent[ttl])
            return ttl;
    return 0;
}

/* A reply's size is the analyzer's memory per answered probe (trace.h). */
_Static_assert(sizeof(struct pm_reply) <= 40, "struct pm_reply grew past 40 bytes");

int pm_target_add_reply(struct pm_target *t, const struct pm_reply *r)
{
    return pm_target_add_reply_ext(t, r, NULL, NULL);
}

int pm_target_add_reply_ext(struct pm_target *t, const struct pm_reply *r, const struct pm_ext_set *e,
                            const struct pm_mpls_stack *m)
{
    if (t->n_replies >= PM_TRACE_MAX_REPLIES_PER_TARGET)
        return PM_ELIMIT;
    bool keep_e = e && e->n, keep_m = m && m->n;
    /* every array grown before anything is written, so a failure leaves t as it was;
     * one ext set and one stack per reply at most, so the reply cap bounds them.
     * Replies are reserved 16 at a time (640 bytes, about what 8 cost at the old
     * 72 bytes each): a traced path usually has more than 8, and the realloc from
     * 8 to 16 cost about 5 % of `analyze` on a /16 (4 Dec 2026) */
    int rc = PM_GROW(t->replies, t->cap_replies, t->n_replies + 1, 16, PM_TRACE_MAX_REPLIES_PER_TARGET);
    if (rc != PM_OK)
        return rc;
    if (keep_e && PM_GROW(t->ext, t->cap_ext, t->n_ext + 1, 4, PM_TRACE_MAX_REPLIES_PER_TARGET) != PM_OK)
        return PM_ENOMEM;
    if (keep_m && PM_GROW(t->mpls, t->cap_mpls, t->n_mpls + 1, 4, PM_TRACE_MAX_REPLIES_PER_TARGET) != PM_OK)
        return PM_ENOMEM;
    struct pm_reply *d = &t->replies[t->n_replies++];
    *d = *r;
    d->ext = 0;
    d->mpls = 0;
    if (keep_e) {
        t->ext[t->n_ext++] = *e;
        d->ext = (uint16_t)t->n_ext;
    }
    if (keep_m) {
        struct pm_mpls_stack *s = &t->mpls[t->n_mpls++];
        *s = *m;
        if (s->n > PM_REPLY_MPLS_MAX)
            s->n = PM_REPLY_MPLS_MAX;
        d->mpls = (uint16_t)t->n_mpls;
    }
    return PM_OK;
}

const struct pm_ext_set *pm_reply_ext(const struct pm_target *t, const struct pm_reply *r)
{
    return r->ext && r->ext <= t->n_ext ? &t->ext[r->ext - 1] : NULL;
}

const struct pm_mpls_stack *pm_reply_mpls(const struct pm_target *t, const struct pm_reply *r)
{
    return r->mpls && r->mpls <= t->n_mpls ? &t->mpls[r->mpls - 1] : NULL;
}

static bool reply_before(const struct pm_reply *x, const struct pm_reply *y)
{
    if (x->ttl != y->ttl)
        return x->ttl < y->ttl;
    if (x->attempt != y->attempt)
        return x->attempt < y->attempt;
    return x->recv_us < y->recv_us;
}

static int reply_cmp(const void *a, const void *b)
{
    const struct pm_reply *x = a, *y = b;
    return reply_before(x, y) ? -1 : reply_before(y, x) ? 1 : 0;
}

/* Replies arrive nearly in order (a walk goes up one TTL at a time) and a
 * target has a few dozen: one pass finds them sorted, else an insertion
 * sort of their positions (bytes, not 40-byte replies) and one permuting
 * copy, without qsort's merge buffer and calls through a pointer. Both
 * are stable (glibc's qsort is a merge sort), so the order, ties included,
 * is the same; long lists keep qsort against the quadratic worst case. */
#define SORT_INSERTION_MAX 64

void pm_target_sort(struct pm_target *t)
{
    uint32_t n = t->n_replies;
    struct pm_reply *r = t->replies;
    if (n > SORT_INSERTION_MAX) {
        qsort(r, n, sizeof *r, reply_cmp);
        return;
    }
    uint32_t i = 1;
    while (i < n && !reply_before(&r[i], &r[i - 1]))
        i++;
    if (i >= n)
        return;
    uint8_t ord[SORT_INSERTION_MAX];
    for (uint32_t k = 0; k < n; k++)
        ord[k] = (uint8_t)k;
    for (; i < n; i++) {
        uint8_t x = ord[i];
        uint32_t j = i;
        while (j > 0 && reply_before(&r[x], &r[ord[j - 1]])) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = x;
    }
    struct pm_reply tmp[SORT_INSERTION_MAX];
    memcpy(tmp, r, n * sizeof *r);
    for (uint32_t k = 0; k < n; k++)
        r[k] = tmp[ord[k]];
}

uint32_t pm_target_hop(const struct pm_target *t, uint8_t ttl, const struct pm_reply **first)
{
    /* replies are sorted by ttl: binary search the first one at ttl (the
     * same shape as pm_analysis_find_owner, over another array and field) */
    uint32_t lo = 0, hi = t->n_replies;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (t->replies[mid].ttl < ttl)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint32_t n = 0;
    while (lo + n < t->n_replies && t->replies[lo + n].ttl == ttl)
        n++;
    *first = n ? &t->replies[lo] : NULL;
    return n;
}

bool pm_reply_from_target(const struct pm_target *t, const struct pm_reply *r)
{
    return pm_reply_from_dst(t->dst, r);
}

bool pm_reply_from_dst(uint32_t dst, const struct pm_reply *r)
{
    switch (r->kind) {
    case PM_REPLY_ECHO_REPLY:
    case PM_REPLY_TCP_SYNACK:
    case PM_REPLY_TCP_RST:
        return true;
    case PM_REPLY_UNREACH:
        /* port or protocol unreachable from the target itself (RFC 792: only
         * the destination host sends these) */
        return r->from == dst && pm_wire_icmp_from_end_host(PM_ICMP_UNREACH, r->icmp_code);
    default:
        return false;
    }
}
