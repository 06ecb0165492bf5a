/* input.h - strict parsers for everything a user types: numbers, addresses, prefixes, target lists, presets. */
#ifndef PATHMORTEM_INPUT_H
#define PATHMORTEM_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "pathmortem/common.h"

/* Decimal integer in [min, max], nothing else on the string. */
int pm_input_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);
/* Decimal number (e.g. "0.5") in [min, max]. */
int pm_input_double(const char *s, double min, double max, double *out);

struct pm_prefix {
    uint32_t addr;   /* network, host order */
    uint8_t len;
};

/* "a.b.c.d" (a /32) or "a.b.c.d/len"; host bits set are refused. */
int pm_input_prefix(const char *s, struct pm_prefix *out, char *errbuf);

#define PM_PRESET_MAX_PREFIXES 32
#define PM_PRESET_MAX_WATCH 8

struct pm_preset {
    char name[32];
    char description[128];
    uint32_t n_prefixes;
    struct pm_prefix prefixes[PM_PRESET_MAX_PREFIXES];
    uint32_t target_asn;
    uint32_t n_watch;
    uint32_t watch[PM_PRESET_MAX_WATCH];
};

#define PM_PRESETS_MAX 64

struct pm_presets {
    uint32_t n;
    struct pm_preset items[PM_PRESETS_MAX];
};

/* Reads a preset file (format in presets/presets.conf); later files override
 * earlier names. Errors name the file and line. */
int pm_presets_load(struct pm_presets *p, const char *path, char *errbuf);
/* The shipped file (installed data dir, then the source tree) and the
 * user's ones (/etc/pathmortem/presets.conf, $XDG_CONFIG_HOME or
 * ~/.config/pathmortem/presets.conf) that exist. */
int pm_presets_load_default(struct pm_presets *p, char *errbuf);
const struct pm_preset *pm_presets_find(const struct pm_presets *p, const char *name);
/* The preset whose prefixes hold the most of n addresses (addr(ctx, i) for
 * i < n); the first of equals in load order; NULL when none holds any. */
const struct pm_preset *pm_presets_guess(const struct pm_presets *p, uint32_t n,
                                         uint32_t (*addr)(const void *ctx, uint32_t i), const void *ctx);

/* The target list of a run: prefixes expanded lazily, deduplicated on expansion. */
#define PM_TARGETS_MAX_ADDRS (1u << 20)   /* a /12: hard cap */
#define PM_TARGETS_BIG (1u << 16)         /* more than a /16 needs --allow-large */

struct pm_targets {
    uint32_t n, cap;
    struct pm_prefix *items;
    const struct pm_preset *preset;   /* first preset named, for target AS and watched upstreams */
};

void pm_targets_free(struct pm_targets *t);
/* Adds one argument: an address, a prefix, a preset name, or (if
 * allow_names) a host name resolved to its IPv4 addresses. */
int pm_targets_add(struct pm_targets *t, const char *arg, const struct pm_presets *presets, bool allow_names,
                   char *errbuf);
/* Adds every line of a file (# comments, blank lines ignored); errors give file:line. */
int pm_targets_add_file(struct pm_targets *t, const char *path, const struct pm_presets *presets, char *errbuf);
/* Expands to a sorted, deduplicated address array (malloc'd, caller frees).
 * Network and broadcast addresses of prefixes shorter than /31 are kept: on
 * the Internet they are often routed hosts. */
int pm_targets_expand(const struct pm_targets *t, uint32_t **addrs, uint32_t *n, char *errbuf);

#endif
