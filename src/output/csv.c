/* csv.c - one RFC 4180 row per target: status, death point, networks, confidence. */
#include <string.h>

#include "output/internal.h"

/* Quotes a field when it holds a comma, quote, CR or LF (RFC 4180), doubling
 * quotes. Strings from databases are cleaned of control bytes first, and a
 * leading = + - @ gets a ' so spreadsheets do not run it as a formula. */
static void field(FILE *f, const char *s, bool first)
{
    char clean[512];
    pm_output_clean(s ? s : "", clean, sizeof clean);
    if (!first)
        fputc(',', f);
    bool formula = strchr("=+-@", clean[0]) && clean[0];
    bool quote = formula || strpbrk(clean, ",\"\r\n") != NULL;
    if (!quote) {
        fputs(clean, f);
        return;
    }
    fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (const char *p = clean; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

static void num(FILE *f, unsigned long long v, bool present)
{
    if (present)
        fprintf(f, ",%llu", v);
    else
        fputc(',', f);
}

static const char *const columns[] = {"dst",           "status",       "kind",        "stop",         "last_hop_addr",
                                      "last_hop_ttl",  "last_hop_asn", "dies_in_asn", "dies_in_name", "upstream_asn",
                                      "upstream_name", "confidence",   "hops_probed", "replies"};

/* Without analysis the last hop is the last responder that is not the target. */
static const struct pm_reply *last_router(const struct pm_target *t)
{
    for (uint32_t i = t->n_replies; i-- > 0;)
        if (!pm_reply_from_target(t, &t->replies[i]) && t->replies[i].from != t->dst)
            return &t->replies[i];
    return NULL;
}

int pm_output_csv(FILE *f, const struct pm_output_ctx *ctx, char *errbuf)
{
    (void)errbuf;
    const struct pm_run *run = ctx->run;
    for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
        field(f, columns[i], i == 0);
    fputs("\r\n", f);
    for (uint32_t i = 0; i < run->n_targets; i++) {
        const struct pm_target *t = &run->targets[i];
        const struct pm_verdict *v = pm_output_verdict(ctx, i);
        char a[16];
        /* the hops JSON lists (so `show` of the JSON counts the same) */
        unsigned hops = 0, replies = 0;
        /* pm_output_hop_listed's rule, counted in one pass: a TTL in
         * [first, last] is listed when probed or answered, so every reply
         * in that span counts and every probed TTL in it is a hop (asking
         * it per TTL cost more than the rest of the CSV on a /16) */
        uint8_t lo = pm_output_first_hop(run, t), hi = pm_output_last_hop(t);
        for (unsigned ttl = lo ? lo : 1u; ttl <= hi; ttl++)
            hops += t->sent[ttl] != 0;
        for (uint32_t k = 0; k < t->n_replies; k++)
            replies += t->replies[k].ttl >= lo && t->replies[k].ttl <= hi && t->replies[k].ttl >= 1;
        field(f, pm_addr_str(t->dst, a), true);
        if (v) {
            const char *st = pm_output_status_str(v->status), *kd = pm_output_death_str(v->kind);
            field(f, st ? st : "?", false);
            field(f, v->kind != PM_DEATH_NONE && kd ? kd : "", false);
            field(f, pm_stop_name(t->stop), false);
            field(f, v->last_addr ? pm_addr_str(v->last_addr, a) : "", false);
            num(f, v->last_ttl, v->last_addr != 0);
            num(f, v->last_asn, v->last_asn != 0);
            num(f, v->dies_in.asn, v->dies_in.asn != 0);
            field(f, v->dies_in.name, false);
            num(f, v->upstream.asn, v->upstream.asn != 0);
            field(f, v->upstream.name, false);
            fprintf(f, ",%.3f", v->confidence);
        } else {
            const struct pm_reply *lr = last_router(t);
            struct pm_geo_info gi;
            if (lr)
                pm_output_lookup(ctx, lr->from, &gi);
            field(f, t->stop == PM_STOP_REACHED ? "reached" : "died", false);
            field(f, "", false);
            field(f, pm_stop_name(t->stop), false);
            field(f, lr ? pm_addr_str(lr->from, a) : "", false);
            num(f, lr ? lr->ttl : 0, lr != NULL);
            num(f, lr ? gi.asn : 0, lr && gi.asn);
            fputs(",,,,,", f); /* dies_in, upstream and confidence need the analysis */
        }
        fprintf(f, ",%u,%u\r\n", hops, replies);
    }
    return PM_OK;
}
