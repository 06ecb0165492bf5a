/* prefetch.h - PM_PREFETCH: a cache hint for table slots a batch of packets will touch (no effect on results). */
#ifndef PATHMORTEM_UTIL_PREFETCH_H
#define PATHMORTEM_UTIL_PREFETCH_H

/* Only a hint: the address need not be valid to dereference, and nothing
 * is read through it, so a stale pointer (a table that grew since) is
 * harmless. Offline `analyze` is bound by cache misses on tables far larger
 * than the cache (docs/performance.md), which this lets one packet's
 * overlap with the next's. */
#if defined(__GNUC__) || defined(__clang__)
#define PM_PREFETCH(p) __builtin_prefetch((p))
#define PM_PREFETCH_W(p) __builtin_prefetch((p), 1)
#else
#define PM_PREFETCH(p) ((void)(p))
#define PM_PREFETCH_W(p) ((void)(p))
#endif

#endif
