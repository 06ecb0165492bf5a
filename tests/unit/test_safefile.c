/* test_safefile.c - output files appear whole or not at all and never through a link; the keeper renames for a dropped writer; the seccomp filter kills a forbidden call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "pathmortem/priv.h"
#include "util/safefile.h"

static char dir[64];

static void path_in(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void expect(const char *path, const char *text)
{
    char buf[256] = "";
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    assert_string_equal(buf, text);
}

static int entries(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "ls -A %s | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    assert_int_equal(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pm-safefile.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

static void write_file(struct pm_safefile *f, const char *text)
{
    FILE *s = pm_safefile_stream(f, "w");
    assert_non_null(s);
    fputs(text, s);
    assert_int_equal(fclose(s), 0);
}

/* Until the commit the old file is intact; an abort leaves it as it was. */
static void commit_and_abort(void **state)
{
    (void)state;
    char p[128], err[PM_ERRBUF_SIZE];
    path_in(p, sizeof p, "out.json");
    put(p, "old");
    struct pm_safefile f;
    assert_int_equal(pm_safefile_open(&f, p, 0644, err), PM_OK);
    write_file(&f, "new");
    expect(p, "old");
    assert_int_equal(pm_safefile_commit(&f, err), PM_OK);
    expect(p, "new");
    assert_int_equal(pm_safefile_open(&f, p, 0644, err), PM_OK);
    write_file(&f, "half");
    pm_safefile_abort(&f);
    expect(p, "new");
    assert_int_equal(entries(), 1); /* no temp file left */
    unlink(p);
}

/* A link at the final name is refused, and its target untouched; a link
 * planted after the open is replaced, not written through. */
static void never_through_a_link(void **state)
{
    (void)state;
    char p[128], victim[128], err[PM_ERRBUF_SIZE];
    path_in(p, sizeof p, "x.pcap");
    path_in(victim, sizeof victim, "victim");
    put(victim, "secret");
    assert_int_equal(symlink(victim, p), 0);
    struct pm_safefile f;
    assert_int_equal(pm_safefile_open(&f, p, 0644, err), PM_EINVAL);
    assert_non_null(strstr(err, "symbolic link"));
    expect(victim, "secret");
    unlink(p);
    assert_int_equal(pm_safefile_open(&f, p, 0644, err), PM_OK);
    assert_int_equal(symlink(victim, p), 0); /* planted while the run goes on */
    write_file(&f, "pcap");
    assert_int_equal(pm_safefile_commit(&f, err), PM_OK);
    expect(victim, "secret");
    expect(p, "pcap");
    struct stat sb;
    assert_int_equal(lstat(p, &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    unlink(p);
    unlink(victim);
}

static void same_file_and_devices(void **state)
{
    (void)state;
    char a[128], b[128], err[PM_ERRBUF_SIZE];
    path_in(a, sizeof a, "same");
    snprintf(b, sizeof b, "%s/./same", dir);
    struct pm_safefile fa, fb;
    assert_int_equal(pm_safefile_open(&fa, a, 0644, err), PM_OK);
    assert_int_equal(pm_safefile_open(&fb, b, 0644, err), PM_OK);
    assert_true(pm_safefile_same(&fa, &fb));
    pm_safefile_abort(&fa);
    pm_safefile_abort(&fb);
    /* a device is written in place; /dev/full reports the full disk */
    assert_int_equal(pm_safefile_open(&fa, "/dev/full", 0644, err), PM_OK);
    assert_true(fa.direct);
    FILE *s = pm_safefile_stream(&fa, "w");
    fputs("x", s);
    assert_true(fclose(s) != 0);
    pm_safefile_abort(&fa);
    assert_int_equal(pm_safefile_open(&fa, dir, 0644, err), PM_EINVAL);
    assert_int_equal(entries(), 0);
}

/* The keeper renames for a writer; a writer that dies leaves no temp file. */
static void keeper_commits_and_cleans_up(void **state)
{
    (void)state;
    char p[128], q[128], err[PM_ERRBUF_SIZE];
    path_in(p, sizeof p, "kept.json");
    path_in(q, sizeof q, "lost.json");
    put(q, "earlier");
    struct pm_safefile f, g;
    assert_int_equal(pm_safefile_open(&f, p, 0644, err), PM_OK);
    assert_int_equal(pm_safefile_open(&g, q, 0644, err), PM_OK);
    struct pm_keeper k;
    struct pm_safefile *files[2] = {&f, &g};
    assert_int_equal(pm_keeper_start(&k, files, 2, err), PM_OK);
    assert_true(k.pid > 0);
    assert_int_equal(f.dirfd, -1); /* the writer keeps no way into the directory */
    write_file(&f, "done");
    assert_int_equal(pm_safefile_commit(&f, err), PM_OK);
    expect(p, "done");
    write_file(&g, "cut");
    close(g.fd); /* as if the writer died: the keeper's pipe closes */
    g.fd = -1;
    g.active = false;
    pm_keeper_stop(&k);
    expect(q, "earlier");
    assert_int_equal(entries(), 2);
    unlink(p);
    unlink(q);
}

/* Temp files of a dead run beside the name are removed by the next. */
static void stale_temps_removed(void **state)
{
    (void)state;
    char p[128], stale[160], err[PM_ERRBUF_SIZE];
    path_in(p, sizeof p, "r.pcap");
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0); /* a pid that is surely gone */
    snprintf(stale, sizeof stale, "%s/.r.pcap.pathmortem-%ld-0000abcd.tmp", dir, (long)pid);
    put(stale, "cut");
    struct pm_safefile f;
    assert_int_equal(pm_safefile_open(&f, p, 0644, err), PM_OK);
    assert_int_equal(access(stale, F_OK), -1);
    pm_safefile_abort(&f);
    assert_int_equal(entries(), 0);
}

/* After pm_priv_sandbox a call outside the profile kills the process with
 * SIGSYS; the calls a run makes still work. In a child, so the test goes on. */
static void forbidden_syscall_kills(void **state)
{
    (void)state;
    static const struct {
        enum pm_sandbox profile;
        int forbidden; /* 0: only allowed calls */
    } cases[] = {
        {PM_SANDBOX_SWEEP, 0}, {PM_SANDBOX_SWEEP, 1}, {PM_SANDBOX_OFFLINE, 1}, {PM_SANDBOX_PARSE, 2},
    };
    /* valgrind implements no seccomp(): the filter is not installed under it (sandbox.c) */
    if (RUNNING_ON_VALGRIND)
        skip();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            char err[PM_ERRBUF_SIZE];
            if (pm_priv_drop_caps(err) != PM_OK || pm_priv_sandbox(cases[i].profile, err) != PM_OK)
                _exit(3);
            char p[128];
            path_in(p, sizeof p, "sandboxed");
            int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600); /* files: allowed */
            if (fd < 0 || write(fd, "ok", 2) != 2)
                _exit(4);
            close(fd);
            unlink(p);
            if (cases[i].forbidden == 1)
                socket(AF_INET, SOCK_STREAM, 0); /* a new socket after the drop: killed */
            if (cases[i].forbidden == 2)
                syscall(SYS_mount, "none", p, "tmpfs", 0, NULL); /* never allowed: killed */
            _exit(0);
        }
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        if (cases[i].forbidden) {
            assert_true(WIFSIGNALED(st));
            assert_int_equal(WTERMSIG(st), SIGSYS);
        } else {
            assert_true(WIFEXITED(st));
            assert_int_equal(WEXITSTATUS(st), 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(commit_and_abort),
        cmocka_unit_test(never_through_a_link),
        cmocka_unit_test(same_file_and_devices),
        cmocka_unit_test(keeper_commits_and_cleans_up),
        cmocka_unit_test(stale_temps_removed),
        cmocka_unit_test(forbidden_syscall_kills),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
