/* snapshot.c - the stored form of a run: built from the live model and its analysis, freed, its exit status. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/jsonutil.h"

void pm_snapshot_free(struct pm_snapshot *snap)
{
    if (!snap)
        return;
    for (uint32_t i = 0; i < snap->n_targets; i++)
        free(snap->targets[i].evidence_json);
    free(snap->targets);
    free(snap->hops);
    free(snap->by_prefix);
    free(snap->by_upstream);
    free(snap->names);
    free(snap->params_json);
    free(snap->databases_json);
    free(snap);
}

int pm_snapshot_exit_status(const struct pm_snapshot *snap)
{
    if (!snap->n_targets)
        return snap->end != PM_RUN_COMPLETE ? 3 : 2;
    uint32_t died = 0, answered = 0, unprobed = 0;
    for (uint32_t i = 0; i < snap->n_targets; i++) {
        const struct pm_snap_target *t = &snap->targets[i];
        unprobed += t->status == PM_STATUS_NOT_PROBED;
        if (t->status == PM_STATUS_DIED && t->kind != PM_DEATH_RATE_LIMITED)
            died++;
        else if (t->status == PM_STATUS_REACHED || t->status == PM_STATUS_HOST_ABSENT)
            answered++;
    }
    if (snap->end != PM_RUN_COMPLETE && unprobed)
        return 3;
    if (!died)
        return 0;
    return answered ? 1 : 2;
}

/* Both planes as the run was judged with them (issue 13), kept in the
 * snapshot's params so that export, import and a server store carry them
 * with no table of their own; history reads them as the routing lane. */
#define PLANES_STORED 2048

static json_t *planes_json(const struct pm_planes *p)
{
    json_t *o = json_object(), *arr = json_array();
    if (!o || !arr) {
        json_decref(o);
        json_decref(arr);
        return NULL;
    }
    json_object_set_new(o, "source", json_stringn(p->source, strnlen(p->source, sizeof p->source)));
    json_object_set_new(o, "at", json_integer(p->at));
    json_object_set_new(o, "rib_time", json_integer(p->rib_time));
    json_object_set_new(o, "full_feed_peers", json_integer(p->ff_total));
    /* at most PLANES_STORED /24s, so the params stay under PM_STORE_MAX_JSON */
    for (uint32_t i = 0; i < p->n && i < PLANES_STORED; i++) {
        const struct pm_plane_unit *u = &p->units[i];
        if (u->announced)
            continue; /* the routing lane is per /24 */
        char a[16], key[24];
        snprintf(key, sizeof key, "%s/%u", pm_addr_str(u->prefix, a), u->len);
        json_t *sides = json_array();
        for (uint32_t k = 0; sides && k < u->n_sides; k++)
            json_array_append_new(sides, json_pack("{s:I, s:I, s:I, s:s}", "asn", (json_int_t)u->sides[k].asn,
                                                   "ff_seen", (json_int_t)u->sides[k].ff_seen, "ff_seen_rib",
                                                   (json_int_t)u->sides[k].ff_seen_rib, "conclusion",
                                                   pm_side_conclusion_name((enum pm_side_conclusion)u->sides[k].conclusion)));
        json_t *e = json_pack("{s:s, s:b, s:I, s:I, s:s%, s:I, s:I, s:I, s:s, s:s, s:o}", "prefix", key, "announced",
                              u->visible, "ff_seen", (json_int_t)u->ff_seen, "ff_total", (json_int_t)u->ff_total,
                              "first_change", u->cause, strnlen(u->cause, sizeof u->cause), "first_change_as",
                              (json_int_t)u->cause_as, "first_change_time", (json_int_t)u->cause_time, "last_change",
                              (json_int_t)u->last_change, "conclusion",
                              pm_plane_conclusion_name((enum pm_plane_conclusion)u->conclusion), "data_plane",
                              pm_net_state_name((enum pm_net_state)u->data_state), "sides",
                              sides ? sides : json_array());
        if (!e || json_array_append_new(arr, e)) {
            json_decref(arr);
            json_decref(o);
            return NULL;
        }
    }
    json_object_set_new(o, "by_prefix", arr);
    if (p->n > PLANES_STORED)
        json_object_set_new(o, "not_stored", json_integer(p->n - PLANES_STORED));
    return o;
}

static char *params_json(const struct pm_run *run, const struct pm_analysis *analysis, char *errbuf)
{
    json_t *o = json_object();
    json_t *stats = json_object();
    if (!o || !stats) {
        json_decref(o);
        json_decref(stats);
        pm_err(errbuf, PM_ENOMEM, "out of memory");
        return NULL;
    }
    json_object_set_new(o, "first_ttl", json_integer(run->first_ttl));
    json_object_set_new(o, "max_ttl", json_integer(run->max_ttl));
    json_object_set_new(o, "queries", json_integer(run->queries));
    json_object_set_new(o, "wait_ms", json_integer(run->wait_ms));
    json_object_set_new(o, "dport", json_integer(run->dport));
    json_object_set_new(o, "flow", json_integer(run->flow));
    json_object_set_new(o, "classic", json_boolean(run->classic));
    if (run->input.format[0]) { /* read from another system's file: where from (docs/peers.md) */
        const struct pm_run_input *in = &run->input;
        json_t *inp = json_pack("{s:s%, s:s%, s:s%, s:s%, s:s%, s:s%, s:s%, s:I}", "format", in->format,
                                strnlen(in->format, sizeof in->format), "tool", in->tool,
                                strnlen(in->tool, sizeof in->tool), "version", in->version,
                                strnlen(in->version, sizeof in->version), "vantage_id", in->vantage_id,
                                strnlen(in->vantage_id, sizeof in->vantage_id), "vantage_addr", in->vantage_addr,
                                strnlen(in->vantage_addr, sizeof in->vantage_addr), "inferred", in->inferred,
                                strnlen(in->inferred, sizeof in->inferred), "missing", in->missing,
                                strnlen(in->missing, sizeof in->missing), "results", (json_int_t)in->results);
        if (inp)
            json_object_set_new(o, "input", inp);
    }
    /* every counter the run's JSON carries (output/json_write.c), so a stored
     * snapshot says as much about refused replies as the run did */
    const struct pm_run_stats *st = &run->stats;
    const struct {
        const char *key;
        uint64_t v;
    } counters[] = {
        {"probes_sent", st->probes_sent},
        {"probes_captured", st->probes_captured},
        {"replies_matched", st->replies_matched},
        {"rejected_unknown", st->rejected_unknown},
        {"rejected_duplicate", st->rejected_duplicate},
        {"rejected_late", st->rejected_late},
        {"rejected_mismatch", st->rejected_mismatch},
        {"dropped_malformed", st->dropped_malformed},
        {"capture_drops", st->capture_drops},
        {"ipid_rewritten", st->ipid_rewritten},
        {"rejected_foreign", st->rejected_foreign},
        {"rejected_forged", st->rejected_forged},
        {"rejected_checksum", st->rejected_checksum},
        {"rejected_ttl0", st->rejected_ttl0},
        {"rejected_fragment", st->rejected_fragment},
        {"rejected_not_answer", st->rejected_not_answer},
        {"over_limit", st->over_limit},
    };
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
        json_object_set_new(stats, counters[i].key,
                            json_integer(counters[i].v > INT64_MAX ? INT64_MAX : (json_int_t)counters[i].v));
    /* how the replies were verified, as in the run's JSON */
    json_object_set_new(o, "assurance",
                        json_string(run->sealed ? "sealed" : run->input.format[0] ? "foreign" : "identity"));
    json_object_set_new(o, "stats", stats);
    if (analysis && analysis->planes) {
        json_t *pl = planes_json(analysis->planes);
        if (!pl) {
            json_decref(o);
            pm_err(errbuf, PM_ENOMEM, "out of memory");
            return NULL;
        }
        json_object_set_new(o, "planes", pl);
    }
    char *s = pm_store_json_canon(o, errbuf);
    json_decref(o);
    return s;
}

static char *databases_json(const struct pm_run *run, char *errbuf)
{
    json_t *a = json_array();
    if (!a) {
        pm_err(errbuf, PM_ENOMEM, "out of memory");
        return NULL;
    }
    for (uint32_t i = 0; i < run->n_dbs && i < PM_RUN_MAX_DBS; i++) {
        const struct pm_db_info *d = &run->dbs[i];
        json_t *o = json_object();
        json_object_set_new(o, "role", pm_json_str(d->role, sizeof d->role));
        json_object_set_new(o, "path", pm_json_str(d->path, sizeof d->path));
        json_object_set_new(o, "build_date", pm_json_str(d->build_date, sizeof d->build_date));
        json_object_set_new(o, "sha256", pm_json_str(d->sha256, sizeof d->sha256));
        json_array_append_new(a, o);
    }
    char *s = pm_store_json_canon(a, errbuf);
    json_decref(a);
    return s;
}

static char *evidence_json(const struct pm_verdict *v, char *errbuf)
{
    json_t *a = json_array();
    if (!a) {
        pm_err(errbuf, PM_ENOMEM, "out of memory");
        return NULL;
    }
    for (uint32_t i = 0; v && i < v->n_evidence && i < PM_EVIDENCE_MAX; i++)
        json_array_append_new(a, pm_json_str(v->evidence[i], PM_EVIDENCE_LEN));
    char *s = pm_store_json_canon(a, errbuf);
    json_decref(a);
    return s;
}

static void copy_as(struct pm_as_ref *dst, const struct pm_as_ref *src)
{
    dst->asn = src->asn;
    size_t n = strnlen(src->name, sizeof src->name - 1);
    memcpy(dst->name, src->name, n);
    dst->name[n] = '\0';
}

static void copy_rollup(struct pm_snap_rollup *d, const struct pm_rollup *r)
{
    size_t n = strnlen(r->key, sizeof r->key - 1);
    memcpy(d->key, r->key, n);
    d->key[n] = '\0';
    d->prefix = r->prefix;
    d->prefix_len = r->prefix_len;
    copy_as(&d->upstream, &r->upstream);
    d->total = r->total;
    d->reached = r->reached;
    d->died_same = r->died_same;
    d->death_addr = r->death_addr;
    d->death_ttl = r->death_ttl;
    d->death_kind = r->death_kind;
    copy_as(&d->dies_in, &r->dies_in);
}

static int target_cmp(const void *a, const void *b)
{
    const struct pm_target *x = *(const struct pm_target *const *)a, *y = *(const struct pm_target *const *)b;
    return (x->dst > y->dst) - (x->dst < y->dst);
}

static int fill_targets(struct pm_snapshot *snap, const struct pm_run *run, const struct pm_analysis *an,
                        char *errbuf)
{
    uint64_t n_hops = 0;
    for (uint32_t i = 0; i < run->n_targets; i++)
        n_hops += run->targets[i].n_replies;
    if (n_hops > PM_STORE_MAX_HOPS)
        return pm_err(errbuf, PM_ELIMIT, "run holds %llu replies, more than a snapshot may (%u)",
                      (unsigned long long)n_hops, PM_STORE_MAX_HOPS);
    const struct pm_target **order = malloc((run->n_targets ? run->n_targets : 1) * sizeof *order);
    snap->targets = calloc(run->n_targets ? run->n_targets : 1, sizeof *snap->targets);
    snap->hops = calloc(n_hops ? n_hops : 1, sizeof *snap->hops);
    if (!order || !snap->targets || !snap->hops) {
        free(order);
        return pm_err(errbuf, PM_ENOMEM, "out of memory building the snapshot");
    }
    for (uint32_t i = 0; i < run->n_targets; i++)
        order[i] = &run->targets[i];
    qsort(order, run->n_targets, sizeof *order, target_cmp);
    for (uint32_t k = 0; k < run->n_targets; k++) {
        const struct pm_target *t = order[k];
        size_t idx = (size_t)(t - run->targets);
        const struct pm_verdict *v = an && an->verdicts && idx < an->n_targets ? &an->verdicts[idx] : NULL;
        struct pm_snap_target *st = &snap->targets[snap->n_targets++];
        st->dst = t->dst;
        st->stop = t->stop;
        if (v) {
            st->status = v->status;
            st->kind = v->kind;
            st->last_addr = v->last_addr;
            st->last_ttl = v->last_ttl;
            st->last_asn = v->last_asn;
            copy_as(&st->dies_in, &v->dies_in);
            copy_as(&st->upstream, &v->upstream);
            st->confidence = v->confidence;
        } else {
            st->status = t->stop == PM_STOP_REACHED ? PM_STATUS_REACHED : PM_STATUS_DIED;
            st->kind = t->stop == PM_STOP_REACHED ? PM_DEATH_NONE : PM_DEATH_SILENT;
        }
        if (!(st->evidence_json = evidence_json(v, errbuf))) {
            free(order);
            return PM_ENOMEM;
        }
        st->first_hop = snap->n_hops;
        for (uint32_t r = 0; r < t->n_replies; r++) {
            const struct pm_reply *rp = &t->replies[r];
            struct pm_snap_hop *h = &snap->hops[snap->n_hops++];
            h->dst = t->dst;
            h->ttl = rp->ttl;
            h->attempt = rp->attempt;
            h->from = rp->from;
            h->rtt_ms = !rp->no_rtt && rp->sent_us && rp->recv_us >= rp->sent_us ? (double)(rp->recv_us - rp->sent_us) / 1000.0 : -1.0;
            h->icmp_type = rp->icmp_type;
            h->icmp_code = rp->icmp_code;
            h->kind = rp->kind;
            h->reply_ttl = rp->reply_ttl;
            h->quoted_ttl = rp->quoted_ttl;
            h->asn = pm_analysis_owner(an, rp->from);
        }
        st->n_hops = snap->n_hops - st->first_hop;
    }
    free(order);
    return PM_OK;
}

static int fill_rollups(struct pm_snapshot *snap, const struct pm_analysis *an, char *errbuf)
{
    if (!an)
        return PM_OK;
    if (an->n_prefix > PM_STORE_MAX_ROLLUPS || an->n_upstream > PM_STORE_MAX_ROLLUPS)
        return pm_err(errbuf, PM_ELIMIT, "too many roll-ups to store");
    snap->by_prefix = calloc(an->n_prefix ? an->n_prefix : 1, sizeof *snap->by_prefix);
    snap->by_upstream = calloc(an->n_upstream ? an->n_upstream : 1, sizeof *snap->by_upstream);
    if (!snap->by_prefix || !snap->by_upstream)
        return pm_err(errbuf, PM_ENOMEM, "out of memory building the snapshot");
    for (uint32_t i = 0; i < an->n_prefix; i++)
        copy_rollup(&snap->by_prefix[snap->n_prefix++], &an->by_prefix[i]);
    for (uint32_t i = 0; i < an->n_upstream; i++)
        copy_rollup(&snap->by_upstream[snap->n_upstream++], &an->by_upstream[i]);
    return PM_OK;
}

int pm_snapshot_from_run(const struct pm_run *run, const struct pm_analysis *analysis,
                         struct pm_snapshot **out, char *errbuf)
{
    *out = NULL;
    if (!run)
        return pm_err(errbuf, PM_EINVAL, "no run to store");
    if (analysis && analysis->n_targets != run->n_targets)
        return pm_err(errbuf, PM_EINVAL, "analysis has %u verdicts for %u targets", analysis->n_targets,
                      run->n_targets);
    struct pm_snapshot *snap = calloc(1, sizeof *snap);
    if (!snap)
        return pm_err(errbuf, PM_ENOMEM, "out of memory building the snapshot");
    snap->started_us = run->started_us;
    snap->ended_us = run->ended_us;
    size_t vn = strnlen(run->vantage, sizeof run->vantage - 1);
    memcpy(snap->vantage, run->vantage, vn);
    snap->method = run->method;
    snap->source = run->source;
    snap->end = run->end;
    snap->target_asn = analysis ? analysis->target_asn : 0;
    int rc = PM_OK;
    if (!(snap->params_json = params_json(run, analysis, errbuf)) || !(snap->databases_json = databases_json(run, errbuf)))
        rc = PM_ENOMEM;
    if (!rc)
        rc = fill_targets(snap, run, analysis, errbuf);
    if (!rc)
        rc = fill_rollups(snap, analysis, errbuf);
    if (rc) {
        pm_snapshot_free(snap);
        return rc;
    }
    snap->exit_status = pm_snapshot_exit_status(snap);
    *out = snap;
    return PM_OK;
}
