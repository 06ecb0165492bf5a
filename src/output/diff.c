/* diff.c - a diff between two stored snapshots as text for people and as JSON. */
#include <jansson.h>
#include <stdio.h>

#include "output/internal.h"
#include "pathmortem/store.h"
#include "util/json_str.h"

static const struct {
    uint32_t bit;
    const char *name;
} change_names[] = {
    {PM_DIFF_STATUS, "status"},   {PM_DIFF_UPSTREAM, "upstream"}, {PM_DIFF_DEATH, "death_point"},
    {PM_DIFF_HOPS, "hops"},       {PM_DIFF_ADDED, "added"},       {PM_DIFF_REMOVED, "removed"},
    {PM_DIFF_REACHED_COUNT, "reached_count"},
};

static void as_str(const struct pm_as_ref *as, char *buf, size_t len)
{
    if (!as->asn)
        snprintf(buf, len, "unknown");
    else if (as->name[0])
        snprintf(buf, len, "%.100s (AS%u)", as->name, as->asn);
    else
        snprintf(buf, len, "AS%u", as->asn);
}

/* The host name snapshot A (b_side false) or B stored for addr, or NULL. */
static const char *diff_name(const struct pm_diff *d, bool b_side, uint32_t addr)
{
    return b_side ? pm_snap_names_find(d->b_names, d->b_n_names, addr)
                  : pm_snap_names_find(d->a_names, d->a_n_names, addr);
}

/* name: the death point's host name stored with its snapshot, or NULL */
static void verdict_str(const struct pm_snap_target *t, const char *name, char *buf, size_t len)
{
    char a[16], as[160];
    if (t->status == PM_STATUS_REACHED) {
        as_str(&t->upstream, as, sizeof as);
        snprintf(buf, len, "reached via %s", as);
        return;
    }
    as_str(&t->dies_in, as, sizeof as);
    if (t->last_addr && name)
        snprintf(buf, len, "died at %s (%.100s, hop %u) in %s, %s", pm_addr_str(t->last_addr, a), name, t->last_ttl,
                 as, pm_death_name(t->kind));
    else if (t->last_addr)
        snprintf(buf, len, "died at %s (hop %u) in %s, %s", pm_addr_str(t->last_addr, a), t->last_ttl, as,
                 pm_death_name(t->kind));
    else
        snprintf(buf, len, "died in %s, %s", as, pm_death_name(t->kind));
}

/* Each address with the host name its snapshot stored, if any. */
static void addr_list(FILE *f, const struct pm_diff *d, bool b_side, const uint32_t *v, uint32_t n)
{
    char a[16];
    for (uint32_t i = 0; i < n && i < PM_DIFF_ADDRS_MAX; i++) {
        const char *name = diff_name(d, b_side, v[i]);
        fprintf(f, "%s%s", i ? ", " : "", pm_addr_str(v[i], a));
        if (name)
            fprintf(f, " (%s)", name);
    }
    if (n > PM_DIFF_ADDRS_MAX)
        fprintf(f, " and %u more", n - PM_DIFF_ADDRS_MAX);
}

int pm_output_diff_text(FILE *f, const struct pm_diff *d, char *errbuf)
{
    char ta[40], tb[40];
    pm_format_time(d->a_started_us, ta, sizeof ta);
    pm_format_time(d->b_started_us, tb, sizeof tb);
    fprintf(f, "snapshot %lld (%s) -> snapshot %lld (%s)\n", (long long)d->a_id, ta, (long long)d->b_id, tb);
    if (!d->n)
        fprintf(f, "no change\n");
    for (size_t i = 0; i < d->n; i++) {
        const struct pm_diff_entry *e = &d->entries[i];
        char va[320], vb[320], ua[160], ub[160];
        if (e->is_prefix || e->is_upstream) {
            if (e->is_upstream && (e->a.upstream.name[0] || e->b.upstream.name[0])) {
                char label[200], name[sizeof e->a.upstream.name];
                pm_output_clean(e->a.upstream.name[0] ? e->a.upstream.name : e->b.upstream.name, name, sizeof name);
                snprintf(label, sizeof label, "%s %s", e->key, name);
                fprintf(f, "%-18s ", label);
            } else {
                fprintf(f, "%-18s ", e->key);
            }
            if (e->changes & PM_DIFF_ADDED) {
                fprintf(f, "new in B: %u/%u reached\n", e->b_reached, e->b_total);
                continue;
            }
            if (e->changes & PM_DIFF_REMOVED) {
                fprintf(f, "gone in B (was %u/%u reached)\n", e->a_reached, e->a_total);
                continue;
            }
            fprintf(f, "%u/%u -> %u/%u reached", e->a_reached, e->a_total, e->b_reached, e->b_total);
            if (e->changes & PM_DIFF_STATUS)
                fprintf(f, "  [%s -> %s]", pm_net_state_name((enum pm_net_state)e->a_state),
                        pm_net_state_name((enum pm_net_state)e->b_state));
            if (e->is_prefix && (e->b_state == PM_NET_DEAD || e->b_state == PM_NET_PARTIAL)) {
                as_str(&e->b.dies_in, vb, sizeof vb);
                fprintf(f, "  blamed on %s", vb);
            }
            fputc('\n', f);
            if (e->changes & PM_DIFF_UPSTREAM) {
                as_str(&e->a.upstream, ua, sizeof ua);
                as_str(&e->b.upstream, ub, sizeof ub);
                fprintf(f, "%-18s upstream switched: %s -> %s\n", "", ua, ub);
            }
            if (e->changes & PM_DIFF_DEATH) {
                as_str(&e->a.dies_in, va, sizeof va);
                as_str(&e->b.dies_in, vb, sizeof vb);
                fprintf(f, "%-18s death moved: %s -> %s\n", "", va, vb);
            }
            continue;
        }
        fprintf(f, "%-18s ", e->key);
        if (e->changes & PM_DIFF_ADDED) {
            verdict_str(&e->b, diff_name(d, true, e->b.last_addr), vb, sizeof vb);
            fprintf(f, "new in B: %s\n", vb);
            continue;
        }
        if (e->changes & PM_DIFF_REMOVED) {
            verdict_str(&e->a, diff_name(d, false, e->a.last_addr), va, sizeof va);
            fprintf(f, "gone in B (was: %s)\n", va);
            continue;
        }
        verdict_str(&e->a, diff_name(d, false, e->a.last_addr), va, sizeof va);
        verdict_str(&e->b, diff_name(d, true, e->b.last_addr), vb, sizeof vb);
        if (e->changes & (PM_DIFF_STATUS | PM_DIFF_DEATH | PM_DIFF_UPSTREAM))
            fprintf(f, "%s -> %s\n", va, vb);
        else
            fprintf(f, "%s (path changed)\n", vb);
        if (e->changes & PM_DIFF_UPSTREAM) {
            as_str(&e->a.upstream, ua, sizeof ua);
            as_str(&e->b.upstream, ub, sizeof ub);
            fprintf(f, "%-18s upstream switched: %s -> %s\n", "", ua, ub);
        }
        if (e->n_appeared) {
            fprintf(f, "%-18s hops appeared: ", "");
            addr_list(f, d, true, e->appeared, e->n_appeared);
            fputc('\n', f);
        }
        if (e->n_vanished) {
            fprintf(f, "%-18s hops vanished: ", "");
            addr_list(f, d, false, e->vanished, e->n_vanished);
            fputc('\n', f);
        }
    }
    if (d->unlisted_targets)
        fprintf(f, "%u target%s changed, not listed here (--prefix P lists those inside P)\n", d->unlisted_targets,
                d->unlisted_targets == 1 ? "" : "s");
    fprintf(f, "%u targets unchanged\n", d->unchanged_targets);
    if (fflush(f) != 0 || ferror(f))
        return pm_err(errbuf, PM_EIO, "cannot write the diff");
    return PM_OK;
}

static json_t *side_json(const struct pm_diff *d, const struct pm_diff_entry *e, bool b_side)
{
    const struct pm_snap_target *t = b_side ? &e->b : &e->a;
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string(pm_status_name(t->status)));
    if (e->is_prefix || e->is_upstream) {
        json_object_set_new(o, "reached", json_integer(b_side ? e->b_reached : e->a_reached));
        json_object_set_new(o, "state", json_string(pm_net_state_name((enum pm_net_state)(b_side ? e->b_state : e->a_state))));
        json_object_set_new(o, "total", json_integer(b_side ? e->b_total : e->a_total));
    } else {
        json_object_set_new(o, "kind", json_string(pm_death_name(t->kind)));
        json_t *lh = json_object();
        json_object_set_new(lh, "addr", t->last_addr ? pm_json_addr(t->last_addr) : json_null());
        const char *name = diff_name(d, b_side, t->last_addr);
        json_object_set_new(lh, "name", name ? json_string(name) : json_null());
        json_object_set_new(lh, "ttl", json_integer(t->last_ttl));
        json_object_set_new(lh, "asn", json_integer(t->last_asn));
        json_object_set_new(o, "last_hop", lh);
    }
    json_object_set_new(o, "dies_in", t->status == PM_STATUS_DIED ? pm_json_as(&t->dies_in) : json_null());
    json_object_set_new(o, "upstream", pm_json_as(&t->upstream));
    return o;
}

static json_t *addrs_json(const uint32_t *v, uint32_t n)
{
    json_t *arr = json_array();
    for (uint32_t i = 0; i < n && i < PM_DIFF_ADDRS_MAX; i++)
        json_array_append_new(arr, pm_json_addr(v[i]));
    return arr;
}

/* {"addr": "name"} for the listed addresses that have one (additive beside
 * the address lists, which stay arrays of addresses) */
static void names_json(const struct pm_diff *d, bool b_side, const uint32_t *v, uint32_t n, json_t *names)
{
    char a[16];
    for (uint32_t i = 0; i < n && i < PM_DIFF_ADDRS_MAX; i++) {
        const char *name = diff_name(d, b_side, v[i]);
        if (name)
            json_object_set_new(names, pm_addr_str(v[i], a), json_string(name));
    }
}

int pm_output_diff_json(FILE *f, const struct pm_diff *d, char *errbuf)
{
    json_t *root = json_object(), *pre = json_array(), *tg = json_array(), *up = json_array();
    json_t *ja = json_object(), *jb = json_object();
    json_object_set_new(ja, "id", json_integer(d->a_id));
    json_object_set_new(ja, "started", pm_json_time(d->a_started_us));
    json_object_set_new(jb, "id", json_integer(d->b_id));
    json_object_set_new(jb, "started", pm_json_time(d->b_started_us));
    json_object_set_new(root, "schema", json_string("pathmortem-diff/1"));
    json_object_set_new(root, "a", ja);
    json_object_set_new(root, "b", jb);
    for (size_t i = 0; i < d->n; i++) {
        const struct pm_diff_entry *e = &d->entries[i];
        json_t *o = json_object(), *ch = json_array();
        json_object_set_new(o, e->is_prefix ? "prefix" : e->is_upstream ? "upstream" : "dst", json_string(e->key));
        for (size_t k = 0; k < sizeof change_names / sizeof change_names[0]; k++)
            if (e->changes & change_names[k].bit)
                json_array_append_new(ch, json_string(change_names[k].name));
        json_object_set_new(o, "changes", ch);
        json_object_set_new(o, "a", e->changes & PM_DIFF_ADDED ? json_null() : side_json(d, e, false));
        json_object_set_new(o, "b", e->changes & PM_DIFF_REMOVED ? json_null() : side_json(d, e, true));
        if (!e->is_prefix && !e->is_upstream) {
            json_object_set_new(o, "hops_appeared", addrs_json(e->appeared, e->n_appeared));
            json_object_set_new(o, "hops_vanished", addrs_json(e->vanished, e->n_vanished));
            json_t *names = json_object();
            names_json(d, true, e->appeared, e->n_appeared, names);
            names_json(d, false, e->vanished, e->n_vanished, names);
            json_object_set_new(o, "hop_names", names);
        }
        json_array_append_new(e->is_prefix ? pre : e->is_upstream ? up : tg, o);
    }
    json_object_set_new(root, "prefixes", pre);
    json_object_set_new(root, "upstreams", up);
    json_object_set_new(root, "unlisted_targets", json_integer(d->unlisted_targets));
    json_object_set_new(root, "targets", tg);
    json_object_set_new(root, "unchanged_targets", json_integer(d->unchanged_targets));
    int rc = json_dumpf(root, f, JSON_INDENT(2));
    json_decref(root);
    fputc('\n', f);
    if (rc != 0 || fflush(f) != 0 || ferror(f))
        return pm_err(errbuf, PM_EIO, "cannot write the diff");
    return PM_OK;
}
