/* jstream.c - splits a JSON array of objects or a stream of objects (JSON Lines) into records of bounded size, then dispatches each. */
#include <stdlib.h>
#include <string.h>

#include "peers/internal.h"

struct src {
    FILE *f;
    const char *buf;
    size_t len, off;
    uint64_t line;     /* current line, 1-based */
};

static int next_byte(struct src *s)
{
    int ch;
    if (s->f)
        ch = getc_unlocked(s->f);
    else
        ch = s->off < s->len ? (unsigned char)s->buf[s->off++] : EOF;
    if (ch == '\n')
        s->line++;
    return ch;
}

static bool is_ws(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Names a JSON record that is not a traceroute result we read. */
static const char *atlas_kind_name(const char *type)
{
    static const char *const names[][2] = {
        {"ping", "RIPE Atlas ping results"},     {"dns", "RIPE Atlas DNS results"},
        {"http", "RIPE Atlas HTTP results"},     {"sslcert", "RIPE Atlas TLS certificate results"},
        {"ntp", "RIPE Atlas NTP results"},       {"wifi", "RIPE Atlas Wi-Fi results"},
        {"connection", "RIPE Atlas connection events"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(type, names[i][0]))
            return names[i][1];
    return NULL;
}

/* Decides what one parsed record is and reads it. */
static int dispatch(struct pm_peers_ctx *c, json_t *rec)
{
    if (!json_is_object(rec))
        return pm_peers_bad(c, PM_ECORRUPT, "expected a JSON object");
    json_t *type = json_object_get(rec, "type"), *schema = json_object_get(rec, "schema");
    const char *ts = json_is_string(type) ? json_string_value(type) : NULL;
    bool atlas = json_object_get(rec, "prb_id") || json_object_get(rec, "msm_id");
    char what[96] = "";
    if (json_is_string(schema)) {
        const char *sc = json_string_value(schema);
        if (!strncmp(sc, "pathmortem-snapshot/", 20))
            snprintf(what, sizeof what, "a pathmortem export (read it with 'pathmortem import')");
        else if (!strncmp(sc, "pathmortem/", 11))
            snprintf(what, sizeof what, "a pathmortem JSON document, not a capture or a traceroute result");
    } else if (atlas && ts && !strcmp(ts, "traceroute")) {
        if (!c->first_seen)
            snprintf(c->set->what, sizeof c->set->what, "RIPE Atlas traceroute results");
        c->first_seen = true;
        return pm_peers_atlas(c, rec);
    } else if (atlas && json_is_string(json_object_get(rec, "result"))) {
        snprintf(what, sizeof what, "RIPE Atlas firmware-1 results (text, not JSON hops)");
    } else if (atlas && ts && atlas_kind_name(ts)) {
        snprintf(what, sizeof what, "%s", atlas_kind_name(ts));
    } else if (atlas) {
        snprintf(what, sizeof what, "RIPE Atlas results of type '%.32s'", ts ? ts : "?");
    } else if (ts && (!strcmp(ts, "trace") || !strcmp(ts, "tracelb") || !strcmp(ts, "cycle-start") ||
                      !strcmp(ts, "cycle-stop") || !strcmp(ts, "list"))) {
        if (!c->first_seen && (!strcmp(ts, "trace") || !strcmp(ts, "tracelb"))) {
            snprintf(c->set->what, sizeof c->set->what, "scamper JSON (sc_warts2json)");
            c->first_seen = true;
        }
        return pm_peers_scamper_json(c, rec);
    } else if (ts && (!strcmp(ts, "ping") || !strcmp(ts, "dealias") || !strcmp(ts, "tbit") || !strcmp(ts, "sting") ||
                      !strcmp(ts, "neighbourdisc") || !strcmp(ts, "host") || !strcmp(ts, "sniff"))) {
        snprintf(what, sizeof what, "scamper %s results", ts);
    } else {
        snprintf(what, sizeof what, "JSON that is neither RIPE Atlas nor scamper traceroute results");
    }
    if (!c->first_seen) /* the file's first record names what the file is */
        return pm_err(c->errbuf, PM_EUNSUPP, "%s", what);
    pm_peers_skip(c, "%s among traceroute results, skipped", what);
    return PM_OK;
}

static int parse_record(struct pm_peers_ctx *c, const char *buf, size_t n)
{
    json_error_t je;
    json_t *rec = json_loadb(buf, n, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &je);
    if (!rec) {
        uint64_t line = c->line;
        c->line = line + (je.line > 0 ? (uint64_t)je.line - 1 : 0);
        int rc = pm_peers_bad(c, PM_ECORRUPT, "%s", je.text);
        c->line = line;
        return rc;
    }
    int rc = dispatch(c, rec);
    json_decref(rec);
    return rc;
}

/* Collects one object starting at its '{' (already read) into *buf. */
static int collect(struct pm_peers_ctx *c, struct src *s, char **buf, size_t *cap, size_t *n)
{
    size_t depth = 0;
    bool in_str = false, esc = false;
    int ch = '{';
    *n = 0;
    for (;;) {
        if (*n + 1 >= *cap) {
            if (*cap >= PM_PEERS_MAX_RECORD)
                return pm_peers_bad(c, PM_ELIMIT, "longer than %zu MiB (the reader's cap on one result)",
                                    PM_PEERS_MAX_RECORD >> 20);
            size_t ncap = *cap ? *cap * 2 : 4096;
            char *nb = realloc(*buf, ncap);
            if (!nb)
                return pm_peers_bad(c, PM_ENOMEM, "out of memory");
            *buf = nb;
            *cap = ncap;
        }
        (*buf)[(*n)++] = (char)ch;
        if (in_str) {
            if (esc)
                esc = false;
            else if (ch == '\\')
                esc = true;
            else if (ch == '"')
                in_str = false;
        } else if (ch == '"') {
            in_str = true;
        } else if (ch == '{' || ch == '[') {
            depth++;
        } else if (ch == '}' || ch == ']') {
            if (--depth == 0)
                return PM_OK;
        }
        if ((ch = next_byte(s)) == EOF)
            return pm_peers_bad(c, PM_ECORRUPT, "cut short: the file ends inside this result");
    }
}

static int stream(struct pm_peers_ctx *c, struct src *s)
{
    char *buf = NULL;
    size_t cap = 0, n = 0;
    int ch, rc = PM_OK;
    bool array = false, want_comma = false, closed = false;
    s->line = 1;
    do /* a UTF-8 byte order mark is allowed before the document */
        ch = next_byte(s);
    while (is_ws(ch));
    if (ch == 0xef && next_byte(s) == 0xbb && next_byte(s) == 0xbf)
        do
            ch = next_byte(s);
        while (is_ws(ch));
    if (ch == '[') {
        array = true;
        ch = next_byte(s);
    }
    for (;; ch = next_byte(s)) {
        if (is_ws(ch))
            continue;
        if (ch == EOF)
            break;
        c->record++;
        c->line = s->line;
        if (closed) {
            rc = pm_peers_bad(c, PM_ECORRUPT, "text after the end of the JSON array");
            break;
        }
        if (array && ch == ']' ) {
            closed = true;
            continue;
        }
        if (array && want_comma) {
            if (ch != ',') {
                rc = pm_peers_bad(c, PM_ECORRUPT, "expected ',' or ']' between results, not '%c'", ch);
                break;
            }
            want_comma = false;
            continue;
        }
        if (ch != '{') {
            rc = pm_peers_bad(c, PM_ECORRUPT, "expected a JSON object, not '%c'", ch > 32 && ch < 127 ? ch : '?');
            break;
        }
        if ((rc = collect(c, s, &buf, &cap, &n)) || (rc = parse_record(c, buf, n)))
            break;
        want_comma = array;
    }
    if (!rc && array && !closed) {
        c->line = s->line;
        rc = pm_peers_bad(c, PM_ECORRUPT, "cut short: the JSON array is not closed");
    }
    if (!rc && !c->first_seen)
        rc = pm_err(c->errbuf, PM_EUNSUPP, "holds no traceroute results (an empty JSON document)");
    free(buf);
    return rc;
}

static int read_common(struct pm_peers_ctx *c, struct src *s, FILE *f, const char *name, enum pm_peer_kind kind)
{
    int rc;
    if (kind == PM_PEER_JSON)
        rc = stream(c, s);
    else if (kind == PM_PEER_WARTS && f) {
        snprintf(c->set->what, sizeof c->set->what, "scamper warts");
        rc = pm_peers_warts(c, f, name);
    } else if (kind == PM_PEER_PCAP && f) {
        rc = pm_peers_pcap(c, f, name);
    } else
        rc = pm_err(c->errbuf, PM_EUNSUPP, "not a format the peers reader knows");
    if (!rc) {
        if (c->set->n_runs == 0 && c->set->n_v6 == 0)
            rc = pm_err(c->errbuf, PM_EUNSUPP, "holds no traceroute that sent a probe (%llu result%s, %llu failed)",
                        (unsigned long long)c->set->records, c->set->records == 1 ? "" : "s",
                        (unsigned long long)c->set->failed);
        else
            pm_peers_finish(c);
    }
    if (!rc && c->late && !c->set->warning[0])
        snprintf(c->set->warning, sizeof c->set->warning,
                 "%llu repl%s before its probe or over an hour after it not kept", (unsigned long long)c->late,
                 c->late == 1 ? "y" : "ies");
    if (!rc && c->deep_hops && !c->set->warning[0])
        snprintf(c->set->warning, sizeof c->set->warning, "%llu hop%s beyond TTL %u not kept (the trace model's cap)",
                 (unsigned long long)c->deep_hops, c->deep_hops == 1 ? "" : "s", PM_TTL_MAX);
    pm_peers_ctx_free(c);
    if (rc)
        pm_peers_free(c->set);
    return rc;
}

int pm_peers_read(FILE *f, const char *name, enum pm_peer_kind kind, uint8_t gaplimit, struct pm_peer_set *set,
                  char *errbuf)
{
    memset(set, 0, sizeof *set);
    struct pm_peers_ctx c = {.set = set, .gaplimit = gaplimit ? gaplimit : 5, .errbuf = errbuf};
    struct src s = {.f = f};
    set->gaplimit = c.gaplimit;
    return read_common(&c, &s, f, name, kind);
}

int pm_peers_read_mem(const char *buf, size_t len, uint8_t gaplimit, struct pm_peer_set *set, char *errbuf)
{
    memset(set, 0, sizeof *set);
    struct pm_peers_ctx c = {.set = set, .gaplimit = gaplimit ? gaplimit : 5, .errbuf = errbuf};
    struct src s = {.buf = buf, .len = len};
    set->gaplimit = c.gaplimit;
    return read_common(&c, &s, NULL, "memory", pm_peers_sniff((const uint8_t *)buf, len));
}
