/* presets.c - reads preset files: [name] sections of key = value lines (prefixes, target_asn, watch, description). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmortem/input.h"
#include "pathmortem/util.h"

#define LINE_MAX_LEN 1024

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = 0;
    return s;
}

static int set_value(struct pm_preset *p, const char *key, char *val, const char *path, int line, char *errbuf)
{
    if (!strcmp(key, "description")) {
        snprintf(p->description, sizeof p->description, "%s", val);
        return PM_OK;
    }
    if (!strcmp(key, "prefixes") || !strcmp(key, "watch")) {
        bool prefixes = key[0] == 'p';
        char *save = NULL;
        for (char *tok = strtok_r(val, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
            if (prefixes) {
                if (p->n_prefixes >= PM_PRESET_MAX_PREFIXES)
                    return pm_err(errbuf, PM_ELIMIT, "%s:%d: more than %d prefixes", path, line,
                                  PM_PRESET_MAX_PREFIXES);
                char msg[PM_ERRBUF_SIZE];
                if (pm_input_prefix(tok, &p->prefixes[p->n_prefixes], msg) != PM_OK)
                    return pm_err(errbuf, PM_EINVAL, "%s:%d: %s", path, line, msg);
                p->n_prefixes++;
            } else {
                unsigned long asn;
                if (p->n_watch >= PM_PRESET_MAX_WATCH)
                    return pm_err(errbuf, PM_ELIMIT, "%s:%d: more than %d watched ASes", path, line,
                                  PM_PRESET_MAX_WATCH);
                if (!strncmp(tok, "AS", 2) || !strncmp(tok, "as", 2))
                    tok += 2;
                if (pm_input_uint(tok, 1, 4294967295ul, &asn) != PM_OK)
                    return pm_err(errbuf, PM_EINVAL, "%s:%d: '%s' is not an AS number", path, line, tok);
                p->watch[p->n_watch++] = (uint32_t)asn;
            }
        }
        return PM_OK;
    }
    if (!strcmp(key, "target_asn")) {
        unsigned long asn;
        if (!strncmp(val, "AS", 2))
            val += 2;
        if (pm_input_uint(val, 1, 4294967295ul, &asn) != PM_OK)
            return pm_err(errbuf, PM_EINVAL, "%s:%d: '%s' is not an AS number", path, line, val);
        p->target_asn = (uint32_t)asn;
        return PM_OK;
    }
    return pm_err(errbuf, PM_EINVAL, "%s:%d: unknown key '%s'", path, line, key);
}

int pm_presets_load(struct pm_presets *ps, const char *path, char *errbuf)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return pm_err(errbuf, PM_ENOTFOUND, "cannot read presets %s: %m", path);
    char buf[LINE_MAX_LEN];
    int line = 0, rc = PM_OK;
    struct pm_preset *cur = NULL;
    while (fgets(buf, sizeof buf, f)) {
        line++;
        if (!strchr(buf, '\n') && !feof(f)) {
            rc = pm_err(errbuf, PM_EINVAL, "%s:%d: line too long", path, line);
            break;
        }
        char *s = trim(buf);
        if (!*s || *s == '#')
            continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (!end || end[1] || end == s + 1 || (size_t)(end - s - 1) >= sizeof cur->name) {
                rc = pm_err(errbuf, PM_EINVAL, "%s:%d: bad section header", path, line);
                break;
            }
            *end = 0;
            cur = NULL;
            for (uint32_t i = 0; i < ps->n; i++)
                if (!strcmp(ps->items[i].name, s + 1))
                    cur = &ps->items[i];
            if (!cur) {
                if (ps->n >= PM_PRESETS_MAX) {
                    rc = pm_err(errbuf, PM_ELIMIT, "%s:%d: more than %d presets", path, line, PM_PRESETS_MAX);
                    break;
                }
                cur = &ps->items[ps->n++];
            }
            memset(cur, 0, sizeof *cur);
            snprintf(cur->name, sizeof cur->name, "%s", s + 1);
            continue;
        }
        char *eq = strchr(s, '=');
        if (!cur || !eq) {
            rc = pm_err(errbuf, PM_EINVAL, "%s:%d: expected [name] or key = value", path, line);
            break;
        }
        *eq = 0;
        if ((rc = set_value(cur, trim(s), trim(eq + 1), path, line, errbuf)) != PM_OK)
            break;
    }
    fclose(f);
    if (rc == PM_OK)
        for (uint32_t i = 0; i < ps->n; i++)
            if (!ps->items[i].n_prefixes)
                return pm_err(errbuf, PM_EINVAL, "%s: preset '%s' has no prefixes", path, ps->items[i].name);
    return rc;
}

int pm_presets_load_default(struct pm_presets *ps, char *errbuf)
{
    const char *shipped[] = {PM_DATADIR "/presets.conf", PM_SOURCE_PRESETS};
    int rc = PM_OK;
    for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
        FILE *f = fopen(shipped[i], "r");
        if (!f)
            continue;
        fclose(f);
        if ((rc = pm_presets_load(ps, shipped[i], errbuf)) != PM_OK)
            return rc;
        break;
    }
    char user[512] = "";
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(user, sizeof user, "%s/pathmortem/presets.conf", xdg);
    else if (home && *home)
        snprintf(user, sizeof user, "%s/.config/pathmortem/presets.conf", home);
    const char *more[] = {"/etc/pathmortem/presets.conf", user};
    for (size_t i = 0; i < 2; i++) {
        if (!*more[i])
            continue;
        FILE *f = fopen(more[i], "r");
        if (!f)
            continue;
        fclose(f);
        if ((rc = pm_presets_load(ps, more[i], errbuf)) != PM_OK)
            return rc;
    }
    return PM_OK;
}

const struct pm_preset *pm_presets_find(const struct pm_presets *ps, const char *name)
{
    for (uint32_t i = 0; i < ps->n; i++)
        if (!strcmp(ps->items[i].name, name))
            return &ps->items[i];
    return NULL;
}

/* A target list names no preset when it comes from a file read back
 * (`analyze`): the preset whose prefixes hold most of its addresses is the
 * best guess of the target AS and the upstreams to watch. */
const struct pm_preset *pm_presets_guess(const struct pm_presets *ps, uint32_t n,
                                         uint32_t (*addr)(const void *ctx, uint32_t i), const void *ctx)
{
    const struct pm_preset *best = NULL;
    uint32_t best_n = 0;
    for (uint32_t i = 0; i < ps->n; i++) {
        uint32_t held = 0;
        for (uint32_t t = 0; t < n; t++) {
            uint32_t a = addr(ctx, t);
            for (uint32_t k = 0; k < ps->items[i].n_prefixes; k++) {
                const struct pm_prefix *p = &ps->items[i].prefixes[k];
                uint32_t mask = pm_prefix_mask(p->len);
                if ((a & mask) == p->addr) {
                    held++;
                    break;
                }
            }
        }
        if (held > best_n) {
            best = &ps->items[i];
            best_n = held;
        }
    }
    return best;
}
