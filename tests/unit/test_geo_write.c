/* test_geo_write.c - the MMDB writer round-trips through libmaxminddb: edges, overlaps, merges, record sizes, atomic writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "geo/mmdb_encode.h"
#include "geo/mmdb_write.h"
#include "test_geo_util.h"

static struct pm_geo *open_asn(const char *path)
{
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_geo *g = NULL;
    int rc = pm_geo_open(path, NULL, &g, err);
    if (rc != PM_OK)
        print_error("open %s: %s\n", path, err);
    assert_int_equal(rc, PM_OK);
    uint32_t nodes = 0, recs = 0;
    rc = pm_geo_verify_file(path, &nodes, &recs, err);
    if (rc != PM_OK)
        print_error("verify %s: %s\n", path, err);
    assert_int_equal(rc, PM_OK);
    assert_true(nodes > 0);
    return g;
}

static void expect(struct pm_geo *g, uint32_t addr, uint32_t asn, const char *name, int plen)
{
    struct pm_geo_info gi;
    pm_geo_lookup(g, addr, &gi);
    assert_int_equal(gi.asn, asn);
    if (name)
        assert_string_equal(gi.as_name, name);
    if (plen >= 0)
        assert_int_equal(gi.asn_prefix_len, plen);
}

static void edges_of_the_address_space(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    char err[PM_ERRBUF_SIZE], out[512];
    struct pm_geo_build_stats st;
    const char *csv = "0.0.0.0,0.0.0.0,1,Zero\n"
                      "0.0.0.1,0.0.0.255,3,Low\n"
                      "255.255.255.255,255.255.255.255,2,Top\n";
    assert_int_equal(build_from_text(&s, PM_GEO_KIND_ASN, csv, "e.mmdb", &st, err, out), PM_OK);
    assert_int_equal(st.ranges, 3);
    /* 0.0.0.1-255 splits into /32 /31 /30 /29 /28 /27 /26 /25 */
    assert_int_equal(st.networks, 1 + 8 + 1);
    struct pm_geo *g = open_asn(out);
    expect(g, 0, 1, "Zero", 32);
    expect(g, ip(0, 0, 0, 1), 3, "Low", 32);
    expect(g, ip(0, 0, 0, 2), 3, "Low", 31);
    expect(g, ip(0, 0, 0, 200), 3, "Low", 25);
    expect(g, ip(0, 0, 1, 0), 0, "", 0);
    expect(g, ip(255, 255, 255, 255), 2, "Top", 32);
    expect(g, ip(255, 255, 255, 254), 0, "", 0);
    expect(g, ip(128, 0, 0, 0), 0, "", 0);
    pm_geo_close(g);
    scratch_close(&s);
}

static void whole_space_and_unaligned_ranges(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    char err[PM_ERRBUF_SIZE], out[512];
    struct pm_geo_build_stats st;
    assert_int_equal(build_from_text(&s, PM_GEO_KIND_ASN, "0.0.0.0,255.255.255.255,7,All\n", "w.mmdb", &st, err, out),
                     PM_OK);
    struct pm_geo *g = open_asn(out);
    /* The root must stay a node, so the whole space shows as two /1 halves. */
    expect(g, 0, 7, "All", 1);
    expect(g, ip(200, 1, 2, 3), 7, "All", 1);
    expect(g, 0xFFFFFFFFu, 7, "All", 1);
    pm_geo_close(g);

    assert_int_equal(build_from_text(&s, PM_GEO_KIND_ASN, "1.2.3.5,1.2.3.9,9,Odd\n", "u.mmdb", &st, err, out), PM_OK);
    assert_int_equal(st.networks, 3); /* .5/32 .6/31 .8/31 */
    g = open_asn(out);
    expect(g, ip(1, 2, 3, 4), 0, "", 0);
    expect(g, ip(1, 2, 3, 5), 9, "Odd", 32);
    expect(g, ip(1, 2, 3, 7), 9, "Odd", 31);
    expect(g, ip(1, 2, 3, 9), 9, "Odd", 31);
    expect(g, ip(1, 2, 3, 10), 0, "", 0);
    pm_geo_close(g);
    scratch_close(&s);
}

static void overlaps_later_row_wins(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    char err[PM_ERRBUF_SIZE], out[512];
    struct pm_geo_build_stats st;
    /* A more specific row after a wide one carves a hole... */
    assert_int_equal(build_from_text(&s, PM_GEO_KIND_ASN,
                                     "20.0.0.0,20.0.255.255,1,Big\n20.0.5.0,20.0.5.255,2,Small\n", "o1.mmdb", &st,
                                     err, out),
                     PM_OK);
    struct pm_geo *g = open_asn(out);
    expect(g, ip(20, 0, 5, 1), 2, "Small", 24);
    expect(g, ip(20, 0, 4, 1), 1, "Big", 24);
    expect(g, ip(20, 0, 128, 1), 1, "Big", 17);
    pm_geo_close(g);
    /* ...and a wide row after a specific one replaces it entirely. */
    assert_int_equal(build_from_text(&s, PM_GEO_KIND_ASN,
                                     "20.0.5.0,20.0.5.255,2,Small\n20.0.0.0,20.0.255.255,1,Big\n", "o2.mmdb", &st,
                                     err, out),
                     PM_OK);
    assert_int_equal(st.records, 1); /* "Small" is no longer referenced, so not written */
    g = open_asn(out);
    expect(g, ip(20, 0, 5, 1), 1, "Big", 16);
    pm_geo_close(g);
    /* A partial overlap in the middle of a range. */
    assert_int_equal(build_from_text(&s, PM_GEO_KIND_ASN,
                                     "30.0.0.10,30.0.0.20,1,A\n30.0.0.15,30.0.0.30,2,B\n", "o3.mmdb", &st, err, out),
                     PM_OK);
    g = open_asn(out);
    expect(g, ip(30, 0, 0, 14), 1, "A", -1);
    expect(g, ip(30, 0, 0, 15), 2, "B", -1);
    expect(g, ip(30, 0, 0, 20), 2, "B", -1);
    expect(g, ip(30, 0, 0, 31), 0, "", -1);
    pm_geo_close(g);
    scratch_close(&s);
}

static void adjacent_identical_networks_merge(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    char err[PM_ERRBUF_SIZE], out[512];
    struct pm_geo_build_stats st;
    const char *csv = "10.0.0.0,10.0.0.255,5,X\n10.0.1.0,10.0.1.255,5,X\n" /* same data: one /23 */
                      "10.0.2.0,10.0.2.255,5,X\n10.0.3.0,10.0.3.255,6,Y\n"; /* different: stay /24 */
    assert_int_equal(build_from_text(&s, PM_GEO_KIND_ASN, csv, "m.mmdb", &st, err, out), PM_OK);
    assert_int_equal(st.records, 2); /* X stored once */
    struct pm_geo *g = open_asn(out);
    expect(g, ip(10, 0, 0, 7), 5, "X", 23);
    expect(g, ip(10, 0, 1, 7), 5, "X", 23);
    expect(g, ip(10, 0, 2, 7), 5, "X", 24);
    expect(g, ip(10, 0, 3, 7), 6, "Y", 24);
    /* Special ranges are still looked up (the lab maps 198.18/15). */
    struct pm_geo_info gi;
    pm_geo_lookup(g, ip(10, 0, 0, 1), &gi);
    assert_true(gi.special);
    assert_string_equal(gi.special_name, "private-use");
    pm_geo_close(g);
    scratch_close(&s);
}

/* Writes n records directly with the writer; record i maps 40.i.i.0/24-ish space. */
static void write_direct(const char *path, unsigned min_rs, uint32_t n, size_t pad, struct pm_mmdb_result *res)
{
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_mmdb_writer *w;
    assert_int_equal(pm_mmdb_writer_alloc(&w, err), PM_OK);
    if (min_rs)
        assert_int_equal(pm_mmdb_writer_min_record_size(w, min_rs), PM_OK);
    struct pm_mmdb_buf b;
    pm_mmdb_buf_init(&b, 1 << 16);
    char *name = malloc(pad + 32);
    assert_non_null(name);
    for (uint32_t i = 0; i < n; i++) {
        pm_mmdb_buf_reset(&b);
        int k = snprintf(name, pad + 32, "org-%u-", i);
        memset(name + k, 'x', pad);
        name[k + pad] = '\0';
        pm_mmdb_enc_map(&b, 2);
        pm_mmdb_enc_str(&b, "autonomous_system_number");
        pm_mmdb_enc_uint32(&b, 100000 + i);
        pm_mmdb_enc_str(&b, "autonomous_system_organization");
        pm_mmdb_enc_str(&b, name);
        assert_int_equal(b.err, PM_OK);
        uint32_t id;
        assert_int_equal(pm_mmdb_writer_record(w, b.p, b.len, &id, err), PM_OK);
        uint32_t start = ip(40, 0, 0, 0) + i * 256;
        assert_int_equal(pm_mmdb_writer_range(w, start, start + 255, id, NULL, err), PM_OK);
    }
    struct pm_mmdb_meta meta = {"test-ASN", "direct writer test", 1700000000};
    assert_int_equal(pm_mmdb_writer_write(w, path, &meta, res, err), PM_OK);
    free(name);
    pm_mmdb_buf_free(&b);
    pm_mmdb_writer_free(w);
}

static void every_record_size_reads_back(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    static const unsigned sizes[] = {24, 28, 32};
    for (size_t k = 0; k < 3; k++) {
        char out[512], name[32];
        snprintf(name, sizeof name, "rs%u.mmdb", sizes[k]);
        scratch_path(&s, name, out);
        struct pm_mmdb_result res;
        write_direct(out, sizes[k], 300, 4, &res);
        assert_int_equal(res.record_size, sizes[k]);
        struct pm_geo *g = open_asn(out);
        for (uint32_t i = 0; i < 300; i += 37)
            expect(g, ip(40, 0, 0, 9) + i * 256, 100000 + i, NULL, 24);
        expect(g, ip(39, 255, 255, 255), 0, "", -1);
        pm_geo_close(g);
    }
    scratch_close(&s);
}

static void large_data_section_picks_28_bit_records(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    char out[512];
    scratch_path(&s, "big.mmdb", out);
    struct pm_mmdb_result res;
    /* ~17.5 MB of data pushes pointers past 2^24, so the high nibble of the
     * 28-bit records is really exercised. */
    write_direct(out, 0, 70000, 240, &res);
    assert_int_equal(res.record_size, 28);
    assert_true(res.bytes > (1u << 24));
    struct pm_geo *g = open_asn(out);
    expect(g, ip(40, 0, 0, 1), 100000, NULL, 24);
    expect(g, ip(40, 0, 0, 1) + 69999u * 256, 169999, NULL, 24);
    struct pm_geo_info gi;
    pm_geo_lookup(g, ip(40, 0, 0, 1) + 69999u * 256, &gi);
    assert_memory_equal(gi.as_name, "org-69999-xxx", 13);
    pm_geo_close(g);
    scratch_close(&s);
}

static void same_input_same_bytes(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    char err[PM_ERRBUF_SIZE], a[512], b[512];
    struct pm_geo_build_stats st;
    const char *csv = "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n8.8.8.0,8.8.8.255,15169,Google LLC\n";
    assert_int_equal(build_from_text(&s, PM_GEO_KIND_ASN, csv, "a.mmdb", &st, err, a), PM_OK);
    assert_int_equal(build_from_text(&s, PM_GEO_KIND_ASN, csv, "b.mmdb", &st, err, b), PM_OK);
    size_t la, lb;
    unsigned char *pa = slurp(a, &la), *pb = slurp(b, &lb);
    assert_non_null(pa);
    assert_non_null(pb);
    assert_int_equal(la, lb);
    assert_memory_equal(pa, pb, la);
    assert_int_equal(st.bytes, la);
    free(pa);
    free(pb);
    scratch_close(&s);
}

static void failed_write_leaves_old_file(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    char err[PM_ERRBUF_SIZE] = "", out[512];
    struct pm_geo_build_stats st;
    scratch_text(&s, "keep.mmdb", "previous contents", out);
    /* Garbage input is refused before anything is written. */
    assert_int_equal(build_from_text(&s, PM_GEO_KIND_ASN, "this is not,a csv\nat all\n", "keep.mmdb", &st, err, out),
                     PM_ECORRUPT);
    size_t n;
    unsigned char *p = slurp(out, &n);
    assert_non_null(p);
    assert_int_equal(n, strlen("previous contents"));
    free(p);
    /* An output directory that does not exist: clean error, nothing left. */
    char in[512];
    scratch_text(&s, "ok.csv", "1.0.0.0,1.0.0.255,1,A\n", in);
    const char *paths[1] = {in};
    char bad[600];
    snprintf(bad, sizeof bad, "%s/no/such/dir/x.mmdb", s.dir);
    memset(err, 0, sizeof err);
    assert_int_equal(pm_geo_build(PM_GEO_KIND_ASN, paths, 1, bad, 1, NULL, &st, err), PM_EIO);
    assert_non_null(strstr(err, "cannot create"));
    assert_null(strchr(err, '\n'));
    scratch_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(edges_of_the_address_space),
        cmocka_unit_test(whole_space_and_unaligned_ranges),
        cmocka_unit_test(overlaps_later_row_wins),
        cmocka_unit_test(adjacent_identical_networks_merge),
        cmocka_unit_test(every_record_size_reads_back),
        cmocka_unit_test(large_data_section_picks_28_bit_records),
        cmocka_unit_test(same_input_same_bytes),
        cmocka_unit_test(failed_write_leaves_old_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
