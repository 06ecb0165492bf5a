/* test_geo_cli.c - the `pathmortem geo` subcommand as a user runs it: outputs, one-line errors, exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "test_geo_util.h"

#define PM_BIN PM_BINARY_DIR "/pathmortem"

/* Runs a shell command line, returns its exit status; stdout+stderr in out. */
static int run(const char *cmd, char *out, size_t cap)
{
    char full[2048];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static int setup(void **state)
{
    (void)state;
    return access(PM_BIN, X_OK) == 0 ? 0 : -1;
}

static void lookup_text_and_json(void **state)
{
    (void)state;
    static char out[16384];
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s geo lookup --asn-db %s/data/default-asn.mmdb --geo-db %s/data/default-city.mmdb "
                              "175.45.176.71 198.18.0.1",
             PM_BIN, PM_BINARY_DIR, PM_BINARY_DIR);
    assert_int_equal(run(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "AS131279 Star Joint Venture Co. Ltd."));
    assert_non_null(strstr(out, "175.45.176.0/22 (asn db)"));
    assert_non_null(strstr(out, "country:   KP"));
    assert_non_null(strstr(out, "benchmarking (198.18.0.0/15"));
    assert_non_null(strstr(out, "asn db: " PM_BINARY_DIR "/data/default-asn.mmdb (built 2026-11-28T00:00:00Z, sha256 "));
    snprintf(cmd, sizeof cmd, "%s geo lookup --format json --asn-db %s/data/default-asn.mmdb --geo-db none 219.158.39.42",
             PM_BIN, PM_BINARY_DIR);
    assert_int_equal(run(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"asn\": 4837"));
    assert_non_null(strstr(out, "\"asn_network\": \"219.158.0.0/17\""));
    assert_non_null(strstr(out, "\"country\": null"));
    assert_non_null(strstr(out, "\"role\": \"asn\""));
    assert_null(strstr(out, "\"role\": \"geo\""));
}

static void bad_input_is_one_line_and_a_sysexits_code(void **state)
{
    (void)state;
    static const struct {
        const char *args;
        int code;
    } cases[] = {
        {"geo lookup 175.45.176.71 1.2.3", 64},
        {"geo lookup 256.1.1.1", 64},
        {"geo lookup ''", 64},
        {"geo lookup", 64},
        {"geo lookup --format xml 1.2.3.4", 64},
        {"geo lookup --bogus 1.2.3.4", 64},
        {"geo lookup --asn-db /nonexistent/x.mmdb 1.2.3.4", 66},
        {"geo lookup --asn-db " PM_SOURCE_DIR "/geo/starjv-asn.csv 1.2.3.4", 65},
        {"geo build", 64},
        {"geo build --kind bogus x.csv", 64},
        {"geo build -o /tmp/pm-geo-cli-never.mmdb /nonexistent.csv", 66},
        {"geo verify " PM_SOURCE_DIR "/geo/starjv-city.csv", 65},
        {"geo frobnicate", 64},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cmd[512], out[4096];
        snprintf(cmd, sizeof cmd, "%s %s", PM_BIN, cases[i].args);
        int rc = run(cmd, out, sizeof out);
        if (rc != cases[i].code || count_lines(out) != 1 || strncmp(out, "pathmortem: ", 12) != 0)
            print_error("'%s' -> %d: %s", cases[i].args, rc, out);
        assert_int_equal(rc, cases[i].code);
        assert_int_equal(count_lines(out), 1);
        assert_memory_equal(out, "pathmortem: ", 12);
    }
}

static void build_reports_and_refuses(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    char in[512], outdb[512], cmd[2048];
    static char out[8192];
    scratch_text(&s, "ok.csv", "175.45.176.0,175.45.179.255,131279,Star Joint Venture Co. Ltd.\nbad row\n"
                               "2001:db8::,2001:db8::ff,1,V6\n1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n", in);
    scratch_path(&s, "ok.mmdb", outdb);
    snprintf(cmd, sizeof cmd, "%s geo build -o %s %s", PM_BIN, outdb, in);
    assert_int_equal(run(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "ok.csv:2: "));
    assert_non_null(strstr(out, "read 2 ranges from 4 lines (1 IPv6 rows skipped, 1 bad rows)"));
    assert_non_null(strstr(out, "(verified)"));
    snprintf(cmd, sizeof cmd, "%s geo verify %s", PM_BIN, outdb);
    assert_int_equal(run(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, ": ok, "));
    scratch_text(&s, "junk.csv", "hello\nworld\n", in);
    scratch_path(&s, "junk.mmdb", outdb);
    snprintf(cmd, sizeof cmd, "%s geo build -o %s %s", PM_BIN, outdb, in);
    assert_int_equal(run(cmd, out, sizeof out), 65);
    assert_non_null(strstr(out, "refusing") ? strstr(out, "refusing") : strstr(out, "no usable row"));
    assert_int_equal(access(outdb, F_OK), -1);
    snprintf(cmd, sizeof cmd, "%s geo --help", PM_BIN);
    assert_int_equal(run(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "geo build"));
    snprintf(cmd, sizeof cmd, "%s geo build --help", PM_BIN);
    assert_int_equal(run(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "later row wins"));
    scratch_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lookup_text_and_json),
        cmocka_unit_test(bad_input_is_one_line_and_a_sysexits_code),
        cmocka_unit_test(build_reports_and_refuses),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
