/* test_geo_build.c - `geo build` input handling: garbage rows and files, quoting, IPv6, city layout, and agreement with MaxMind's perl writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "geo/csv.h"
#include "pathmortem/trace.h"
#include "test_geo_util.h"

static struct pm_geo *open_dbs(const char *asn, const char *city)
{
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_geo *g = NULL;
    int rc = pm_geo_open(asn, city, &g, err);
    if (rc != PM_OK)
        print_error("%s\n", err);
    assert_int_equal(rc, PM_OK);
    return g;
}

static void bad_rows_are_counted_and_reported_with_line_numbers(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    char in[512], out[512], err[PM_ERRBUF_SIZE] = "";
    const char *csv = "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n"        /* 1 quoted comma */
                      "2.0.0.0,2.0.0.255,3215,Orange\r\n"                   /* 2 CRLF */
                      "3.0.0.0,3.0.0.255,notanumber,X\n"                     /* 3 bad asn */
                      "\n"                                                   /* 4 blank: ignored */
                      "4.0.0.0,4.0.0.255,1,\"unterminated\n"                  /* 5 bad quote */
                      "5.0.0.0,5.0.0.256,1,Y\n"                              /* 6 bad address */
                      "2001:db8::,2001:db8::ffff,64496,V6\n"                 /* 7 IPv6: skipped */
                      "87.226.0.0,87.226.127.255,20910,\"SIA \"\"BITE Latvija\"\"\"\n" /* 8 "" escapes */
                      "9.0.0.9,9.0.0.1,1,Backwards\n"                        /* 9 start > end */
                      "10.0.0.0,10.0.0.255,4294967295,Max\n"                 /* 10 largest ASN */
                      "11.0.0.0,11.0.0.255,4294967296,TooBig\n"              /* 11 bad asn */
                      "12.0.0.0,12.0.0.255,1\n"                              /* 12 three fields */
                      "13.0.0.0,13.0.0.255,64512,caf\xc3\xa9\n"              /* 13 UTF-8 ok */
                      "14.0.0.0,14.0.0.255,64513,bad\xff\n"                  /* 14 not UTF-8 */
                      "15.0.0.0,15.0.0.255,64514,ok\n"
                      "16.0.0.0,16.0.0.255,64515,ok2\n"
                      "17.0.0.0,17.0.0.255,64516,ok3\n"
                      "# a comment line is skipped, not a bad row\n";
    scratch_text(&s, "rows.csv", csv, in);
    scratch_path(&s, "rows.mmdb", out);
    char *report = NULL;
    size_t report_len = 0;
    FILE *warn = open_memstream(&report, &report_len);
    assert_non_null(warn);
    struct pm_geo_build_stats st;
    const char *paths[1] = {in};
    int rc = pm_geo_build(PM_GEO_KIND_ASN, paths, 1, out, 1700000000, warn, &st, err);
    fclose(warn);
    if (rc != PM_OK)
        print_error("%s\n", err);
    assert_int_equal(rc, PM_OK);
    assert_int_equal(st.lines, 18);
    assert_int_equal(st.ranges, 8);
    assert_int_equal(st.ipv6_skipped, 1);
    assert_int_equal(st.bad_rows, 7);
    /* First PM_GEO_BUILD_REPORT_MAX bad rows, each with file:line. */
    assert_non_null(strstr(report, "rows.csv:3: autonomous_system_number"));
    assert_non_null(strstr(report, "rows.csv:5: unterminated quote"));
    assert_non_null(strstr(report, "rows.csv:6: ip_range_start/ip_range_end"));
    assert_non_null(strstr(report, "rows.csv:9: ip_range_start is after"));
    assert_non_null(strstr(report, "rows.csv:11:"));
    assert_null(strstr(report, "rows.csv:12:"));
    free(report);

    struct pm_geo *g = open_dbs(out, NULL);
    struct pm_geo_info gi;
    pm_geo_lookup(g, ip(1, 0, 0, 1), &gi);
    assert_int_equal(gi.asn, 13335);
    assert_string_equal(gi.as_name, "Cloudflare, Inc.");
    pm_geo_lookup(g, ip(2, 0, 0, 1), &gi);
    assert_string_equal(gi.as_name, "Orange"); /* no stray \r */
    pm_geo_lookup(g, ip(87, 226, 5, 5), &gi);
    assert_string_equal(gi.as_name, "SIA \"BITE Latvija\"");
    pm_geo_lookup(g, ip(10, 0, 0, 1), &gi);
    assert_int_equal(gi.asn, 4294967295u);
    pm_geo_lookup(g, ip(13, 0, 0, 1), &gi);
    assert_string_equal(gi.as_name, "caf\xc3\xa9");
    pm_geo_lookup(g, ip(3, 0, 0, 1), &gi);
    assert_int_equal(gi.asn, 0);
    pm_geo_lookup(g, ip(14, 0, 0, 1), &gi);
    assert_int_equal(gi.asn, 0);
    pm_geo_close(g);
    scratch_close(&s);
}

static void garbage_files_are_refused(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    char err[PM_ERRBUF_SIZE] = "", out[512];
    struct pm_geo_build_stats st;
    /* Random bytes. */
    unsigned char junk[4000];
    srand(7);
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)rand();
    char in[512];
    scratch_write(&s, "junk.csv", junk, sizeof junk, in);
    scratch_path(&s, "junk.mmdb", out);
    const char *paths[1] = {in};
    assert_int_equal(pm_geo_build(PM_GEO_KIND_ASN, paths, 1, out, 1, NULL, &st, err), PM_ECORRUPT);
    assert_non_null(strstr(err, "no usable row"));
    assert_null(strchr(err, '\n'));
    assert_int_equal(access(out, F_OK), -1);
    /* More bad rows than good ones. */
    assert_int_equal(build_from_text(&s, PM_GEO_KIND_ASN, "1.0.0.0,1.0.0.255,1,A\nx\ny\nz\n", "m.mmdb", &st, err, out),
                     PM_ECORRUPT);
    assert_non_null(strstr(err, "refusing a garbage file"));
    /* An ASN file given as a city file is garbage for that layout. */
    assert_int_equal(build_from_text(&s, PM_GEO_KIND_CITY, "1.0.0.0,1.0.0.255,1,A\n", "c.mmdb", &st, err, out),
                     PM_ECORRUPT);
    /* Colons alone do not make a row IPv6: /etc/passwd-like text is garbage. */
    assert_int_equal(build_from_text(&s, PM_GEO_KIND_ASN, "gnats:x:41:41:Gnats,,,:/var/lib/gnats:/usr/sbin/nologin\n",
                                     "pw.mmdb", &st, err, out),
                     PM_ECORRUPT);
    assert_int_equal(st.ipv6_skipped, 0);
    assert_non_null(strstr(err, "no usable row"));
    /* Only IPv6 rows: nothing to write. */
    assert_int_equal(build_from_text(&s, PM_GEO_KIND_ASN, "::1,::2,1,A\n", "v6.mmdb", &st, err, out), PM_ECORRUPT);
    assert_int_equal(st.ipv6_skipped, 1);
    /* Empty file, missing file. */
    assert_int_equal(build_from_text(&s, PM_GEO_KIND_ASN, "", "e.mmdb", &st, err, out), PM_ECORRUPT);
    char missing[600];
    snprintf(missing, sizeof missing, "%s/nope.csv", s.dir);
    const char *mp[1] = {missing};
    assert_int_equal(pm_geo_build(PM_GEO_KIND_ASN, mp, 1, out, 1, NULL, &st, err), PM_ENOTFOUND);
    scratch_close(&s);
}

static void long_lines_and_nul_bytes_are_bad_rows(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    size_t cap = 3 * PM_CSV_LINE_MAX;
    char *csv = malloc(cap);
    assert_non_null(csv);
    size_t n = 0;
    n += (size_t)snprintf(csv + n, cap - n, "1.0.0.0,1.0.0.255,1,A\n2.0.0.0,2.0.0.255,2,");
    memset(csv + n, 'L', PM_CSV_LINE_MAX + 10);
    n += PM_CSV_LINE_MAX + 10;
    n += (size_t)snprintf(csv + n, cap - n, "\n3.0.0.0,3.0.0.255,3,C\n4.0.0.0,4.0.0.255,4,N");
    csv[n++] = '\0';
    n += (size_t)snprintf(csv + n, cap - n, "UL\n5.0.0.0,5.0.0.255,5,E\n");
    char in[512], out[512], err[PM_ERRBUF_SIZE] = "";
    scratch_write(&s, "long.csv", csv, n, in);
    scratch_path(&s, "long.mmdb", out);
    const char *paths[1] = {in};
    struct pm_geo_build_stats st;
    assert_int_equal(pm_geo_build(PM_GEO_KIND_ASN, paths, 1, out, 1, NULL, &st, err), PM_OK);
    assert_int_equal(st.lines, 5);
    assert_int_equal(st.ranges, 3);
    assert_int_equal(st.bad_rows, 2);
    struct pm_geo *g = open_dbs(out, NULL);
    struct pm_geo_info gi;
    pm_geo_lookup(g, ip(3, 0, 0, 1), &gi); /* the line after the long one is intact */
    assert_int_equal(gi.asn, 3);
    pm_geo_lookup(g, ip(5, 0, 0, 1), &gi);
    assert_int_equal(gi.asn, 5);
    pm_geo_close(g);
    free(csv);
    scratch_close(&s);
}

static void csv_splitter_rules(void **state)
{
    (void)state;
    char *f[PM_CSV_FIELDS_MAX];
    size_t fl[PM_CSV_FIELDS_MAX];
    const char *why = NULL;
    char a[] = "a,\"b,c\",,\"\"\"q\"\"\"";
    assert_int_equal(pm_csv_split(a, strlen(a), f, fl, &why), 4);
    assert_string_equal(f[0], "a");
    assert_string_equal(f[1], "b,c");
    assert_string_equal(f[2], "");
    assert_string_equal(f[3], "\"q\"");
    char b[] = "a,\"b\"x";
    assert_int_equal(pm_csv_split(b, strlen(b), f, fl, &why), -1);
    assert_string_equal(why, "text after a closing quote");
    char c[] = "a,b\"c";
    assert_int_equal(pm_csv_split(c, strlen(c), f, fl, &why), -1);
    char d[] = "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17";
    assert_int_equal(pm_csv_split(d, strlen(d), f, fl, &why), -1);
    assert_string_equal(why, "too many fields");
    char e[] = "x,";
    assert_int_equal(pm_csv_split(e, strlen(e), f, fl, &why), 2);
    assert_string_equal(f[1], "");
    assert_true(pm_csv_text_ok("Star Joint Venture Co. Ltd.", 27));
    assert_false(pm_csv_text_ok("a\tb", 3));
    assert_false(pm_csv_text_ok("\xc0\xaf", 2));       /* overlong '/' */
    assert_false(pm_csv_text_ok("\xed\xa0\x80", 3));   /* surrogate */
    assert_false(pm_csv_text_ok("\xe2\x82", 2));       /* cut sequence */
    assert_true(pm_csv_text_ok("\xf0\x9f\x98\x80", 4)); /* U+1F600 */
}

static void city_layout_round_trip(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    char err[PM_ERRBUF_SIZE] = "", out[512];
    struct pm_geo_build_stats st;
    const char *csv = "175.45.176.0,175.45.179.255,KP,,,Pyongyang,,39.0392,125.7625,Asia/Pyongyang\n"
                      "188.43.0.0,188.43.255.255,RU,Sankt-Peterburg,,\"Saint Petersburg\",190000,59.9,30.3,\n"
                      "1.0.0.0,1.0.0.255,,,,,,,,\n"                         /* nothing known: empty map */
                      "2.0.0.0,2.0.0.255,ru,,,,,,,\n"                       /* bad country code */
                      "3.0.0.0,3.0.0.255,FR,,,Paris,,91.5,2.3,\n"          /* latitude out of range */
                      "4.0.0.0,4.0.0.255,DE,,,Berlin,,52.5,13.4,Europe/Berlin\n"
                      "5.0.0.0,5.0.0.255,IT,Lombardy,Milan,Milano,20100,45.46,9.19,Europe/Rome\n";
    int rc = build_from_text(&s, PM_GEO_KIND_CITY, csv, "city.mmdb", &st, err, out);
    if (rc != PM_OK)
        print_error("%s\n", err);
    assert_int_equal(rc, PM_OK);
    assert_int_equal(st.ranges, 5);
    assert_int_equal(st.bad_rows, 2);
    char verr[PM_ERRBUF_SIZE];
    assert_int_equal(pm_geo_verify_file(out, NULL, NULL, verr), PM_OK);
    struct pm_geo *g = open_dbs(NULL, out);
    struct pm_geo_info gi;
    pm_geo_lookup(g, ip(175, 45, 176, 71), &gi);
    assert_string_equal(gi.country, "KP");
    assert_string_equal(gi.city, "Pyongyang");
    assert_int_equal(gi.geo_prefix_len, 22);
    assert_int_equal(gi.asn, 0);
    pm_geo_lookup(g, ip(188, 43, 225, 153), &gi);
    assert_string_equal(gi.country, "RU");
    assert_string_equal(gi.city, "Saint Petersburg");
    pm_geo_lookup(g, ip(1, 0, 0, 1), &gi);
    assert_string_equal(gi.country, "");
    assert_int_equal(gi.geo_prefix_len, 0);
    pm_geo_lookup(g, ip(2, 0, 0, 1), &gi);
    assert_string_equal(gi.country, "");
    pm_geo_lookup(g, ip(5, 0, 0, 1), &gi);
    assert_string_equal(gi.city, "Milano");
    assert_string_equal(gi.country, "IT");
    pm_geo_close(g);
    scratch_close(&s);
}

static bool have_perl_writer(void)
{
    return system("perl -MMaxMind::DB::Writer::Tree -e 1 >/dev/null 2>&1") == 0;
}

/* Reads the first two fields of each row of a CSV into ranges. */
static size_t read_ranges(const char *csv_path, uint32_t (*r)[2], size_t cap)
{
    FILE *f = fopen(csv_path, "r");
    assert_non_null(f);
    char line[PM_CSV_LINE_MAX + 2];
    size_t n = 0;
    while (n < cap && fgets(line, sizeof line, f)) {
        char *comma = strchr(line, ',');
        if (!comma || strchr(line, ':'))
            continue;
        *comma = '\0';
        char *end = comma + 1, *comma2 = strchr(end, ',');
        if (!comma2)
            continue;
        *comma2 = '\0';
        if (pm_addr_parse(line, &r[n][0]) == PM_OK && pm_addr_parse(end, &r[n][1]) == PM_OK)
            n++;
    }
    fclose(f);
    return n;
}

/* Compares two opened database sets at every range's edges, neighbours and middle. */
static void compare_at_edges(struct pm_geo *a, struct pm_geo *b, const char *csv_path)
{
    static uint32_t r[4096][2];
    size_t n = read_ranges(csv_path, r, 4096);
    assert_true(n > 0);
    for (size_t k = 0; k < n; k++) {
        uint32_t lo = r[k][0], hi = r[k][1];
        uint32_t probes[6] = {lo, hi, lo - 1, hi + 1, lo + (hi - lo) / 2, lo + 1};
        for (int i = 0; i < 6; i++) {
            struct pm_geo_info x, y;
            pm_geo_lookup(a, probes[i], &x);
            pm_geo_lookup(b, probes[i], &y);
            if (x.asn != y.asn || strcmp(x.as_name, y.as_name) || x.asn_prefix_len != y.asn_prefix_len ||
                strcmp(x.country, y.country) || strcmp(x.city, y.city) || x.geo_prefix_len != y.geo_prefix_len) {
                char t[16];
                print_error("%s: ours AS%u '%s' /%u %s '%s' /%u; perl AS%u '%s' /%u %s '%s' /%u\n",
                            pm_addr_str(probes[i], t), x.asn, x.as_name, x.asn_prefix_len, x.country, x.city,
                            x.geo_prefix_len, y.asn, y.as_name, y.asn_prefix_len, y.country, y.city,
                            y.geo_prefix_len);
                fail();
            }
        }
    }
}

static int build_one(enum pm_geo_kind kind, const char *csv, const char *out)
{
    char err[PM_ERRBUF_SIZE] = "";
    const char *paths[1] = {csv};
    struct pm_geo_build_stats st;
    int rc = pm_geo_build(kind, paths, 1, out, 1, NULL, &st, err);
    if (rc != PM_OK)
        print_error("%s\n", err);
    return rc;
}

/* Builds an ASN csv with both writers and compares lookups. */
static void compare_with_perl(const char *csv_path, const char *dir)
{
    char ours[600], theirs[600], cmd[2048];
    snprintf(ours, sizeof ours, "%s/ours.mmdb", dir);
    snprintf(theirs, sizeof theirs, "%s/perl.mmdb", dir);
    snprintf(cmd, sizeof cmd, "perl %s/geo/tools/perl-asn-build.pl '%s' '%s'", PM_SOURCE_DIR, csv_path, theirs);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(build_one(PM_GEO_KIND_ASN, csv_path, ours), PM_OK);
    struct pm_geo *a = open_dbs(ours, NULL), *b = open_dbs(theirs, NULL);
    compare_at_edges(a, b, csv_path);
    pm_geo_close(a);
    pm_geo_close(b);
}

static void agrees_with_maxmind_perl_writer(void **state)
{
    (void)state;
    if (!have_perl_writer())
        skip();
    struct scratch s;
    scratch_open(&s);
    /* Overlaps, adjacency, quoting, the edges of the space, 198.18/15 (which
     * the perl writer would drop unless told to keep reserved networks). */
    const char *csv = "0.0.0.0,0.0.0.255,1,Zero\n"
                      "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n"
                      "1.0.1.0,1.0.1.255,13335,\"Cloudflare, Inc.\"\n"
                      "20.0.0.0,20.0.255.255,1,Big\n"
                      "20.0.5.0,20.0.5.255,2,Small\n"
                      "30.0.0.10,30.0.0.20,3,A\n"
                      "30.0.0.15,30.0.0.30,4,B\n"
                      "87.226.0.0,87.226.127.255,20910,\"SIA \"\"BITE Latvija\"\"\"\n"
                      "87.226.128.0,87.226.255.255,12389,PJSC Rostelecom\n"
                      "175.45.176.0,175.45.179.255,131279,Star Joint Venture Co. Ltd.\n"
                      "198.18.0.0,198.18.0.255,4837,CHINA UNICOM China169 Backbone\n"
                      "198.18.1.0,198.18.1.127,20485,Joint Stock Company TransTeleCom\n"
                      "219.158.0.0,219.158.127.255,4837,CHINA UNICOM China169 Backbone\n"
                      "255.255.255.0,255.255.255.255,9,Top\n";
    char in[512];
    scratch_text(&s, "cmp.csv", csv, in);
    compare_with_perl(in, s.dir);
    scratch_close(&s);
}

/* The lab builds its databases with MaxMind's perl writer (tests/lab/build-mmdb.pl);
 * `geo build` on the same CSVs must answer the same for ASN, country and city. */
static void lab_csvs_agree_with_the_labs_perl_build(void **state)
{
    (void)state;
    char asn_csv[600], city_csv[600], script[600];
    snprintf(asn_csv, sizeof asn_csv, "%s/tests/lab/lab-asn.csv", PM_SOURCE_DIR);
    snprintf(city_csv, sizeof city_csv, "%s/tests/lab/lab-city.csv", PM_SOURCE_DIR);
    snprintf(script, sizeof script, "%s/tests/lab/build-mmdb.pl", PM_SOURCE_DIR);
    if (access(asn_csv, R_OK) || access(city_csv, R_OK) || access(script, R_OK) || !have_perl_writer())
        skip();
    struct scratch s;
    scratch_open(&s);
    char cmd[2048], p_asn[600], p_city[600], o_asn[600], o_city[600];
    snprintf(cmd, sizeof cmd, "perl '%s' '%s' >/dev/null", script, s.dir);
    assert_int_equal(system(cmd), 0);
    snprintf(p_asn, sizeof p_asn, "%s/lab-asn.mmdb", s.dir);
    snprintf(p_city, sizeof p_city, "%s/lab-city.mmdb", s.dir);
    snprintf(o_asn, sizeof o_asn, "%s/ours-asn.mmdb", s.dir);
    snprintf(o_city, sizeof o_city, "%s/ours-city.mmdb", s.dir);
    assert_int_equal(build_one(PM_GEO_KIND_ASN, asn_csv, o_asn), PM_OK);
    assert_int_equal(build_one(PM_GEO_KIND_CITY, city_csv, o_city), PM_OK);
    struct pm_geo *a = open_dbs(o_asn, o_city), *b = open_dbs(p_asn, p_city);
    compare_at_edges(a, b, asn_csv);
    compare_at_edges(a, b, city_csv);
    /* And the lab's space maps to the real networks, flagged as benchmarking. */
    struct pm_geo_info gi;
    pm_geo_lookup(a, ip(198, 18, 20, 5), &gi);
    assert_int_equal(gi.asn, 4837);
    assert_true(gi.special);
    pm_geo_close(a);
    pm_geo_close(b);
    scratch_close(&s);
}

/* GeoLite2 and DB-IP files are IPv6 trees with IPv4 under ::/96; the reader
 * must give IPv4 prefix lengths. Also the flat layout of the @ip-location-db
 * MMDB packages (country_code/city at the top level). Built with perl. */
static void ipv6_trees_and_flat_layout_are_read(void **state)
{
    (void)state;
    if (!have_perl_writer())
        skip();
    struct scratch s;
    scratch_open(&s);
    char script[512], asn6[512], flat6[512], cmd[2048];
    scratch_path(&s, "v6-asn.mmdb", asn6);
    scratch_path(&s, "v6-flat.mmdb", flat6);
    scratch_text(&s, "mk.pl",
                 "use strict; use warnings; use MaxMind::DB::Writer::Tree;\n"
                 "my ($asn, $flat) = @ARGV;\n"
                 "my %t = (autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string',\n"
                 "         country_code => 'utf8_string', city => 'utf8_string', latitude => 'float');\n"
                 "for my $spec ([$asn, {autonomous_system_number => 131279,\n"
                 "                      autonomous_system_organization => 'Star Joint Venture Co. Ltd.'}],\n"
                 "              [$flat, {country_code => 'KP', city => 'Pyongyang (Ryugyong-dong)', latitude => 39.0}]) {\n"
                 "  my $tree = MaxMind::DB::Writer::Tree->new(ip_version => 6, record_size => 28,\n"
                 "    database_type => 'test', languages => ['en'], description => {en => 't'},\n"
                 "    remove_reserved_networks => 0, map_key_type_callback => sub { $t{$_[0]} });\n"
                 "  $tree->insert_network('::175.45.176.0/118', $spec->[1]);\n"
                 "  $tree->insert_network('2001:db8::/32', $spec->[1]);\n"
                 "  open my $fh, '>:raw', $spec->[0] or die; $tree->write_tree($fh); close $fh or die;\n"
                 "}\n",
                 script);
    snprintf(cmd, sizeof cmd, "perl '%s' '%s' '%s'", script, asn6, flat6);
    assert_int_equal(system(cmd), 0);
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(pm_geo_verify_file(asn6, NULL, NULL, err), PM_OK);
    assert_int_equal(pm_geo_verify_file(flat6, NULL, NULL, err), PM_OK);
    struct pm_geo *g = open_dbs(asn6, flat6);
    struct pm_geo_info gi;
    pm_geo_lookup(g, ip(175, 45, 179, 200), &gi);
    assert_int_equal(gi.asn, 131279);
    assert_int_equal(gi.asn_prefix_len, 22);
    assert_string_equal(gi.country, "KP");
    assert_string_equal(gi.city, "Pyongyang (Ryugyong-dong)");
    assert_int_equal(gi.geo_prefix_len, 22);
    pm_geo_lookup(g, ip(175, 45, 180, 1), &gi);
    assert_int_equal(gi.asn, 0);
    assert_string_equal(gi.country, "");
    pm_geo_close(g);
    scratch_close(&s);
}

/* Several files are read in order: a later file overrides an earlier one,
 * and one garbage file refuses the whole build. */
static void several_files_in_order(void **state)
{
    (void)state;
    struct scratch s;
    scratch_open(&s);
    char a[512], b[512], junk[512], out[512], err[PM_ERRBUF_SIZE] = "";
    scratch_text(&s, "a.csv", "60.0.0.0,60.0.255.255,1,First\n61.0.0.0,61.0.0.255,3,Kept\n", a);
    scratch_text(&s, "b.csv", "60.0.1.0,60.0.1.255,2,Second\n", b);
    scratch_text(&s, "junk.csv", "not,a,range,file\n", junk);
    scratch_path(&s, "two.mmdb", out);
    struct pm_geo_build_stats st;
    const char *two[2] = {a, b};
    assert_int_equal(pm_geo_build(PM_GEO_KIND_ASN, two, 2, out, 1, NULL, &st, err), PM_OK);
    assert_int_equal(st.ranges, 3);
    struct pm_geo *g = open_dbs(out, NULL);
    struct pm_geo_info gi;
    pm_geo_lookup(g, ip(60, 0, 1, 1), &gi);
    assert_int_equal(gi.asn, 2);
    pm_geo_lookup(g, ip(60, 0, 2, 1), &gi);
    assert_int_equal(gi.asn, 1);
    pm_geo_lookup(g, ip(61, 0, 0, 1), &gi);
    assert_int_equal(gi.asn, 3);
    pm_geo_close(g);
    const char *three[3] = {a, junk, b};
    scratch_path(&s, "three.mmdb", out);
    assert_int_equal(pm_geo_build(PM_GEO_KIND_ASN, three, 3, out, 1, NULL, &st, err), PM_ECORRUPT);
    assert_non_null(strstr(err, "junk.csv"));
    assert_int_equal(access(out, F_OK), -1);
    scratch_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_rows_are_counted_and_reported_with_line_numbers),
        cmocka_unit_test(garbage_files_are_refused),
        cmocka_unit_test(long_lines_and_nul_bytes_are_bad_rows),
        cmocka_unit_test(csv_splitter_rules),
        cmocka_unit_test(city_layout_round_trip),
        cmocka_unit_test(agrees_with_maxmind_perl_writer),
        cmocka_unit_test(lab_csvs_agree_with_the_labs_perl_build),
        cmocka_unit_test(ipv6_trees_and_flat_layout_are_read),
        cmocka_unit_test(several_files_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
