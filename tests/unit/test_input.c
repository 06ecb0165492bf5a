/* test_input.c - strict parsing of numbers, prefixes, presets and target lists (real Star JV addresses, parsed only). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pathmortem/input.h"
#include "pathmortem/util.h"

static void numbers_are_bounded(void **state)
{
    (void)state;
    unsigned long v;
    assert_int_equal(pm_input_uint("30", 1, 64, &v), PM_OK);
    assert_int_equal(v, 30);
    const char *bad[] = {"", "-1", "+3", " 3", "3 ", "65", "0x10", "1e3", "99999999999999999999999", "3a", NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_equal(pm_input_uint(bad[i], 1, 64, &v), PM_EINVAL);
    double d;
    assert_int_equal(pm_input_double("0.5", 0.01, 60, &d), PM_OK);
    assert_true(d == 0.5);
    assert_int_equal(pm_input_double("nan", 0, 60, &d), PM_EINVAL);
    assert_int_equal(pm_input_double("inf", 0, 60, &d), PM_EINVAL);
    assert_int_equal(pm_input_double("61", 0, 60, &d), PM_EINVAL);
}

static void prefixes_are_strict(void **state)
{
    (void)state;
    struct pm_prefix p;
    char err[PM_ERRBUF_SIZE];
    assert_int_equal(pm_input_prefix("175.45.176.0/22", &p, err), PM_OK);
    assert_int_equal(p.addr, 0xaf2db000u);
    assert_int_equal(p.len, 22);
    assert_int_equal(pm_input_prefix("175.45.176.71", &p, err), PM_OK);
    assert_int_equal(p.len, 32);
    assert_int_equal(pm_input_prefix("175.45.177.0/22", &p, err), PM_EINVAL);
    assert_non_null(strstr(err, "175.45.176.0/22")); /* suggests the right network */
    const char *bad[] = {"175.45.176.0/33", "175.45.176/24", "256.1.1.1", "1.2.3.4.5", "1.2.3.4/", "01234.1.1.1",
                         "1..2.3", "1.2.3.4/-1", "a.b.c.d", NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_equal(pm_input_prefix(bad[i], &p, err), PM_EINVAL);
    /* the same parser, told to mask host bits (history --prefix), still refuses bad syntax */
    uint32_t a;
    uint8_t len;
    assert_int_equal(pm_prefix_parse("175.45.177.9/22", PM_PREFIX_MASK_HOST, &a, &len, err), PM_OK);
    assert_int_equal(a, 0xaf2db000u);
    assert_int_equal(len, 22);
    assert_int_equal(pm_prefix_parse("175.45.177.9/0", PM_PREFIX_MASK_HOST, &a, &len, err), PM_OK);
    assert_int_equal(a, 0);
    assert_int_equal(len, 0);
    for (int i = 0; bad[i]; i++)
        assert_int_equal(pm_prefix_parse(bad[i], PM_PREFIX_MASK_HOST, &a, &len, err), PM_EINVAL);
    assert_int_equal(pm_prefix_parse(NULL, PM_PREFIX_MASK_HOST, &a, &len, NULL), PM_EINVAL);
}

static char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/pm-test-input-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void presets_are_data(void **state)
{
    (void)state;
    struct pm_presets ps = {0};
    char err[PM_ERRBUF_SIZE];
    char *path = write_tmp("# comment\n[starjv]\nprefixes = 175.45.176.0/22\ntarget_asn = 131279\n"
                           "watch = 4837 AS12389, 20485\ndescription = Star JV\n\n[two]\nprefixes = 1.2.3.0/24 5.6.0.0/16\n");
    assert_int_equal(pm_presets_load(&ps, path, err), PM_OK);
    unlink(path);
    const struct pm_preset *p = pm_presets_find(&ps, "starjv");
    assert_non_null(p);
    assert_int_equal(p->target_asn, 131279);
    assert_int_equal(p->n_watch, 3);
    assert_int_equal(p->watch[1], 12389);
    assert_int_equal(pm_presets_find(&ps, "two")->n_prefixes, 2);
    assert_null(pm_presets_find(&ps, "nope"));

    const char *broken[] = {"[x]\nprefixes = 1.2.3.4/8\n", "prefixes = 1.0.0.0/8\n", "[x]\nbogus = 1\n",
                            "[x]\ntarget_asn = -5\nprefixes = 1.0.0.0/8\n", "[x\nprefixes = 1.0.0.0/8\n",
                            "[x]\ndescription = no prefixes\n", NULL};
    for (int i = 0; broken[i]; i++) {
        struct pm_presets q = {0};
        path = write_tmp(broken[i]);
        assert_int_not_equal(pm_presets_load(&q, path, err), PM_OK);
        assert_non_null(strstr(err, path)); /* the message names the file */
        unlink(path);
    }
    /* the shipped file holds the default case */
    struct pm_presets shipped = {0};
    assert_int_equal(pm_presets_load(&shipped, PM_SOURCE_DIR "/presets/presets.conf", err), PM_OK);
    p = pm_presets_find(&shipped, "starjv");
    assert_non_null(p);
    assert_int_equal(p->prefixes[0].addr, 0xaf2db000u);
    assert_int_equal(p->prefixes[0].len, 22);
}

static void targets_expand_deduplicated(void **state)
{
    (void)state;
    struct pm_presets ps = {0};
    char err[PM_ERRBUF_SIZE];
    assert_int_equal(pm_presets_load(&ps, PM_SOURCE_DIR "/presets/presets.conf", err), PM_OK);
    struct pm_targets t = {0};
    assert_int_equal(pm_targets_add(&t, "starjv", &ps, false, err), PM_OK);
    assert_int_equal(pm_targets_add(&t, "175.45.176.71", &ps, false, err), PM_OK); /* inside: deduplicated */
    assert_int_equal(pm_targets_add(&t, "175.45.180.0/30", &ps, false, err), PM_OK);
    assert_int_equal(pm_targets_add(&t, "no-such-preset", &ps, false, err), PM_EINVAL);
    assert_int_equal(pm_targets_add(&t, "bad;name", &ps, true, err), PM_EINVAL);
    assert_non_null(t.preset);
    uint32_t *a, n;
    assert_int_equal(pm_targets_expand(&t, &a, &n, err), PM_OK);
    assert_int_equal(n, 1024 + 4);
    for (uint32_t i = 1; i < n; i++)
        assert_true(a[i] > a[i - 1]);
    free(a);
    pm_targets_free(&t);

    char *path = write_tmp("175.45.176.15  # ns\n\n  175.45.176.16\n175.45.177.0/31\nnot-an-address\n");
    assert_int_equal(pm_targets_add_file(&t, path, &ps, err), PM_EINVAL);
    assert_non_null(strstr(err, ":5:")); /* file:line */
    unlink(path);
    pm_targets_free(&t);
    assert_int_equal(pm_targets_add(&t, "0.0.0.0/0", &ps, false, err), PM_OK);
    assert_int_equal(pm_targets_expand(&t, &a, &n, err), PM_ELIMIT); /* capped, no huge allocation */
    pm_targets_free(&t);
}

/* Dotted quads round-trip through pm_addr_str and pm_addr_parse, with the
 * one-, two- and three-digit octets and the extremes. */
static void addresses_format_and_parse_back(void **state)
{
    (void)state;
    static const char *const cases[] = {"0.0.0.0", "255.255.255.255", "10.0.100.9", "1.22.199.200", "198.19.176.71"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t a;
        char buf[16];
        assert_int_equal(pm_addr_parse(cases[i], &a), PM_OK);
        assert_string_equal(pm_addr_str(a, buf), cases[i]);
    }
    for (uint64_t a = 0; a <= 0xffffffffu; a += 0x01010101u * 7 + 13) {
        char buf[16], ref[16];
        snprintf(ref, sizeof ref, "%u.%u.%u.%u", (unsigned)(a >> 24), (unsigned)(a >> 16 & 255),
                 (unsigned)(a >> 8 & 255), (unsigned)(a & 255));
        assert_string_equal(pm_addr_str((uint32_t)a, buf), ref);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_are_bounded),
        cmocka_unit_test(addresses_format_and_parse_back),
        cmocka_unit_test(prefixes_are_strict),
        cmocka_unit_test(presets_are_data),
        cmocka_unit_test(targets_expand_deduplicated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
