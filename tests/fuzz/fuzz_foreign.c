/* fuzz_foreign.c - fuzzes the foreign-capture reader (capture, then the matcher without pathmortem's identity): read, analyze, write, read back. */
#include <stdio.h>

#include "fuzz_peers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = pm_fuzz_file("foreign", data, size);
    if (!path)
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_peer_set set;
    int rc = pm_peers_read(f, path, PM_PEER_PCAP, 5, &set, err);
    fclose(f);
    pm_fuzz_peer_result(rc, &set, err);
    return 0;
}
