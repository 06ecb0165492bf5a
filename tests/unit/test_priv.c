/* test_priv.c - the privilege drop really leaves no uid 0, no capability and no way back (checked from /proc in a forked child). */
#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "pathmortem/priv.h"

/* A child reports its first failed check on this pipe and exits 1. */
static int report_fd = -1;

static int child_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int child_fail(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n > 0 && write(report_fd, msg, strlen(msg)) < 0)
        _exit(2);
    _exit(1);
}

/* Runs fn in a forked child; fails the test with the child's message. */
static void in_child(void (*fn)(void))
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        report_fd = p[1];
        fn();
        _exit(0);
    }
    close(p[1]);
    char msg[512] = "";
    ssize_t n = read(p[0], msg, sizeof msg - 1);
    msg[n > 0 ? n : 0] = '\0';
    close(p[0]);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail_msg("child: %s (status 0x%x)", msg[0] ? msg : "died", st);
}

static int need_root(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    return 0;
}

static uid_t uid_of(const char *name, gid_t *gid)
{
    struct passwd *pw = getpwnam(name);
    if (!pw)
        return (uid_t)-1;
    if (gid)
        *gid = pw->pw_gid;
    return pw->pw_uid;
}

/* Every check the lab test makes on the running program, made here on ourselves. */
static void expect_dropped(uid_t uid, gid_t gid, int bounding_empty)
{
    struct pm_priv_status st;
    char err[PM_ERRBUF_SIZE];
    if (pm_priv_read_status(0, &st, err) != PM_OK)
        child_fail("read_status: %s", err);
    for (int i = 0; i < 4; i++) {
        if (st.uid[i] != uid)
            child_fail("Uid[%d]=%u, want %u", i, st.uid[i], (unsigned)uid);
        if (st.gid[i] != gid)
            child_fail("Gid[%d]=%u, want %u", i, st.gid[i], (unsigned)gid);
    }
    for (uint32_t i = 0; i < st.n_groups; i++)
        if (st.groups[i] != gid)
            child_fail("supplementary group %u kept", st.groups[i]);
    if (st.cap_eff || st.cap_prm || st.cap_inh || st.cap_amb)
        child_fail("caps left: eff %llx prm %llx inh %llx amb %llx", (unsigned long long)st.cap_eff,
                   (unsigned long long)st.cap_prm, (unsigned long long)st.cap_inh,
                   (unsigned long long)st.cap_amb);
    if (bounding_empty && st.cap_bnd)
        child_fail("bounding set %llx not empty", (unsigned long long)st.cap_bnd);
    if (st.no_new_privs != 1)
        child_fail("NoNewPrivs=%d", st.no_new_privs);
    int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (fd >= 0)
        child_fail("raw socket still opens after the drop");
    if (errno != EPERM && errno != EACCES)
        child_fail("raw socket: unexpected %s", strerror(errno));
    if (pm_priv_check_raw(err) != PM_EPERM)
        child_fail("check_raw did not report PM_EPERM");
    if (!strstr(err, "needs root or CAP_NET_RAW") || !strstr(err, "setcap cap_net_raw+ep"))
        child_fail("check_raw message: %s", err);
    if (setuid(0) == 0)
        child_fail("setuid(0) succeeded");
}

static void child_default_nobody(void)
{
    char err[PM_ERRBUF_SIZE] = "";
    gid_t gid = 0;
    uid_t uid = uid_of("nobody", &gid);
    if (uid == (uid_t)-1)
        child_fail("no user nobody on this system");
    if (pm_priv_check_raw(err) != PM_OK)
        child_fail("root cannot open raw sockets? %s", err);
    /* Supplementary groups a root shell may carry must not survive. */
    const gid_t extra[] = {0, 4, 27};
    if (setgroups(3, extra) != 0)
        child_fail("test setup: setgroups: %s", strerror(errno));
    int rc = pm_priv_drop(NULL, err);
    if (rc != PM_OK)
        child_fail("drop: %s", err);
    expect_dropped(uid, gid, 1);
}

static void drops_root_to_nobody(void **state)
{
    (void)state;
    in_child(child_default_nobody);
}

static void child_named_user(void)
{
    char err[PM_ERRBUF_SIZE] = "";
    gid_t gid = 0;
    uid_t uid = uid_of("daemon", &gid);
    if (uid == (uid_t)-1)
        _exit(0);   /* no such account here: nothing to show */
    if (pm_priv_drop("daemon", err) != PM_OK)
        child_fail("drop to daemon: %s", err);
    expect_dropped(uid, gid, 1);
}

static void drops_to_named_user(void **state)
{
    (void)state;
    in_child(child_named_user);
}

static void child_bad_user(void)
{
    char err[PM_ERRBUF_SIZE] = "";
    int rc = pm_priv_drop("no-such-user-pathmortem", err);
    if (rc != PM_EINVAL)
        child_fail("bad user gave %d", rc);
    if (!strstr(err, "unknown user 'no-such-user-pathmortem'") || strchr(err, '\n'))
        child_fail("bad user message: '%s'", err);
    /* Nothing was changed before the name was resolved. */
    if (geteuid() != 0)
        child_fail("identity changed on a failed lookup");
    rc = pm_priv_drop("root", err);
    if (rc != PM_EINVAL || !strstr(err, "refusing to keep root"))
        child_fail("user root accepted (%d): %s", rc, err);
    if (geteuid() != 0)
        child_fail("identity changed when refusing root");
}

static void refuses_bad_and_root_user(void **state)
{
    (void)state;
    in_child(child_bad_user);
}

/* Started as an unprivileged user holding only CAP_NET_RAW (what setcap
 * cap_net_raw+ep gives): no identity change, only the capability goes. */
static void child_only_net_raw(void)
{
    char err[PM_ERRBUF_SIZE] = "";
    gid_t gid = 0;
    uid_t uid = uid_of("nobody", &gid);
    capng_clear(CAPNG_SELECT_BOTH);
    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_RAW);
    if (capng_change_id((int)uid, (int)gid, CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING) != 0)
        child_fail("test setup: capng_change_id failed");
    struct pm_priv_status st;
    if (pm_priv_read_status(0, &st, err) != PM_OK)
        child_fail("read_status: %s", err);
    if (st.cap_eff != (1ull << CAP_NET_RAW) || st.uid[1] != uid)
        child_fail("test setup: CapEff %llx uid %u", (unsigned long long)st.cap_eff, st.uid[1]);
    if (pm_priv_check_raw(err) != PM_OK)
        child_fail("CAP_NET_RAW alone should pass check_raw: %s", err);
    /* A different user cannot be reached without root. */
    if (pm_priv_drop("root", err) != PM_EPERM || !strstr(err, "without root"))
        child_fail("switch without root: '%s'", err);
    if (pm_priv_drop(NULL, err) != PM_OK)
        child_fail("drop: %s", err);
    expect_dropped(uid, gid, 1);
}

static void drops_capability_only(void **state)
{
    (void)state;
    in_child(child_only_net_raw);
}

/* The drop is idempotent: an already unprivileged process passes. */
static void child_twice(void)
{
    char err[PM_ERRBUF_SIZE] = "";
    gid_t gid = 0;
    uid_t uid = uid_of("nobody", &gid);
    if (pm_priv_drop(NULL, err) != PM_OK)
        child_fail("first drop: %s", err);
    if (pm_priv_drop(NULL, err) != PM_OK)
        child_fail("second drop: %s", err);
    expect_dropped(uid, gid, 1);
}

static void drop_is_idempotent(void **state)
{
    (void)state;
    in_child(child_twice);
}

static void reads_own_status(void **state)
{
    (void)state;
    struct pm_priv_status st;
    char err[PM_ERRBUF_SIZE];
    assert_int_equal(pm_priv_read_status(0, &st, err), PM_OK);
    assert_int_equal(st.uid[0], getuid());
    assert_int_equal(st.uid[1], geteuid());
    assert_int_equal(st.gid[0], getgid());
    assert_true(st.no_new_privs == 0 || st.no_new_privs == 1);
    assert_int_equal(pm_priv_read_status(0x7ffffff0, &st, err), PM_EIO);
    assert_non_null(strstr(err, "cannot read /proc/"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_own_status),
        cmocka_unit_test_setup(drops_root_to_nobody, need_root),
        cmocka_unit_test_setup(drops_to_named_user, need_root),
        cmocka_unit_test_setup(refuses_bad_and_root_user, need_root),
        cmocka_unit_test_setup(drops_capability_only, need_root),
        cmocka_unit_test_setup(drop_is_idempotent, need_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
