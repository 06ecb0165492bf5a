/* graph.c - the paths as a graphviz graph: routers clustered by owner AS, targets collapsed per /24 and last hop, deaths marked. */
#include <stdlib.h>
#include <string.h>

#include <graphviz/cgraph.h>

#include "output/graph.h"
#include "output/internal.h"

/* Stable fills per AS, the same in every run. Thirteen colours indexed by ASN modulo 13: the default case's networks
 * (4837, 12389, 20485, 131279) and the lab's 64500 all get different ones. */
static const char *const palette[] = {"#cfe2f3", "#d9ead3", "#fff2cc", "#f4cccc", "#d9d2e9", "#fce5cd", "#d0e0e3",
                                      "#ead1dc", "#e6f2c2", "#c9daf8", "#f9e0b0", "#d5e8d4", "#e1d5e7"};

struct router {
    uint32_t addr;
    Agnode_t *node;
    unsigned kinds;  /* bit per enum pm_death seen dying here */
    uint32_t deaths; /* targets whose path died here */
};

/* What became of a target, in the text table's words: its per-/24 line counts
 * "live", "dark", "dead paths", "rate-limited" and "not probed" the same way. */
enum bucket { B_LIVE = 0, B_DARK, B_DEAD, B_RATE, B_NOTPROBED };

struct tgroup {
    char key[80];
    char prefix_key[48]; /* the /24 (or the analysis's roll-up key) as the table names it */
    Agnode_t *node;
    uint32_t count, one_dst;
    uint8_t bucket;
    bool other;
};

/* Open-addressing indexes over the capped router and group tables. */
#define INDEX_SLOTS 1024 /* power of two, > 2 * both caps */

struct gb {
    const struct pm_output_ctx *ctx;
    uint16_t router_idx[INDEX_SLOTS]; /* position + 1, 0 empty */
    uint16_t group_idx[INDEX_SLOTS];
    Agraph_t *g;
    Agnode_t *vantage;
    struct router *routers;
    uint32_t n_routers, routers_skipped;
    struct tgroup *groups;
    uint32_t n_groups;
    bool groups_folded;
    char *errbuf;
};

/* Label text: cleaned of control bytes, backslashes doubled because
 * graphviz reads \n, \N, \G ... in labels as escapes. */
static void label_text(const char *in, char *out, size_t len)
{
    char clean[256];
    pm_output_clean(in, clean, sizeof clean);
    size_t o = 0;
    for (const char *p = clean; *p && o + 2 < len; p++) {
        if (*p == '\\')
            out[o++] = '\\';
        out[o++] = *p;
    }
    out[o] = '\0';
}

static void set(void *obj, const char *name, const char *value)
{
    char n[32], v[512];
    snprintf(n, sizeof n, "%s", name);
    snprintf(v, sizeof v, "%s", value);
    agsafeset(obj, n, v, "");
}

static uint32_t owner_of(const struct gb *b, uint32_t addr, struct pm_geo_info *gi)
{
    pm_output_lookup(b->ctx, addr, gi);
    uint32_t o = pm_analysis_owner(b->ctx->analysis, addr);
    return o ? o : gi->asn;
}

#define TITLE_LINE 28 /* columns of a cluster title's line before it breaks at the next space */

/* Name of an AS for its cluster label: the router's own database entry when
 * it maps to that AS, else a verdict naming it. */
static void as_name_for(const struct gb *b, uint32_t asn, const struct pm_geo_info *gi, char *out, size_t len)
{
    const char *name = gi->asn == asn && gi->as_name[0] ? gi->as_name : NULL;
    const struct pm_analysis *a = b->ctx->analysis;
    for (uint32_t i = 0; !name && a && a->verdicts && i < a->n_targets && i < 65536; i++) { /* bounded per cluster */
        if (a->verdicts[i].dies_in.asn == asn && a->verdicts[i].dies_in.name[0])
            name = a->verdicts[i].dies_in.name;
        else if (a->verdicts[i].upstream.asn == asn && a->verdicts[i].upstream.name[0])
            name = a->verdicts[i].upstream.name;
    }
    /* the target AS often has no router of its own on the path: ask about a few targets */
    struct pm_geo_info tg;
    for (uint32_t i = 0; !name && i < b->ctx->run->n_targets && i < 64; i++) {
        pm_output_lookup(b->ctx, b->ctx->run->targets[i].dst, &tg);
        if (tg.asn == asn && tg.as_name[0])
            name = tg.as_name;
    }
    char clean[160], esc[330];
    pm_output_clean(name ? name : "", clean, sizeof clean);
    label_text(clean, esc, sizeof esc);
    /* the whole name (it is how people tell networks apart), broken at spaces
     * into lines of about TITLE_LINE columns so a long one does not widen the
     * cluster past its routers; a word longer than that stays whole */
    size_t o = 0, col = 0;
    for (size_t i = 0; esc[i] && o + 3 < len; i++) {
        unsigned char c = (unsigned char)esc[i];
        if (c == ' ' && col >= TITLE_LINE) {
            out[o++] = '\\';
            out[o++] = 'n';
            col = 0;
            continue;
        }
        out[o++] = (char)c;
        if ((c & 0xc0) != 0x80)
            col++;
    }
    out[o] = '\0';
}

static Agraph_t *cluster_for(struct gb *b, uint32_t asn, const struct pm_geo_info *gi)
{
    char name[32];
    snprintf(name, sizeof name, "cluster_AS%u", asn);
    Agraph_t *sg = agsubg(b->g, name, 0);
    if (sg)
        return sg;
    sg = agsubg(b->g, name, 1);
    if (!sg)
        return NULL;
    char label[400], text[360];
    as_name_for(b, asn, gi, text, sizeof text);
    snprintf(label, sizeof label, "AS%u%s%s", asn, text[0] ? " " : "", text);
    set(sg, "label", label);
    set(sg, "style", "filled,rounded");
    set(sg, "color", "#999999");
    set(sg, "fillcolor", palette[asn % (sizeof palette / sizeof palette[0])]);
    return sg;
}

static uint32_t slot_of(uint32_t h)
{
    return (h * 2654435761u >> 8) & (INDEX_SLOTS - 1);
}

static struct router *router_find(struct gb *b, uint32_t addr)
{
    for (uint32_t s = slot_of(addr); b->router_idx[s]; s = (s + 1) & (INDEX_SLOTS - 1))
        if (b->routers[b->router_idx[s] - 1].addr == addr)
            return &b->routers[b->router_idx[s] - 1];
    return NULL;
}

static struct router *router_get(struct gb *b, uint32_t addr)
{
    struct router *r = router_find(b, addr);
    if (r)
        return r;
    if (b->n_routers >= PM_OUTPUT_GRAPH_MAX_ROUTERS) {
        b->routers_skipped++;
        return NULL;
    }
    char name[24], a[16];
    snprintf(name, sizeof name, "r%s", pm_addr_str(addr, a));
    Agnode_t *n = agnode(b->g, name, 1);
    if (!n)
        return NULL;
    struct pm_geo_info gi;
    uint32_t asn = owner_of(b, addr, &gi);
    if (asn) {
        Agraph_t *sg = cluster_for(b, asn, &gi);
        if (sg)
            agsubnode(sg, n, 1);
    }
    uint32_t slot = slot_of(addr);
    while (b->router_idx[slot])
        slot = (slot + 1) & (INDEX_SLOTS - 1);
    r = &b->routers[b->n_routers++];
    b->router_idx[slot] = (uint16_t)b->n_routers;
    memset(r, 0, sizeof *r);
    r->addr = addr;
    r->node = n;
    return r;
}

static uint32_t key_hash(const char *k)
{
    uint32_t h = 2166136261u;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 16777619u;
    return h;
}

static struct tgroup *group_find(struct gb *b, const char *key)
{
    for (uint32_t s = slot_of(key_hash(key)); b->group_idx[s]; s = (s + 1) & (INDEX_SLOTS - 1))
        if (!strcmp(b->groups[b->group_idx[s] - 1].key, key))
            return &b->groups[b->group_idx[s] - 1];
    return NULL;
}

static const char *const bucket_word[] = {"live", "dark", "dead", "rate-limited", "not probed"};

/* The bucket target i is counted in by the text table's per-/24 line. */
static uint8_t bucket_of(const struct gb *b, uint32_t i)
{
    const struct pm_verdict *v = pm_output_verdict(b->ctx, i);
    if (!v)
        return pm_output_died(b->ctx, i) ? B_DEAD : B_LIVE;
    switch (v->status) {
    case PM_STATUS_REACHED: return B_LIVE;
    case PM_STATUS_HOST_ABSENT: return B_DARK;
    case PM_STATUS_NOT_PROBED: return B_NOTPROBED;
    default: return v->kind == PM_DEATH_RATE_LIMITED ? B_RATE : B_DEAD;
    }
}

/* One node per /24 (the table's roll-up) and bucket, whatever hop each of its
 * targets was last seen at: the node's count is the per-/24 line's. */
static Agnode_t *group_node(struct gb *b, uint32_t i, uint8_t bucket)
{
    const struct pm_run *run = b->ctx->run;
    const struct pm_analysis *an = b->ctx->analysis;
    const struct pm_verdict *v = pm_output_verdict(b->ctx, i);
    uint32_t dst = run->targets[i].dst;
    char key[80], pk[48], a[16];
    if (v && an && v->group < an->n_prefix && an->by_prefix[v->group].key[0])
        pm_output_clean(an->by_prefix[v->group].key, pk, sizeof pk);
    else
        snprintf(pk, sizeof pk, "%s/24", pm_addr_str(dst & 0xffffff00u, a));
    snprintf(key, sizeof key, "t%s#%s", pk, bucket_word[bucket]);
    bool other = false;
    struct tgroup *grp = group_find(b, key);
    if (!grp && b->n_groups >= PM_OUTPUT_GRAPH_MAX_GROUPS - 1) {
        /* past the cap every further target joins one "other targets" node */
        b->groups_folded = true;
        other = true;
        snprintf(key, sizeof key, "t-other");
        grp = group_find(b, key);
    }
    if (!grp) {
        Agnode_t *n = agnode(b->g, key, 1);
        if (!n)
            return NULL;
        uint32_t slot = slot_of(key_hash(key));
        while (b->group_idx[slot])
            slot = (slot + 1) & (INDEX_SLOTS - 1);
        grp = &b->groups[b->n_groups++];
        b->group_idx[slot] = (uint16_t)b->n_groups;
        memset(grp, 0, sizeof *grp);
        snprintf(grp->key, sizeof grp->key, "%s", key);
        snprintf(grp->prefix_key, sizeof grp->prefix_key, "%s", pk);
        grp->node = n;
        grp->one_dst = dst;
        grp->bucket = bucket;
        grp->other = other;
    }
    grp->count++;
    return grp->node;
}

/* One edge per pair of nodes, the first path to draw it sets its look:
 * dashed with "N silent" through silent hops, dotted over hops not
 * re-probed (stop set), red into the targets of a dead path. */
static void edge(struct gb *b, Agnode_t *from, Agnode_t *to, unsigned silent, bool death, const char *note)
{
    if (!from || !to || from == to)
        return;
    Agedge_t *e = agedge(b->g, from, to, NULL, 0);
    if (e)
        return;
    e = agedge(b->g, from, to, NULL, 1);
    if (!e)
        return;
    char label[64];
    if (note) {
        snprintf(label, sizeof label, "%s", note);
        set(e, "label", label);
        set(e, "style", "dotted");
    } else if (silent) {
        snprintf(label, sizeof label, "%u silent", silent);
        set(e, "label", label);
        set(e, "style", "dashed");
    }
    if (death)
        set(e, "color", "red");
}

#define HOP_NODES_MAX 4

static void draw_target(struct gb *b, uint32_t idx)
{
    const struct pm_run *run = b->ctx->run;
    const struct pm_target *t = &run->targets[idx];
    const struct pm_verdict *v = pm_output_verdict(b->ctx, idx);
    Agnode_t *prev[HOP_NODES_MAX] = {b->vantage};
    uint32_t n_prev = 1, last_addr = 0;
    uint8_t prev_ttl = 0, first = pm_output_first_hop(run, t), last = pm_output_shown_last(t);
    bool truncated = false;
    char shared_buf[48], *shared = NULL;
    if (first > run->first_ttl) {
        prev_ttl = first - 1; /* shared hops were not re-probed: not silence */
        snprintf(shared_buf, sizeof shared_buf, "hops %u–%u shared", run->first_ttl, first - 1);
        shared = shared_buf;
        /* the donor target's path already leads to the shared router */
        if (t->shared_via && t->donor)
            n_prev = 0;
    }
    for (uint8_t ttl = first; ttl && ttl <= last && !truncated; ttl++) {
        const struct pm_reply *r;
        uint32_t n = pm_target_hop(t, ttl, &r);
        Agnode_t *cur[HOP_NODES_MAX];
        uint32_t n_cur = 0;
        for (uint32_t k = 0; k < n && n_cur < HOP_NODES_MAX; k++) {
            if (pm_reply_from_target(t, &r[k]) || r[k].from == t->dst)
                continue;
            struct router *ro = router_get(b, r[k].from);
            if (!ro) {
                truncated = true;
                break;
            }
            bool dup = false;
            for (uint32_t j = 0; j < n_cur && !dup; j++)
                dup = cur[j] == ro->node;
            if (!dup) {
                cur[n_cur++] = ro->node;
                last_addr = r[k].from;
            }
        }
        if (!n_cur)
            continue;
        for (uint32_t i = 0; i < n_prev; i++)
            for (uint32_t j = 0; j < n_cur; j++)
                edge(b, prev[i], cur[j], (unsigned)(ttl - prev_ttl - 1), false, prev[i] == b->vantage ? shared : NULL);
        memcpy(prev, cur, sizeof cur);
        n_prev = n_cur;
        prev_ttl = ttl;
    }
    uint8_t bucket = bucket_of(b, idx);
    bool died = bucket == B_DEAD;
    uint8_t kind = v ? v->kind : PM_DEATH_NONE;
    uint32_t death_addr = v ? v->last_addr : last_addr;
    if (died && death_addr && death_addr != t->dst) {
        /* the death point is the analysis's (a neighbour's refusal may name a
         * router this target never heard): the path is drawn into it, and
         * the octagon counts every path dying there, as the table does */
        struct router *ro = router_get(b, death_addr);
        if (ro) {
            ro->deaths++;
            ro->kinds |= 1u << (kind < 16 ? kind : 0);
            bool in_prev = false;
            for (uint32_t i = 0; i < n_prev && !in_prev; i++)
                in_prev = prev[i] == ro->node;
            if (!in_prev) {
                uint8_t at = v && v->last_ttl ? v->last_ttl : (uint8_t)(prev_ttl + 1);
                unsigned gap = at > prev_ttl + 1 ? (unsigned)(at - prev_ttl - 1) : 0;
                for (uint32_t i = 0; i < n_prev; i++)
                    edge(b, prev[i], ro->node, gap, false, prev[i] == b->vantage ? shared : NULL);
                prev[0] = ro->node;
                n_prev = 1;
                prev_ttl = at;
            }
        }
    }
    Agnode_t *tn = group_node(b, idx, bucket);
    unsigned silent = 0;
    if (!died && t->stop_ttl > prev_ttl + 1)
        silent = (unsigned)(t->stop_ttl - prev_ttl - 1);
    else if (died && t->max_ttl_sent > prev_ttl)
        silent = (unsigned)(t->max_ttl_sent - prev_ttl);
    for (uint32_t i = 0; i < n_prev; i++)
        edge(b, prev[i], tn, silent, died, prev[i] == b->vantage ? shared : NULL);
}

static void finish_labels(struct gb *b)
{
    for (uint32_t i = 0; i < b->n_routers; i++) {
        struct router *r = &b->routers[i];
        struct pm_geo_info gi;
        char a[16], label[480], kinds[120] = "";
        uint32_t asn = owner_of(b, r->addr, &gi);
        /* the host name first when there is one: how people recognise an interconnect */
        const char *host = pm_output_name(b->ctx, r->addr);
        char hl[PM_HOSTNAME_MAX + 4] = "";
        if (host)
            snprintf(hl, sizeof hl, "%s\\n", host);
        if (asn && gi.asn && asn != gi.asn)
            snprintf(label, sizeof label, "%s%s\\n(mapped AS%u)", hl, pm_addr_str(r->addr, a), gi.asn);
        else
            snprintf(label, sizeof label, "%s%s", hl, pm_addr_str(r->addr, a));
        if (r->deaths) {
            for (unsigned k = 0; k < 16; k++) {
                const char *name = pm_output_death_str(k);
                if ((r->kinds >> k & 1) && name) {
                    size_t used = strlen(kinds);
                    snprintf(kinds + used, sizeof kinds - used, "%s%s", used ? ", " : "", name);
                }
            }
            size_t used = strlen(label);
            snprintf(label + used, sizeof label - used, "\\n✗ %s (%u)", kinds, r->deaths);
            set(r->node, "shape", "octagon");
            set(r->node, "color", "red");
            set(r->node, "penwidth", "2");
            set(r->node, "fontcolor", "red");
        }
        set(r->node, "label", label);
    }
    static const char *const fill[] = {"#d9ead3", "#eeeeee", "#f4cccc", "#fff2cc", "#fff2cc"};
    static const char *const line[] = {"darkgreen", "#666666", "red", "#b8860b", "#b8860b"};
    for (uint32_t i = 0; i < b->n_groups; i++) {
        struct tgroup *g = &b->groups[i];
        char a[16], label[160];
        const char *word = bucket_word[g->bucket < 5 ? g->bucket : 0];
        /* the per-/24 line's words: "2 live", "254 dark", "256 dead paths" */
        if (g->other)
            snprintf(label, sizeof label, "other targets (%u)", g->count);
        else if (g->count == 1)
            snprintf(label, sizeof label, "%s\\n%s", pm_addr_str(g->one_dst, a), word);
        else if (g->bucket == B_DEAD)
            snprintf(label, sizeof label, "%s\\n%u dead paths", g->prefix_key, g->count);
        else
            snprintf(label, sizeof label, "%s\\n%u %s", g->prefix_key, g->count, word);
        set(g->node, "label", label);
        set(g->node, "shape", "box");
        set(g->node, "style", "filled,rounded");
        uint8_t k = g->other ? B_NOTPROBED : g->bucket < 5 ? g->bucket : 0;
        set(g->node, "fillcolor", fill[k]);
        set(g->node, "color", line[k]);
    }
}

static void graph_label(struct gb *b)
{
    const struct pm_run *run = b->ctx->run;
    char label[400], src[16], t0[40];
    pm_format_time(run->started_us, t0, sizeof t0);
    int n = snprintf(label, sizeof label, "pathmortem: %u targets, %s probes from %s, %s", run->n_targets,
                     pm_method_name(run->method), pm_addr_str(run->source, src), t0);
    if (b->routers_skipped && n > 0 && (size_t)n < sizeof label)
        n += snprintf(label + n, sizeof label - (size_t)n,
                      "\\ncollapsed: at most %d routers drawn, paths cut where more were seen",
                      PM_OUTPUT_GRAPH_MAX_ROUTERS);
    if (b->groups_folded && n > 0 && (size_t)n < sizeof label)
        snprintf(label + n, sizeof label - (size_t)n,
                 "\\ncollapsed: past %d target nodes the rest join \"other targets\"", PM_OUTPUT_GRAPH_MAX_GROUPS);
    set(b->g, "label", label);
}

/* What the shapes and colours mean, in a box of its own. */
static void legend(struct gb *b)
{
    /* a node of the root graph, not a cluster: cgraph orders subgraphs by an
     * id taken from the name's address, so a late cluster would land at a
     * different place in analyze's and show's dot (nodes keep their order) */
    char node[] = "legend";
    Agnode_t *n = agnode(b->g, node, 1);
    if (!n)
        return;
    set(n, "shape", "note");
    set(n, "fillcolor", "#fafafa");
    /* \l: left-justified lines in graphviz labels */
    set(n, "label",
        "legend\\l"
        "coloured box: the routers of one AS (inferred owner)\\l"
        "red octagon: where paths die (kind, number of targets)\\l"
        "boxes: a /24's targets as its verdict line counts them:\\l"
        "  green live, grey dark (host-absent), red dead paths,\\l"
        "  yellow rate-limited or not probed\\l"
        "edge 'N silent': hops that never answered\\l"
        "(mapped ASx): the database says another AS\\l");
}

int pm_output_graph_build(const struct pm_output_ctx *ctx, Agraph_t **out, char *errbuf)
{
    static const struct gb zero;
    struct gb b = zero;
    b.ctx = ctx;
    b.errbuf = errbuf;
    char name[] = "pathmortem";
    b.g = agopen(name, Agdirected, NULL);
    b.routers = calloc(PM_OUTPUT_GRAPH_MAX_ROUTERS, sizeof *b.routers);
    b.groups = calloc(PM_OUTPUT_GRAPH_MAX_GROUPS, sizeof *b.groups);
    if (!b.g || !b.routers || !b.groups) {
        if (b.g)
            agclose(b.g);
        free(b.routers);
        free(b.groups);
        return pm_err(errbuf, PM_ENOMEM, "graph: out of memory");
    }
    /* top-down: a path of 20 hops grows down the page, which scrolls, instead
     * of across it (one 2,800 px row, cut off in the report) */
    set(b.g, "rankdir", "TB");
    set(b.g, "labelloc", "t");
    set(b.g, "fontname", "Helvetica");
    char k_font[] = "fontname", v_font[] = "Helvetica", k_style[] = "style", v_style[] = "filled",
         k_fill[] = "fillcolor", v_fill[] = "white";
    agattr(b.g, AGNODE, k_font, v_font);
    agattr(b.g, AGNODE, k_style, v_style);
    agattr(b.g, AGNODE, k_fill, v_fill);
    agattr(b.g, AGEDGE, k_font, v_font);
    char vname[] = "vantage", src[16], vlabel[160], vantage[sizeof ctx->run->vantage + 8];
    label_text(ctx->run->vantage, vantage, sizeof vantage);
    b.vantage = agnode(b.g, vname, 1);
    snprintf(vlabel, sizeof vlabel, "vantage%s%s\\n%s", vantage[0] ? " " : "", vantage,
             pm_addr_str(ctx->run->source, src));
    set(b.vantage, "label", vlabel);
    set(b.vantage, "shape", "house");
    set(b.vantage, "style", "filled");
    set(b.vantage, "fillcolor", "#cccccc");
    for (uint32_t i = 0; i < ctx->run->n_targets; i++)
        draw_target(&b, i);
    finish_labels(&b);
    graph_label(&b);
    legend(&b);
    free(b.routers);
    free(b.groups);
    *out = b.g;
    return PM_OK;
}

int pm_output_dot(FILE *f, const struct pm_output_ctx *ctx, char *errbuf)
{
    Agraph_t *g;
    int rc = pm_output_graph_build(ctx, &g, errbuf);
    if (rc != PM_OK)
        return rc;
    rc = agwrite(g, f);
    agclose(g);
    return rc == 0 ? PM_OK : pm_err(errbuf, PM_EIO, "dot output: write failed");
}

/* In sanitizer builds, tell LeakSanitizer to ignore the memory that graphviz
 * 2.43's dot layout and plugin loader, and the pango/fontconfig font lookup
 * it triggers, keep past gvFreeLayout/gvFreeContext. It lives in this file so
 * that every program drawing graphs links it. Only frames inside those
 * libraries (and libgvc's allocators) match: a graph of ours never closed
 * (cgraph's agalloc) is still reported. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PM_OUTPUT_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PM_OUTPUT_ASAN 1
#endif
#ifdef PM_OUTPUT_ASAN
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libgvplugin_dot_layout.so\n"
           "leak:libgvplugin_pango.so\n"
           "leak:libfontconfig.so\n"
           "leak:libpango\n"
           "leak:gvconfig\n"
           "leak:gvLayoutJobs\n"
           "leak:gvRenderJobs\n"
           /* with the default fast unwinder the stacks stop at libgvc's
            * allocation wrappers; cgraph's agalloc is not covered */
           "leak:gmalloc\n"
           "leak:grealloc\n"
           "leak:zmalloc\n";
}
#endif
