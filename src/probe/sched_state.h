/* sched_state.h - the scheduler's per-target and per-/24 state, private to sched.c and schedule.c. */
#ifndef PATHMORTEM_PROBE_SCHED_STATE_H
#define PATHMORTEM_PROBE_SCHED_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/map.h"
#include "probe/sched.h"
#include "probe/timerheap.h"

enum { SLOT_FWD = 0, SLOT_BACK = 1 };

/* One hop being probed for one target, in one direction. */
struct hop_slot {
    uint8_t ttl;        /* 0: idle */
    uint8_t want;       /* attempts to send for this hop */
    uint8_t sent;       /* attempts sent */
    uint8_t answered;   /* replies received */
    uint8_t kind;       /* enum pm_reply_kind of the first reply */
    uint8_t reply_ttl;  /* IP TTL of the first reply (distance estimate) */
    bool from_target;   /* the first reply came from the target (pm_reply_from_target) */
    uint16_t gen;       /* bumped when the slot completes: stale timers are ignored */
    uint32_t addr;      /* first responder */
};

#define TS_FWD_DONE 0x01
#define TS_BACK_DONE 0x02
#define TS_LAUNCHED 0x04
#define TS_FINISHED 0x08
#define TS_UNREACH 0x10
#define TS_LOOP 0x20

struct tstate {
    uint32_t dst;
    uint32_t group;          /* index into the prefix knowledge table */
    uint8_t flags;
    uint8_t reached_ttl;     /* lowest TTL the target answered at (0: not yet) */
    uint8_t gap;             /* silent forward hops in a row */
    uint8_t last_router_ttl; /* highest TTL a router answered at */
    uint8_t unreach_ttl;     /* lowest TTL a router refused at (ICMP unreachable), 0: none */
    uint64_t probed;         /* bit (ttl-1): that TTL has been probed */
    uint64_t te_mask;        /* bit (ttl-1): a router answered there (time exceeded) */
    uint64_t start_us;
    struct hop_slot slot[2];
};

/* TTLs whose silence a /24 counts (1..PM_SCHED_MUTE_TTLS; higher ones
 * always get their retries), and how many of its targets must have waited
 * in silence at a TTL, with none of its targets heard there, before the
 * others stop retrying it (see pm_sched_timeout). */
#define PM_SCHED_MUTE_TTLS 32
#define PM_SCHED_MUTE_AFTER 4

/* What one /24 has taught us, to start its other targets at the right TTL. */
struct group_info {
    uint32_t prefix;         /* /24 network */
    uint8_t dist;            /* TTL at which targets of this /24 were reached (0: unknown) */
    uint8_t far;             /* the highest such TTL (hosts behind one more router) */
    uint8_t last_resp;       /* for unreached targets: highest answering TTL */
    uint8_t unreach_ttl;     /* lowest TTL at which a router refused (ICMP unreachable), or guessed */
    uint8_t refused_ttl;     /* lowest TTL a probe was refused at (never a guess) */
    uint8_t loop_ttl;        /* TTL at which a routing loop begins */
    uint8_t confirmers;      /* targets given the rate-limit retries where the refusal is unconfirmed */
    uint8_t silent_first[PM_SCHED_MUTE_TTLS]; /* per TTL: first waits that ended silent (capped) */
    uint64_t heard;          /* bit (ttl-1): some target of this /24 got a reply at that TTL */
};

struct send_req {
    uint32_t target;
    uint8_t slot;            /* SLOT_FWD or SLOT_BACK */
};

struct pm_sched {
    struct pm_sched_opts o;
    struct tstate *ts;
    uint32_t n;
    uint32_t active;         /* launched or queued, not finished */
    uint32_t finished;

    struct group_info *groups;
    uint32_t n_groups;
    uint8_t global_dist;     /* last distance learned anywhere */

    /* stop set: (target /24, router) pairs already discovered (value unused) */
    struct pm_map stopset;
    /* (target, responder) -> lowest TTL it answered at, to see loops */
    struct pm_map seen;

    struct send_req *queue;  /* FIFO ring of sends waiting for the caller's tokens */
    uint32_t q_cap, q_head, q_len;
    /* targets not launched yet, in launch order: a target is launched only
     * when no launched target has a probe waiting, so later targets start
     * with what earlier ones taught about their prefix */
    uint32_t *launch;
    uint32_t n_launch, launch_next;

    struct pm_timerheap timers;
    int err;                 /* first PM_ENOMEM met inside a decision (sticky) */
};

/* schedule.c: the per-target decisions */
void pm_sched_launch(struct pm_sched *s, uint32_t t, uint64_t now);
void pm_sched_sent(struct pm_sched *s, uint32_t t, uint8_t slot, uint64_t now);
void pm_sched_reply(struct pm_sched *s, uint32_t t, const struct pm_reply *r, uint64_t now);
void pm_sched_timeout(struct pm_sched *s, const struct pm_timer *tm, uint64_t now);
/* sched.c: queues one send of (target, slot); sets s->err when out of memory */
void pm_sched_push(struct pm_sched *s, uint32_t target, uint8_t slot);
/* records a failure (the first one wins) */
void pm_sched_fail(struct pm_sched *s, int rc);
#endif
