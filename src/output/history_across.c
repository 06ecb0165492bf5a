/* history_across.c - a /24's state across vantages as text lines ("dead from 4 of 4 vantages since ..., in AS4837 from 4") or a JSON array. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/internal.h"
#include "pathmortem/store.h"
#include "pathmortem/util.h"

static void minute(uint64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

static void text_line(FILE *f, const struct pm_across_entry *e, uint32_t n_vantages, uint64_t now_us)
{
    static const char *const word[4] = {"reachable", "dead", "partial", "unknown"};
    static const int order[4] = {PM_EPISODE_DIED, PM_EPISODE_PARTIAL, PM_EPISODE_REACHED, PM_EPISODE_UNKNOWN};
    fprintf(f, "%-18s", e->key);
    const char *sep = " ";
    for (int k = 0; k < 4; k++) {
        int st = order[k];
        /* the states some vantage sees, and reachable always: "reached from none" is the news */
        if (e->by_state[st] || st == PM_EPISODE_REACHED) {
            fprintf(f, "%s%s from %u", sep, word[st], e->by_state[st]);
            sep = ", ";
        }
    }
    fprintf(f, " of %u vantage%s", n_vantages, n_vantages == 1 ? "" : "s");
    if (e->vantages < n_vantages)
        fprintf(f, " (%u see it)", e->vantages);
    if (e->since_us) {
        char since[32], first[32], dur[32];
        minute(e->since_us, since, sizeof since);
        minute(e->first_us, first, sizeof first);
        pm_format_duration(now_us > e->since_us ? now_us - e->since_us : 0, dur, sizeof dur);
        fprintf(f, "; dying");
        for (uint32_t i = 0; i < e->n_dies_in; i++) {
            char name[sizeof e->dies_in[i].as.name];
            pm_output_clean(e->dies_in[i].as.name, name, sizeof name);
            if (e->dies_in[i].as.asn)
                fprintf(f, "%s in %.100s%sAS%u%s from %u", i ? "," : "", name, name[0] ? " (" : "", e->dies_in[i].as.asn,
                        name[0] ? ")" : "", e->dies_in[i].vantages);
            else
                fprintf(f, "%s in an unknown AS from %u", i ? "," : "", e->dies_in[i].vantages);
        }
        fprintf(f, "; all of them since %s (%s)", since, dur);
        if (e->first_us != e->since_us)
            fprintf(f, ", the first since %s", first);
    }
    fputc('\n', f);
}

static json_t *entry_json(const struct pm_across_entry *e)
{
    char t[40];
    json_t *o = json_object(), *d = json_array();
    json_object_set_new(o, "prefix", json_string(e->key));
    json_object_set_new(o, "vantages", json_integer(e->vantages));
    json_object_set_new(o, "reached", json_integer(e->by_state[PM_EPISODE_REACHED]));
    json_object_set_new(o, "died", json_integer(e->by_state[PM_EPISODE_DIED]));
    json_object_set_new(o, "partial", json_integer(e->by_state[PM_EPISODE_PARTIAL]));
    json_object_set_new(o, "unknown", json_integer(e->by_state[PM_EPISODE_UNKNOWN]));
    for (uint32_t i = 0; i < e->n_dies_in; i++) {
        char name[sizeof e->dies_in[i].as.name];
        pm_output_clean(e->dies_in[i].as.name, name, sizeof name);
        json_t *as = json_object();
        json_object_set_new(as, "asn", json_integer(e->dies_in[i].as.asn));
        json_t *js = json_string(name);
        json_object_set_new(as, "name", js ? js : json_string(""));
        json_object_set_new(as, "vantages", json_integer(e->dies_in[i].vantages));
        json_array_append_new(d, as);
    }
    json_object_set_new(o, "dies_in", d);
    if (e->since_us) {
        pm_format_time(e->first_us, t, sizeof t);
        json_object_set_new(o, "first", json_string(t));
        pm_format_time(e->since_us, t, sizeof t);
        json_object_set_new(o, "since", json_string(t));
    } else {
        json_object_set_new(o, "first", json_null());
        json_object_set_new(o, "since", json_null());
    }
    return o;
}

int pm_output_across(FILE *f, enum pm_format fmt, const struct pm_across *a, uint64_t now_us, char *errbuf)
{
    if (fmt == PM_FMT_TEXT) {
        for (size_t i = 0; i < a->n; i++)
            text_line(f, &a->entries[i], a->n_vantages, now_us);
    } else if (fmt == PM_FMT_JSON) {
        json_t *arr = json_array();
        for (size_t i = 0; i < a->n; i++)
            json_array_append_new(arr, entry_json(&a->entries[i]));
        char *s = json_dumps(arr, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
        json_decref(arr);
        if (!s)
            return pm_err(errbuf, PM_ENOMEM, "out of memory writing the vantages");
        fputs(s, f);
        free(s);
    } else {
        return pm_err(errbuf, PM_EUNSUPP, "the view across vantages is text or json");
    }
    if (ferror(f))
        return pm_err(errbuf, PM_EIO, "cannot write: %s", strerror(errno ? errno : EIO));
    return PM_OK;
}
