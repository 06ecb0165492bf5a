/* test_sendq.c - the sending thread's queue: every probe handed over once and in order, a full queue refusing, no lost wake-up, drain and discard at the end, send errors counted. */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>

#include "probe/sendq.h"

/* What the send function saw. Written on the queue's thread only; the test
 * reads next/calls after pm_sendq_finish (the join orders them) and gate
 * and started while it runs, hence the atomics. */
struct seen {
    uint32_t next;        /* dst expected next */
    uint32_t calls;
    uint32_t out_of_order;
    uint32_t fail_every;  /* dst % fail_every == 1 fails (0: never) */
    atomic_bool gate;     /* false: the first call waits until it opens */
    atomic_bool started;  /* the first call is under way */
};

static int record(void *ctx, uint32_t dst, uint8_t ttl, uint8_t attempt, char *errbuf)
{
    struct seen *s = ctx;
    atomic_store(&s->started, true);
    while (!atomic_load(&s->gate))
        sched_yield();
    if (dst != s->next || ttl != (uint8_t)(dst % 30 + 1) || attempt != (uint8_t)(dst % 8))
        s->out_of_order++;
    s->next = dst + 1;
    s->calls++;
    if (s->fail_every && dst % s->fail_every == 1)
        return pm_err(errbuf, PM_EIO, "cannot send probe %u", dst);
    return PM_OK;
}

static void push(struct pm_sendq *q, uint32_t dst)
{
    /* a full queue: wait for the thread (not timed; ctest's timeout is the bound) */
    while (!pm_sendq_push(q, dst, (uint8_t)(dst % 30 + 1), (uint8_t)(dst % 8))) {
        pm_sendq_kick(q);
        sched_yield();
    }
}

static struct pm_sendq *start(struct seen *s)
{
    struct pm_sendq *q = NULL;
    char err[PM_ERRBUF_SIZE];
    assert_int_equal(pm_sendq_start(record, s, &q, err), PM_OK);
    assert_non_null(q);
    return q;
}

static void every_probe_goes_out_once_in_order(void **state)
{
    (void)state;
    struct seen s = {.gate = true};
    struct pm_sendq *q = start(&s);
    const uint32_t n = 200000; /* many times the queue's capacity */
    for (uint32_t i = 0; i < n; i++) {
        push(q, i);
        if (i % 100 == 99)
            pm_sendq_kick(q);
    }
    pm_sendq_kick(q);
    pm_sendq_finish(q, false);
    assert_int_equal(s.calls, n);
    assert_int_equal(s.out_of_order, 0);
    assert_int_equal(pm_sendq_sent(q), n);
    assert_int_equal(pm_sendq_errors(q, NULL), 0);
    pm_sendq_free(q);
}

/* The thread holds the first probe's slot until its send returns: a full
 * queue is exactly PM_SENDQ_CAP probes, and the next push is refused. */
static void a_full_queue_refuses_a_push(void **state)
{
    (void)state;
    struct seen s = {.gate = false};
    struct pm_sendq *q = start(&s);
    uint32_t pushed = 0;
    while (pm_sendq_push(q, pushed, (uint8_t)(pushed % 30 + 1), (uint8_t)(pushed % 8))) {
        pushed++;
        pm_sendq_kick(q);
        assert_true(pushed <= PM_SENDQ_CAP);
        if (pushed == 1)
            while (!atomic_load(&s.started))
                sched_yield();
    }
    assert_int_equal(pushed, PM_SENDQ_CAP);
    assert_true(pm_sendq_full(q));
    assert_int_equal(pm_sendq_sent(q), 0);
    atomic_store(&s.gate, true);
    pm_sendq_finish(q, false); /* drains: everything queued is sent */
    assert_int_equal(s.calls, PM_SENDQ_CAP);
    assert_int_equal(s.out_of_order, 0);
    assert_int_equal(pm_sendq_sent(q), PM_SENDQ_CAP);
    assert_false(pm_sendq_full(q));
    pm_sendq_free(q);
}

/* One probe at a time, each waited for: the thread goes to sleep between
 * them, so every push needs its wake-up. A lost one hangs this test. */
static void no_wake_up_is_lost(void **state)
{
    (void)state;
    struct seen s = {.gate = true};
    struct pm_sendq *q = start(&s);
    for (uint32_t i = 0; i < 5000; i++) {
        push(q, i);
        pm_sendq_kick(q);
        while (pm_sendq_sent(q) != i + 1)
            sched_yield();
    }
    pm_sendq_finish(q, false);
    assert_int_equal(s.calls, 5000);
    assert_int_equal(s.out_of_order, 0);
    pm_sendq_free(q);
}

/* A discard sends no more than was pushed, counts what it sent, and
 * returns with the thread joined; so does freeing a queue never finished. */
static void discard_and_free_stop_the_thread(void **state)
{
    (void)state;
    struct seen s = {.gate = true};
    struct pm_sendq *q = start(&s);
    for (uint32_t i = 0; i < 3000; i++)
        push(q, i);
    pm_sendq_kick(q);
    pm_sendq_finish(q, true);
    assert_true(s.calls <= 3000);
    assert_int_equal(pm_sendq_sent(q), s.calls);
    assert_int_equal(s.out_of_order, 0);
    pm_sendq_finish(q, false); /* a second finish does nothing */
    pm_sendq_free(q);

    struct seen s2 = {.gate = true};
    q = start(&s2);
    for (uint32_t i = 0; i < 100; i++)
        push(q, i);
    pm_sendq_free(q); /* no leaked thread: ASan and valgrind see it */
    assert_true(s2.calls <= 100);
}

static void send_errors_are_counted_and_the_first_told(void **state)
{
    (void)state;
    struct seen s = {.gate = true, .fail_every = 1000};
    struct pm_sendq *q = start(&s);
    for (uint32_t i = 0; i < 10000; i++)
        push(q, i);
    pm_sendq_kick(q);
    pm_sendq_finish(q, false);
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(pm_sendq_errors(q, err), 10);
    assert_string_equal(err, "cannot send probe 1");
    assert_int_equal(pm_sendq_sent(q), 10000 - 10);
    assert_int_equal(s.calls, 10000);
    pm_sendq_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_probe_goes_out_once_in_order),
        cmocka_unit_test(a_full_queue_refuses_a_push),
        cmocka_unit_test(no_wake_up_is_lost),
        cmocka_unit_test(discard_and_free_stop_the_thread),
        cmocka_unit_test(send_errors_are_counted_and_the_first_told),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
