/* fuzz_mrt.c - fuzzes the MRT reader: any bytes (plain, or gzip/bzip2 when they start like one) framed, decoded and printed as bgpdump lines; every event must hold what the reader promises. */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "pathmortem/bgp.h"

static FILE *sink;

static int check_event(const struct pm_bgp_event *ev, void *ctx)
{
    (void)ctx;
    PM_FUZZ_CHECK(ev->format != NULL);
    PM_FUZZ_CHECK(ev->peer.family == 4 || ev->peer.family == 6);
    if (ev->kind != PM_BGP_STATE) {
        uint8_t fam = ev->prefix.addr.family;
        PM_FUZZ_CHECK(fam == 4 || fam == 6);
        PM_FUZZ_CHECK(ev->prefix.len <= (fam == 4 ? 32 : 128));
        /* Bits past the length are zero. */
        for (unsigned bit = ev->prefix.len; bit < (fam == 4 ? 32u : 128u); bit++)
            PM_FUZZ_CHECK(!(ev->prefix.addr.b[bit / 8] & (0x80u >> (bit % 8))));
    }
    if (ev->kind == PM_BGP_RIB || ev->kind == PM_BGP_ANNOUNCE) {
        const struct pm_bgp_attrs *a = ev->attrs;
        PM_FUZZ_CHECK(a != NULL);
        PM_FUZZ_CHECK(a->path.n <= PM_BGP_PATH_MAX && a->path.nseg <= PM_BGP_SEG_MAX);
        unsigned sum = 0;
        for (unsigned s = 0; s < a->path.nseg; s++)
            sum += a->path.seg_len[s];
        PM_FUZZ_CHECK(sum == a->path.n);
    }
    PM_FUZZ_CHECK(pm_bgp_dump_line(sink, ev) >= 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!sink)
        sink = fopen("/dev/null", "w");
    if (!sink)
        return 0;
    const char *path = pm_fuzz_file("mrt", data, size);
    if (!path)
        return 0;
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_mrt_file *f;
    if (pm_mrt_open(path, &f, err) != PM_OK)
        return 0;
    struct pm_mrt_stats st;
    int rc = pm_mrt_read(f, check_event, NULL, &st, err);
    /* A refusal always says why, with the byte offset. */
    if (rc == PM_ECORRUPT)
        PM_FUZZ_CHECK(strstr(err, "byte offset ") != NULL);
    PM_FUZZ_CHECK(st.skipped_bad + st.skipped_unknown <= st.records);
    pm_mrt_close(f);
    return 0;
}
