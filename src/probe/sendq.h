/* sendq.h - the sending thread: a bounded queue of the probes the scheduler decided, handed to the send function on a second core. */
#ifndef PATHMORTEM_PROBE_SENDQ_H
#define PATHMORTEM_PROBE_SENDQ_H

#include <stdbool.h>
#include <stdint.h>

#include "pathmortem/common.h"

/* Probes a queue holds at most (8 bytes each): 16 ms at 500k probes/s, 80 ms
 * at the one-hop benchmark's 100k, so the loop feeding it may sleep a few
 * ms when it is full. */
#define PM_SENDQ_CAP 8192u

struct pm_sendq;

/* Puts one probe on the wire: PM_OK, or an error with errbuf
 * (PM_ERRBUF_SIZE bytes) set; a failed probe counts as lost. Called on
 * the queue's thread, one probe at a time, in the order pushed. */
typedef int (*pm_sendq_fn)(void *ctx, uint32_t dst, uint8_t ttl, uint8_t attempt, char *errbuf);

/* Starts the thread that hands every probe pushed to send(ctx, ...), in
 * order. Whatever send touches (the engine's libnet handle) is the
 * thread's until pm_sendq_finish. If no thread can be started, the queue
 * calls send inside pm_sendq_push instead (same results, one core).
 * PM_ENOMEM only. */
int pm_sendq_start(pm_sendq_fn send, void *ctx, struct pm_sendq **out, char *errbuf);
/* Queues one probe; false (nothing queued) when the queue is full. One
 * thread only may push (the engine's loop). */
bool pm_sendq_push(struct pm_sendq *q, uint32_t dst, uint8_t ttl, uint8_t attempt);
/* Wakes the thread for what was pushed since the last call (one call per
 * batch of pushes, not per probe). */
void pm_sendq_kick(struct pm_sendq *q);
bool pm_sendq_full(const struct pm_sendq *q);
/* Probes pushed and not sent yet (0 without a thread: push sends at once). */
uint32_t pm_sendq_backlog(const struct pm_sendq *q);
/* Probes the socket took so far, and failed sends (lost probes); when some
 * failed and first_err is non-NULL (PM_ERRBUF_SIZE bytes), the first
 * failure's message is copied there. Exact after pm_sendq_finish. */
uint64_t pm_sendq_sent(const struct pm_sendq *q);
uint64_t pm_sendq_errors(const struct pm_sendq *q, char *first_err);
/* Stops the thread and waits for it: what is queued is sent first, unless
 * discard (then it is dropped: a second stop request, a failed run). The
 * counters stay readable until pm_sendq_free. */
void pm_sendq_finish(struct pm_sendq *q, bool discard);
void pm_sendq_free(struct pm_sendq *q);

#endif
