/* test_geo_encode.c - MMDB data-section encoding: control bytes, size and pointer widths, integers, read back by libmaxminddb. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "geo/mmdb_encode.h"
#include "geo/mmdb_write.h"
#include "test_geo_util.h"

static void expect_bytes(struct pm_mmdb_buf *b, const uint8_t *want, size_t n)
{
    assert_int_equal(b->err, PM_OK);
    assert_int_equal(b->len, n);
    assert_memory_equal(b->p, want, n);
    pm_mmdb_buf_reset(b);
}

/* Expected bytes worked out by hand from the MaxMind DB format 2.0 spec. */
static void control_bytes_follow_the_spec(void **state)
{
    (void)state;
    struct pm_mmdb_buf b;
    pm_mmdb_buf_init(&b, 1 << 20);
    pm_mmdb_enc_uint32(&b, 0);
    expect_bytes(&b, (const uint8_t[]){0xC0}, 1);
    pm_mmdb_enc_uint32(&b, 131279); /* 0x0200CF */
    expect_bytes(&b, (const uint8_t[]){0xC3, 0x02, 0x00, 0xCF}, 4);
    pm_mmdb_enc_uint16(&b, 4);
    expect_bytes(&b, (const uint8_t[]){0xA1, 0x04}, 2);
    pm_mmdb_enc_uint64(&b, 1); /* extended type 9 -> 0x02 */
    expect_bytes(&b, (const uint8_t[]){0x01, 0x02, 0x01}, 3);
    pm_mmdb_enc_array(&b, 3); /* extended type 11 -> 0x04 */
    expect_bytes(&b, (const uint8_t[]){0x03, 0x04}, 2);
    pm_mmdb_enc_map(&b, 2);
    expect_bytes(&b, (const uint8_t[]){0xE2}, 1);
    pm_mmdb_enc_double(&b, 1.0);
    expect_bytes(&b, (const uint8_t[]){0x68, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0}, 9);
    /* Sizes 29, 285 and 65821 start the 1-, 2- and 3-byte size forms. */
    static const struct {
        size_t len;
        uint8_t head[4];
        size_t head_len;
    } sizes[] = {
        {28, {0x5C}, 1},
        {29, {0x5D, 0x00}, 2},
        {284, {0x5D, 0xFF}, 2},
        {285, {0x5E, 0x00, 0x00}, 3},
        {65820, {0x5E, 0xFF, 0xFF}, 3},
        {65821, {0x5F, 0x00, 0x00, 0x00}, 4},
        {70000, {0x5F, 0x00, 0x10, 0x53}, 4},
    };
    char *s = malloc(70000);
    assert_non_null(s);
    memset(s, 'a', 70000);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        pm_mmdb_enc_utf8(&b, s, sizes[i].len);
        assert_int_equal(b.len, sizes[i].head_len + sizes[i].len);
        assert_memory_equal(b.p, sizes[i].head, sizes[i].head_len);
        pm_mmdb_buf_reset(&b);
    }
    free(s);
    /* Pointers: 11 bits, then +2048, +526336, then a plain 32-bit value. */
    pm_mmdb_enc_pointer(&b, 0x123);
    expect_bytes(&b, (const uint8_t[]){0x21, 0x23}, 2);
    pm_mmdb_enc_pointer(&b, 2048);
    expect_bytes(&b, (const uint8_t[]){0x28, 0x00, 0x00}, 3);
    pm_mmdb_enc_pointer(&b, 2048 + 0x12345);
    expect_bytes(&b, (const uint8_t[]){0x29, 0x23, 0x45}, 3);
    pm_mmdb_enc_pointer(&b, 526336 + 0x1234567);
    expect_bytes(&b, (const uint8_t[]){0x31, 0x23, 0x45, 0x67}, 4);
    pm_mmdb_enc_pointer(&b, 0xDEADBEEF);
    expect_bytes(&b, (const uint8_t[]){0x38, 0xDE, 0xAD, 0xBE, 0xEF}, 5);
    pm_mmdb_buf_free(&b);
}

static void buffer_cap_is_sticky(void **state)
{
    (void)state;
    struct pm_mmdb_buf b;
    pm_mmdb_buf_init(&b, 8);
    pm_mmdb_enc_str(&b, "1234567"); /* 1 + 7 bytes: fits exactly */
    assert_int_equal(b.err, PM_OK);
    pm_mmdb_enc_uint16(&b, 1);
    assert_int_equal(b.err, PM_ELIMIT);
    size_t len = b.len;
    pm_mmdb_enc_str(&b, "");
    assert_int_equal(b.len, len); /* nothing more is written after an error */
    pm_mmdb_buf_free(&b);
}

/* Every string length form and integer width, read back through libmaxminddb.
 * The name comes before the number in each map, so a wrong string length
 * would misplace the number. */
static void every_width_reads_back(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 28, 29, 127, 284, 285, 286, 65820, 65821, 70000};
    static const uint32_t nums[] = {0, 1, 255, 256, 65535, 65536, 16777215, 16777216, 4294967295u, 7, 131279};
    struct scratch s;
    scratch_open(&s);
    char err[PM_ERRBUF_SIZE] = "", path[512];
    scratch_path(&s, "widths.mmdb", path);
    struct pm_mmdb_writer *w;
    assert_int_equal(pm_mmdb_writer_alloc(&w, err), PM_OK);
    static const char *const keys[] = {"autonomous_system_organization", "autonomous_system_number"};
    struct pm_mmdb_keys k;
    assert_int_equal(pm_mmdb_writer_keys(w, keys, 2, &k, err), PM_OK);
    struct pm_mmdb_buf b;
    pm_mmdb_buf_init(&b, 1 << 20);
    char *name = malloc(70001);
    assert_non_null(name);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        for (size_t j = 0; j < lens[i]; j++)
            name[j] = (char)('A' + (i + j) % 26);
        pm_mmdb_buf_reset(&b);
        pm_mmdb_enc_map(&b, 2);
        pm_mmdb_enc_key(&b, &k, "autonomous_system_organization");
        pm_mmdb_enc_utf8(&b, name, lens[i]);
        pm_mmdb_enc_key(&b, &k, "autonomous_system_number");
        pm_mmdb_enc_uint32(&b, nums[i]);
        uint32_t id;
        assert_int_equal(pm_mmdb_writer_record(w, b.p, b.len, &id, err), PM_OK);
        assert_int_equal(pm_mmdb_writer_range(w, ip(50, (unsigned)i, 0, 0), ip(50, (unsigned)i, 255, 255), id, NULL, err),
                         PM_OK);
    }
    /* Keys after the first record are refused: their offsets would move. */
    assert_int_equal(pm_mmdb_writer_keys(w, keys, 2, &k, err), PM_EINVAL);
    struct pm_mmdb_meta meta = {"test-ASN", "widths", 1};
    struct pm_mmdb_result res;
    assert_int_equal(pm_mmdb_writer_write(w, path, &meta, &res, err), PM_OK);
    pm_mmdb_writer_free(w);
    pm_mmdb_buf_free(&b);
    uint32_t nodes, recs;
    assert_int_equal(pm_geo_verify_file(path, &nodes, &recs, err), PM_OK);
    assert_int_equal(recs, sizeof lens / sizeof lens[0]);
    struct pm_geo *g;
    assert_int_equal(pm_geo_open(path, NULL, &g, err), PM_OK);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        struct pm_geo_info gi;
        pm_geo_lookup(g, ip(50, (unsigned)i, 7, 7), &gi);
        assert_int_equal(gi.asn, nums[i]);
        size_t want = lens[i] < sizeof gi.as_name - 1 ? lens[i] : sizeof gi.as_name - 1;
        if (nums[i] != 0) { /* asn 0 means unknown: the name is not reported */
            assert_int_equal(strlen(gi.as_name), want);
            for (size_t j = 0; j < want; j++)
                name[j] = (char)('A' + (i + j) % 26);
            assert_memory_equal(gi.as_name, name, want);
        }
        assert_int_equal(gi.asn_prefix_len, 16);
    }
    pm_geo_close(g);
    free(name);
    scratch_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(control_bytes_follow_the_spec),
        cmocka_unit_test(buffer_cap_is_sticky),
        cmocka_unit_test(every_width_reads_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
