/* test_geo_lookup.c - the reader: shipped default data, corrupt files, the bounded cache, special ranges, run records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "geo/internal.h"
#include "util/sha256.h"
#include "pathmortem/trace.h"
#include "test_geo_util.h"

#define BUILT_ASN PM_BINARY_DIR "/data/default-asn.mmdb"
#define BUILT_CITY PM_BINARY_DIR "/data/default-city.mmdb"

/* The databases geo/CMakeLists.txt builds; when the build stopped before that
 * step, the same CSVs are built here so the tests still check the shipped rows. */
static char DEFAULT_ASN[512], DEFAULT_CITY[512];
static bool built_by_cmake;
static struct scratch fallback;

static int setup(void **state)
{
    (void)state;
    if (access(BUILT_ASN, R_OK) == 0 && access(BUILT_CITY, R_OK) == 0) {
        snprintf(DEFAULT_ASN, sizeof DEFAULT_ASN, "%s", BUILT_ASN);
        snprintf(DEFAULT_CITY, sizeof DEFAULT_CITY, "%s", BUILT_CITY);
        built_by_cmake = true;
        return 0;
    }
    scratch_open(&fallback);
    const char *asn_csv[1] = {PM_SOURCE_DIR "/geo/starjv-asn.csv"};
    const char *city_csv[1] = {PM_SOURCE_DIR "/geo/starjv-city.csv"};
    struct pm_geo_build_stats st;
    char err[PM_ERRBUF_SIZE];
    scratch_path(&fallback, "default-asn.mmdb", DEFAULT_ASN);
    scratch_path(&fallback, "default-city.mmdb", DEFAULT_CITY);
    if (pm_geo_build(PM_GEO_KIND_ASN, asn_csv, 1, DEFAULT_ASN, 1795824000, NULL, &st, err) != PM_OK ||
        pm_geo_build(PM_GEO_KIND_CITY, city_csv, 1, DEFAULT_CITY, 1795824000, NULL, &st, err) != PM_OK) {
        print_error("building the default data: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!built_by_cmake)
        scratch_close(&fallback);
    return 0;
}

static void default_data_knows_the_default_case(void **state)
{
    (void)state;
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_geo *g = NULL;
    int rc = pm_geo_open(DEFAULT_ASN, DEFAULT_CITY, &g, err);
    if (rc != PM_OK)
        print_error("%s\n", err);
    assert_int_equal(rc, PM_OK);
    struct pm_geo_info gi;
    pm_geo_lookup(g, ip(175, 45, 176, 71), &gi);
    assert_int_equal(gi.asn, 131279);
    assert_string_equal(gi.as_name, "Star Joint Venture Co. Ltd.");
    assert_string_equal(gi.country, "KP");
    assert_int_equal(gi.asn_prefix_len, 22);
    assert_false(gi.special);
    pm_geo_lookup(g, ip(219, 158, 39, 42), &gi);
    assert_int_equal(gi.asn, 4837);
    assert_string_equal(gi.country, "CN");
    pm_geo_lookup(g, ip(219, 158, 200, 1), &gi);
    assert_int_equal(gi.asn, 4808);
    pm_geo_lookup(g, ip(188, 43, 225, 153), &gi);
    assert_int_equal(gi.asn, 20485);
    assert_string_equal(gi.country, "RU");
    pm_geo_lookup(g, ip(217, 150, 40, 1), &gi);
    assert_int_equal(gi.asn, 20485);
    pm_geo_lookup(g, ip(87, 226, 130, 1), &gi);
    assert_int_equal(gi.asn, 12389);
    pm_geo_lookup(g, ip(87, 226, 100, 1), &gi); /* the other half of 87.226/16 is not Rostelecom */
    assert_int_equal(gi.asn, 0);
    pm_geo_lookup(g, ip(210, 52, 109, 9), &gi);
    assert_int_equal(gi.asn, 9929);
    pm_geo_lookup(g, ip(77, 94, 35, 1), &gi);
    assert_int_equal(gi.asn, 51259);
    assert_string_equal(gi.country, "LT");
    pm_geo_lookup(g, ip(8, 8, 8, 8), &gi);
    assert_int_equal(gi.asn, 0);
    assert_string_equal(gi.as_name, "");
    assert_string_equal(gi.country, "");
    pm_geo_close(g);
    /* In the build tree (or installed), the defaults are found. */
    if (built_by_cmake) {
        assert_non_null(pm_geo_default_asn_path());
        assert_non_null(pm_geo_default_city_path());
    }
}

static void describe_records_path_date_and_digest(void **state)
{
    (void)state;
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_geo *g = NULL;
    assert_int_equal(pm_geo_open(DEFAULT_ASN, NULL, &g, err), PM_OK);
    struct pm_db_info d;
    assert_int_equal(pm_geo_describe(g, "asn", &d), PM_OK);
    assert_string_equal(d.role, "asn");
    assert_string_equal(d.path, DEFAULT_ASN);
    assert_int_equal(strlen(d.build_date), 20);
    assert_memory_equal(d.build_date + 10, "T00:00:00Z", 10); /* geo/CMakeLists.txt pins the date */
    size_t n;
    unsigned char *bytes = slurp(DEFAULT_ASN, &n);
    assert_non_null(bytes);
    char hex[65];
    pm_sha256_digest_hex(bytes, n, hex);
    free(bytes);
    assert_string_equal(d.sha256, hex);
    assert_int_equal(pm_geo_describe(g, "geo", &d), PM_ENOTFOUND);
    assert_int_equal(pm_geo_describe(g, "bogus", &d), PM_ENOTFOUND);
    pm_geo_close(g);
}

static void sha256_known_answers(void **state)
{
    (void)state;
    char hex[65];
    pm_sha256_digest_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    pm_sha256_digest_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    pm_sha256_digest_hex(two, strlen(two), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* One million 'a', fed in uneven pieces through the streaming interface. */
    struct pm_sha256 s;
    pm_sha256_init(&s);
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    size_t left = 1000000;
    while (left) {
        size_t k = left < sizeof chunk ? left : sizeof chunk;
        pm_sha256_update(&s, chunk, k);
        left -= k;
    }
    uint8_t d[32];
    pm_sha256_final(&s, d);
    static const uint8_t want[4] = {0xcd, 0xc7, 0x6e, 0x5c};
    assert_memory_equal(d, want, 4);
}

/* Every way a database file can be wrong gives a clean one-line error. */
static void expect_open_fails(const char *path, const char *what)
{
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_geo *g = (struct pm_geo *)0x1;
    int rc = pm_geo_open(path, NULL, &g, err);
    if (rc == PM_OK)
        print_error("%s opened\n", what);
    assert_int_not_equal(rc, PM_OK);
    assert_null(g);
    assert_true(strlen(err) > 10);
    assert_null(strchr(err, '\n'));
    assert_int_not_equal(pm_geo_verify_file(path, NULL, NULL, err), PM_OK);
}

static void corrupt_files_give_clean_errors(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    size_t n;
    unsigned char *good = slurp(DEFAULT_ASN, &n);
    assert_non_null(good);
    char p[512];
    expect_open_fails(scratch_write(&s, "zero.mmdb", "", 0, p), "zero-length");
    expect_open_fails(scratch_write(&s, "half.mmdb", good, n / 2, p), "first half");
    expect_open_fails(scratch_write(&s, "cut.mmdb", good, n - 5, p), "cut metadata");
    expect_open_fails(scratch_text(&s, "text.mmdb", "ip_range_start,ip_range_end\n", p), "text");
    unsigned char junk[8192];
    srand(1);
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)rand();
    expect_open_fails(scratch_write(&s, "junk.mmdb", junk, sizeof junk, p), "random bytes");
    /* A FIFO would block open() forever; a directory or device cannot be mapped. */
    char fifo[512];
    scratch_path(&s, "fifo.mmdb", fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    expect_open_fails(fifo, "fifo");
    expect_open_fails(s.dir, "directory");
    expect_open_fails("/dev/null", "device");
    char missing[600];
    snprintf(missing, sizeof missing, "%s/missing.mmdb", s.dir);
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_geo *g;
    assert_int_equal(pm_geo_open(missing, NULL, &g, err), PM_ENOTFOUND);
    assert_non_null(strstr(err, "missing.mmdb"));
    /* A location path that fails after a good ASN path: nothing leaks. */
    assert_int_not_equal(pm_geo_open(DEFAULT_ASN, missing, &g, err), PM_OK);
    free(good);
    scratch_close(&s);
}

/* Damaged bytes inside a database: opening verifies small files, so a
 * damaged one is refused with one line, and whatever opens must verify and
 * look up safely (ASan/UBSan builds check this). */
static void damaged_databases_never_crash(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    size_t n;
    unsigned char *good = slurp(DEFAULT_ASN, &n);
    assert_non_null(good);
    unsigned char *bad = malloc(n);
    assert_non_null(bad);
    srand(42);
    unsigned opened = 0, refused = 0, verify_failed = 0;
    for (int round = 0; round < 300; round++) {
        memcpy(bad, good, n);
        int flips = 1 + rand() % 8;
        for (int k = 0; k < flips; k++)
            bad[(size_t)rand() % n] = (unsigned char)rand();
        char p[512], err[PM_ERRBUF_SIZE];
        scratch_write(&s, "flip.mmdb", bad, n, p);
        struct pm_geo *g = NULL;
        if (pm_geo_open(p, NULL, &g, err) != PM_OK) {
            assert_null(strchr(err, '\n'));
            refused++;
            continue;
        }
        opened++;
        struct pm_geo_info gi;
        for (uint32_t a = 0; a < 512; a++) {
            pm_geo_lookup(g, (uint32_t)rand() ^ (a << 20), &gi);
            assert_true(strlen(gi.as_name) < sizeof gi.as_name);
        }
        pm_geo_lookup(g, ip(175, 45, 176, 71), &gi);
        pm_geo_close(g);
        if (pm_geo_verify_file(p, NULL, NULL, err) != PM_OK)
            verify_failed++;
    }
    assert_true(opened > 0);
    assert_true(refused > 0);
    assert_int_equal(verify_failed, 0);
    /* A search-tree record pointed far past the data section. */
    memcpy(bad, good, n);
    bad[0] = bad[1] = bad[2] = 0xFF; /* root's left record, 24-bit */
    char p[512], err[PM_ERRBUF_SIZE] = "";
    scratch_write(&s, "far.mmdb", bad, n, p);
    assert_int_equal(pm_geo_verify_file(p, NULL, NULL, err), PM_ECORRUPT);
    assert_non_null(strstr(err, "node 0"));
    free(bad);
    free(good);
    scratch_close(&s);
}

static void cache_is_bounded_and_consistent(void **state)
{
    (void)state;
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_geo *g = NULL;
    assert_int_equal(pm_geo_open(DEFAULT_ASN, DEFAULT_CITY, &g, err), PM_OK);
    struct pm_geo_info first, again;
    pm_geo_lookup(g, ip(175, 45, 177, 1), &first);
    struct pm_geo_cache_stats cs;
    pm_geo_cache_stats(g, &cs);
    assert_int_equal(cs.misses, 1);
    assert_int_equal(cs.hits, 0);
    pm_geo_lookup(g, ip(175, 45, 177, 1), &again);
    pm_geo_cache_stats(g, &cs);
    assert_int_equal(cs.hits, 1);
    assert_memory_equal(&first, &again, sizeof first);
    /* Three times the cap of distinct addresses: the table never grows. */
    for (uint32_t i = 0; i < 3u * PM_GEO_CACHE_MAX; i++) {
        struct pm_geo_info gi;
        uint32_t a = ip(175, 45, 176, 0) + (i % 1024) + (i / 1024) * 0x01000000u;
        pm_geo_lookup(g, a, &gi);
        if ((a >> 10) == (ip(175, 45, 176, 0) >> 10))
            assert_int_equal(gi.asn, 131279);
    }
    pm_geo_cache_stats(g, &cs);
    assert_true(cs.entries <= PM_GEO_CACHE_MAX);
    assert_true(cs.entries > PM_GEO_CACHE_MAX / 2); /* the hash spreads addresses */
    assert_true(cs.evictions > 0);
    assert_int_equal(cs.misses, cs.entries + cs.evictions);
    /* An evicted address is looked up again and gives the same answer. */
    pm_geo_lookup(g, ip(175, 45, 177, 1), &again);
    assert_memory_equal(&first, &again, sizeof first);
    pm_geo_close(g);
}

/* The decoded-record cache is keyed by the record's offset: with far more
 * distinct records than slots, every slot is shared, and each answer must
 * still be its own network's (looked up forwards, then backwards, with and
 * without the per-address cache). */
static void record_cache_never_mixes_records(void **state)
{
    (void)state;
    enum { N = 3 * 16384 + 7 };
    struct scratch s;
    scratch_open(&s);
    char csv[512], db[512], err[PM_ERRBUF_SIZE] = "";
    scratch_path(&s, "many.csv", csv);
    FILE *f = fopen(csv, "w");
    assert_non_null(f);
    for (uint32_t i = 0; i < N; i++) /* 10.0.0.0/24, 10.0.1.0/24, ...: AS 1000+i */
        fprintf(f, "10.%u.%u.0,10.%u.%u.255,%u,Org %u\n", i >> 8 & 255, i & 255, i >> 8 & 255, i & 255, 1000 + i, i);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(pm_geo_build(PM_GEO_KIND_ASN, (const char *const[]){csv}, 1, scratch_path(&s, "many.mmdb", db),
                                  1, NULL, &(struct pm_geo_build_stats){0}, err),
                     PM_OK);
    struct pm_geo *g = NULL;
    assert_int_equal(pm_geo_open(db, NULL, &g, err), PM_OK);
    for (int pass = 0; pass < 4; pass++) {
        for (uint32_t k = 0; k < N; k++) {
            uint32_t i = pass & 1 ? N - 1 - k : (k * 7919u) % N;
            uint32_t a = ip(10, 0, 0, 0) + (i << 8) + (k & 255);
            struct pm_geo_info gi;
            if (pass < 2)
                pm_geo_lookup_once(g, a, &gi);
            else
                pm_geo_lookup(g, a, &gi);
            char want[32];
            snprintf(want, sizeof want, "Org %u", i);
            if (gi.asn != 1000 + i || strcmp(gi.as_name, want) != 0 || gi.asn_prefix_len != 24)
                fail_msg("pass %d, 10.x/24 #%u: AS%u '%s' /%u", pass, i, gi.asn, gi.as_name, gi.asn_prefix_len);
        }
    }
    /* Outside the table: nothing, and nothing left over from the last answer. */
    struct pm_geo_info gi;
    pm_geo_lookup_once(g, ip(11, 0, 0, 1), &gi);
    assert_int_equal(gi.asn, 0);
    assert_string_equal(gi.as_name, "");
    assert_int_equal(gi.asn_prefix_len, 0);
    pm_geo_close(g);
    scratch_close(&s);
}

static void special_ranges_are_flagged(void **state)
{
    (void)state;
    static const struct {
        uint32_t addr;
        const char *name;
        uint8_t len;
    } cases[] = {
        {0xC6120001u, "benchmarking", 15},   /* 198.18.0.1 */
        {0xC613FFFFu, "benchmarking", 15},   /* 198.19.255.255 */
        {0x0A010203u, "private-use", 8},
        {0xAC1F0001u, "private-use", 12},    /* 172.31.0.1 */
        {0xC0A80101u, "private-use", 16},
        {0x64400001u, "shared", 10},
        {0x647FFFFFu, "shared", 10},
        {0x7F000001u, "loopback", 8},
        {0xA9FE0101u, "link-local", 16},
        {0xC0000201u, "documentation", 24},
        {0xC6336401u, "documentation", 24},
        {0xCB007101u, "documentation", 24},
        {0xE0000001u, "multicast", 4},
        {0xF0000001u, "reserved", 4},
        {0xFFFFFFFFu, "limited-broadcast", 32},
        {0x00000000u, "this-network", 8},
        {0xC0000009u, "ietf-protocol", 24},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t net;
        uint8_t len;
        const char *name = pm_geo_special(cases[i].addr, &net, &len);
        assert_non_null(name);
        assert_string_equal(name, cases[i].name);
        assert_int_equal(len, cases[i].len);
        assert_int_equal(net, cases[i].addr & (~0u << (32 - len)));
        struct pm_geo_info gi;
        pm_geo_lookup(NULL, cases[i].addr, &gi); /* no databases: flags only */
        assert_true(gi.special);
        assert_string_equal(gi.special_name, cases[i].name);
    }
    static const uint32_t ordinary[] = {0x08080808u, 0xAF2DB047u, 0x64800000u, 0xAC200000u, 0xC6140000u,
                                        0xC6110000u, 0xDFFFFFFFu, 0x01000000u};
    for (size_t i = 0; i < sizeof ordinary / sizeof ordinary[0]; i++) {
        assert_null(pm_geo_special(ordinary[i], NULL, NULL));
        struct pm_geo_info gi;
        pm_geo_lookup(NULL, ordinary[i], &gi);
        assert_false(gi.special);
        assert_string_equal(gi.special_name, "");
    }
}

static void strings_from_databases_are_sanitised(void **state)
{
    (void)state;
    char out[8];
    pm_geo_copy_str(out, sizeof out, "ab\ncd\x1b[", 7);
    assert_string_equal(out, "ab?cd?[");
    pm_geo_copy_str(out, sizeof out, "abcdef\xc3\xa9", 8); /* é would be cut: dropped whole */
    assert_string_equal(out, "abcdef");
    pm_geo_copy_str(out, sizeof out, "abcde\xc3\xa9", 7); /* fits exactly */
    assert_string_equal(out, "abcde\xc3\xa9");
    pm_geo_copy_str(out, sizeof out, "abcdefghijk", 11);
    assert_string_equal(out, "abcdefg");
    pm_geo_copy_str(out, sizeof out, "", 0);
    assert_string_equal(out, "");
    pm_geo_copy_str(out, sizeof out, "a\xff" "b", 3); /* not UTF-8 */
    assert_string_equal(out, "a?b");
    pm_geo_copy_str(out, sizeof out, "x\xc3", 2); /* cut sequence at the end */
    assert_string_equal(out, "x?");
    pm_geo_copy_str(out, sizeof out, "\xed\xa0\x80", 3); /* surrogate */
    assert_string_equal(out, "???");
}

static void the_lab_space_is_looked_up_despite_being_special(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    char err[PM_ERRBUF_SIZE] = "", out[512];
    struct pm_geo_build_stats st;
    assert_int_equal(build_from_text(&s, PM_GEO_KIND_ASN, "198.18.4.0,198.18.4.255,4837,CHINA UNICOM China169 Backbone\n",
                                     "lab.mmdb", &st, err, out),
                     PM_OK);
    struct pm_geo *g = NULL;
    assert_int_equal(pm_geo_open(out, NULL, &g, err), PM_OK);
    struct pm_geo_info gi;
    pm_geo_lookup(g, ip(198, 18, 4, 1), &gi);
    assert_int_equal(gi.asn, 4837);
    assert_true(gi.special);
    assert_string_equal(gi.special_name, "benchmarking");
    /* Through the analyzer's callback as well. */
    pm_geo_lookup_cb(g, ip(198, 18, 4, 2), &gi);
    assert_int_equal(gi.asn, 4837);
    pm_geo_close(g);
    scratch_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_data_knows_the_default_case),
        cmocka_unit_test(describe_records_path_date_and_digest),
        cmocka_unit_test(sha256_known_answers),
        cmocka_unit_test(corrupt_files_give_clean_errors),
        cmocka_unit_test(damaged_databases_never_crash),
        cmocka_unit_test(cache_is_bounded_and_consistent),
        cmocka_unit_test(record_cache_never_mixes_records),
        cmocka_unit_test(special_ranges_are_flagged),
        cmocka_unit_test(strings_from_databases_are_sanitised),
        cmocka_unit_test(the_lab_space_is_looked_up_despite_being_special),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
