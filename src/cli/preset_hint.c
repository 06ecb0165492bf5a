/* preset_hint.c - a target that is neither a preset nor a resolvable name: answer with the presets, and the closest one. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/sweep.h"

/* Edit distance of two short names (insertions, deletions, substitutions), capped at 9. */
static unsigned distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 31 || lb > 31)
        return 9;
    unsigned row[32];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= lb; j++) {
            unsigned up = row[j];
            unsigned best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb] > 9 ? 9 : row[lb];
}

bool pm_cli_preset_hint(const struct pm_cli_sweep *s, const char *arg, const char *err)
{
    /* a name with a dot is meant as a host name: its resolver error is the answer */
    if (strchr(arg, '.') || strchr(arg, '/') || strchr(arg, ':'))
        return false;
    char list[512];
    size_t used = 0;
    const char *closest = NULL;
    unsigned best = 3; /* at most two edits away */
    list[0] = 0;
    for (uint32_t i = 0; i < s->presets.n; i++) {
        const char *name = s->presets.items[i].name;
        int w = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", name);
        if (w > 0 && (size_t)w < sizeof list - used)
            used += (size_t)w;
        unsigned d = distance(arg, name);
        if (d < best) {
            best = d;
            closest = name;
        }
    }
    if (closest)
        pm_cli_error("%s: '%s' is not a preset: did you mean '%s'? (presets: %s)", s->cmd, arg, closest, list);
    else
        pm_cli_error("%s: '%s' is not a preset (presets: %s) nor a host name (%s)", s->cmd, arg,
                     used ? list : "none", err);
    return true;
}
