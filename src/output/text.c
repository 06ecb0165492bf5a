/* text.c - traceroute-like text: run header, verdicts per prefix and upstream, then per-target hop tables. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "output/internal.h"

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define DIM "\033[2m"
#define RESET "\033[0m"

/* Widest AS name column we pad to; longer names are printed whole. */
#define NAME_PAD_MAX 32
#define NAME_FIT_MIN 8 /* an AS name cut to fit a narrow terminal keeps this many columns */
/* Widest host name column we pad to; longer names are printed whole. */
#define HOST_PAD_MAX 48
/* Width of one RTT or '*' cell ("1234.567 ms" plus a space). */
#define CELL_W 12
#define CELL_NARROW 11
/* Address ranges listed after a collapsed group before "…". */
#define RANGES_MAX 6

struct tx {
    FILE *f;
    const struct pm_output_ctx *ctx;
    bool color;
};

static void on(const struct tx *x, const char *code)
{
    if (x->color)
        fputs(code, x->f);
}

static void off(const struct tx *x)
{
    if (x->color)
        fputs(RESET, x->f);
}

/* Display width of a cleaned UTF-8 string: continuation bytes take no column. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

static void pad(FILE *f, const char *s, size_t w)
{
    fputs(s, f);
    for (size_t n = width(s); n < w; n++)
        fputc(' ', f);
}

/* pad, with a string wider than w cut at a character to w - 1 columns and "…" */
static void pad_fit(FILE *f, const char *s, size_t w)
{
    if (width(s) <= w) {
        pad(f, s, w);
        return;
    }
    size_t cols = 0;
    for (; *s && cols + 1 < w; s++) {
        fputc(*s, f);
        /* the continuation bytes of the character just started follow it */
        while ((((unsigned char)s[1]) & 0xc0) == 0x80)
            fputc(*++s, f);
        cols++;
    }
    if (w)
        fputs("…", f);
}

/* "China Unicom (AS4837)", "AS4837", or `unknown` when nothing is known. */
static void as_label(char *buf, size_t len, const struct pm_as_ref *r, const char *unknown)
{
    char name[sizeof r->name];
    pm_output_clean(r->name, name, sizeof name);
    if (r->asn && name[0])
        snprintf(buf, len, "%s (AS%u)", name, r->asn);
    else if (r->asn)
        snprintf(buf, len, "AS%u", r->asn);
    else if (name[0])
        snprintf(buf, len, "%s", name);
    else
        snprintf(buf, len, "%s", unknown);
}

static void header(const struct tx *x)
{
    const struct pm_run *run = x->ctx->run;
    char src[16], t0[40], t1[40], vantage[sizeof run->vantage];
    uint32_t died = 0, absent = 0, unprobed = 0;
    for (uint32_t i = 0; i < run->n_targets; i++) {
        const struct pm_verdict *v = pm_output_verdict(x->ctx, i);
        died += pm_output_died(x->ctx, i);
        absent += v && v->status == PM_STATUS_HOST_ABSENT;
        unprobed += v && v->status == PM_STATUS_NOT_PROBED;
    }
    if (run->end != PM_RUN_COMPLETE) {
        /* first line: a run cut short is not an outage */
        on(x, YELLOW);
        if (run->end == PM_RUN_TIMEOUT)
            fprintf(x->f, "%s: --timeout ran out", unprobed ? "INCOMPLETE RUN" : "RUN CUT");
        else
            fprintf(x->f, "%s: stopped by %s", unprobed ? "INCOMPLETE RUN" : "RUN CUT",
                    pm_run_end_name((enum pm_run_end)run->end));
        off(x);
        if (unprobed)
            fprintf(x->f, " before every target was probed; %u target%s not probed (no verdict, not deaths)\n",
                    unprobed, unprobed == 1 ? "" : "s");
        else
            fputs(" after every target was probed to its end: the verdicts are complete\n", x->f);
    }
    pm_output_clean(run->vantage, vantage, sizeof vantage);
    pm_format_time(run->started_us, t0, sizeof t0);
    pm_format_time(run->ended_us, t1, sizeof t1);
    fprintf(x->f, "pathmortem %s from %s%s%s%s, TTL %u–%u, %u quer%s per hop, wait %u ms\n",
            pm_method_name(run->method), pm_addr_str(run->source, src), vantage[0] ? " (" : "", vantage,
            vantage[0] ? ")" : "", run->first_ttl, run->max_ttl, run->queries, run->queries == 1 ? "y" : "ies",
            run->wait_ms);
    if (run->input.format[0]) { /* another system's file: say whose, and what it could not tell */
        const struct pm_run_input *in = &run->input;
        char tool[sizeof in->tool], ver[sizeof in->version], vid[sizeof in->vantage_id], vad[sizeof in->vantage_addr],
            inf[sizeof in->inferred], mis[sizeof in->missing];
        pm_output_clean(in->tool, tool, sizeof tool);
        pm_output_clean(in->version, ver, sizeof ver);
        pm_output_clean(in->vantage_id, vid, sizeof vid);
        pm_output_clean(in->vantage_addr, vad, sizeof vad);
        pm_output_clean(in->inferred, inf, sizeof inf);
        pm_output_clean(in->missing, mis, sizeof mis);
        fprintf(x->f, "read from %s (%s%s%s), vantage %s%s%s%s, %u result%s\n", in->format, tool, ver[0] ? " " : "",
                ver, vid[0] ? vid : "?", vad[0] ? " (" : "", vad, vad[0] ? ")" : "", in->results,
                in->results == 1 ? "" : "s");
        if (inf[0] || mis[0])
            fprintf(x->f, "inferred from the data: %s; not in the format: %s\n", inf[0] ? inf : "nothing",
                    mis[0] ? mis : "nothing");
    }
    fprintf(x->f, "started %s, ended %s; %u targets: ", t0, t1, run->n_targets);
    on(x, GREEN);
    fprintf(x->f, "%u reached", run->n_targets - died - absent - unprobed);
    off(x);
    if (absent)
        fprintf(x->f, ", %u host-absent", absent);
    fputs(", ", x->f);
    on(x, died ? RED : "");
    fprintf(x->f, "%u died", died);
    off(x);
    if (unprobed)
        fprintf(x->f, ", %u not probed", unprobed);
    fputc('\n', x->f);
    if (!run->sealed && run->input.format[0])
        fprintf(x->f, "assurance: lower: replies were matched by %s, not by pathmortem (no seal; docs/peers.md)\n",
                run->input.tool);
    else if (!run->sealed)
        fputs("assurance: lower: no run record with the run's secret in this capture, so replies were matched on "
              "the 16-bit identity and the probes' own bytes, which a blind forger can guess (docs/safety.md)\n",
              x->f);
}


/* ": all die in China Unicom (AS4837) at 219.158.39.42 (CN, hop 9), admin-prohibited":
 * the analyzer's one wording (pm_rollup_death_phrase), cleaned for the terminal */
static void death_clause(const struct tx *x, const struct pm_rollup *r)
{
    char raw[512], line[512];
    pm_rollup_death_phrase(r, raw, sizeof raw);
    pm_output_clean(raw, line, sizeof line);
    fputs(": ", x->f);
    on(x, RED);
    fputs(line, x->f);
    off(x);
}

static const char *state_color(uint8_t state)
{
    switch (state) {
    case PM_NET_REACHABLE: return GREEN;
    case PM_NET_PARTIAL: return YELLOW;
    case PM_NET_DEAD: return RED;
    default: return DIM;
    }
}

/* "2 live, 254 dark" / "256 dead paths" / "3 not probed": what the state rests on */
static void counts(const struct tx *x, const struct pm_rollup *r)
{
    const char *sep = "";
    if (r->reached || !(r->dark || r->died || r->not_probed || r->rate_limited)) {
        fprintf(x->f, "%u live", r->reached);
        sep = ", ";
    }
    if (r->dark) {
        fprintf(x->f, "%s%u dark", sep, r->dark);
        sep = ", ";
    }
    if (r->died) {
        fprintf(x->f, "%s%u dead path%s", sep, r->died, r->died == 1 ? "" : "s");
        sep = ", ";
    }
    if (r->rate_limited) {
        fprintf(x->f, "%s%u rate-limited", sep, r->rate_limited);
        sep = ", ";
    }
    if (r->not_probed)
        fprintf(x->f, "%s%u not probed", sep, r->not_probed);
    fprintf(x->f, " of %u", r->total);
}

static void rollup_lines(const struct tx *x, const char *title, const struct pm_rollup *rs, uint32_t n, bool is_prefix)
{
    if (!n)
        return;
    size_t kw = 0;
    for (uint32_t i = 0; i < n; i++) {
        char key[sizeof rs[i].key];
        pm_output_clean(rs[i].key, key, sizeof key);
        if (width(key) > kw)
            kw = width(key);
    }
    fprintf(x->f, "\n%s\n", title);
    for (uint32_t i = 0; i < n; i++) {
        const struct pm_rollup *r = &rs[i];
        char key[sizeof r->key], label[200];
        pm_output_clean(r->key, key, sizeof key);
        /* "175.45.176.0/24  reachable  2 live, 254 dark of 256   via ..." */
        pad(x->f, key, kw + 2);
        enum pm_net_state state = pm_rollup_state(r);
        const char *st = pm_net_state_name(state);
        on(x, state_color((uint8_t)state));
        fputs(st, x->f);
        off(x);
        pad(x->f, "", 10 - strlen(st));
        counts(x, r);
        if (is_prefix) {
            as_label(label, sizeof label, &r->upstream, "unknown upstream");
            fprintf(x->f, "   via %s", label);
        } else {
            char name[sizeof r->upstream.name];
            pm_output_clean(r->upstream.name, name, sizeof name);
            if (name[0]) {
                fputs("   ", x->f);
                on(x, DIM);
                fputs(name, x->f);
                off(x);
            }
        }
        if (pm_output_rollup_died(r) && r->died_same)
            death_clause(x, r);
        fputc('\n', x->f);
    }
}

/* Facts for one hop line, cleaned for the terminal. */
struct facts {
    char asn[24];
    char name[128];
    char place[96];
    char short_place[96]; /* the place without the city: what stays on a narrow terminal */
};

static void hop_facts(const struct tx *x, uint32_t addr, struct facts *out)
{
    struct pm_geo_info gi;
    char cc[3], city[sizeof gi.city];
    pm_output_lookup(x->ctx, addr, &gi);
    if (gi.asn)
        snprintf(out->asn, sizeof out->asn, "AS%u", gi.asn);
    else
        snprintf(out->asn, sizeof out->asn, "-");
    pm_output_clean(gi.as_name[0] ? gi.as_name : gi.special ? gi.special_name : "", out->name, sizeof out->name);
    pm_output_clean(gi.country, cc, sizeof cc);
    pm_output_clean(gi.city, city, sizeof city);
    snprintf(out->place, sizeof out->place, "%s%s%s", cc, cc[0] && city[0] ? " " : "", city);
    snprintf(out->short_place, sizeof out->short_place, "%s", cc);
    uint32_t owner = pm_analysis_owner(x->ctx->analysis, addr);
    if (owner && owner != gi.asn) {
        size_t n = strlen(out->place);
        snprintf(out->place + n, sizeof out->place - n, "%sowner AS%u (inferred)", n ? "  " : "", owner);
        n = strlen(out->short_place);
        snprintf(out->short_place + n, sizeof out->short_place - n, "%sowner AS%u (inferred)", n ? "  " : "",
                 owner);
    }
}

/* Column widths for one target's table. */
struct cols {
    size_t host;    /* host name column (0: no responder of this target has a name) */
    size_t short_place; /* widest place without its city (country, inferred owner) */
    unsigned cells; /* rtt cells per line */
    size_t marks;   /* 0: no marks column */
    size_t name;
};

/* Distinct responders of a hop, in the order they first answered. */
static uint32_t responders(const struct pm_reply *r, uint32_t n, uint32_t *addrs, uint32_t max)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool seen = false;
        for (uint32_t j = 0; j < k && !seen; j++)
            seen = addrs[j] == r[i].from;
        if (!seen && k < max)
            addrs[k++] = r[i].from;
    }
    return k;
}

/* Marks of the replies from addr at one hop, distinct, space separated. */
static void marks_of(const struct pm_target *t, const struct pm_reply *r, uint32_t n, uint32_t addr, char *buf,
                     size_t len)
{
    buf[0] = '\0';
    for (uint32_t i = 0; i < n; i++) {
        char m[16];
        if (r[i].from != addr)
            continue;
        pm_output_mark(t, &r[i], m);
        if (m[0] && !strstr(buf, m)) {
            size_t used = strlen(buf);
            snprintf(buf + used, len - used, "%s%s", used ? " " : "", m);
        }
    }
}

#define HOP_RESPONDERS_MAX 16

/* Widens c to the hops first..last of t (measure starts it afresh). */
static void measure_more(const struct tx *x, const struct pm_target *t, uint8_t first, uint8_t last, struct cols *c)
{
    for (uint8_t ttl = first; ttl && ttl <= last; ttl++) {
        const struct pm_reply *r;
        uint32_t n = pm_target_hop(t, ttl, &r), addrs[HOP_RESPONDERS_MAX];
        uint32_t k = responders(r, n, addrs, HOP_RESPONDERS_MAX);
        unsigned silent = t->sent[ttl] > n ? t->sent[ttl] - n : 0;
        for (uint32_t j = 0; j < k; j++) {
            unsigned cells = j == 0 ? silent : 0;
            char m[64];
            struct facts fa;
            for (uint32_t i = 0; i < n; i++)
                cells += r[i].from == addrs[j];
            if (cells > c->cells)
                c->cells = cells;
            marks_of(t, r, n, addrs[j], m, sizeof m);
            if (strlen(m) > c->marks)
                c->marks = strlen(m);
            hop_facts(x, addrs[j], &fa);
            if (width(fa.name) > c->name)
                c->name = width(fa.name);
            if (width(fa.short_place) > c->short_place)
                c->short_place = width(fa.short_place);
            const char *host = pm_output_name(x->ctx, addrs[j]);
            if (host && strlen(host) > c->host)
                c->host = strlen(host);
        }
        if (!k && silent > c->cells)
            c->cells = silent;
    }
    if (c->name > NAME_PAD_MAX)
        c->name = NAME_PAD_MAX;
    if (c->host > HOST_PAD_MAX)
        c->host = HOST_PAD_MAX;
}

static void measure(const struct tx *x, const struct pm_target *t, uint8_t first, uint8_t last, struct cols *c)
{
    memset(c, 0, sizeof *c);
    c->cells = 1; /* the widest line of this target sets the column, not run->queries (unknown from a pcap) */
    measure_more(x, t, first, last, c);
}

/* The extension objects other than MPLS of a responder's first reply that has any: interface
 * information (RFC 5837) as its fields, others by class and type. */
static void ext_line(FILE *f, const struct pm_target *t, const struct pm_reply *r, uint32_t n, uint32_t addr)
{
    for (uint32_t i = 0; i < n; i++) {
        const struct pm_ext_set *e = r[i].from == addr ? pm_reply_ext(t, &r[i]) : NULL;
        bool any = false;
        for (uint8_t k = 0; e && k < e->n; k++)
            any |= e->obj[k].cls != PM_EXT_CLASS_MPLS;
        if (!any)
            continue;
        fputs("      ", f);
        for (uint8_t k = 0; k < e->n; k++) {
            const struct pm_ext_obj *o = &e->obj[k];
            struct pm_ext_ifinfo ii;
            if (o->cls == PM_EXT_CLASS_MPLS)
                continue;
            if (o->cls == PM_EXT_CLASS_IFINFO && pm_ext_ifinfo_parse(o, &ii) == PM_OK) {
                fprintf(f, " [interface %s:", pm_ext_ifinfo_role(ii.role));
                if (ii.has_ifindex)
                    fprintf(f, " ifindex %u", ii.ifindex);
                char a[INET6_ADDRSTRLEN];
                if (ii.has_addr && inet_ntop(ii.addr_v6 ? AF_INET6 : AF_INET, ii.addr, a, sizeof a))
                    fprintf(f, " %s", a);
                if (ii.has_name)
                    fprintf(f, " \"%s\"", ii.name);
                if (ii.has_mtu)
                    fprintf(f, " mtu %u", ii.mtu);
                fputc(']', f);
            } else if (o->len == PM_EXT_LEN_UNKNOWN) {
                fprintf(f, " [ICMP extension class %u type %u]", o->cls, o->ctype);
            } else {
                fprintf(f, " [ICMP extension class %u type %u, %u bytes]", o->cls, o->ctype, o->len);
            }
        }
        if (e->more)
            fprintf(f, " [%u more]", e->more);
        fputc('\n', f);
        return; /* once per responder */
    }
}

static void hop_line(const struct tx *x, const struct pm_target *t, const struct cols *c, uint8_t ttl,
                     const struct pm_reply *r, uint32_t n, uint32_t addr, unsigned stars, bool first_line)
{
    char a[16], m[64];
    struct facts fa;
    if (first_line)
        fprintf(x->f, "%4u  ", ttl);
    else
        fputs("      ", x->f);
    pad(x->f, pm_addr_str(addr, a), 16);
    if (c->host) { /* names as traceroute prints them, beside the address rather than instead of it */
        const char *host = pm_output_name(x->ctx, addr);
        pad(x->f, host ? host : "", c->host + 1);
    }
    /* a narrow terminal: RTT cells of CELL_NARROW columns (room for "999.999 ms") */
    unsigned w = x->ctx->width;
    size_t fixed = 6 + 16 + (c->host ? c->host + 1 : 0) + (c->marks ? 2 + c->marks : 0) + 2 + 9;
    int cw = w && fixed + (size_t)c->cells * CELL_W > w ? CELL_NARROW : CELL_W;
    unsigned cells = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (r[i].from != addr)
            continue;
        uint64_t us = pm_output_rtt_us(&r[i]);
        char cell[32];
        if (r[i].no_rtt) /* answered, but the file kept no time for it */
            snprintf(cell, sizeof cell, "no rtt");
        else
            snprintf(cell, sizeof cell, "%llu.%03u ms", (unsigned long long)(us / 1000), (unsigned)(us % 1000));
        /* a cell as wide as the column still gets its space */
        if ((int)strlen(cell) >= cw)
            fprintf(x->f, " %s", cell);
        else
            fprintf(x->f, "%*s", cw, cell);
        cells++;
    }
    for (unsigned s = 0; s < stars; s++, cells++)
        fprintf(x->f, "%*s", cw, "*");
    for (; cells < c->cells; cells++)
        fprintf(x->f, "%*s", cw, "");
    if (c->marks) {
        marks_of(t, r, n, addr, m, sizeof m);
        fputs("  ", x->f);
        pad(x->f, m, c->marks);
    }
    hop_facts(x, addr, &fa);
    fputs("  ", x->f);
    pad(x->f, fa.asn, 9);
    /* on a terminal narrower than the line, the columns give way in turn so a
     * hop stays on one line: the city first, then the AS name (cut with "…",
     * down to NAME_FIT_MIN columns); the address, RTTs, marks, the ASN and an
     * inferred owner's ASN are never cut (a line still too long wraps at spaces) */
    size_t name_w = c->name;
    const char *place = fa.place;
    if (w) {
        size_t used = fixed + (size_t)c->cells * (size_t)cw;
        size_t room = w > used ? w - used : 0;
        if (name_w + (place[0] ? 2 + width(place) : 0) > room)
            place = fa.short_place;
        size_t need = c->short_place ? 2 + c->short_place : 0;
        if (name_w + need > room) /* too little room for a useful part of the name: none of it */
            name_w = room >= need + NAME_FIT_MIN ? room - need : 0;
        if (name_w > c->name)
            name_w = c->name;
        /* a country alone on a continuation line helps nobody; an inferred owner's ASN stays */
        if (!name_w && used + 2 + width(place) > w && !strstr(place, "owner"))
            place = "";
    }
    on(x, DIM);
    pad_fit(x->f, fa.name, name_w);
    off(x);
    if (place[0])
        fprintf(x->f, "  %s", place);
    fputc('\n', x->f);
    /* MPLS label stacks of this responder, once per distinct stack */
    for (uint32_t i = 0; i < n; i++) {
        const struct pm_mpls_stack *mi = r[i].from == addr ? pm_reply_mpls(t, &r[i]) : NULL;
        if (!mi)
            continue;
        bool dup = false;
        for (uint32_t j = 0; j < i && !dup; j++) {
            const struct pm_mpls_stack *mj = r[j].from == addr ? pm_reply_mpls(t, &r[j]) : NULL;
            dup = mj && mj->n == mi->n && !memcmp(mj->e, mi->e, mi->n * sizeof mi->e[0]);
        }
        if (dup)
            continue;
        fputs("      ", x->f);
        for (uint8_t k = 0; k < mi->n; k++)
            fprintf(x->f, " [MPLS: L=%u,E=%u,S=%u,T=%u]", mi->e[k].label, mi->e[k].tc, mi->e[k].s, mi->e[k].ttl);
        fputc('\n', x->f);
    }
    ext_line(x->f, t, r, n, addr);
}

static void target_header(const struct tx *x, uint32_t idx)
{
    const struct pm_target *t = &x->ctx->run->targets[idx];
    const struct pm_verdict *v = pm_output_verdict(x->ctx, idx);
    char a[16], label[200];
    char stop[48];
    pm_output_stop_phrase(t, stop, sizeof stop);
    /* "reached at hop 7 via …": the stop phrase already says reached */
    bool said = !strncmp(stop, "reached", 7) && v && v->status == PM_STATUS_REACHED;
    fprintf(x->f, "\nto %s: ", pm_addr_str(t->dst, a));
    if (said)
        on(x, GREEN);
    fputs(stop, x->f);
    if (said)
        off(x);
    if (v) {
        if (!said)
            fputs(" — ", x->f);
        if (v->status == PM_STATUS_DIED) {
            const char *kind = pm_output_death_str(v->kind);
            on(x, RED);
            fprintf(x->f, "died (%s)", kind ? kind : "?");
            off(x);
            const char *why = pm_rule_inference((enum pm_rule)v->rule);
            as_label(label, sizeof label, &v->dies_in, "an unknown network");
            if (v->dies_in.asn && (v->dies_in.asn != v->last_asn || why[0]))
                fprintf(x->f, ", blamed on %s (inferred: %s)", label, why[0] ? why : "deduced from the paths around it");
            else
                fprintf(x->f, " in %s", label);
        } else if (v->status == PM_STATUS_HOST_ABSENT) {
            on(x, GREEN);
            fputs("host-absent", x->f);
            off(x);
            fputs(" (the network answered, this address is dark)", x->f);
        } else if (v->status == PM_STATUS_NOT_PROBED) {
            on(x, DIM);
            fputs("not-probed", x->f);
            off(x);
            fputs(" (the run ended before it)", x->f);
        } else if (!said) {
            on(x, GREEN);
            fputs("reached", x->f);
            off(x);
        }
        if (v->upstream.asn || v->upstream.name[0]) {
            as_label(label, sizeof label, &v->upstream, "");
            fprintf(x->f, " via %s", label);
        }
        fprintf(x->f, ", confidence %.2f", v->confidence);
    }
    fputc('\n', x->f);
    for (uint32_t e = 0; v && e < v->n_evidence && e < PM_EVIDENCE_MAX; e++) {
        char line[PM_EVIDENCE_LEN];
        pm_output_clean(v->evidence[e], line, sizeof line);
        fprintf(x->f, "      evidence: %s\n", line);
    }
}

/* The target that probed hop ttl for t: t itself, or the donor whose path
 * t shares below its stop set (a donor may share its own lower hops in
 * turn); NULL when none did. */
static const struct pm_target *prober_of(const struct pm_run *run, const struct pm_target *t, uint8_t ttl)
{
    for (unsigned depth = 0; t && depth < 32; depth++) {
        if (pm_output_first_hop(run, t) <= ttl)
            return t;
        t = t->donor && t->donor <= run->n_targets ? &run->targets[t->donor - 1] : NULL;
    }
    return NULL;
}

/* One TTL of t's table (or a run of TTLs never probed, up to last);
 * returns the last TTL it covered. */
static uint8_t ttl_rows(const struct tx *x, const struct pm_target *t, const struct cols *c, uint8_t ttl, uint8_t last)
{
    const struct pm_reply *r;
    uint32_t n = pm_target_hop(t, ttl, &r), addrs[HOP_RESPONDERS_MAX];
    uint32_t k = responders(r, n, addrs, HOP_RESPONDERS_MAX);
    unsigned stars = t->sent[ttl] > n ? t->sent[ttl] - n : 0;
    if (!k && !t->sent[ttl]) { /* one line for a run of TTLs never probed */
        uint8_t end = ttl;
        const struct pm_reply *rr;
        while (end < last && !t->sent[end + 1] && !pm_target_hop(t, (uint8_t)(end + 1), &rr))
            end++;
        if (end > ttl)
            fprintf(x->f, "%4u–%u  (not probed)\n", ttl, end);
        else
            fprintf(x->f, "%4u  (not probed)\n", ttl);
        return end;
    }
    if (!k) {
        fprintf(x->f, "%4u  ", ttl);
        pad(x->f, "", 16 + (c->host ? c->host + 1 : 0));
        for (unsigned s = 0; s < stars; s++)
            fprintf(x->f, "%*s", CELL_W, "*");
        fputc('\n', x->f);
        return ttl;
    }
    for (uint32_t j = 0; j < k; j++)
        hop_line(x, t, c, ttl, r, n, addrs[j], j == 0 ? stars : 0, j == 0);
    return ttl;
}

static void target_block(const struct tx *x, uint32_t idx)
{
    const struct pm_run *run = x->ctx->run;
    const struct pm_target *t = &run->targets[idx];
    uint8_t first = pm_output_first_hop(run, t), last = pm_output_shown_last(t);
    struct cols c;
    target_header(x, idx);
    measure(x, t, first, last, &c);
    for (uint8_t ttl = run->first_ttl; ttl && ttl < first; ttl++) {
        const struct pm_target *d = prober_of(run, t, ttl);
        if (d && d != t)
            measure_more(x, d, ttl, ttl, &c);
    }
    if (first > run->first_ttl) {
        char d[16];
        if (first - 1 == run->first_ttl)
            fprintf(x->f, "      hop %u shared with other targets (not re-probed)", run->first_ttl);
        else
            fprintf(x->f, "      hops %u–%u shared with other targets (not re-probed)", run->first_ttl, first - 1);
        if (t->donor && t->donor <= run->n_targets)
            fprintf(x->f, ": as on the path to %s", pm_addr_str(run->targets[t->donor - 1].dst, d));
        fputc('\n', x->f);
        /* the whole path: the shared hops as the targets that probed them saw them */
        for (uint8_t ttl = run->first_ttl; ttl && ttl < first; ttl++) {
            const struct pm_target *p = prober_of(run, t, ttl);
            if (!p || p == t)
                continue; /* nobody probed it: the header says it was not re-probed */
            ttl = ttl_rows(x, p, &c, ttl, (uint8_t)(first - 1));
        }
    }
    for (uint8_t ttl = first; ttl && ttl <= last; ttl++)
        ttl = ttl_rows(x, t, &c, ttl, last);
}

static void details(const struct tx *x, char *errbuf, int *rc)
{
    const struct pm_run *run = x->ctx->run;
    struct pm_output_groups g;
    *rc = pm_output_groups_build(x->ctx, &g, errbuf);
    if (*rc != PM_OK)
        return;
    uint32_t *shown = calloc(g.n_groups ? g.n_groups : 1, sizeof *shown);
    if (!shown) {
        pm_output_groups_free(&g);
        *rc = pm_err(errbuf, PM_ENOMEM, "text output: out of memory");
        return;
    }
    if (!x->ctx->verbose && g.n_groups < run->n_targets)
        fprintf(x->f,
                "\ndetail: every target that died (up to %d per distinct path) and one target per other "
                "distinct path; the rest are listed by address\n",
                PM_OUTPUT_DIED_PER_PATH);
    for (uint32_t i = 0; i < run->n_targets; i++) {
        uint32_t gi = g.group_of[i];
        uint32_t limit = pm_output_died(x->ctx, g.first[gi]) ? PM_OUTPUT_DIED_PER_PATH : PM_OUTPUT_REACHED_PER_PATH;
        uint32_t k = ++shown[gi];
        if (x->ctx->verbose || k <= limit)
            target_block(x, i);
        if (!x->ctx->verbose && k == limit && g.count[gi] > limit) {
            fprintf(x->f, "      … and %u more target%s on this same path: ", g.count[gi] - limit,
                    g.count[gi] - limit == 1 ? "" : "s");
            pm_output_group_ranges(x->f, run, &g, gi, limit, RANGES_MAX);
            fputc('\n', x->f);
        }
    }
    free(shown);
    pm_output_groups_free(&g);
}

static void footer(const struct tx *x)
{
    const struct pm_run_stats *s = &x->ctx->run->stats;
    fprintf(x->f,
            "\nprobes sent %llu, replies matched %llu; refused: %llu unknown, %llu duplicate, %llu late, "
            "%llu mismatched, %llu malformed; capture drops %llu; quoted IP ID rewritten %llu\n",
            (unsigned long long)s->probes_sent, (unsigned long long)s->replies_matched,
            (unsigned long long)s->rejected_unknown, (unsigned long long)s->rejected_duplicate,
            (unsigned long long)s->rejected_late, (unsigned long long)s->rejected_mismatch,
            (unsigned long long)s->dropped_malformed, (unsigned long long)s->capture_drops,
            (unsigned long long)s->ipid_rewritten);
    uint64_t kernel = s->rejected_checksum + s->rejected_ttl0 + s->rejected_fragment + s->rejected_not_answer;
    if (s->rejected_foreign || s->rejected_forged || kernel)
        fprintf(x->f,
                "also refused: %llu with another identity, %llu failing the seal, %llu bad checksum, %llu TTL 0, "
                "%llu fragments, %llu ICMP not answering a probe\n",
                (unsigned long long)s->rejected_foreign, (unsigned long long)s->rejected_forged,
                (unsigned long long)s->rejected_checksum, (unsigned long long)s->rejected_ttl0,
                (unsigned long long)s->rejected_fragment, (unsigned long long)s->rejected_not_answer);
    if (s->over_limit)
        fprintf(x->f, "stopped taking targets at the cap of %u: %llu probes and replies to further targets ignored\n",
                PM_TRACE_MAX_TARGETS, (unsigned long long)s->over_limit);
    const struct pm_output_names *ns = x->ctx->names_stats;
    if (ns) {
        fprintf(x->f, "names: %u of %u hop address%s named by reverse DNS", ns->named, ns->asked,
                ns->asked == 1 ? "" : "es");
        if (ns->nxdomain)
            fprintf(x->f, ", %u without a name (NXDOMAIN)", ns->nxdomain);
        if (ns->timeout)
            fprintf(x->f, ", %u timed out", ns->timeout);
        if (ns->failed)
            fprintf(x->f, ", %u failed (server failure or refusal, no server, or a PTR that is no host name)",
                    ns->failed);
        fputs(" (-n turns lookups off)\n", x->f);
    }
    if (x->ctx->pcap_path) {
        char path[512];
        pm_output_clean(x->ctx->pcap_path, path, sizeof path);
        fprintf(x->f, "pcap: %s\n", path);
    }
}

/* Display columns of b[0..n): ANSI escape sequences and UTF-8 continuation bytes take none. */
static size_t cols_of(const char *b, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (b[i] == '\033' && i + 1 < n && b[i + 1] == '[') {
            for (i += 2; i < n && !(b[i] >= '@' && b[i] <= '~'); i++)
                ;
            continue;
        }
        w += ((unsigned char)b[i] & 0xc0) != 0x80;
    }
    return w;
}

/* Byte offset in line where `cols` display columns end. */
static size_t byte_at(const char *b, size_t n, size_t cols)
{
    size_t w = 0, i = 0;
    while (i < n) {
        if (b[i] == '\033' && i + 1 < n && b[i + 1] == '[') {
            for (i += 2; i < n && !(b[i] >= '@' && b[i] <= '~'); i++)
                ;
            i++;
            continue;
        }
        if (w == cols)
            break;
        i++;
        while (i < n && ((unsigned char)b[i] & 0xc0) == 0x80)
            i++;
        w++;
    }
    return i;
}

/* Writes one line (without its newline) wrapped at spaces to width columns;
 * continuation lines are indented under the line's own text, 6 further. */
static void wrap_line(FILE *f, const char *b, size_t n, unsigned width)
{
    size_t lead = 0;
    while (lead < n && b[lead] == ' ')
        lead++;
    size_t indent = lead + 6 < width / 2 ? lead + 6 : width / 2;
    size_t room = width;
    bool first = true;
    while (cols_of(b, n) > room) {
        size_t end = byte_at(b, n, room);
        size_t cut = end;
        size_t floor = first ? lead : 0;
        while (cut > floor && b[cut] != ' ')
            cut--;
        if (cut <= floor)
            cut = end; /* one word longer than the line: cut it */
        size_t e = cut;
        while (e > floor && b[e - 1] == ' ')
            e--; /* no trailing blanks before the break */
        fwrite(b, 1, e, f);
        fputc('\n', f);
        while (cut < n && b[cut] == ' ')
            cut++;
        b += cut;
        n -= cut;
        for (size_t i = 0; i < indent; i++)
            fputc(' ', f);
        room = width - indent;
        first = false;
    }
    fwrite(b, 1, n, f);
}

static int text_body(FILE *f, const struct pm_output_ctx *ctx, char *errbuf);

int pm_output_text(FILE *f, const struct pm_output_ctx *ctx, char *errbuf)
{
    if (!ctx->width)
        return text_body(f, ctx, errbuf);
    /* the width of a terminal ($COLUMNS): written whole first, then wrapped line by line */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return pm_err(errbuf, PM_ENOMEM, "text output: out of memory");
    int rc = text_body(m, ctx, errbuf);
    if (fclose(m) != 0 && rc == PM_OK)
        rc = pm_err(errbuf, PM_ENOMEM, "text output: out of memory");
    unsigned width = ctx->width < 20 ? 20 : ctx->width;
    for (size_t i = 0; rc == PM_OK && i < len;) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (buf + i)) : len - i;
        wrap_line(f, buf + i, n, width);
        if (nl)
            fputc('\n', f);
        i += n + (nl ? 1 : 0);
    }
    free(buf);
    return rc;
}

static int text_body(FILE *f, const struct pm_output_ctx *ctx, char *errbuf)
{
    struct tx x = {.f = f, .ctx = ctx, .color = ctx->color};
    int rc = PM_OK;
    header(&x);
    if (ctx->analysis) {
        rollup_lines(&x, "verdicts per prefix:", ctx->analysis->by_prefix, ctx->analysis->n_prefix, true);
        rollup_lines(&x, "verdicts per upstream:", ctx->analysis->by_upstream, ctx->analysis->n_upstream, false);
        if (ctx->analysis->planes)
            pm_output_planes_text(f, ctx->analysis->planes);
    }
    details(&x, errbuf, &rc);
    if (rc != PM_OK)
        return rc;
    footer(&x);
    return PM_OK;
}
