/* fuzz_peers.h - the check shared by the atlas, warts and foreign fuzz targets. */
#ifndef PM_FUZZ_PEERS_H
#define PM_FUZZ_PEERS_H

#include "fuzz.h"
#include "pathmortem/peers.h"

/* Given pm_peers_read*'s status, set and error: checks a refusal is one line
 * with no run kept, else analyzes every run, writes it as JSON, reads it back
 * (the vantage kept) and frees the set. Aborts through PM_FUZZ_CHECK. */
void pm_fuzz_peer_result(int rc, struct pm_peer_set *set, const char *err);

#endif
