/* html.c - one self-contained HTML report: verdict tables, the path graph as inline SVG, detail of the targets that died. */
#include <stdlib.h>
#include <string.h>

#include "output/internal.h"

#define RANGES_MAX 6

void pm_output_html_escape(FILE *f, const char *s)
{
    char clean[1024];
    pm_output_clean(s, clean, sizeof clean);
    for (const char *p = clean; *p; p++) {
        switch (*p) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*p, f);
        }
    }
}

static const char css[] =
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}"
    "th,td{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}"
    "th{background:#eee}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".reached{color:#1a7f37;font-weight:bold}.died{color:#c62828;font-weight:bold}.partial{color:#b26a00}"
    ".dim{color:#777}.graph{overflow:auto;border:1px solid #ddd;padding:.5em}"
    ".graph svg{max-width:100%;height:auto}"
    "ul.evidence{margin:.2em 0;color:#444}code{font-size:95%}";

static void as_cell(FILE *f, const struct pm_as_ref *r)
{
    fputs("<td>", f);
    if (r->asn)
        fprintf(f, "AS%u ", r->asn);
    char name[sizeof r->name];
    memcpy(name, r->name, sizeof name);
    name[sizeof name - 1] = '\0';
    pm_output_html_escape(f, name);
    fputs("</td>", f);
}

static void rollup_table(FILE *f, const char *title, const struct pm_rollup *rs, uint32_t n)
{
    fprintf(f,
            "<h2>%s</h2>\n<table><tr><th>group</th><th>state</th><th>targets</th><th>upstream</th><th>death point</th>"
            "<th>hop</th><th>kind</th><th>dies in</th><th>same death</th></tr>\n",
            title);
    for (uint32_t i = 0; i < n; i++) {
        const struct pm_rollup *r = &rs[i];
        char key[sizeof r->key], a[16], cc[3];
        memcpy(key, r->key, sizeof key);
        key[sizeof key - 1] = '\0';
        enum pm_net_state st = pm_rollup_state(r);
        const char *cls = st == PM_NET_REACHABLE ? "reached" : st == PM_NET_PARTIAL ? "partial" : st == PM_NET_DEAD ? "died" : "dim";
        fputs("<tr><td>", f);
        pm_output_html_escape(f, key);
        fprintf(f, "</td><td class=\"%s\">%s</td><td class=\"num\">%u live", cls, pm_net_state_name(st), r->reached);
        if (r->dark)
            fprintf(f, ", %u dark", r->dark);
        if (r->died)
            fprintf(f, ", %u dead", r->died);
        if (r->rate_limited)
            fprintf(f, " <span class=\"dim\">(+%u rate-limited)</span>", r->rate_limited);
        if (r->not_probed)
            fprintf(f, " <span class=\"dim\">(%u not probed)</span>", r->not_probed);
        fprintf(f, " of %u", r->total);
        fputs("</td>", f);
        as_cell(f, &r->upstream);
        uint32_t died = pm_output_rollup_died(r);
        if (died && r->died_same) {
            const char *kind = pm_output_death_str(r->death_kind);
            memcpy(cc, r->death_country, sizeof cc);
            cc[2] = '\0';
            fprintf(f, "<td>%s", r->death_addr ? pm_addr_str(r->death_addr, a) : "none answered");
            if (cc[0]) {
                fputs(" <span class=\"dim\">", f);
                pm_output_html_escape(f, cc);
                fputs("</span>", f);
            }
            fprintf(f, "</td><td class=\"num\">%u</td><td class=\"died\">%s</td>", r->death_ttl, kind ? kind : "?");
            as_cell(f, &r->dies_in);
            fprintf(f, "<td class=\"num\">%u of %u</td>", r->died_same, died);
        } else {
            fputs("<td></td><td></td><td></td><td></td><td></td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void hop_rows(FILE *f, const struct pm_output_ctx *ctx, const struct pm_target *t)
{
    fputs("<table><tr><th>TTL</th><th>address</th><th>RTT</th><th>marks</th><th>ASN</th><th>AS name</th>"
          "<th>country</th><th>city</th></tr>\n",
          f);
    uint8_t first = pm_output_first_hop(ctx->run, t), last = pm_output_shown_last(t);
    if (first > ctx->run->first_ttl)
        fprintf(f,
                "<tr><td colspan=\"8\" class=\"dim\">%s %u%s%.0u shared with other targets (not re-probed)</td></tr>\n",
                first - 1 == ctx->run->first_ttl ? "hop" : "hops", ctx->run->first_ttl,
                first - 1 == ctx->run->first_ttl ? "" : "–", first - 1 == ctx->run->first_ttl ? 0u : first - 1u);
    for (uint8_t ttl = first; ttl && ttl <= last; ttl++) {
        const struct pm_reply *r;
        uint32_t n = pm_target_hop(t, ttl, &r);
        unsigned stars = t->sent[ttl] > n ? t->sent[ttl] - n : 0;
        if (!n) {
            fprintf(f, "<tr><td class=\"num\">%u</td><td class=\"dim\">%s</td><td>", ttl,
                    t->sent[ttl] ? "no answer" : "not probed");
            for (unsigned s = 0; s < stars; s++)
                fputs(s ? " *" : "*", f);
            fputs("</td><td></td><td></td><td></td><td></td><td></td></tr>\n", f);
            continue;
        }
        for (uint32_t i = 0; i < n; i++) {
            bool seen = false;
            for (uint32_t j = 0; j < i && !seen; j++)
                seen = r[j].from == r[i].from;
            if (seen)
                continue;
            char a[16], marks[64] = "";
            struct pm_geo_info gi;
            pm_output_lookup(ctx, r[i].from, &gi);
            fprintf(f, "<tr><td class=\"num\">%u</td><td>%s", ttl, pm_addr_str(r[i].from, a));
            const char *host = pm_output_name(ctx, r[i].from);
            if (host) { /* a valid host name holds nothing to escape */
                fputs(" <span class=\"dim\">", f);
                pm_output_html_escape(f, host);
                fputs("</span>", f);
            }
            fputs("</td><td>", f);
            bool firstcell = true;
            for (uint32_t j = i; j < n; j++) {
                if (r[j].from != r[i].from)
                    continue;
                uint64_t us = pm_output_rtt_us(&r[j]);
                char m[16];
                if (r[j].no_rtt) /* answered, but the file kept no time for it */
                    fprintf(f, "%sno rtt", firstcell ? "" : ", ");
                else
                    fprintf(f, "%s%llu.%03u ms", firstcell ? "" : ", ", (unsigned long long)(us / 1000),
                            (unsigned)(us % 1000));
                firstcell = false;
                pm_output_mark(t, &r[j], m);
                if (m[0] && !strstr(marks, m)) {
                    size_t used = strlen(marks);
                    snprintf(marks + used, sizeof marks - used, "%s%s", used ? " " : "", m);
                }
            }
            for (unsigned s = 0; i == 0 && s < stars; s++)
                fputs(", *", f);
            fputs("</td><td>", f);
            pm_output_html_escape(f, marks);
            fputs("</td><td>", f);
            if (gi.asn)
                fprintf(f, "AS%u", gi.asn);
            uint32_t owner = pm_analysis_owner(ctx->analysis, r[i].from);
            if (owner && owner != gi.asn)
                fprintf(f, " <span class=\"dim\">(owner AS%u)</span>", owner);
            fputs("</td><td>", f);
            pm_output_html_escape(f, gi.as_name[0] ? gi.as_name : gi.special_name);
            fputs("</td><td>", f);
            pm_output_html_escape(f, gi.country);
            fputs("</td><td>", f);
            pm_output_html_escape(f, gi.city);
            fputs("</td></tr>\n", f);
        }
    }
    fputs("</table>\n", f);
}

static void target_section(FILE *f, const struct pm_output_ctx *ctx, uint32_t idx)
{
    const struct pm_target *t = &ctx->run->targets[idx];
    const struct pm_verdict *v = pm_output_verdict(ctx, idx);
    char a[16];
    char stop[48];
    pm_output_stop_phrase(t, stop, sizeof stop);
    fprintf(f, "<h3 id=\"t%s\">%s: %s", pm_addr_str(t->dst, a), a, stop);
    if (v) {
        const char *kind = pm_output_death_str(v->kind);
        if (v->status == PM_STATUS_DIED)
            fprintf(f, " — <span class=\"died\">died (%s)</span>", kind ? kind : "?");
        else if (v->status == PM_STATUS_HOST_ABSENT)
            fputs(" — <span class=\"reached\">host-absent</span> (the network answered, this address is dark)", f);
        else if (v->status == PM_STATUS_NOT_PROBED)
            fputs(" — <span class=\"dim\">not-probed</span> (the run ended before it)", f);
        else if (strncmp(stop, "reached", 7)) /* "reached at hop 7" says it already */
            fputs(" — <span class=\"reached\">reached</span>", f);
        if (v->dies_in.asn || v->dies_in.name[0]) {
            /* the one wording: "in" only where the dying router is inferred in that AS */
            const char *why = pm_rule_inference((enum pm_rule)v->rule);
            bool inferred = v->dies_in.asn && (v->dies_in.asn != v->last_asn || why[0]);
            fputs(inferred ? ", blamed on " : " in ", f);
            if (v->dies_in.asn)
                fprintf(f, "AS%u ", v->dies_in.asn);
            pm_output_html_escape(f, v->dies_in.name);
            if (inferred)
                fprintf(f, " (inferred: %s)", why[0] ? why : "deduced from the paths around it");
        }
        if (v->upstream.asn || v->upstream.name[0]) {
            fputs(", via ", f);
            if (v->upstream.asn)
                fprintf(f, "AS%u ", v->upstream.asn);
            pm_output_html_escape(f, v->upstream.name);
        }
        fprintf(f, ", confidence %.2f", v->confidence);
    }
    fputs("</h3>\n", f);
    if (v && v->n_evidence) {
        fputs("<ul class=\"evidence\">", f);
        for (uint32_t e = 0; e < v->n_evidence && e < PM_EVIDENCE_MAX; e++) {
            fputs("<li>", f);
            pm_output_html_escape(f, v->evidence[e] ? v->evidence[e] : "");
            fputs("</li>", f);
        }
        fputs("</ul>\n", f);
    }
    hop_rows(f, ctx, t);
}

static int died_details(FILE *f, const struct pm_output_ctx *ctx, char *errbuf)
{
    struct pm_output_groups g;
    int rc = pm_output_groups_build(ctx, &g, errbuf);
    if (rc != PM_OK)
        return rc;
    uint32_t *shown = calloc(g.n_groups ? g.n_groups : 1, sizeof *shown), died = 0;
    if (!shown) {
        pm_output_groups_free(&g);
        return pm_err(errbuf, PM_ENOMEM, "html output: out of memory");
    }
    fputs("<h2>Targets that died</h2>\n", f);
    if (!ctx->verbose)
        fprintf(f,
                "<p class=\"dim\">Up to %d targets per distinct path; the others on that path are listed by "
                "address.</p>\n",
                PM_OUTPUT_DIED_PER_PATH);
    for (uint32_t i = 0; i < ctx->run->n_targets; i++) {
        if (!pm_output_died(ctx, i))
            continue;
        died++;
        uint32_t gi = g.group_of[i], k = ++shown[gi];
        if (ctx->verbose || k <= PM_OUTPUT_DIED_PER_PATH)
            target_section(f, ctx, i);
        if (!ctx->verbose && k == PM_OUTPUT_DIED_PER_PATH && g.count[gi] > PM_OUTPUT_DIED_PER_PATH) {
            fprintf(f, "<p>… and %u more targets on this same path: ", g.count[gi] - PM_OUTPUT_DIED_PER_PATH);
            pm_output_group_ranges(f, ctx->run, &g, gi, PM_OUTPUT_DIED_PER_PATH, RANGES_MAX);
            fputs("</p>\n", f);
        }
    }
    if (!died)
        fputs("<p class=\"reached\">Every target was reached.</p>\n", f);
    free(shown);
    pm_output_groups_free(&g);
    return PM_OK;
}

int pm_output_html(FILE *f, const struct pm_output_ctx *ctx, char *errbuf)
{
    const struct pm_run *run = ctx->run;
    char src[16], t0[40], t1[40];
    uint32_t died = 0;
    for (uint32_t i = 0; i < run->n_targets; i++)
        died += pm_output_died(ctx, i);
    pm_format_time(run->started_us, t0, sizeof t0);
    pm_format_time(run->ended_us, t1, sizeof t1);
    fprintf(f,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>pathmortem report %s</title>\n"
            "<style>%s</style></head>\n<body>\n<h1>pathmortem report</h1>\n",
            t0, css);
    fprintf(f, "<p>%s probes from %s", pm_method_name(run->method), pm_addr_str(run->source, src));
    if (run->vantage[0]) {
        char v[sizeof run->vantage];
        memcpy(v, run->vantage, sizeof v);
        v[sizeof v - 1] = '\0';
        fputs(" (", f);
        pm_output_html_escape(f, v);
        fputs(")", f);
    }
    fprintf(f,
            ", %s to %s; TTL %u–%u, %u quer%s per hop, wait %u ms.<br>%u targets: <span class=\"reached\">%u "
            "reached</span>, <span class=\"died\">%u died</span>.</p>\n",
            t0, t1, run->first_ttl, run->max_ttl, run->queries, run->queries == 1 ? "y" : "ies", run->wait_ms,
            run->n_targets, run->n_targets - died, died);
    if (ctx->analysis) {
        rollup_table(f, "Verdicts per prefix", ctx->analysis->by_prefix, ctx->analysis->n_prefix);
        rollup_table(f, "Verdicts per upstream", ctx->analysis->by_upstream, ctx->analysis->n_upstream);
        if (ctx->analysis->planes)
            pm_output_planes_html(f, ctx->analysis->planes);
    }
    fputs("<h2>Paths</h2>\n<div class=\"graph\">\n", f);
    char *svg = NULL, gerr[PM_ERRBUF_SIZE] = "";
    size_t len = 0;
    if (pm_output_svg_render(ctx, &svg, &len, gerr) == PM_OK) {
        /* drop the XML prolog and DOCTYPE: inline SVG starts at <svg */
        const char *start = strstr(svg, "<svg");
        if (start)
            fwrite(start, 1, len - (size_t)(start - svg), f);
        free(svg);
    } else {
        fputs("<p class=\"died\">graph unavailable: ", f);
        pm_output_html_escape(f, gerr);
        fputs("</p>", f);
    }
    fputs("</div>\n", f);
    int rc = died_details(f, ctx, errbuf);
    if (rc != PM_OK)
        return rc;
    if (ctx->pcap_path) {
        fputs("<p class=\"dim\">pcap: <code>", f);
        pm_output_html_escape(f, ctx->pcap_path);
        fputs("</code></p>\n", f);
    }
    fputs("</body></html>\n", f);
    return PM_OK;
}
