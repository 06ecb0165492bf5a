/* test_ext_objects.c - ICMP extension objects other than MPLS kept (class, type, bytes; RFC 5837 interface information parsed) from a packet, from RIPE Atlas, and through the JSON document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pathmortem/analyze.h"
#include "pathmortem/output.h"
#include "pathmortem/peers.h"
#include "pathmortem/wire.h"
#include "pcapgen.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* The RFC 5837 payload of the test: incoming interface, ifIndex 7, 198.18.5.1, "xe-0/0/1", MTU 1500 (28 bytes). */
static size_t ifinfo_payload(uint8_t *p)
{
    put32(p, 7);
    put16(p + 4, 1); /* AFI IPv4 */
    put16(p + 6, 0);
    put32(p + 8, A(198, 18, 5, 1));
    memset(p + 12, 0, 12);
    p[12] = 12; /* the name sub-object's length counts its length octet; padded to 4 */
    memcpy(p + 13, "xe-0/0/1", 8);
    put32(p + 24, 1500);
    return 28;
}

/* A time exceeded from 198.18.5.1 quoting a UDP probe (RFC 4884 length 32 words), then an
 * extension structure of an MPLS label, RFC 5837 interface information and a class-200 object. */
static size_t time_exceeded_with_ext(uint8_t *b, bool lying_name)
{
    memset(b, 0, 512);
    uint8_t *icmp = b + 20, *quote = icmp + 8, *ext = quote + 128;
    icmp[0] = 11;
    icmp[5] = 32;
    ip_hdr(quote, A(198, 18, 0, 2), A(198, 19, 176, 10), 17, 1, 0x1234, 8);
    put16(quote + 20, 40000);
    put16(quote + 22, 33435);
    put16(quote + 24, 8);
    ext[0] = 0x20; /* version 2 */
    uint8_t *o = ext + 4;
    put16(o, 8); /* MPLS: 16001, TC 5, S, TTL 250 */
    o[2] = 1;
    o[3] = 1;
    put32(o + 4, 16001u << 12 | 5u << 9 | 1u << 8 | 250u);
    o += 8;
    put16(o, 4 + 28);
    o[2] = 2;
    o[3] = 0x0f; /* incoming; ifIndex, address, name, MTU */
    ifinfo_payload(o + 4);
    if (lying_name)
        o[4 + 12] = 60; /* a name longer than the object */
    o += 32;
    put16(o, 8);
    o[2] = 200;
    o[3] = 3;
    memcpy(o + 4, "\xde\xad\xbe\xef", 4);
    o += 8;
    size_t ext_len = (size_t)(o - ext);
    put16(ext + 2, csum(ext, ext_len));
    size_t icmp_len = 8 + 128 + ext_len;
    put16(icmp + 2, csum(icmp, icmp_len));
    ip_hdr(b, A(198, 18, 5, 1), A(198, 18, 0, 2), 1, 250, 99, icmp_len);
    return 20 + icmp_len;
}

static void packet_keeps_every_object(void **state)
{
    (void)state;
    uint8_t b[512];
    size_t n = time_exceeded_with_ext(b, false);
    struct pm_packet p;
    enum pm_wire_drop why = PM_DROP__COUNT;
    assert_int_equal(pm_wire_decode_ip(b, n, &p, &why), PM_OK);
    assert_true(p.has_ext);
    assert_true(p.ext_csum_ok);
    assert_int_equal(p.n_mpls, 1);
    assert_int_equal(p.ext.n, 3);
    assert_int_equal(p.ext.obj[0].cls, 1);
    assert_int_equal(p.ext.obj[0].len, 4);
    assert_int_equal(p.ext.obj[1].cls, 2);
    assert_int_equal(p.ext.obj[1].ctype, 0x0f);
    assert_int_equal(p.ext.obj[1].len, 28);
    assert_int_equal(p.ext.obj[1].kept, 28);
    assert_int_equal(p.ext.obj[2].cls, 200);
    assert_int_equal(p.ext.obj[2].ctype, 3);
    assert_memory_equal(p.ext.obj[2].data, "\xde\xad\xbe\xef", 4);
    struct pm_ext_ifinfo ii;
    assert_int_equal(pm_ext_ifinfo_parse(&p.ext.obj[1], &ii), PM_OK);
    assert_string_equal(pm_ext_ifinfo_role(ii.role), "incoming");
    assert_true(ii.has_ifindex && ii.has_addr && ii.has_name && ii.has_mtu);
    assert_false(ii.addr_v6);
    assert_int_equal(ii.ifindex, 7);
    assert_memory_equal(ii.addr, "\xc6\x12\x05\x01", 4);
    assert_string_equal(ii.name, "xe-0/0/1");
    assert_int_equal(ii.mtu, 1500);
    /* not class 2: no parse */
    assert_int_equal(pm_ext_ifinfo_parse(&p.ext.obj[2], &ii), PM_EINVAL);

    /* a name sub-object claiming more than the object holds is refused, the packet kept */
    n = time_exceeded_with_ext(b, true);
    assert_int_equal(pm_wire_decode_ip(b, n, &p, &why), PM_OK);
    assert_int_equal(p.ext.n, 3);
    assert_int_equal(pm_ext_ifinfo_parse(&p.ext.obj[1], &ii), PM_ECORRUPT);
}

/* More than PM_EXT_OBJ_MAX objects: the first kept, the rest counted. */
static void objects_past_the_cap_are_counted(void **state)
{
    (void)state;
    struct pm_ext_set s = {0};
    for (int i = 0; i < PM_EXT_OBJ_MAX + 2; i++)
        pm_ext_set_add(&s, (uint8_t)(10 + i), 1, PM_EXT_LEN_UNKNOWN, NULL);
    assert_int_equal(s.n, PM_EXT_OBJ_MAX);
    assert_int_equal(s.more, 2);
    assert_int_equal(s.obj[0].kept, 0);
}

/* An Atlas reply whose icmpext holds interface information beside MPLS (Atlas writes only
 * class and type for objects other than MPLS, as its probe firmware prints them). */
static const char atlas_result[] =
    "{\"af\": 4, \"dst_addr\": \"198.19.176.10\", \"from\": \"198.18.0.2\", \"fw\": 4790, \"msm_id\": 5001,"
    " \"prb_id\": 6001, \"proto\": \"ICMP\", \"paris_id\": 1, \"src_addr\": \"198.18.0.2\", \"timestamp\": 1796300000,"
    " \"endtime\": 1796300005, \"type\": \"traceroute\", \"result\": ["
    "{\"hop\": 1, \"result\": [{\"from\": \"198.18.5.1\", \"rtt\": 1.5, \"size\": 140, \"ttl\": 254,"
    " \"icmpext\": {\"version\": 2, \"rfc4884\": 1, \"obj\": [{\"class\": 1, \"type\": 1, \"mpls\": [{\"label\": 16001,"
    " \"exp\": 5, \"s\": 1, \"ttl\": 250}]}, {\"class\": 2, \"type\": 15}]}}]},"
    "{\"hop\": 2, \"result\": [{\"from\": \"198.19.176.10\", \"rtt\": 3.25, \"size\": 28, \"ttl\": 62}]}]}\n";

static void atlas_keeps_other_objects(void **state)
{
    (void)state;
    struct pm_peer_set set;
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(pm_peers_read_mem(atlas_result, strlen(atlas_result), 5, &set, err), PM_OK);
    assert_int_equal(set.n_runs, 1);
    const struct pm_target *t = &set.runs[0]->targets[0];
    const struct pm_reply *r;
    assert_int_equal(pm_target_hop(t, 1, &r), 1);
    const struct pm_ext_set *e = pm_reply_ext(t, r);
    assert_non_null(e);
    assert_int_equal(e->n, 2);
    assert_int_equal(e->obj[0].cls, 1);
    assert_int_equal(e->obj[0].len, 4); /* the label entry rebuilt as the object's bytes */
    assert_memory_equal(e->obj[0].data, "\x03\xe8\x1b\xfa", 4);
    assert_int_equal(e->obj[1].cls, 2);
    assert_int_equal(e->obj[1].ctype, 15);
    assert_int_equal(e->obj[1].len, PM_EXT_LEN_UNKNOWN);
    assert_non_null(pm_reply_mpls(t, r));
    assert_int_equal(pm_reply_mpls(t, r)->n, 1);
    assert_int_equal(pm_target_hop(t, 2, &r), 1);
    assert_null(pm_reply_ext(t, r));
    pm_peers_free(&set);
}

/* A reply's objects go into the JSON document (interface information parsed) and read back the same. */
static void json_writes_and_reads_them(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    assert_non_null(run);
    run->started_us = run->ended_us = UINT64_C(1796300000000000);
    run->method = PM_METHOD_UDP;
    run->source = A(198, 18, 0, 2);
    struct pm_target *t = pm_run_target(run, A(198, 19, 176, 10), true);
    assert_non_null(t);
    pm_target_note_sent(t, 1);
    uint8_t b[512];
    size_t n = time_exceeded_with_ext(b, false);
    struct pm_packet p;
    enum pm_wire_drop why;
    assert_int_equal(pm_wire_decode_ip(b, n, &p, &why), PM_OK);
    struct pm_reply r = {.from = A(198, 18, 5, 1), .sent_us = run->started_us, .recv_us = run->started_us + 1500,
                         .ttl = 1, .kind = PM_REPLY_TIME_EXCEEDED, .icmp_type = 11, .has_ext = true};
    struct pm_mpls_stack ms = {.n = 1, .e = {p.mpls[0]}};
    p.ext.more = 1;
    assert_int_equal(pm_target_add_reply_ext(t, &r, &p.ext, &ms), PM_OK);
    pm_trace_finish(run, 5);
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_output_ctx ctx = {.run = run};
    char *doc = pm_output_json_string(&ctx, err);
    assert_non_null(doc);
    assert_non_null(strstr(doc, "\"ext_objects\""));
    assert_non_null(strstr(doc, "\"class\": 2"));
    assert_non_null(strstr(doc, "\"role\": \"incoming\""));
    assert_non_null(strstr(doc, "\"name\": \"xe-0/0/1\""));
    assert_non_null(strstr(doc, "\"addr\": \"198.18.5.1\""));
    assert_non_null(strstr(doc, "\"mtu\": 1500"));
    assert_non_null(strstr(doc, "\"data\": \"deadbeef\""));
    assert_non_null(strstr(doc, "\"ext_objects_more\": 1"));
    struct pm_output_doc back;
    memset(&back, 0, sizeof back);
    assert_int_equal(pm_output_json_read_doc(doc, strlen(doc), &back, err), PM_OK);
    const struct pm_target *bt = &back.run->targets[0];
    assert_int_equal(bt->n_replies, 1);
    const struct pm_ext_set *e = pm_reply_ext(bt, &bt->replies[0]);
    assert_non_null(e);
    assert_int_equal(e->n, 3);
    assert_int_equal(e->more, 1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(e->obj[i].cls, p.ext.obj[i].cls);
        assert_int_equal(e->obj[i].ctype, p.ext.obj[i].ctype);
        assert_int_equal(e->obj[i].len, p.ext.obj[i].len);
        assert_int_equal(e->obj[i].kept, p.ext.obj[i].kept);
        assert_memory_equal(e->obj[i].data, p.ext.obj[i].data, p.ext.obj[i].kept);
    }
    /* the text shows the interface and the unknown object beside the MPLS label */
    char *txt = NULL;
    size_t txt_len = 0;
    FILE *tf = open_memstream(&txt, &txt_len);
    assert_non_null(tf);
    assert_int_equal(pm_output_write(tf, PM_FMT_TEXT, &ctx, err), PM_OK);
    fclose(tf);
    assert_non_null(strstr(txt, "[MPLS: L=16001,E=5,S=1,T=250]"));
    assert_non_null(strstr(txt, "[interface incoming: ifindex 7 198.18.5.1 \"xe-0/0/1\" mtu 1500]"
                                " [ICMP extension class 200 type 3, 4 bytes] [1 more]"));
    free(txt);
    /* the same document again, byte for byte */
    struct pm_output_ctx ctx2 = {.run = back.run};
    char *doc2 = pm_output_json_string(&ctx2, err);
    assert_non_null(doc2);
    assert_string_equal(doc, doc2);
    /* a document with data that is not the object's bytes is refused */
    char *bad = strdup(doc);
    char *d = strstr(bad, "\"deadbeef\"");
    assert_non_null(d);
    memcpy(d + 1, "deadbe", 6);
    memcpy(d + 7, "\"  ", 3);
    struct pm_output_doc no;
    memset(&no, 0, sizeof no);
    assert_true(pm_output_json_read_doc(bad, strlen(bad), &no, err) < 0);
    assert_non_null(strstr(err, "ext_objects"));
    free(bad);
    free(doc2);
    free(doc);
    pm_output_doc_free(&back);
    pm_run_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(packet_keeps_every_object),
        cmocka_unit_test(objects_past_the_cap_are_counted),
        cmocka_unit_test(atlas_keeps_other_objects),
        cmocka_unit_test(json_writes_and_reads_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
