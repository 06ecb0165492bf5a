/* history_svg.c - the history as an SVG timeline: a row per /24, time across, coloured by state and death AS, with the routing lane (announced / withdrawn) under it when snapshots carried a control plane. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "output/internal.h"
#include "pathmortem/store.h"

#define LEFT 150
#define WIDTH 900
#define ROW_H 22
#define TOP 40
#define MAX_DEATH_COLOURS 8

static const char *const palette[MAX_DEATH_COLOURS] = {"#d62728", "#ff7f0e", "#9467bd", "#8c564b",
                                                        "#e377c2", "#bcbd22", "#17becf", "#1f77b4"};
#define REACHED_COLOUR "#2ca02c"
#define UNKNOWN_COLOUR "#d9d9d9"   /* nothing probed (a run cut short): not an outage */
#define PARTIAL_STROKE "#ff9900"   /* partial: the death colour of its dying paths, outlined */
#define OTHER_COLOUR "#7f7f7f"
#define ANNOUNCED_COLOUR "#6baed6" /* routing lane: visible in the control plane */
#define WITHDRAWN_COLOUR "#252525" /* routing lane: withdrawn */
#define LANE_H 8                   /* the routing lane's height under a row */

/* Writes s with the five XML special characters escaped and control bytes dropped. */
static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default:
            if (c >= 0x20 || c == '\t')
                fputc(c, f);
        }
    }
}

struct legend {
    uint32_t asn[MAX_DEATH_COLOURS];
    const struct pm_as_ref *ref[MAX_DEATH_COLOURS];
    int n;
};

static const char *death_colour(struct legend *lg, const struct pm_as_ref *as)
{
    for (int i = 0; i < lg->n; i++)
        if (lg->asn[i] == as->asn)
            return palette[i];
    if (lg->n < MAX_DEATH_COLOURS) {
        lg->asn[lg->n] = as->asn;
        lg->ref[lg->n] = as;
        return palette[lg->n++];
    }
    return OTHER_COLOUR;
}

static double xpos(uint64_t t, uint64_t t0, uint64_t t1)
{
    if (t <= t0)
        return LEFT;
    if (t >= t1)
        return LEFT + WIDTH;
    return LEFT + (double)(t - t0) / (double)(t1 - t0) * WIDTH;
}

/* The time axis: at most 8 ticks at a round step (seconds for a window of
 * a few snapshots, days for months), each labelled, and the window's first
 * and last instants written out under its ends, so even a window shorter
 * than a step (a few snapshots a second apart) says when it was. */
static void axis(FILE *f, uint64_t t0, uint64_t t1, int y)
{
    static const uint64_t steps[] = {1,    5,    10,    15,    30,    60,     300,    600,    1800,
                                     3600, 7200, 21600, 43200, 86400, 172800, 604800, 2592000};
    uint64_t span = (t1 - t0) / 1000000, step = steps[sizeof steps / sizeof steps[0] - 1];
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (span / steps[i] <= 8) {
            step = steps[i];
            break;
        }
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", LEFT, y, LEFT + WIDTH, y);
    uint64_t first = (t0 / 1000000 + step - 1) / step * step;
    for (uint64_t s = first; s * 1000000 <= t1; s += step) {
        double x = xpos(s * 1000000, t0, t1);
        time_t tt = (time_t)s;
        struct tm tm;
        gmtime_r(&tt, &tm);
        char label[32];
        if (step < 60)
            strftime(label, sizeof label, "%H:%M:%S", &tm);
        else if (step < 86400)
            strftime(label, sizeof label, "%m-%d %H:%M", &tm);
        else
            strftime(label, sizeof label, "%m-%d", &tm);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>\n", x, y, x, y + 5);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, y + 18, label);
    }
    char a[40], b[40];
    time_t ta = (time_t)(t0 / 1000000), tb = (time_t)(t1 / 1000000);
    struct tm tm;
    gmtime_r(&ta, &tm);
    strftime(a, sizeof a, "%Y-%m-%d %H:%M:%S UTC", &tm);
    gmtime_r(&tb, &tm);
    strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S UTC", &tm);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"start\" fill=\"#555\">from %s</text>\n", LEFT, y + 34, a);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#555\">to %s</text>\n", LEFT + WIDTH, y + 34, b);
}

/* The routing episodes of key as a thin lane at y. */
static void routing_lane(FILE *f, const struct pm_history *h, const char *key, int y, uint64_t t0, uint64_t t1,
                         uint64_t now_us)
{
    for (size_t i = 0; i < h->n_routes; i++) {
        const struct pm_route_episode *r = &h->routes[i];
        if (strcmp(r->key, key))
            continue;
        double x0 = xpos(r->start_us, t0, t1), x1 = xpos(r->end_us ? r->end_us : t1, t0, t1);
        char start[40], ev[40] = "none seen", dur[32], title[400];
        pm_format_time(r->start_us, start, sizeof start);
        if (r->first_event_us)
            pm_format_time(r->first_event_us, ev, sizeof ev);
        uint64_t end = r->end_us ? r->end_us : now_us;
        pm_format_duration(end > r->start_us ? end - r->start_us : 0, dur, sizeof dur);
        snprintf(title, sizeof title, "%s %s (%s, first event %s; %s) from %s for %s (%u snapshots)", r->key,
                 r->announced ? "announced" : "withdrawn", r->first_change, ev, r->conclusion, start, dur,
                 r->snapshots);
        fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>", x0, y,
                x1 - x0 < 1 ? 1.0 : x1 - x0, LANE_H - 2, r->announced ? ANNOUNCED_COLOUR : WITHDRAWN_COLOUR);
        xml_text(f, title);
        fputs("</title></rect>\n", f);
    }
}

int pm_output_history_svg(FILE *f, const struct pm_history *h, uint64_t now_us, char *errbuf)
{
    size_t rows = 0;
    for (size_t i = 0; i < h->n; i++)
        if (!h->episodes[i].is_upstream && (i == 0 || strcmp(h->episodes[i].key, h->episodes[i - 1].key)))
            rows++;
    uint64_t t0 = h->first_us, t1 = now_us > h->last_us ? now_us : h->last_us + 1;
    if (t1 <= t0)
        t1 = t0 + 1;
    struct legend lg = {.n = 0};
    int row_h = ROW_H + (h->n_routes ? LANE_H : 0);
    int axis_y = TOP + (int)rows * row_h + 6;
    int height = axis_y + 56 + (MAX_DEATH_COLOURS + 6) * 18;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
               "font-size=\"11\">\n",
            LEFT + WIDTH + 20, height);
    fprintf(f, "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">pathmortem history: reachability per /24 "
               "(%u snapshots)</text>\n",
            h->n_snapshots);
    size_t row = 0;
    for (size_t i = 0; i < h->n; i++) {
        const struct pm_episode *e = &h->episodes[i];
        if (e->is_upstream)
            continue;
        if (i > 0 && strcmp(e->key, h->episodes[i - 1].key))
            row++;
        int y = TOP + (int)row * row_h;
        if (i == 0 || strcmp(e->key, h->episodes[i - 1].key)) {
            fprintf(f, "<text x=\"10\" y=\"%d\">", y + 15);
            xml_text(f, e->key);
            fputs("</text>\n", f);
            routing_lane(f, h, e->key, y + ROW_H - 2, t0, t1, now_us);
        }
        double x0 = xpos(e->start_us, t0, t1), x1 = xpos(e->end_us ? e->end_us : t1, t0, t1);
        const char *fill = e->state == PM_EPISODE_REACHED   ? REACHED_COLOUR
                           : e->state == PM_EPISODE_UNKNOWN ? UNKNOWN_COLOUR
                                                            : death_colour(&lg, &e->dies_in);
        char start[40], dur[32], title[512];
        pm_format_time(e->start_us, start, sizeof start);
        uint64_t end = e->end_us ? e->end_us : now_us;
        pm_format_duration(end > e->start_us ? end - e->start_us : 0, dur, sizeof dur);
        if (e->state == PM_EPISODE_REACHED)
            snprintf(title, sizeof title, "%s reachable from %s for %s (%u snapshots)", e->key, start, dur,
                     e->snapshots);
        else if (e->state == PM_EPISODE_UNKNOWN)
            snprintf(title, sizeof title, "%s unknown (not probed) from %s for %s (%u snapshots)", e->key, start, dur,
                     e->snapshots);
        else
            snprintf(title, sizeof title, "%s %s, blamed on %s (AS%u), from %s for %s (%u snapshots)", e->key,
                     e->state == PM_EPISODE_PARTIAL ? "partial: some paths die" : "dead",
                     e->dies_in.name[0] ? e->dies_in.name : "unknown", e->dies_in.asn, start, dur, e->snapshots);
        fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"%s><title>", x0, y + 3,
                x1 - x0 < 1 ? 1.0 : x1 - x0, ROW_H - 6, fill,
                e->state == PM_EPISODE_PARTIAL ? " fill-opacity=\"0.5\" stroke=\"" PARTIAL_STROKE "\"" : "");
        xml_text(f, title);
        fputs("</title></rect>\n", f);
    }
    axis(f, t0, t1, axis_y);
    int ly = axis_y + 56;
    fprintf(f, "<rect x=\"10\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"28\" y=\"%d\">reachable</text>\n",
            ly, REACHED_COLOUR, ly + 10);
    ly += 18;
    fprintf(f, "<rect x=\"10\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"28\" y=\"%d\">unknown (not "
               "probed)</text>\n", ly, UNKNOWN_COLOUR, ly + 10);
    ly += 18;
    fprintf(f, "<rect x=\"10\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\" fill-opacity=\"0.5\" stroke=\"%s\"/>"
               "<text x=\"28\" y=\"%d\">partial (outlined; colour: where the dying paths are blamed)</text>\n",
            ly, OTHER_COLOUR, PARTIAL_STROKE, ly + 10);
    if (h->n_routes) {
        ly += 18;
        fprintf(f, "<rect x=\"10\" y=\"%d\" width=\"12\" height=\"6\" fill=\"%s\"/><text x=\"28\" y=\"%d\">routing "
                   "lane: announced</text>\n", ly + 3, ANNOUNCED_COLOUR, ly + 10);
        ly += 18;
        fprintf(f, "<rect x=\"10\" y=\"%d\" width=\"12\" height=\"6\" fill=\"%s\"/><text x=\"28\" y=\"%d\">routing "
                   "lane: withdrawn</text>\n", ly + 3, WITHDRAWN_COLOUR, ly + 10);
    }
    for (int i = 0; i < lg.n; i++) {
        ly += 18;
        char label[200];
        snprintf(label, sizeof label, "dead, blamed on %s (AS%u)", lg.ref[i]->name[0] ? lg.ref[i]->name : "unknown",
                 lg.asn[i]);
        fprintf(f, "<rect x=\"10\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"28\" y=\"%d\">", ly,
                palette[i], ly + 10);
        xml_text(f, label);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
    if (fflush(f) != 0 || ferror(f))
        return pm_err(errbuf, PM_EIO, "cannot write the timeline");
    return PM_OK;
}
