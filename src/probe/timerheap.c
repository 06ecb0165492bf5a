/* timerheap.c - min-heap of probe deadlines. */
#include <stdlib.h>

#include "pathmortem/common.h"
#include "probe/timerheap.h"
#include "util/grow.h"

int pm_timerheap_push(struct pm_timerheap *h, struct pm_timer t)
{
    int rc = PM_GROW(h->v, h->cap, (size_t)h->n + 1, 1024, UINT32_MAX);
    if (rc != PM_OK)
        return rc;
    uint32_t i = h->n++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (h->v[parent].at_us <= t.at_us)
            break;
        h->v[i] = h->v[parent];
        i = parent;
    }
    h->v[i] = t;
    return PM_OK;
}

bool pm_timerheap_peek(const struct pm_timerheap *h, struct pm_timer *out)
{
    if (!h->n)
        return false;
    *out = h->v[0];
    return true;
}

void pm_timerheap_pop(struct pm_timerheap *h)
{
    if (!h->n)
        return;
    struct pm_timer last = h->v[--h->n];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->v[c + 1].at_us < h->v[c].at_us)
            c++;
        if (last.at_us <= h->v[c].at_us)
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n)
        h->v[i] = last;
}

void pm_timerheap_free(struct pm_timerheap *h)
{
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}
