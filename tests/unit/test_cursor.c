/* test_cursor.c - the bounds-checked cursor refuses every read past the end and never advances on failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pathmortem/cursor.h"

static void reads_big_endian(void **state)
{
    (void)state;
    const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    struct pm_cursor c;
    pm_cursor_init(&c, b, sizeof b);
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    assert_int_equal(pm_cursor_u8(&c, &u8), PM_OK);
    assert_int_equal(u8, 1);
    assert_int_equal(pm_cursor_be16(&c, &u16), PM_OK);
    assert_int_equal(u16, 0x0203);
    assert_int_equal(pm_cursor_be32(&c, &u32), PM_OK);
    assert_int_equal(u32, 0x04050607u);
    assert_int_equal(pm_cursor_remaining(&c), 0);
}

static void refuses_past_end_without_advancing(void **state)
{
    (void)state;
    const uint8_t b[] = {0xaa, 0xbb, 0xcc};
    struct pm_cursor c;
    pm_cursor_init(&c, b, sizeof b);
    uint32_t u32 = 0x12345678;
    assert_int_equal(pm_cursor_be32(&c, &u32), PM_ETRUNC);
    assert_int_equal(u32, 0x12345678);          /* untouched */
    assert_int_equal(pm_cursor_remaining(&c), 3); /* not advanced */
    uint16_t u16;
    assert_int_equal(pm_cursor_le16(&c, &u16), PM_OK);
    assert_int_equal(u16, 0xbbaa);
    assert_int_equal(pm_cursor_be16(&c, &u16), PM_ETRUNC);
    assert_int_equal(pm_cursor_skip(&c, 2), PM_ETRUNC);
    assert_int_equal(pm_cursor_skip(&c, 1), PM_OK);
    uint8_t u8;
    assert_int_equal(pm_cursor_u8(&c, &u8), PM_ETRUNC);
    assert_int_equal(pm_cursor_peek_u8(&c, &u8), PM_ETRUNC);
}

static void sub_cursor_is_confined(void **state)
{
    (void)state;
    const uint8_t b[] = {1, 2, 3, 4, 5};
    struct pm_cursor c, sub;
    pm_cursor_init(&c, b, sizeof b);
    assert_int_equal(pm_cursor_sub(&c, 6, &sub), PM_ETRUNC);
    assert_int_equal(pm_cursor_sub(&c, 2, &sub), PM_OK);
    assert_int_equal(pm_cursor_remaining(&c), 3);
    uint8_t tmp[3];
    assert_int_equal(pm_cursor_bytes(&sub, tmp, 3), PM_ETRUNC);
    assert_int_equal(pm_cursor_bytes(&sub, tmp, 2), PM_OK);
    assert_int_equal(tmp[1], 2);
    /* huge lengths must not wrap around */
    assert_int_equal(pm_cursor_skip(&c, SIZE_MAX), PM_ETRUNC);
    assert_int_equal(pm_cursor_remaining(&c), 3);
}

static void null_buffer_is_empty(void **state)
{
    (void)state;
    struct pm_cursor c;
    pm_cursor_init(&c, NULL, 100);
    uint8_t u8;
    assert_int_equal(pm_cursor_remaining(&c), 0);
    assert_int_equal(pm_cursor_u8(&c, &u8), PM_ETRUNC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_big_endian),
        cmocka_unit_test(refuses_past_end_without_advancing),
        cmocka_unit_test(sub_cursor_is_confined),
        cmocka_unit_test(null_buffer_is_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
