/* json_read_planes.c - the JSON reader's part for the additive "planes" member (both planes, issue 13): every field checked, so `show` writes the document again as it was. */
#include <stdlib.h>
#include <string.h>

#include "output/internal.h"
#include "output/json_get.h"
#include "pathmortem/util.h"

static int net_state(struct pm_output_rd *r, json_t *o, uint8_t *out)
{
    char s[16];
    int rc = pm_output_jr_get_str(r, o, "data_plane", true, s, sizeof s);
    if (rc < 0)
        return rc;
    for (uint8_t i = 0; i < PM_NET__N; i++)
        if (!strcmp(s, pm_net_state_name((enum pm_net_state)i))) {
            *out = i;
            return PM_OK;
        }
    return pm_output_jr_bad(r, "data_plane", "unknown network state");
}

static int read_side(struct pm_output_rd *r, json_t *o, struct pm_plane_side *sd)
{
    int rc;
    char c[24];
    if (!json_is_object(o))
        return pm_output_jr_bad(r, NULL, "expected an object");
    GET_INT(r, o, "upstream_asn", true, 1, UINT32_MAX, sd->asn);
    GET_INT(r, o, "full_feed_seen", true, 0, UINT32_MAX, sd->ff_seen);
    GET_INT(r, o, "full_feed_seen_rib", true, 0, UINT32_MAX, sd->ff_seen_rib);
    GET_INT(r, o, "probed", true, 0, PM_TRACE_MAX_TARGETS, sd->total);
    GET_INT(r, o, "reached", true, 0, sd->total, sd->reached);
    GET_INT(r, o, "died", true, 0, sd->total - sd->reached, sd->died);
    bool carried;
    if ((rc = pm_output_jr_get_bool(r, o, "carried", &carried)) < 0)
        return rc;
    if (carried != (sd->ff_seen > 0))
        return pm_output_jr_bad(r, "carried", "disagrees with full_feed_seen");
    if ((rc = net_state(r, o, &sd->data_state)) < 0 ||
        (rc = pm_output_jr_get_str(r, o, "conclusion", true, c, sizeof c)) < 0)
        return rc;
    if (pm_side_conclusion_parse(c, &sd->conclusion) != PM_OK)
        return pm_output_jr_bad(r, "conclusion", "unknown side conclusion");
    return PM_OK;
}

static int read_unit(struct pm_output_rd *r, json_t *o, const char *arr, size_t i, uint32_t ff_total,
                     struct pm_plane_unit *u)
{
    int rc;
    char pfx[24], word[24], routing[16];
    if (!json_is_object(o))
        return pm_output_jr_bad(r, NULL, "expected an object");
    if ((rc = pm_output_jr_get_str(r, o, "prefix", true, pfx, sizeof pfx)) < 0)
        return rc;
    if (pm_prefix_parse(pfx, 0, &u->prefix, &u->len, NULL) != PM_OK)
        return pm_output_jr_bad(r, "prefix", "not a prefix with its host bits clear");
    if ((rc = pm_output_jr_get_str(r, o, "conclusion", true, word, sizeof word)) < 0)
        return rc;
    if (pm_plane_conclusion_parse(word, &u->conclusion) != PM_OK)
        return pm_output_jr_bad(r, "conclusion", "unknown conclusion");
    if ((rc = pm_output_jr_get_str(r, o, "confidence", true, word, sizeof word)) < 0)
        return rc;
    /* the words stand for these values (docs/analyze.md): written again the same */
    u->confidence = !strcmp(word, "high") ? 0.9 : !strcmp(word, "medium") ? 0.6 : !strcmp(word, "low") ? 0.3 : -1;
    if (u->confidence < 0)
        return pm_output_jr_bad(r, "confidence", "high, medium or low");
    if ((rc = pm_output_jr_get_str(r, o, "routing", true, routing, sizeof routing)) < 0)
        return rc;
    if (strcmp(routing, "announced") && strcmp(routing, "withdrawn"))
        return pm_output_jr_bad(r, "routing", "announced or withdrawn");
    u->visible = !strcmp(routing, "announced");
    u->ff_total = ff_total;
    GET_INT(r, o, "full_feed_seen", true, 0, ff_total, u->ff_seen);
    GET_INT0(r, o, "first_change_as", 0, UINT32_MAX, u->cause_as);
    GET_INT0(r, o, "first_change_time", 0, UINT32_MAX, u->cause_time);
    GET_INT0(r, o, "last_change", 0, UINT32_MAX, u->last_change);
    if ((rc = pm_output_jr_get_str(r, o, "first_change", true, u->cause, sizeof u->cause)) < 0 ||
        (rc = pm_output_jr_get_str(r, o, "why", true, u->cause_text, sizeof u->cause_text)) < 0 ||
        (rc = net_state(r, o, &u->data_state)) < 0 ||
        (rc = pm_output_jr_get_str(r, o, "first_change_prefix", false, u->cause_prefix, sizeof u->cause_prefix)) < 0)
        return rc;
    if (u->cause_prefix[0]) {
        uint32_t a;
        uint8_t l;
        if (pm_prefix_parse(u->cause_prefix, 0, &a, &l, NULL) != PM_OK)
            return pm_output_jr_bad(r, "first_change_prefix", "not a prefix with its host bits clear");
        if ((rc = pm_output_jr_get_bool(r, o, "first_change_standing", &u->cause_standing)) < 0)
            return rc;
    }
    json_t *sides;
    if ((rc = pm_output_jr_get_array(r, o, "sides", true, PM_PLANES_MAX_SIDES, &sides)) < 0)
        return rc;
    for (size_t k = 0; k < json_array_size(sides); k++) {
        pm_output_jr_at(r, "planes.%s[%zu].sides[%zu]", arr, i, k);
        if ((rc = read_side(r, json_array_get(sides, k), &u->sides[k])) < 0)
            return rc;
        u->n_sides = (uint32_t)k + 1;
    }
    return PM_OK;
}

int pm_output_json_read_planes(struct pm_output_rd *r, json_t *o, struct pm_planes **out)
{
    int rc;
    json_t *arr;
    char rule[64];
    pm_output_jr_at(r, "planes");
    if (!json_is_object(o))
        return pm_output_jr_bad(r, NULL, "expected an object");
    struct pm_planes *p = calloc(1, sizeof *p);
    if (!p)
        return pm_err(r->errbuf, PM_ENOMEM, "json: out of memory");
    *out = p;
    if ((rc = pm_output_jr_get_str(r, o, "source", true, p->source, sizeof p->source)) < 0 ||
        (rc = pm_output_jr_get_str(r, o, "visible_rule", true, rule, sizeof rule)) < 0)
        return rc;
    GET_INT(r, o, "at", true, 0, UINT32_MAX, p->at);
    GET_INT(r, o, "rib_time", true, 0, UINT32_MAX, p->rib_time);
    GET_INT(r, o, "full_feed_peers", true, 0, UINT32_MAX, p->ff_total);
    json_t *ann = NULL;
    if ((rc = pm_output_jr_get_array(r, o, "by_prefix", true, PM_PLANES_MAX_UNITS, &arr)) < 0 ||
        (rc = pm_output_jr_get_array(r, o, "by_announced", false, PM_PLANES_MAX_UNITS, &ann)) < 0)
        return rc;
    size_t n = json_array_size(arr), na = ann ? json_array_size(ann) : 0;
    if (n + na > PM_PLANES_MAX_UNITS)
        return pm_output_jr_bad(r, "by_announced", "more than %u units with by_prefix", PM_PLANES_MAX_UNITS);
    if (n + na && !(p->units = calloc(n + na, sizeof *p->units)))
        return pm_err(r->errbuf, PM_ENOMEM, "json: out of memory");
    for (size_t i = 0; i < n + na; i++) {
        bool an = i >= n;
        size_t k = an ? i - n : i;
        const char *name = an ? "by_announced" : "by_prefix";
        pm_output_jr_at(r, "planes.%s[%zu]", name, k);
        if ((rc = read_unit(r, json_array_get(an ? ann : arr, k), name, k, p->ff_total, &p->units[i])) < 0)
            return rc;
        p->units[i].announced = an;
        p->n = (uint32_t)i + 1;
    }
    return PM_OK;
}
