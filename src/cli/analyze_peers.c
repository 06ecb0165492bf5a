/* analyze_peers.c - `analyze` and `import` of other systems' traceroute files: one analysis per vantage, then across vantages. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/sweep.h"

static int read_error(const char *path, enum pm_peer_kind kind, int rc, const char *err)
{
    if (rc == PM_EUNSUPP) { /* a file of another kind: say what it is */
        pm_cli_error("%s: %s%s", path, err, kind == PM_PEER_PCAP ? "" : " (not traceroute data pathmortem reads)");
        return PM_EXIT_DATAERR;
    }
    pm_cli_error("%s: %s", path, err);
    return rc == PM_ENOMEM ? PM_EXIT_OSERR : PM_EXIT_DATAERR;
}

int pm_cli_peers_load(struct pm_cli_sweep *s, FILE *in, const char *path, enum pm_peer_kind kind,
                      const char *preset_name, struct pm_cli_peers *p)
{
    char err[PM_ERRBUF_SIZE];
    memset(p, 0, sizeof *p);
    int rc = pm_peers_read(in, path, kind, s->eng.gaplimit, &p->set, err);
    if (rc)
        return read_error(path, kind, rc, err);
    if (p->set.warning[0] && (p->set.skipped || p->set.failed))
        pm_cli_error("warning: %s: %s (%llu skipped, %llu sent nothing)", path, p->set.warning,
                     (unsigned long long)p->set.skipped, (unsigned long long)p->set.failed);
    else if (p->set.warning[0])
        pm_cli_error("warning: %s: %s", path, p->set.warning);
    const struct pm_preset *preset = NULL;
    if (preset_name && !(preset = pm_presets_find(&s->presets, preset_name))) {
        pm_cli_error("analyze: no preset named '%s'", preset_name);
        return PM_EXIT_USAGE;
    }
    if (p->set.n_runs && (rc = pm_cli_open_geo(s->asn_db, s->geo_db, p->set.runs[0], &s->geo)) != 0)
        return rc;
    if (p->set.n_runs && !(p->analyses = calloc(p->set.n_runs, sizeof *p->analyses))) {
        pm_cli_error("out of memory");
        return PM_EXIT_OSERR;
    }
    for (uint32_t i = 0; i < p->set.n_runs; i++) {
        struct pm_run *run = p->set.runs[i];
        if (i) { /* every run used the databases the first one recorded */
            run->n_dbs = p->set.runs[0]->n_dbs;
            memcpy(run->dbs, p->set.runs[0]->dbs, sizeof run->dbs);
        }
        const struct pm_preset *ps = preset ? preset : pm_cli_guess_preset(&s->presets, run);
        struct pm_analyze_opts ao;
        pm_cli_analyze_opts(ps, &ao);
        if (pm_analyze(run, s->geo ? pm_geo_lookup_cb : NULL, s->geo, &ao, &p->analyses[i], err) != PM_OK) {
            pm_cli_error("analysis failed: %s", err);
            return PM_EXIT_SOFTWARE;
        }
        pm_peers_qualify(run, p->analyses[i]);
    }
    return 0;
}

void pm_cli_peers_free(struct pm_cli_peers *p)
{
    for (uint32_t i = 0; p->analyses && i < p->set.n_runs; i++)
        pm_analysis_free(p->analyses[i]);
    free(p->analyses);
    pm_peers_free(&p->set);
    memset(p, 0, sizeof *p);
}

/* "prb 190", "190" or the whole vantage label select a run's vantage. */
static bool vantage_match(const struct pm_run *run, const char *want)
{
    const char *id = run->input.vantage_id, *sp = strrchr(id, ' ');
    return !strcmp(id, want) || !strcmp(run->vantage, want) || (sp && !strcmp(sp + 1, want));
}

static void across_text(FILE *f, const struct pm_peer_across *ac, uint32_t n, uint32_t n_vantages)
{
    if (!n_vantages)
        return;
    fprintf(f, "\nacross vantages (%u runs; each vantage counted once, by its latest run):\n", n_vantages);
    for (uint32_t i = 0; i < n; i++) {
        const struct pm_peer_across *a = &ac[i];
        fprintf(f, "  %-20s %u vantage%s: reached from %u, died from %u", a->key, a->vantages,
                a->vantages == 1 ? "" : "s", a->reached, a->died);
        if (a->died && a->top_asn)
            fprintf(f, " (in AS%u%s%s from %u)", a->top_asn, a->top_name[0] ? " " : "", a->top_name, a->top_n);
        else if (a->died)
            fprintf(f, " (in an unknown AS from %u)", a->top_n);
        fputc('\n', f);
    }
}

static void v6_text(FILE *f, const struct pm_peer_set *set)
{
    if (!set->n_v6)
        return;
    fprintf(f, "\nIPv6: %u trace%s read, not analyzed (pathmortem's analysis is IPv4 only):\n", set->n_v6,
            set->n_v6 == 1 ? "" : "s");
    for (uint32_t i = 0; i < set->n_v6; i++) {
        const struct pm_peer_v6 *v = &set->v6[i];
        char t[40];
        pm_format_time(v->started_us, t, sizeof t);
        fprintf(f, "  %s  %s -> %s: %s", t, v->vantage, v->dst, v->reached ? "reached" : "not reached");
        if (v->last[0])
            fprintf(f, ", last answer from %s at hop %u", v->last, v->last_hop);
        fprintf(f, " (%u repl%s)\n", v->replies, v->replies == 1 ? "y" : "ies");
    }
}

static json_t *across_json(const struct pm_peer_across *ac, uint32_t n)
{
    json_t *arr = json_array();
    for (uint32_t i = 0; arr && i < n; i++) {
        const struct pm_peer_across *a = &ac[i];
        json_t *o = json_pack("{s:s, s:I, s:I, s:I}", "prefix", a->key, "vantages", (json_int_t)a->vantages,
                              "reached", (json_int_t)a->reached, "died", (json_int_t)a->died);
        if (o && a->died) {
            json_object_set_new(o, "dies_in_asn", a->top_asn ? json_integer(a->top_asn) : json_null());
            json_object_set_new(o, "dies_in_name", a->top_name[0] ? json_string(a->top_name) : json_null());
            json_object_set_new(o, "dies_in_vantages", json_integer(a->top_n));
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *v6_json(const struct pm_peer_set *set)
{
    json_t *arr = json_array();
    for (uint32_t i = 0; arr && i < set->n_v6; i++) {
        const struct pm_peer_v6 *v = &set->v6[i];
        char t[40];
        pm_format_time(v->started_us, t, sizeof t);
        json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:I}", "started", t, "vantage", v->vantage, "dst", v->dst,
                              "reached", v->reached, "replies", (json_int_t)v->replies);
        if (o) {
            json_object_set_new(o, "last_addr", v->last[0] ? json_string(v->last) : json_null());
            json_object_set_new(o, "last_hop", v->last_hop ? json_integer(v->last_hop) : json_null());
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

/* Several vantages in one document: the runs' own documents, then the merge. */
static int write_many(struct pm_cli_sweep *s, struct pm_cli_peers *p, const uint32_t *sel, uint32_t n_sel)
{
    char err[PM_ERRBUF_SIZE];
    struct pm_analysis **as = malloc((n_sel ? n_sel : 1) * sizeof *as);
    const struct pm_run **runs = malloc((n_sel ? n_sel : 1) * sizeof *runs);
    if (!as || !runs) {
        free(as);
        free(runs);
        pm_cli_error("out of memory");
        return PM_EXIT_OSERR;
    }
    for (uint32_t i = 0; i < n_sel; i++) {
        as[i] = p->analyses[sel[i]];
        runs[i] = p->set.runs[sel[i]];
    }
    struct pm_peer_across *ac = NULL;
    uint32_t n_ac = 0;
    int rc = pm_peers_across(runs, as, n_sel, &ac, &n_ac, err);
    free(as);
    free(runs);
    if (rc) {
        pm_cli_error("%s", err);
        return PM_EXIT_OSERR;
    }
    bool color = s->color == 1 || (s->color == -1 && !s->output && isatty(1) && !getenv("NO_COLOR"));
    int out_rc = pm_cli_doc_begin(s);
    if (out_rc) {
        free(ac);
        return out_rc;
    }
    if (s->format == PM_FMT_JSON)
        fputs("{\n \"schema\": \"pathmortem-vantages/1\",\n \"runs\": [\n", s->out);
    for (uint32_t i = 0; i < n_sel && !out_rc; i++) {
        struct pm_output_ctx ctx = {
            .run = p->set.runs[sel[i]], .analysis = p->analyses[sel[i]], .lookup = s->geo ? pm_geo_lookup_cb : NULL,
            .lookup_ctx = s->geo, .color = color, .verbose = s->verbose,
            .width = pm_cli_text_width(s->output != NULL),
        };
        if (s->format == PM_FMT_JSON) {
            char *doc = pm_output_json_string(&ctx, err);
            if (!doc)
                out_rc = PM_EXIT_OSERR;
            else
                fprintf(s->out, "%s%s\n", doc, i + 1 < n_sel ? "," : "");
            free(doc);
        } else {
            if (i)
                fputs("\n", s->out);
            if (pm_output_write(s->out, s->format, &ctx, err) != PM_OK)
                out_rc = PM_EXIT_IOERR;
        }
    }
    if (!out_rc && s->format == PM_FMT_JSON) {
        json_t *rest = json_pack("{s:o, s:o, s:I, s:I}", "across", across_json(ac, n_ac), "ipv6", v6_json(&p->set),
                                 "skipped", (json_int_t)p->set.skipped, "failed", (json_int_t)p->set.failed);
        char *txt = rest ? json_dumps(rest, JSON_INDENT(1) | JSON_COMPACT) : NULL;
        if (!txt) {
            out_rc = PM_EXIT_OSERR;
        } else {
            /* the members of rest, appended to the open object: strip its braces */
            size_t len = strlen(txt);
            fprintf(s->out, " ],\n%.*s\n}\n", (int)(len > 4 ? len - 4 : 0), len > 4 ? txt + 2 : "");
        }
        free(txt);
        json_decref(rest);
    } else if (!out_rc) {
        across_text(s->out, ac, n_ac, n_sel);
        v6_text(s->out, &p->set);
    }
    free(ac);
    if (out_rc)
        pm_cli_error("cannot write the output: %s", out_rc == PM_EXIT_OSERR ? "out of memory" : "write failed");
    return pm_cli_doc_end(s, out_rc, NULL);
}

int pm_cli_analyze_peers(struct pm_cli_sweep *s, FILE *in, const char *path, enum pm_peer_kind kind,
                         const char *preset_name, const char *vantage)
{
    struct pm_cli_peers p;
    int rc = pm_cli_peers_load(s, in, path, kind, preset_name, &p);
    if (rc) {
        pm_cli_peers_free(&p);
        return rc;
    }
    uint32_t *sel = malloc((p.set.n_runs ? p.set.n_runs : 1) * sizeof *sel), n_sel = 0;
    if (!sel) {
        pm_cli_peers_free(&p);
        pm_cli_error("out of memory");
        return PM_EXIT_OSERR;
    }
    for (uint32_t i = 0; i < p.set.n_runs; i++)
        if (!vantage || vantage_match(p.set.runs[i], vantage))
            sel[n_sel++] = i;
    if (vantage && !n_sel) {
        pm_cli_error("analyze: no vantage '%s' in %s", vantage, path);
        rc = PM_EXIT_USAGE;
    } else if (n_sel == 1 && (!p.set.n_v6 || vantage)) {
        /* one vantage: exactly the document of a pathmortem run */
        s->run = p.set.runs[sel[0]];
        s->analysis = p.analyses[sel[0]];
        rc = pm_cli_write_output(s, NULL);
        s->run = NULL;
        s->analysis = NULL;
    } else if (s->format != PM_FMT_TEXT && s->format != PM_FMT_JSON) {
        pm_cli_error("analyze: %s holds %u vantage runs%s; --format %s writes one run: choose one with --vantage ID "
                     "(or use text or json)",
                     path, n_sel, p.set.n_v6 ? " and IPv6 traces" : "", pm_format_name(s->format));
        rc = PM_EXIT_USAGE;
    } else {
        rc = write_many(s, &p, sel, n_sel);
    }
    if (!rc) { /* 0 all reached, 1 some died, 2 all died, over every selected run */
        uint32_t reached = 0, total = 0;
        for (uint32_t i = 0; i < n_sel; i++) {
            const struct pm_analysis *a = p.analyses[sel[i]];
            for (uint32_t k = 0; k < a->n_targets; k++)
                reached += a->verdicts[k].status == PM_STATUS_REACHED;
            total += a->n_targets;
        }
        for (uint32_t i = 0; !vantage && i < p.set.n_v6; i++) { /* IPv6 traces count by what they saw */
            reached += p.set.v6[i].reached;
            total++;
        }
        rc = reached == total ? PM_EXIT_OK : reached ? PM_EXIT_SOME_DIED : PM_EXIT_ALL_DIED;
    }
    free(sel);
    pm_cli_peers_free(&p);
    return rc;
}
