/* test_store_names.c - the enum spellings the store writes on disk and in JSON Lines, pinned value by value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "store/internal.h"

/* What stores and exports written so far hold. Renaming one of these for
 * display would make old stores unreadable: a new value is added at the end
 * (and here); a rename needs a schema migration. */
static const char *const status_disk[] = {"reached", "died", "host-absent", "not-probed"}; /* issue 9 added the last two */
static const char *const death_disk[] = {"none", "silent", "net-unreachable", "host-unreachable",
                                         "admin-prohibited", "port-unreachable", "loop", "rate-limited"};
static const char *const stop_disk[] = {"none",   "reached",    "unreachable", "gaplimit",
                                        "maxttl", "loop",       "prefix-end",  "halted"}; /* issue 9 added the last two */
static const char *const method_disk[] = {"icmp", "udp", "tcp"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void check(const char *const *disk, size_t n, const char *(*name)(uint8_t),
                  int (*parse)(const char *, uint8_t *))
{
    for (size_t v = 0; v < n; v++) {
        if (strcmp(name((uint8_t)v), disk[v]))
            fail_msg("value %zu is written as '%s', stores hold '%s'", v, name((uint8_t)v), disk[v]);
        uint8_t back = 0xff;
        assert_int_equal(parse(disk[v], &back), PM_OK);
        assert_int_equal(back, v);
    }
    /* one past the last value has no name, and nothing else parses */
    assert_string_equal(name((uint8_t)n), "?");
    uint8_t out = 0x5a;
    assert_int_equal(parse("?", &out), PM_EINVAL);
    assert_int_equal(parse("", &out), PM_EINVAL);
    assert_int_equal(parse("Died", &out), PM_EINVAL);
    assert_int_equal(parse(NULL, &out), PM_EINVAL);
    assert_int_equal(out, 0x5a);
}

static void spellings_on_disk(void **state)
{
    (void)state;
    check(status_disk, N(status_disk), pm_store_status_name, pm_store_status_parse);
    check(death_disk, N(death_disk), pm_store_death_name, pm_store_death_parse);
    check(stop_disk, N(stop_disk), pm_store_stop_name, pm_store_stop_parse);
    check(method_disk, N(method_disk), pm_store_method_name, pm_store_method_parse);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(spellings_on_disk)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
