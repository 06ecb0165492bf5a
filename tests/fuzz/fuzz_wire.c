/* fuzz_wire.c - fuzzes the packet decoders over every link type: first byte picks the link type, the rest is the frame. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pathmortem/wire.h"

/* Accepted link types, plus two we refuse, so the refusal path runs too. */
static const int linktypes[8] = {0, 1, 101, 113, 228, 276, 12, 147};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int lt = linktypes[data[0] % 8];
    const uint8_t *frame = data + 1;
    size_t len = size - 1;
    struct pm_packet p;
    enum pm_wire_drop why = PM_DROP__COUNT;
    int rc = pm_wire_decode(frame, len, lt, &p, &why);
    if (rc == PM_OK) {
        PM_FUZZ_CHECK(p.ip.ihl >= 20 && p.ip.ihl <= 60);
        PM_FUZZ_CHECK(p.l4.raw_len <= 8);
        PM_FUZZ_CHECK(p.n_mpls <= PM_MPLS_MAX);
        if (p.has_quote)
            PM_FUZZ_CHECK(p.quoted_l4.raw_len <= 8);
        char line[512];
        int frc = pm_wire_format(&p, line, sizeof line);
        PM_FUZZ_CHECK(frc == PM_OK || frc == PM_ELIMIT);
        PM_FUZZ_CHECK(memchr(line, '\0', sizeof line) != NULL);
        /* A tiny buffer must truncate cleanly. */
        char tiny[8];
        frc = pm_wire_format(&p, tiny, sizeof tiny);
        PM_FUZZ_CHECK(frc == PM_OK || frc == PM_ELIMIT);
        PM_FUZZ_CHECK(memchr(tiny, '\0', sizeof tiny) != NULL);
    } else {
        PM_FUZZ_CHECK(rc < 0);
        PM_FUZZ_CHECK(why > PM_DROP_NONE && why < PM_DROP__COUNT);
        PM_FUZZ_CHECK(pm_wire_drop_name(why) != NULL);
    }
    /* The IP-level entry on the same bytes. */
    pm_wire_decode_ip(frame, len, &p, &why);
    /* Checksum helpers over arbitrary lengths (odd ones included). */
    (void)pm_wire_fold(pm_wire_sum(frame, len, 0));
    return 0;
}
