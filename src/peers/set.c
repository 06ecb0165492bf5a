/* set.c - the runs read from a peer's file: one per vantage and round, their inferred parameters, and the IPv6 list. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "peers/internal.h"

int pm_peers_bad(struct pm_peers_ctx *c, int code, const char *fmt, ...)
{
    if (!c->errbuf)
        return code;
    int n = c->line ? snprintf(c->errbuf, PM_ERRBUF_SIZE, "record %llu (line %llu): ", (unsigned long long)c->record,
                               (unsigned long long)c->line)
                    : snprintf(c->errbuf, PM_ERRBUF_SIZE, "record %llu: ", (unsigned long long)c->record);
    if (n > 0 && n < PM_ERRBUF_SIZE) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->errbuf + n, PM_ERRBUF_SIZE - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return code;
}

void pm_peers_skip(struct pm_peers_ctx *c, const char *fmt, ...)
{
    c->set->skipped++;
    if (c->set->warning[0])
        return;
    char msg[PM_ERRBUF_SIZE - 40];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->set->warning, sizeof c->set->warning, "record %llu: %s", (unsigned long long)c->record, msg);
}

static uint32_t key_hash(const char *k)
{
    uint32_t h = 2166136261u; /* FNV-1a: keys are short labels, no adversary gains from collisions beyond the cap */
    for (; *k; k++)
        h = (h ^ (uint8_t)*k) * 16777619u;
    return h;
}

static int grow(struct pm_peers_ctx *c)
{
    struct pm_peer_set *s = c->set;
    if (s->n_runs >= PM_PEERS_MAX_RUNS)
        return pm_peers_bad(c, PM_ELIMIT, "more than %u vantages and rounds (the reader's cap)", PM_PEERS_MAX_RUNS);
    if (s->n_runs < c->cap_runs)
        return PM_OK;
    uint32_t cap = c->cap_runs ? c->cap_runs * 2 : 16;
    struct pm_run **runs = realloc(s->runs, cap * sizeof *runs);
    if (!runs)
        return pm_peers_bad(c, PM_ENOMEM, "out of memory");
    s->runs = runs;
    uint32_t *next = realloc(c->next, cap * sizeof *next);
    if (!next)
        return pm_peers_bad(c, PM_ENOMEM, "out of memory");
    c->next = next;
    char(*keys)[64] = realloc(c->keys, cap * sizeof *keys);
    if (!keys)
        return pm_peers_bad(c, PM_ENOMEM, "out of memory");
    c->keys = keys;
    c->cap_runs = cap;
    /* the key table stays at most half full */
    if (c->heads_cap < cap * 2) {
        uint32_t hcap = cap * 2;
        uint32_t *heads = calloc(hcap, sizeof *heads);
        if (!heads)
            return pm_peers_bad(c, PM_ENOMEM, "out of memory");
        for (uint32_t i = 0; i < c->heads_cap; i++)
            if (c->heads[i]) {
                uint32_t j = key_hash(c->keys[c->heads[i] - 1]) & (hcap - 1);
                while (heads[j])
                    j = (j + 1) & (hcap - 1);
                heads[j] = c->heads[i];
            }
        free(c->heads);
        c->heads = heads;
        c->heads_cap = hcap;
    }
    return PM_OK;
}

static int new_run(struct pm_peers_ctx *c, const struct pm_run *proto, const char *key, uint32_t *idx)
{
    int rc = grow(c);
    if (rc)
        return rc;
    struct pm_run *run = pm_run_alloc();
    if (!run)
        return pm_peers_bad(c, PM_ENOMEM, "out of memory");
    /* field by field, not the whole struct: proto carries no targets, index
     * or stats (the same shape as the engine's run parameters, other source) */
    run->method = proto->method;
    run->source = proto->source;
    run->dport = proto->dport;
    run->flow = proto->flow;
    run->classic = proto->classic;
    /* 0: not stated by the file, learnt from the data in pm_peers_finish */
    run->first_ttl = proto->first_ttl;
    run->max_ttl = proto->max_ttl;
    run->queries = proto->queries;
    run->wait_ms = proto->wait_ms;
    run->started_us = proto->started_us;
    run->ended_us = proto->ended_us;
    memcpy(run->vantage, proto->vantage, sizeof run->vantage);
    run->input = proto->input;
    run->input.results = 0;
    struct pm_peer_set *s = c->set;
    *idx = s->n_runs;
    s->runs[s->n_runs++] = run;
    c->next[*idx] = 0;
    snprintf(c->keys[*idx], sizeof c->keys[*idx], "%s", key);
    return PM_OK;
}

int pm_peers_run_for(struct pm_peers_ctx *c, const struct pm_run *proto, const char *key, uint32_t dst,
                     struct pm_run **out, struct pm_target **t)
{
    uint32_t idx = UINT32_MAX, last = UINT32_MAX;
    if (c->heads_cap) {
        uint32_t j = key_hash(key) & (c->heads_cap - 1);
        while (c->heads[j] && strcmp(c->keys[c->heads[j] - 1], key))
            j = (j + 1) & (c->heads_cap - 1);
        if (c->heads[j]) /* walk the vantage's rounds: the first one that has not traced dst */
            for (uint32_t i = c->heads[j] - 1;; i = c->next[i] - 1) {
                last = i;
                if (!pm_run_target(c->set->runs[i], dst, false)) {
                    idx = i;
                    break;
                }
                if (!c->next[i])
                    break;
            }
    }
    if (idx == UINT32_MAX) {
        int rc = new_run(c, proto, key, &idx);
        if (rc)
            return rc;
        if (last != UINT32_MAX) {
            c->next[last] = idx + 1;
        } else {
            uint32_t j = key_hash(key) & (c->heads_cap - 1);
            while (c->heads[j])
                j = (j + 1) & (c->heads_cap - 1);
            c->heads[j] = idx + 1;
        }
    }
    struct pm_run *run = c->set->runs[idx];
    if (!(*t = pm_run_target(run, dst, true)))
        return pm_peers_bad(c, PM_ELIMIT, "too many targets for one vantage (the trace model's cap)");
    run->input.results++;
    if (!run->started_us || (proto->started_us && proto->started_us < run->started_us))
        run->started_us = proto->started_us;
    if (proto->ended_us > run->ended_us)
        run->ended_us = proto->ended_us;
    *out = run;
    return PM_OK;
}

int pm_peers_scamper_run(struct pm_peers_ctx *c, const struct pm_run *proto, bool lb, uint32_t dst,
                         struct pm_run **run, struct pm_target **t)
{
    char key[64];
    snprintf(key, sizeof key, "scamper/%s/%s%s", proto->input.vantage_id, lb ? "lb/" : "", pm_method_name(proto->method));
    return pm_peers_run_for(c, proto, key, dst, run, t);
}

int pm_peers_add_v6(struct pm_peers_ctx *c, const struct pm_peer_v6 *v)
{
    struct pm_peer_set *s = c->set;
    if (s->n_v6 >= PM_PEERS_MAX_V6)
        return pm_peers_bad(c, PM_ELIMIT, "more than %u IPv6 traces (the reader's cap)", PM_PEERS_MAX_V6);
    if ((s->n_v6 & (s->n_v6 - 1)) == 0) { /* 0, 1, 2, 4...: grow at powers of two */
        struct pm_peer_v6 *n = realloc(s->v6, (s->n_v6 ? s->n_v6 * 2 : 1) * sizeof *n);
        if (!n)
            return pm_peers_bad(c, PM_ENOMEM, "out of memory");
        s->v6 = n;
    }
    s->v6[s->n_v6++] = *v;
    return PM_OK;
}

int pm_peers_add_reply(struct pm_peers_ctx *c, struct pm_target *t, const struct pm_reply *r)
{
    return pm_peers_add_reply_ext(c, t, r, NULL, NULL);
}

int pm_peers_add_reply_ext(struct pm_peers_ctx *c, struct pm_target *t, const struct pm_reply *r,
                           const struct pm_ext_set *e, const struct pm_mpls_stack *m)
{
    /* a reply before its probe, or more than an hour after it, answers nothing
     * this trace sent (a damaged record or clock): not kept, like a late reply */
    if (r->recv_us < r->sent_us || r->recv_us - r->sent_us > PM_PEERS_MAX_RTT_US) {
        c->late++;
        return PM_OK;
    }
    int rc = pm_target_add_reply_ext(t, r, e, m);
    if (rc == PM_ELIMIT)
        return pm_peers_bad(c, rc, "more than %u replies for one destination (the trace model's cap)",
                            PM_TRACE_MAX_REPLIES_PER_TARGET);
    if (rc)
        return pm_peers_bad(c, rc, "out of memory");
    return PM_OK;
}

int pm_peers_lb_keep(struct pm_peers_ctx *c, struct pm_run *run, struct pm_target *t, const struct pm_reply *r,
                     const struct pm_ext_set *e, const struct pm_mpls_stack *m, uint32_t *kept)
{
    if (r->recv_us > run->ended_us)
        run->ended_us = r->recv_us;
    if (t->n_replies >= PM_TRACE_MAX_REPLIES_PER_TARGET) {
        pm_peers_skip(c, "tracelb replies beyond %u for one destination not kept", PM_TRACE_MAX_REPLIES_PER_TARGET);
        c->set->skipped--; /* not skipped: read, with the warning */
        return 1;
    }
    int rc = pm_peers_add_reply_ext(c, t, r, e, m);
    if (rc)
        return rc;
    if (!(*kept)++)
        pm_target_note_sent(t, r->ttl);
    return PM_OK;
}

void pm_peers_icmp_kind(uint8_t type, uint8_t code, struct pm_reply *r)
{
    r->icmp_type = type;
    r->icmp_code = code;
    r->kind = type == 11 ? PM_REPLY_TIME_EXCEEDED
              : type == 3 ? PM_REPLY_UNREACH
              : type == 0 ? PM_REPLY_ECHO_REPLY
                          : PM_REPLY_OTHER_ICMP;
}

uint32_t pm_peers_seen_at(const struct pm_target *t, uint8_t ttl, uint32_t from)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < t->n_replies; i++)
        n += t->replies[i].ttl == ttl && t->replies[i].from == from;
    return n;
}

static void add_word(char *list, size_t cap, const char *w)
{
    size_t n = strlen(list);
    snprintf(list + n, cap - n, "%s%s", n ? "," : "", w);
}

void pm_peers_finish(struct pm_peers_ctx *c)
{
    struct pm_peer_set *s = c->set;
    for (uint32_t i = 0; i < s->n_runs; i++) {
        struct pm_run *run = s->runs[i];
        bool had_first = run->first_ttl != 0, had_q = run->queries != 0, had_max = run->max_ttl != 0;
        uint8_t first = PM_TTL_MAX, max = 0, queries = 0;
        for (uint32_t k = 0; k < run->n_targets; k++) {
            const struct pm_target *t = &run->targets[k];
            for (unsigned ttl = 1; ttl <= PM_TTL_MAX; ttl++) {
                if (!t->sent[ttl])
                    continue;
                if (ttl < first)
                    first = (uint8_t)ttl;
                if (ttl > max)
                    max = (uint8_t)ttl;
                if (t->sent[ttl] > queries)
                    queries = t->sent[ttl];
            }
        }
        /* what the file did not state is learnt from the data and said to be so */
        if (!had_first) {
            run->first_ttl = max ? first : 1;
            add_word(run->input.inferred, sizeof run->input.inferred, "first_ttl");
        }
        if (!had_max) {
            run->max_ttl = max ? max : 1;
            add_word(run->input.inferred, sizeof run->input.inferred, "max_ttl");
        }
        if (!had_q) {
            run->queries = queries;
            add_word(run->input.inferred, sizeof run->input.inferred, "queries");
        }
        /* counters a reader did not keep itself come from the model */
        bool count = !run->stats.probes_sent && !run->stats.replies_matched;
        for (uint32_t k = 0; count && k < run->n_targets; k++) {
            const struct pm_target *t = &run->targets[k];
            for (unsigned ttl = 1; ttl <= PM_TTL_MAX; ttl++)
                run->stats.probes_sent += t->sent[ttl];
            run->stats.replies_matched += t->n_replies;
        }
        pm_trace_finish(run, c->gaplimit);
    }
}

int pm_peers_seen(struct pm_peers_ctx *c, const char *identity, bool *dup)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a 64: a false duplicate needs a 64-bit collision */
    for (const char *p = identity; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    if (!h)
        h = 1;
    if ((c->n_seen + 1) * 2 > c->seen_cap) {
        size_t cap = c->seen_cap ? c->seen_cap * 2 : 1024;
        uint64_t *n = calloc(cap, sizeof *n);
        if (!n)
            return pm_peers_bad(c, PM_ENOMEM, "out of memory");
        for (size_t i = 0; i < c->seen_cap; i++)
            if (c->seen[i]) {
                size_t j = c->seen[i] & (cap - 1);
                while (n[j])
                    j = (j + 1) & (cap - 1);
                n[j] = c->seen[i];
            }
        free(c->seen);
        c->seen = n;
        c->seen_cap = cap;
    }
    size_t j = h & (c->seen_cap - 1);
    while (c->seen[j] && c->seen[j] != h)
        j = (j + 1) & (c->seen_cap - 1);
    *dup = c->seen[j] == h;
    if (!*dup) {
        c->seen[j] = h;
        c->n_seen++;
    }
    return PM_OK;
}

void pm_peers_ctx_free(struct pm_peers_ctx *c)
{
    free(c->seen);
    c->seen = NULL;
    free(c->next);
    free(c->heads);
    free(c->keys);
    c->next = c->heads = NULL;
    c->keys = NULL;
}

void pm_peers_free(struct pm_peer_set *set)
{
    if (!set)
        return;
    for (uint32_t i = 0; i < set->n_runs; i++)
        pm_run_free(set->runs[i]);
    free(set->runs);
    free(set->v6);
    memset(set, 0, sizeof *set);
}

int pm_peers_addr(const char *s, bool *is_v6, uint32_t *v4)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, s, &a4) == 1) {
        *is_v6 = false;
        *v4 = ntohl(a4.s_addr);
        return PM_OK;
    }
    if (inet_pton(AF_INET6, s, &a6) == 1) {
        *is_v6 = true;
        *v4 = 0;
        return PM_OK;
    }
    return PM_EINVAL;
}

/* ---- typed JSON members ---- */
/* One getter per JSON type, each the same shape (member, type, range);
 * output/json_get.c has the show reader's own, kept apart: its messages
 * name the document's place ("json: targets[3].hops[2]"), these the
 * record's, and peers does not depend on output. */

static int member(struct pm_peers_ctx *c, json_t *o, const char *path, const char *key, bool req, json_t **v)
{
    *v = json_object_get(o, key);
    if (!*v || json_is_null(*v)) {
        if (req)
            return pm_peers_bad(c, PM_ECORRUPT, "%s%s%s is missing", path, path[0] ? "." : "", key);
        return 1;
    }
    return PM_OK;
}

int pm_peers_jint(struct pm_peers_ctx *c, json_t *o, const char *path, const char *key, bool req, int64_t min,
                  int64_t max, int64_t *out)
{
    json_t *v;
    int rc = member(c, o, path, key, req, &v);
    if (rc)
        return rc;
    if (!json_is_integer(v))
        return pm_peers_bad(c, PM_ECORRUPT, "%s%s%s: expected an integer", path, path[0] ? "." : "", key);
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return pm_peers_bad(c, PM_ECORRUPT, "%s%s%s: %lld is out of range (%lld to %lld)", path, path[0] ? "." : "",
                            key, (long long)x, (long long)min, (long long)max);
    *out = x;
    return PM_OK;
}

int pm_peers_jnum(struct pm_peers_ctx *c, json_t *o, const char *path, const char *key, bool req, double min,
                  double max, double *out)
{
    json_t *v;
    int rc = member(c, o, path, key, req, &v);
    if (rc)
        return rc;
    if (!json_is_number(v))
        return pm_peers_bad(c, PM_ECORRUPT, "%s%s%s: expected a number", path, path[0] ? "." : "", key);
    double x = json_number_value(v);
    if (!(x >= min && x <= max))
        return pm_peers_bad(c, PM_ECORRUPT, "%s%s%s: %g is out of range (%g to %g)", path, path[0] ? "." : "", key, x,
                            min, max);
    *out = x;
    return PM_OK;
}

int pm_peers_jstr(struct pm_peers_ctx *c, json_t *o, const char *path, const char *key, bool req, char *dst,
                  size_t cap)
{
    json_t *v;
    dst[0] = '\0';
    int rc = member(c, o, path, key, req, &v);
    if (rc)
        return rc;
    if (!json_is_string(v))
        return pm_peers_bad(c, PM_ECORRUPT, "%s%s%s: expected a string", path, path[0] ? "." : "", key);
    size_t n = json_string_length(v);
    if (n >= cap)
        return pm_peers_bad(c, PM_ECORRUPT, "%s%s%s: longer than %zu bytes", path, path[0] ? "." : "", key, cap - 1);
    if (strlen(json_string_value(v)) != n)
        return pm_peers_bad(c, PM_ECORRUPT, "%s%s%s: contains a NUL byte", path, path[0] ? "." : "", key);
    memcpy(dst, json_string_value(v), n + 1);
    return PM_OK;
}

int pm_peers_jbool(struct pm_peers_ctx *c, json_t *o, const char *path, const char *key, bool *out)
{
    json_t *v;
    int rc = member(c, o, path, key, false, &v);
    if (rc)
        return rc;
    if (!json_is_boolean(v))
        return pm_peers_bad(c, PM_ECORRUPT, "%s%s%s: expected true or false", path, path[0] ? "." : "", key);
    *out = json_is_true(v);
    return PM_OK;
}

void pm_peers_ext_mpls(struct pm_ext_set *s, const struct pm_mpls_entry *m, uint8_t n)
{
    uint8_t b[PM_EXT_OBJ_BYTES];
    size_t len = 0;
    for (uint8_t i = 0; i < n && len + 4 <= sizeof b; i++, len += 4) {
        uint32_t v = m[i].label << 12 | (uint32_t)(m[i].tc & 7) << 9 | (uint32_t)(m[i].s & 1) << 8 | m[i].ttl;
        b[len] = (uint8_t)(v >> 24);
        b[len + 1] = (uint8_t)(v >> 16);
        b[len + 2] = (uint8_t)(v >> 8);
        b[len + 3] = (uint8_t)v;
    }
    pm_ext_set_add(s, PM_EXT_CLASS_MPLS, 1, (uint16_t)len, b);
}
