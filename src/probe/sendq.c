/* sendq.c - the sending thread: a bounded single-producer/single-consumer ring of probes (C11 atomics) drained onto the raw socket from a second core. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/sendq.h"

/* Why a thread, and why sending: on the one-hop benchmark four fifths of the
 * engine's time is the kernel inside sendto (the veth, the router's
 * forwarding and its ICMP error, the packet socket's copies of probe and
 * reply, all run in softirq on the sending core). The bare loop pays that
 * too; what it does not pay is the rest (capture, matching, scheduling).
 * Sending from a thread of its own leaves that rest to the engine's loop on
 * the other core. The model, matcher and scheduler stay single-threaded:
 * the thread sees only probe coordinates, the spec (read-only during a run)
 * and the libnet handle (the thread's alone until it is joined).
 *
 * Privileges: the thread is started by pm_engine_run, after pm_priv_drop
 * and pm_priv_sandbox. Linux keeps credentials and capabilities per thread
 * (setresuid is made process-wide by glibc's broadcast, capset by libcap-ng
 * is not) and a seccomp filter loaded without TSYNC binds only its thread
 * and the threads it creates later; a thread created after the drop and the
 * filter inherits all of them (uids, empty capability sets, no_new_privs,
 * the filter), so no thread of a run ever holds more than the loop that
 * started it. The filter allows clone only with CLONE_THREAD for this
 * (sandbox.c). It also needs no new system call: sendto on the socket
 * opened before the drop, futex for the wake-ups. */

#define MASK (PM_SENDQ_CAP - 1u)
_Static_assert((PM_SENDQ_CAP & MASK) == 0, "the ring's capacity is a power of two");

enum { RUN, DRAIN, DISCARD };

struct slot {
    uint32_t dst;
    uint8_t ttl, attempt;
};

struct pm_sendq {
    /* written by the pushing thread; own cache line apart from head */
    _Alignas(64) atomic_uint tail;
    /* written by the sending thread */
    _Alignas(64) atomic_uint head;
    atomic_ullong sent, errors;
    atomic_bool sleeping;  /* the thread waits (or is about to) on cv */
    _Alignas(64) atomic_int stop;
    pm_sendq_fn send;
    void *ctx;
    bool threaded, joined;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char first_err[PM_ERRBUF_SIZE]; /* written once, before errors becomes 1 */
    struct slot slots[PM_SENDQ_CAP];
};

static void send_slot(struct pm_sendq *q, const struct slot *s, uint64_t *sent)
{
    char err[PM_ERRBUF_SIZE];
    if (q->send(q->ctx, s->dst, s->ttl, s->attempt, err) == PM_OK) {
        atomic_store_explicit(&q->sent, ++*sent, memory_order_relaxed);
        return;
    }
    /* the probe counts as lost; the engine tells the user once */
    if (atomic_load_explicit(&q->errors, memory_order_relaxed) == 0)
        snprintf(q->first_err, sizeof q->first_err, "%s", err);
    atomic_fetch_add_explicit(&q->errors, 1, memory_order_release);
}

/* Sleeps until a push or a stop. The Dekker pair with pm_sendq_push and
 * pm_sendq_kick: this side stores sleeping then loads tail, the pusher
 * stores tail then loads sleeping, all four sequentially consistent, so at
 * least one of them sees the other's store: no wake-up is lost. */
static void wait_for_work(struct pm_sendq *q, unsigned head)
{
    pthread_mutex_lock(&q->mu);
    atomic_store(&q->sleeping, true);
    while (atomic_load(&q->tail) == head && atomic_load(&q->stop) == RUN)
        pthread_cond_wait(&q->cv, &q->mu);
    atomic_store(&q->sleeping, false);
    pthread_mutex_unlock(&q->mu);
}

static void *sender_main(void *arg)
{
    struct pm_sendq *q = arg;
    pthread_setname_np(pthread_self(), "pm-send"); /* prctl(PR_SET_NAME), which the filter allows */
    uint64_t sent = 0;
    unsigned head = atomic_load_explicit(&q->head, memory_order_relaxed);
    for (;;) {
        /* stop before tail: every push made before the stop is then seen */
        int stop = atomic_load_explicit(&q->stop, memory_order_acquire);
        unsigned tail = atomic_load_explicit(&q->tail, memory_order_acquire);
        if (stop == DISCARD || (stop == DRAIN && head == tail))
            break;
        if (head == tail) {
            wait_for_work(q, head);
            continue;
        }
        while (head != tail) {
            send_slot(q, &q->slots[head & MASK], &sent);
            head++;
            atomic_store_explicit(&q->head, head, memory_order_release);
            /* a discard (second stop request) need not wait for the batch */
            if ((head & 63u) == 0 && atomic_load_explicit(&q->stop, memory_order_relaxed) == DISCARD)
                break;
        }
    }
    return NULL;
}

int pm_sendq_start(pm_sendq_fn send, void *ctx, struct pm_sendq **out, char *errbuf)
{
    size_t size = (sizeof(struct pm_sendq) + 63) / 64 * 64;
    struct pm_sendq *q = aligned_alloc(64, size);
    if (!q)
        return pm_err(errbuf, PM_ENOMEM, "out of memory for the send queue");
    memset(q, 0, size);
    atomic_init(&q->tail, 0);
    atomic_init(&q->head, 0);
    atomic_init(&q->sent, 0);
    atomic_init(&q->errors, 0);
    atomic_init(&q->sleeping, false);
    atomic_init(&q->stop, RUN);
    q->send = send;
    q->ctx = ctx;
    q->joined = true;
    if (pthread_mutex_init(&q->mu, NULL) == 0) {
        if (pthread_cond_init(&q->cv, NULL) == 0) {
            /* signals (SIGINT, SIGTERM) stay the engine loop's: its poll
             * wakes and its handler's flag is read on the thread that set it */
            sigset_t all, old;
            sigfillset(&all);
            pthread_sigmask(SIG_SETMASK, &all, &old);
            q->threaded = pthread_create(&q->thread, NULL, sender_main, q) == 0;
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            q->joined = !q->threaded;
            if (!q->threaded)
                pthread_cond_destroy(&q->cv);
        }
        if (!q->threaded)
            pthread_mutex_destroy(&q->mu);
    }
    *out = q;
    return PM_OK;
}

bool pm_sendq_push(struct pm_sendq *q, uint32_t dst, uint8_t ttl, uint8_t attempt)
{
    struct slot s = {.dst = dst, .ttl = ttl, .attempt = attempt};
    if (!q->threaded) {
        /* no thread: the caller's thread sends (the counters are still atomics, read the same way) */
        uint64_t sent = atomic_load_explicit(&q->sent, memory_order_relaxed);
        send_slot(q, &s, &sent);
        return true;
    }
    unsigned tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    if (tail - atomic_load_explicit(&q->head, memory_order_acquire) >= PM_SENDQ_CAP)
        return false;
    q->slots[tail & MASK] = s;
    atomic_store(&q->tail, tail + 1); /* seq_cst: half of the pair in wait_for_work */
    return true;
}

void pm_sendq_kick(struct pm_sendq *q)
{
    if (!q->threaded)
        return;
    if (!atomic_load(&q->sleeping))
        return;
    pthread_mutex_lock(&q->mu);
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

bool pm_sendq_full(const struct pm_sendq *q)
{
    if (!q->threaded)
        return false;
    unsigned tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    return tail - atomic_load_explicit(&q->head, memory_order_acquire) >= PM_SENDQ_CAP;
}

uint32_t pm_sendq_backlog(const struct pm_sendq *q)
{
    if (!q->threaded)
        return 0;
    unsigned tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    return tail - atomic_load_explicit(&q->head, memory_order_acquire);
}

uint64_t pm_sendq_sent(const struct pm_sendq *q)
{
    return atomic_load_explicit(&q->sent, memory_order_relaxed);
}

uint64_t pm_sendq_errors(const struct pm_sendq *q, char *first_err)
{
    uint64_t n = atomic_load_explicit(&q->errors, memory_order_acquire);
    if (n && first_err)
        snprintf(first_err, PM_ERRBUF_SIZE, "%s", q->first_err);
    return n;
}

void pm_sendq_finish(struct pm_sendq *q, bool discard)
{
    if (!q || q->joined)
        return;
    atomic_store_explicit(&q->stop, discard ? DISCARD : DRAIN, memory_order_release);
    /* under the mutex: the thread checks stop holding it, so it either saw
     * the stop or is waiting already when the signal comes */
    pthread_mutex_lock(&q->mu);
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->thread, NULL);
    q->joined = true;
}

void pm_sendq_free(struct pm_sendq *q)
{
    if (!q)
        return;
    pm_sendq_finish(q, true);
    if (q->threaded) {
        pthread_cond_destroy(&q->cv);
        pthread_mutex_destroy(&q->mu);
    }
    free(q);
}
