/* rules.h - every confidence the analyzer assigns, named in one place (docs/analyze.md states the rule behind each). */
#ifndef PATHMORTEM_ANALYZE_RULES_H
#define PATHMORTEM_ANALYZE_RULES_H

/* Router ownership (owners.c). */
#define AZ_OWN_MAPPED_TARGET 0.95   /* the address is in the target AS's own space */
#define AZ_OWN_VANTAGE 0.9          /* the first hop, mapped to the vantage's own AS */
#define AZ_OWN_CONVERGE 0.85        /* follows two upstreams, only the target after it */
#define AZ_OWN_DST_NEXT 0.65        /* only target hosts answer right after it */
#define AZ_OWN_DST_NEXT_HIST 0.75   /* ... and stored history agrees */
#define AZ_OWN_HISTORY 0.7          /* stored history: owned by and followed by the target */
#define AZ_OWN_AFTER_HANDOVER 0.65  /* right after a router that handed over in history */
#define AZ_OWN_THIRD_PARTY 0.6      /* foreign address between hops of one AS */
#define AZ_OWN_TARGET_ALIAS 0.6     /* a target-AS address answers at its hop with its reply TTL: one router */
#define AZ_OWN_INHERIT 0.35         /* unmapped, inherits one neighbour's AS */
#define AZ_OWN_INHERIT_BOTH 0.5     /* unmapped, both neighbours (or the IXP far side) agree */
#define AZ_OWN_MAPPED_CONSISTENT 0.9 /* mapped, next to other hops of the same AS */
#define AZ_OWN_MAPPED 0.75          /* mapped, no neighbour of the same AS */
#define AZ_OWN_HISTORY_OVERRIDE 0.65 /* a weak owner replaced by the stored one */

/* The upstream of a path that never entered the target AS (verdict.c). */
#define AZ_UP_WORKING_SAME 0.75     /* working paths of the same prefix through its last hop */
#define AZ_UP_WORKING_ANY 0.6       /* working paths of any prefix through its last hop */
#define AZ_UP_WATCHED 0.6           /* the last watched upstream on the path */
#define AZ_UP_ANY_OWNER 0.4         /* the last foreign owner on the path */

/* Reached targets: no upstream known, or 0.6 + 0.35 x the upstream's confidence. */
#define AZ_REACHED_NO_UPSTREAM 0.9
#define AZ_REACHED_BASE 0.6
#define AZ_REACHED_UP_WEIGHT 0.35

/* Deaths answered by an unreachable. */
#define AZ_UNREACH 0.95             /* x the sending router's ownership confidence */

/* Dark addresses (host-absent) and targets the run did not finish. */
#define AZ_HOST_UNREACH 0.9         /* host-unreachable from a target router; x its ownership confidence */
#define AZ_DARK 0.7                 /* silent where neighbours of the prefix were reached */
#define AZ_DARK_PAST_FAULT 0.5      /* silent past where its prefix's dead paths die, into a border that refuses dark addresses; x its owner confidence */
#define AZ_PAST_FAULT_SHARE 0.25    /* ... when at least this share of the prefix's targets die before the hop (a fault, not a stray loss) */
#define AZ_NOT_PROBED 1.0           /* the run records why it ended */
#define AZ_CUT_SILENT 0.9           /* a silent path in a prefix the cut run left undecided (none reached, some not finished) */

/* Loops. */
#define AZ_LOOP 0.85                /* x the looping router's ownership confidence */
#define AZ_LOOP_STOP_ONLY 0.5       /* known only from the stop reason */

/* Silence and rate limiting. */
#define AZ_RATE_LIMITED 0.6         /* neighbours got time-exceeded where this target got nothing */
#define AZ_RL_UNREACH_FACTOR 0.8    /* neighbours' unreachable stands for this target's lost copy */
#define AZ_RL_UNREACH_OTHER 0.6     /* ... neighbours of other prefixes' (nothing answered this path) */
/* Structural silence needs the other /25 to be answered beyond the hop on at
 * least this share of its paths through it: a lost sub-prefix route leaves
 * one half silent where the other is answered throughout; a healthy /24
 * whose live hosts sit in one half shows the same split in a few paths only
 * (5 hosts and 1 or 2 rate-limited !H of 128 in the lab) */
#define AZ_RL_STRUCT_SHARE 0.5
/* ... and the silent /25's paths through the hop to be at least this share
 * of that half's probed targets: a lost route silences the half's paths after
 * one hop; under rate limiting which hop a path was last heard at is chance,
 * and CI once saw 3 of 128 dark addresses (behind China Unicom's limited
 * routers) last heard at the hop where 4 of 7 of the other half went on */
#define AZ_RL_STRUCT_HALF_SHARE 0.25
#define AZ_NO_HOP 0.2               /* nothing answered at all */
#define AZ_SILENT_TARGET_HOSTS 0.7  /* silent inside the target AS where other hosts answer; x (0.5 + 0.5 conf) */
#define AZ_SILENT_IN_TARGET 0.75    /* silent inside the target AS; x (0.5 + 0.5 conf) */
#define AZ_SILENT_BORDER_ADJ 0.7    /* working paths: the target border follows at once */
#define AZ_SILENT_BORDER_GAP 0.45   /* working paths: silent hops, then the target */
#define AZ_SILENT_INSIDE 0.75       /* working paths: more hops of the same AS follow; x conf */
#define AZ_SILENT_NEXT_AS_ADJ 0.6   /* working paths: another AS follows at once */
#define AZ_SILENT_NEXT_AS_GAP 0.4   /* ... after silent hops */
#define AZ_SILENT_MIXED 0.8         /* factor: working paths disagree on what follows */
#define AZ_SILENT_OTHER_PREFIX 0.9  /* factor: only other prefixes' paths show what follows */
#define AZ_SILENT_HISTORY 0.6       /* stored history shows the target after it */
#define AZ_SILENT_LAST 0.5          /* nothing shows what follows: the last answering network; x conf */

/* Every path dies inside two upstreams at once (common_cause.c). */
#define AZ_COMMON_CAUSE 0.5

/* --compare-methods (compare.c). */
#define AZ_CMP_NOT_DEAD 0.9
#define AZ_CMP_FILTER_PASS 0.9      /* some protocol gets past the death point */
#define AZ_CMP_FILTER_ADMIN 0.75    /* only some protocols get !X */
#define AZ_CMP_ALL_ADMIN 0.6        /* every protocol gets !X: a block, route unknown */
#define AZ_CMP_DEAD_ADMIN 0.6       /* every protocol dies there, some with !X */
#define AZ_CMP_DEAD_MANY 0.85       /* two or more protocols die there */
#define AZ_CMP_DEAD_ONE 0.5         /* one protocol dies there */
#define AZ_CMP_INCONCLUSIVE 0.3

#endif
