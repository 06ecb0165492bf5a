/* fuzz_atlas.c - fuzzes the JSON readers of other systems' traceroute files (RIPE Atlas, sc_warts2json): read, analyze, write, read back. */
#include "fuzz_peers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_peer_set set;
    int rc = pm_peers_read_mem((const char *)data, size, 5, &set, err);
    pm_fuzz_peer_result(rc, &set, err);
    return 0;
}
