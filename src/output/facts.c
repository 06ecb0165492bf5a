/* facts.c - a table of address facts (ASN, names, place) read back from a JSON document, with a pm_lookup_fn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/facts.h"
#include "pathmortem/geo.h"

struct fact {
    uint32_t addr; /* 0: empty slot (0.0.0.0 never answers a probe) */
    struct pm_geo_info info;
    char *name; /* malloc'd host name, NULL when none */
};

struct pm_output_facts {
    uint32_t n, cap; /* cap: power of two, load factor <= 1/2 */
    struct fact *slots;
};

struct pm_output_facts *pm_output_facts_alloc(void)
{
    return calloc(1, sizeof(struct pm_output_facts));
}

void pm_output_facts_free(struct pm_output_facts *f)
{
    if (!f)
        return;
    for (uint32_t i = 0; i < f->cap; i++)
        free(f->slots[i].name);
    free(f->slots);
    free(f);
}

static uint32_t slot_of(uint32_t addr, uint32_t cap)
{
    return ((addr * 2654435761u) ^ (addr >> 16)) & (cap - 1);
}

static struct fact *find(const struct pm_output_facts *f, uint32_t addr)
{
    if (!f->cap)
        return NULL;
    uint32_t s = slot_of(addr, f->cap);
    while (f->slots[s].addr) {
        if (f->slots[s].addr == addr)
            return &f->slots[s];
        s = (s + 1) & (f->cap - 1);
    }
    return NULL;
}

static int grow(struct pm_output_facts *f)
{
    uint32_t cap = f->cap ? f->cap * 2 : 256;
    struct fact *ns = calloc(cap, sizeof *ns);
    if (!ns)
        return PM_ENOMEM;
    for (uint32_t i = 0; i < f->cap; i++) {
        if (!f->slots[i].addr)
            continue;
        uint32_t s = slot_of(f->slots[i].addr, cap);
        while (ns[s].addr)
            s = (s + 1) & (cap - 1);
        ns[s] = f->slots[i];
    }
    free(f->slots);
    f->slots = ns;
    f->cap = cap;
    return PM_OK;
}

int pm_output_facts_add(struct pm_output_facts *f, uint32_t addr, const struct pm_geo_info *info)
{
    if (!addr || find(f, addr)) /* the first occurrence wins */
        return PM_OK;
    if (f->n >= PM_OUTPUT_FACTS_MAX)
        return PM_ELIMIT;
    if ((f->n + 1) * 2 > f->cap && grow(f) != PM_OK)
        return PM_ENOMEM;
    uint32_t s = slot_of(addr, f->cap);
    while (f->slots[s].addr)
        s = (s + 1) & (f->cap - 1);
    f->slots[s].addr = addr;
    f->slots[s].info = *info;
    f->slots[s].name = NULL;
    f->n++;
    return PM_OK;
}

int pm_output_facts_set_name(struct pm_output_facts *f, uint32_t addr, const char *name)
{
    struct fact *e = find(f, addr);
    if (!e) {
        struct pm_geo_info none;
        memset(&none, 0, sizeof none);
        int rc = pm_output_facts_add(f, addr, &none);
        if (rc != PM_OK)
            return rc;
        if (!(e = find(f, addr)))
            return PM_OK; /* address 0: never a hop */
    }
    if (!e->name && !(e->name = strdup(name)))
        return PM_ENOMEM;
    return PM_OK;
}

const char *pm_output_facts_name(void *ctx, uint32_t addr)
{
    const struct fact *e = ctx && addr ? find(ctx, addr) : NULL;
    return e ? e->name : NULL;
}

void pm_output_facts_lookup(void *ctx, uint32_t addr, struct pm_geo_info *out)
{
    const struct fact *e = ctx && addr ? find(ctx, addr) : NULL;
    if (e)
        *out = e->info;
    else
        memset(out, 0, sizeof *out);
    /* the special-purpose class is a property of the address, not of a
     * database, so the document does not carry it: filled as the geo reader
     * does, so a re-rendered run names "benchmarking" where analyze did */
    const char *special = addr ? pm_geo_special(addr, NULL, NULL) : NULL;
    if (special) {
        out->special = true;
        snprintf(out->special_name, sizeof out->special_name, "%s", special);
    }
}
