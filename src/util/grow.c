/* grow.c - capped grow-by-doubling of arrays: one realloc policy and one overflow check for the whole program. */
#include <stdlib.h>
#include <string.h>

#include "pathmortem/common.h"
#include "util/grow.h"

/* The new capacity in *out; the pointer behind pp replaced on success. The
 * pointer is read and written with memcpy so any T ** may be passed. */
static int grow(void *pp, size_t elem, size_t cap, size_t need, size_t first, size_t max, size_t *out)
{
    *out = cap;
    if (need <= cap)
        return PM_OK;
    if (need > max || elem == 0)
        return PM_ELIMIT;
    size_t nc = cap ? cap : (first ? first : 1);
    while (nc < need)
        nc = nc > max / 2 ? max : nc * 2;
    if (nc > max)
        nc = max;
    if (nc > SIZE_MAX / elem)
        return PM_ELIMIT;
    void *old;
    memcpy(&old, pp, sizeof old);
    void *p = realloc(old, nc * elem);
    if (!p)
        return PM_ENOMEM;
    memcpy(pp, &p, sizeof p);
    *out = nc;
    return PM_OK;
}

int pm_grow_size(void *pp, size_t elem, size_t *cap, size_t need, size_t first, size_t max)
{
    size_t nc;
    int rc = grow(pp, elem, *cap, need, first, max, &nc);
    if (rc == PM_OK)
        *cap = nc;
    return rc;
}

int pm_grow_u32(void *pp, size_t elem, uint32_t *cap, size_t need, size_t first, size_t max)
{
    size_t nc;
    int rc = grow(pp, elem, *cap, need, first, max > UINT32_MAX ? UINT32_MAX : max, &nc);
    if (rc == PM_OK)
        *cap = (uint32_t)nc;
    return rc;
}
