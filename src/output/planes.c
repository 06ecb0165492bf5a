/* planes.c - both planes (issue 13) in the run's documents: the joined conclusion per /24 and per upstream side, as text, as JSON (the additive "planes" member) and as an HTML table. */
#include <stdio.h>
#include <string.h>

#include "output/internal.h"
#include "output/jw.h"
#include "pathmortem/util.h"

static void unit_key(const struct pm_plane_unit *u, char *buf, size_t len)
{
    char a[16];
    snprintf(buf, len, "%s/%u", pm_addr_str(u->prefix, a), u->len);
}

void pm_output_planes_text(FILE *f, const struct pm_planes *p)
{
    char at[40], rib[40], key[24], line[768], src[sizeof p->source];
    pm_format_time((uint64_t)p->at * 1000000u, at, sizeof at);
    pm_format_time((uint64_t)p->rib_time * 1000000u, rib, sizeof rib);
    pm_output_clean(p->source, src, sizeof src);
    fprintf(f,
            "\nboth planes (control plane from %s at %s, RIB of %s, %u full-feed peers; visible = seen by more than "
            "50 %% of them):\n",
            src, at, rib, p->ff_total);
    bool header = false;
    for (uint32_t i = 0; i < p->n; i++) {
        const struct pm_plane_unit *u = &p->units[i];
        if (u->announced && !header) {
            /* the /24s come first, then the announced prefixes that are none of them */
            fputs("announced prefixes besides the /24s (data plane: the targets inside each):\n", f);
            header = true;
        }
        unit_key(u, key, sizeof key);
        pm_plane_unit_format(u, line, sizeof line);
        fprintf(f, "%s  %s\n", key, line);
        for (uint32_t k = 0; k < u->n_sides; k++) {
            pm_plane_side_format(&u->sides[k], u->ff_total, line, sizeof line);
            fprintf(f, "    %s\n", line);
        }
    }
}

static void units_json(struct jw *w, const struct pm_planes *p, bool announced)
{
    char key[24];
    for (uint32_t i = 0; i < p->n; i++) {
        const struct pm_plane_unit *u = &p->units[i];
        if (u->announced != announced)
            continue;
        unit_key(u, key, sizeof key);
        jw_obj(w, NULL);
        jw_str(w, "prefix", key);
        jw_str(w, "conclusion", pm_plane_conclusion_name((enum pm_plane_conclusion)u->conclusion));
        jw_str(w, "confidence", pm_planes_confidence_word(u->confidence));
        jw_str(w, "routing", u->visible ? "announced" : "withdrawn");
        jw_uint(w, "full_feed_seen", u->ff_seen);
        jw_str(w, "first_change", u->cause);
        jw_uint0(w, "first_change_as", u->cause_as);
        jw_uint0(w, "first_change_time", u->cause_time);
        jw_uint0(w, "last_change", u->last_change);
        jw_str(w, "why", u->cause_text);
        if (u->cause_prefix[0]) {
            /* additive, for a hijack or leak only */
            jw_str(w, "first_change_prefix", u->cause_prefix);
            jw_bool(w, "first_change_standing", u->cause_standing);
        }
        jw_str(w, "data_plane", pm_net_state_name((enum pm_net_state)u->data_state));
        jw_arr(w, "sides");
        for (uint32_t k = 0; k < u->n_sides; k++) {
            const struct pm_plane_side *s = &u->sides[k];
            jw_obj(w, NULL);
            jw_uint(w, "upstream_asn", s->asn);
            jw_uint(w, "full_feed_seen", s->ff_seen);
            jw_uint(w, "full_feed_seen_rib", s->ff_seen_rib);
            jw_bool(w, "carried", s->ff_seen > 0);
            jw_uint(w, "probed", s->total);
            jw_uint(w, "reached", s->reached);
            jw_uint(w, "died", s->died);
            jw_str(w, "data_plane", pm_net_state_name((enum pm_net_state)s->data_state));
            jw_str(w, "conclusion", pm_side_conclusion_name((enum pm_side_conclusion)s->conclusion));
            jw_end(w, '}');
        }
        jw_end(w, ']');
        jw_end(w, '}');
    }
}

void pm_output_planes_json(struct jw *w, const struct pm_planes *p)
{
    jw_obj(w, "planes");
    jw_str(w, "source", p->source);
    jw_uint(w, "at", p->at);
    jw_uint(w, "rib_time", p->rib_time);
    jw_uint(w, "full_feed_peers", p->ff_total);
    jw_str(w, "visible_rule", "seen by more than 50 % of the full-feed peers");
    jw_arr(w, "by_prefix");
    units_json(w, p, false);
    jw_end(w, ']');
    bool any = false;
    for (uint32_t i = 0; i < p->n; i++)
        any |= p->units[i].announced;
    if (any) {
        /* additive: announced prefixes that are none of the /24s, same shape */
        jw_arr(w, "by_announced");
        units_json(w, p, true);
        jw_end(w, ']');
    }
    jw_end(w, '}');
}

void pm_output_planes_html(FILE *f, const struct pm_planes *p)
{
    char at[40], key[24], line[768];
    pm_format_time((uint64_t)p->at * 1000000u, at, sizeof at);
    fputs("<h2>Both planes</h2>\n<p>Control plane from <code>", f);
    pm_output_html_escape(f, p->source);
    fprintf(f,
            "</code> at %s, %u full-feed peers (visible: seen by more than 50 %% of them).</p>\n"
            "<table><tr><th>prefix</th><th>conclusion</th><th>routing</th><th>data plane</th><th>upstream sides</th></tr>\n",
            at, p->ff_total);
    for (uint32_t i = 0; i < p->n; i++) {
        const struct pm_plane_unit *u = &p->units[i];
        enum pm_net_state ds = (enum pm_net_state)u->data_state;
        const char *cls = ds == PM_NET_REACHABLE ? "reached" : ds == PM_NET_PARTIAL ? "partial" : ds == PM_NET_DEAD ? "died" : "dim";
        unit_key(u, key, sizeof key);
        fprintf(f, "<tr><td>%s%s</td><td>%s (%s)</td><td>%s, seen by %u of %u; ", key, u->announced ? " (announced)" : "",
                pm_plane_conclusion_name((enum pm_plane_conclusion)u->conclusion),
                pm_planes_confidence_word(u->confidence), u->visible ? "announced" : "withdrawn", u->ff_seen,
                u->ff_total);
        pm_output_html_escape(f, u->cause);
        fputs(": ", f);
        pm_output_html_escape(f, u->cause_text);
        fprintf(f, "</td><td class=\"%s\">%s</td><td>", cls, pm_net_state_name(ds));
        for (uint32_t k = 0; k < u->n_sides; k++) {
            pm_plane_side_format(&u->sides[k], u->ff_total, line, sizeof line);
            if (k)
                fputs("<br>", f);
            pm_output_html_escape(f, line);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}
