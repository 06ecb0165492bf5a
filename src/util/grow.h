/* grow.h - the one capped grow-by-doubling helper for every growable array (the design's "every buffer has a stated cap"). */
#ifndef PATHMORTEM_UTIL_GROW_H
#define PATHMORTEM_UTIL_GROW_H

#include <stddef.h>
#include <stdint.h>

/* Makes the array *pp (elements of elem bytes, *cap of them allocated) hold
 * at least need elements: the capacity starts at first and doubles, never
 * past max. PM_OK (nothing done when need <= *cap), PM_ELIMIT when need >
 * max, PM_ENOMEM when realloc fails; on failure *pp and *cap are unchanged.
 * New elements are not initialised. pp is the address of the array pointer
 * (any object pointer type). Use PM_GROW, which picks the cap's width. */
int pm_grow_size(void *pp, size_t elem, size_t *cap, size_t need, size_t first, size_t max);
int pm_grow_u32(void *pp, size_t elem, uint32_t *cap, size_t need, size_t first, size_t max);

/* PM_GROW(array, cap, need, first, max) for a size_t or uint32_t cap. */
#define PM_GROW(arr, cap, need, first, max)                                                                         \
    _Generic((cap), uint32_t: pm_grow_u32, size_t: pm_grow_size)(&(arr), sizeof *(arr), &(cap), (need), (first), \
                                                                  (max))

#endif
