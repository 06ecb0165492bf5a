/* test_util_grow.c - the capped grow helper and the shared hash map: doubling, caps, overflow, failures leave state alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "pathmortem/common.h"
#include "util/grow.h"
#include "util/map.h"

static void grows_by_doubling_up_to_the_cap(void **state)
{
    (void)state;
    int *v = NULL;
    uint32_t cap = 0;
    assert_int_equal(PM_GROW(v, cap, 1, 16, 100), PM_OK);
    assert_non_null(v);
    assert_int_equal(cap, 16);
    assert_int_equal(PM_GROW(v, cap, 16, 16, 100), PM_OK); /* fits: nothing done */
    assert_int_equal(cap, 16);
    assert_int_equal(PM_GROW(v, cap, 17, 16, 100), PM_OK);
    assert_int_equal(cap, 32);
    assert_int_equal(PM_GROW(v, cap, 65, 16, 100), PM_OK);
    assert_int_equal(cap, 100); /* 128 would pass the cap */
    for (int i = 0; i < 100; i++)
        v[i] = i; /* all of it is usable (ASan checks) */
    int *before = v;
    assert_int_equal(PM_GROW(v, cap, 101, 16, 100), PM_ELIMIT);
    assert_ptr_equal(v, before);
    assert_int_equal(cap, 100);
    free(v);
}

static void size_t_caps_and_overflow(void **state)
{
    (void)state;
    char *b = NULL;
    size_t cap = 0;
    assert_int_equal(PM_GROW(b, cap, 3, 0, 8), PM_OK); /* first 0: starts at 1 */
    assert_int_equal(cap, 4);
    free(b);
    struct big {
        char x[1 << 20];
    } *p = NULL;
    size_t pc = 0;
    /* elements * size would wrap around: refused before realloc sees it */
    assert_int_equal(PM_GROW(p, pc, SIZE_MAX / 1024, 1, SIZE_MAX), PM_ELIMIT);
    assert_null(p);
    assert_int_equal(pc, 0);
}

static void map_puts_and_gets(void **state)
{
    (void)state;
    struct pm_map m = {0};
    assert_null(pm_map_get(&m, 7));
    bool created;
    for (uint32_t i = 0; i < 5000; i++) {
        uint32_t *v = pm_map_put(&m, (uint64_t)i << 32 | 0xaf2db000u, i * 3, &created);
        assert_non_null(v);
        assert_true(created);
    }
    assert_int_equal(m.n, 5000);
    assert_true(m.cap >= 2 * m.n); /* load factor at most 1/2 */
    uint32_t *v = pm_map_put(&m, (uint64_t)42 << 32 | 0xaf2db000u, 0, &created);
    assert_false(created);
    assert_int_equal(*v, 126);
    assert_null(pm_map_get(&m, 0xaf2db000u + 1));
    pm_map_free(&m);
    assert_int_equal(m.n, 0);
    assert_null(pm_map_get(&m, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(grows_by_doubling_up_to_the_cap),
                                       cmocka_unit_test(size_t_caps_and_overflow),
                                       cmocka_unit_test(map_puts_and_gets)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
