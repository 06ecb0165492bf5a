/* test_cli_opts.c - trace/snapshot option parsing: traceroute's habits accepted (-I, -U, -n, options after the target), its clashes refused with the option meant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/sweep.h"

/* The CLI's error printer, captured: the last message is checked. */
static char last_error[512];
void pm_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
}

/* Parses a NULL-terminated argument list (argv[0] is the command) into s. */
static int parse(struct pm_cli_sweep *s, const char *const *args)
{
    static char store[32][64];
    static char *argv[33];
    int argc = 0;
    for (; args[argc]; argc++) {
        snprintf(store[argc], sizeof store[argc], "%s", args[argc]);
        argv[argc] = store[argc];
    }
    argv[argc] = NULL;
    last_error[0] = 0;
    return pm_cli_sweep_parse(s, argc, argv, "trace", "usage\n", NULL, NULL, NULL, NULL);
}

#define PARSE(s, ...) parse((s), (const char *const[]){"trace", __VA_ARGS__, NULL})

static void expect_refused(int rc, const char *needle)
{
    assert_int_equal(rc, PM_EXIT_USAGE);
    if (!strstr(last_error, needle))
        fail_msg("message '%s' lacks '%s'", last_error, needle);
}

static void method_aliases(void **state)
{
    (void)state;
    struct pm_cli_sweep s;
    assert_int_equal(PARSE(&s, "-U", "198.19.0.1"), 0);
    assert_int_equal(s.eng.method, PM_METHOD_UDP);
    assert_int_equal(s.eng.dport, 33434);
    assert_int_equal(PARSE(&s, "-U", "-I", "198.19.0.1"), 0); /* the last one wins, as -m does */
    assert_int_equal(s.eng.method, PM_METHOD_ICMP);
    assert_int_equal(PARSE(&s, "-m", "tcp", "198.19.0.1"), 0);
    assert_int_equal(s.eng.method, PM_METHOD_TCP);
    assert_int_equal(s.eng.dport, 80);
}

static void numeric_accepted(void **state)
{
    (void)state;
    struct pm_cli_sweep s;
    assert_int_equal(PARSE(&s, "-n", "198.19.0.1"), 0);
    assert_int_equal(PARSE(&s, "--numeric", "198.19.0.1"), 0);
    assert_int_equal(s.n_target_args, 1);
    assert_string_equal(s.target_args[0], "198.19.0.1");
}

static void options_after_target(void **state)
{
    (void)state;
    struct pm_cli_sweep s;
    assert_int_equal(PARSE(&s, "198.19.177.5", "-q", "1", "198.19.177.6", "-M", "12"), 0);
    assert_int_equal(s.eng.queries, 1);
    assert_int_equal(s.eng.max_ttl, 12);
    assert_int_equal(s.n_target_args, 2);
    assert_string_equal(s.target_args[0], "198.19.177.5");
    assert_string_equal(s.target_args[1], "198.19.177.6");
    /* "--" still ends the options */
    assert_int_equal(PARSE(&s, "-q", "2", "--", "-q"), 0);
    assert_int_equal(s.n_target_args, 1);
    assert_string_equal(s.target_args[0], "-q");
    /* a bad value after the target is still checked */
    expect_refused(PARSE(&s, "198.19.177.5", "-q", "9"), "--queries '9'");
}

static void numeric_write_refused(void **state)
{
    (void)state;
    struct pm_cli_sweep s;
    expect_refused(PARSE(&s, "-w", "1", "198.19.0.1"), "did you mean -W 1?");
    expect_refused(PARSE(&s, "-w", "0.5", "198.19.0.1"), "did you mean -W 0.5?");
    expect_refused(PARSE(&s, "--write", "3", "198.19.0.1"), "did you mean -W 3?");
    assert_int_equal(PARSE(&s, "-w", "./1", "198.19.0.1"), 0);
    assert_string_equal(s.eng.pcap_path, "./1");
    assert_int_equal(PARSE(&s, "-w", "1.pcap", "198.19.0.1"), 0);
    assert_string_equal(s.eng.pcap_path, "1.pcap");
    assert_int_equal(PARSE(&s, "-w", "2.pcapng", "198.19.0.1"), 0);
    assert_int_equal(PARSE(&s, "-w", "runs/2", "198.19.0.1"), 0);
    assert_int_equal(PARSE(&s, "-w", "x1", "198.19.0.1"), 0);
}

static void numeric_method_refused(void **state)
{
    (void)state;
    struct pm_cli_sweep s;
    expect_refused(PARSE(&s, "-m", "20", "198.19.0.1"), "did you mean -M 20?");
    expect_refused(PARSE(&s, "--method", "5", "198.19.0.1"), "did you mean -M 5?");
    expect_refused(PARSE(&s, "-m", "icpm", "198.19.0.1"), "icmp, udp or tcp");
}

static void tcp_flag_clash(void **state)
{
    (void)state;
    struct pm_cli_sweep s;
    expect_refused(PARSE(&s, "-T", "198.19.177.5"), "did you mean -m tcp 198.19.177.5?");
    expect_refused(PARSE(&s, "-T", "198.19.176.0/22"), "-m tcp");
    assert_int_equal(PARSE(&s, "-T", "targets.txt"), 0);
    assert_int_equal(s.n_target_files, 1);
    assert_int_equal(PARSE(&s, "-T", "./198.19.177.5"), 0);
    expect_refused(PARSE(&s, "198.19.177.5", "-T"), "traceroute's TCP method is -m tcp");
}

static void no_pcap_conflict(void **state)
{
    (void)state;
    struct pm_cli_sweep s;
    expect_refused(PARSE(&s, "--no-pcap", "-w", "x.pcap", "198.19.0.1"), "--no-pcap and -w x.pcap conflict");
    expect_refused(PARSE(&s, "-w", "x.pcap", "198.19.0.1", "--no-pcap"), "conflict");
    assert_int_equal(PARSE(&s, "--no-pcap", "198.19.0.1"), 0);
    assert_null(s.eng.pcap_path);
}

/* The default pcap name carries milliseconds and the PID: two runs in one second differ. */
static void default_pcap_name(void **state)
{
    (void)state;
    struct pm_cli_sweep s;
    assert_int_equal(PARSE(&s, "198.19.0.1"), 0);
    assert_ptr_equal(s.eng.pcap_path, s.pcap_default);
    char want[128];
    snprintf(want, sizeof want, "^pathmortem-[0-9]{8}T[0-9]{6}\\.[0-9]{3}Z-%ld\\.pcap$", (long)getpid());
    regex_t re;
    assert_int_equal(regcomp(&re, want, REG_EXTENDED | REG_NOSUB), 0);
    int m = regexec(&re, s.pcap_default, 0, NULL, 0);
    regfree(&re);
    if (m != 0)
        fail_msg("default pcap name '%s' does not match %s", s.pcap_default, want);
    assert_int_equal(PARSE(&s, "-w", "mine.pcap", "198.19.0.1"), 0);
    assert_string_equal(s.eng.pcap_path, "mine.pcap");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(method_aliases),        cmocka_unit_test(numeric_accepted),
        cmocka_unit_test(options_after_target),  cmocka_unit_test(numeric_write_refused),
        cmocka_unit_test(numeric_method_refused), cmocka_unit_test(tcp_flag_clash),
        cmocka_unit_test(no_pcap_conflict),      cmocka_unit_test(default_pcap_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
