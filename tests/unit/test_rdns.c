/* test_rdns.c - the reverse DNS resolver against a scripted name server on loopback: names, NXDOMAIN, a silence, a hostile PTR, SERVFAIL, the cache; host-name checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pathmortem/rdns.h"
#include "pathmortem/util.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static void test_hostname_valid(void **state)
{
    (void)state;
    assert_true(pm_hostname_valid("xe-0-1-0.bjs-cu.chinaunicom.net"));
    assert_true(pm_hostname_valid("a"));
    assert_true(pm_hostname_valid("_srv.example"));
    assert_false(pm_hostname_valid(""));
    assert_false(pm_hostname_valid(".example"));
    assert_false(pm_hostname_valid("a..b"));
    assert_false(pm_hostname_valid("evil\033[31m.example"));
    assert_false(pm_hostname_valid("with space.example"));
    assert_false(pm_hostname_valid("back\\slash.example"));
    assert_false(pm_hostname_valid("caf\xc3\xa9.example"));
    char label[80];
    memset(label, 'a', 64);
    label[64] = '\0';
    assert_false(pm_hostname_valid(label)); /* a label of 64 bytes */
    label[63] = '\0';
    assert_true(pm_hostname_valid(label));
    char longname[300];
    memset(longname, 'a', sizeof longname);
    for (size_t i = 50; i < sizeof longname; i += 51)
        longname[i] = '.';
    longname[254] = '\0';
    assert_false(pm_hostname_valid(longname)); /* 254 bytes */
    longname[253] = '\0';
    assert_true(longname[252] != '.' && pm_hostname_valid(longname));
}

/* --- a scripted name server: answers by the last octet of the question --- */

static size_t put_name(uint8_t *p, const char *name)
{
    size_t o = 0;
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t n = dot ? (size_t)(dot - name) : strlen(name);
        p[o++] = (uint8_t)n;
        memcpy(p + o, name, n);
        o += n;
        name += n + (dot ? 1 : 0);
    }
    p[o++] = 0;
    return o;
}

/* 10.0.0.1 a name, .2 NXDOMAIN, .3 never answered, .4 a PTR holding an
 * escape sequence, .5 SERVFAIL, .6 an answer without a PTR record. */
static void serve(int fd)
{
    for (;;) {
        uint8_t q[512], out[600];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
        if (n < 12 + 5)
            continue;
        size_t qend = 12; /* skip the question's name */
        while (qend < (size_t)n && q[qend])
            qend += q[qend] + 1u;
        qend += 1 + 4;
        if (qend > (size_t)n)
            continue;
        unsigned last = 0; /* first label of "D.C.B.A.in-addr.arpa" */
        for (unsigned i = 0; i < q[12] && i < 3; i++)
            last = last * 10 + (unsigned)(q[13 + i] - '0');
        if (last == 3)
            continue;
        memcpy(out, q, qend);
        out[2] = 0x84 | (q[2] & 0x01); /* QR, AA, RD copied */
        out[3] = 0x80;                  /* RA, rcode 0 */
        out[4] = 0, out[5] = 1;         /* one question */
        memset(out + 6, 0, 6);
        size_t o = qend;
        if (last == 2)
            out[3] |= 3;
        else if (last == 5)
            out[3] |= 2;
        else if (last == 1 || last == 4) {
            const char *name = last == 1 ? "router-1.pop.example" : "evil\033[31m.example";
            out[7] = 1; /* one answer */
            uint8_t rr[10] = {0xc0, 12, 0, 12, 0, 1, 0, 0, 1, 0};
            memcpy(out + o, rr, sizeof rr);
            o += sizeof rr;
            size_t len = put_name(out + o + 2, name);
            out[o] = (uint8_t)(len >> 8), out[o + 1] = (uint8_t)len;
            o += 2 + len;
        }
        sendto(fd, out, o, 0, (struct sockaddr *)&from, fl);
    }
}

static pid_t server_pid;
static uint16_t server_port;

static int setup(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(A(127, 0, 0, 1))};
    socklen_t sl = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) || getsockname(fd, (struct sockaddr *)&sa, &sl))
        return -1;
    server_port = ntohs(sa.sin_port);
    server_pid = fork();
    if (server_pid < 0)
        return -1;
    if (server_pid == 0) {
        serve(fd);
        _exit(0);
    }
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (server_pid > 0) {
        kill(server_pid, SIGKILL);
        waitpid(server_pid, NULL, 0);
    }
    return 0;
}

static uint64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void test_answers(void **state)
{
    (void)state;
    char err[PM_ERRBUF_SIZE];
    struct pm_rdns *r;
    struct pm_rdns_opts o = {.timeout_ms = 200, .tries = 2, .max_inflight = 2,
                             .server = A(127, 0, 0, 1), .port = server_port};
    assert_int_equal(pm_rdns_open(&o, &r, err), PM_OK);
    for (unsigned i = 1; i <= 6; i++)
        assert_int_equal(pm_rdns_want(r, A(10, 0, 0, i)), PM_OK);
    assert_int_equal(pm_rdns_want(r, A(10, 0, 0, 1)), PM_OK); /* asked once */
    assert_int_equal(pm_rdns_state(r, A(10, 0, 0, 6)), PM_RDNS_QUEUED); /* two in flight at most */
    uint64_t t0 = ms_now();
    assert_int_equal(pm_rdns_finish(r, 3000), 0);
    uint64_t took = ms_now() - t0;
    assert_string_equal(pm_rdns_name(r, A(10, 0, 0, 1)), "router-1.pop.example");
    assert_int_equal(pm_rdns_state(r, A(10, 0, 0, 2)), PM_RDNS_NXDOMAIN);
    assert_int_equal(pm_rdns_state(r, A(10, 0, 0, 3)), PM_RDNS_TIMEOUT);
    assert_int_equal(pm_rdns_state(r, A(10, 0, 0, 4)), PM_RDNS_FAILED);
    assert_null(pm_rdns_name(r, A(10, 0, 0, 4))); /* the escape sequence is never shown */
    assert_int_equal(pm_rdns_state(r, A(10, 0, 0, 5)), PM_RDNS_FAILED);
    assert_int_equal(pm_rdns_state(r, A(10, 0, 0, 6)), PM_RDNS_NXDOMAIN);
    assert_int_equal(pm_rdns_state(r, A(10, 0, 0, 7)), PM_RDNS_UNKNOWN);
    assert_null(pm_rdns_name_cb(r, A(10, 0, 0, 2)));
    struct pm_rdns_stats st;
    pm_rdns_stats(r, &st);
    assert_int_equal(st.asked, 6);
    assert_int_equal(st.queries, 6);
    assert_int_equal(st.named, 1);
    assert_int_equal(st.nxdomain, 2);
    assert_int_equal(st.timeout, 1);
    assert_int_equal(st.failed, 2);
    /* the silence costs its tries (200 ms, then 400 ms), not the budget */
    assert_true(took >= 500 && took < 2500);
    pm_rdns_close(r);
}

static void test_budget(void **state)
{
    (void)state;
    char err[PM_ERRBUF_SIZE];
    struct pm_rdns *r;
    struct pm_rdns_opts o = {.timeout_ms = 1000, .tries = 3, .server = A(127, 0, 0, 1), .port = server_port};
    assert_int_equal(pm_rdns_open(&o, &r, err), PM_OK);
    assert_int_equal(pm_rdns_want(r, A(10, 0, 0, 3)), PM_OK);
    assert_int_equal(pm_rdns_want(r, A(10, 0, 0, 1)), PM_OK);
    uint64_t t0 = ms_now();
    assert_int_equal(pm_rdns_finish(r, 300), 1); /* the silent one is cut by the budget */
    uint64_t took = ms_now() - t0;
    assert_true(took >= 300 && took < 1000);
    assert_int_equal(pm_rdns_state(r, A(10, 0, 0, 3)), PM_RDNS_TIMEOUT);
    assert_string_equal(pm_rdns_name(r, A(10, 0, 0, 1)), "router-1.pop.example");
    pm_rdns_close(r);
}

/* No server reachable (a closed port on loopback): fails at once, no wait. */
static void test_no_server(void **state)
{
    (void)state;
    char err[PM_ERRBUF_SIZE];
    struct pm_rdns *r;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(A(127, 0, 0, 1))};
    socklen_t sl = sizeof sa;
    assert_true(fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof sa) && !getsockname(fd, (struct sockaddr *)&sa, &sl));
    close(fd); /* the port is now closed: ICMP port unreachable on loopback */
    struct pm_rdns_opts o = {.timeout_ms = 1000, .tries = 2, .server = A(127, 0, 0, 1), .port = ntohs(sa.sin_port)};
    assert_int_equal(pm_rdns_open(&o, &r, err), PM_OK);
    assert_int_equal(pm_rdns_want(r, A(10, 0, 0, 1)), PM_OK);
    uint64_t t0 = ms_now();
    assert_int_equal(pm_rdns_finish(r, 4000), 0);
    assert_true(ms_now() - t0 < 1000);
    assert_int_equal(pm_rdns_state(r, A(10, 0, 0, 1)), PM_RDNS_FAILED);
    pm_rdns_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostname_valid),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_no_server),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
