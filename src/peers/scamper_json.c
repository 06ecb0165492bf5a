/* scamper_json.c - sc_warts2json output (trace records) into runs, one per monitor and round. */
#include <string.h>

#include "peers/internal.h"

int pm_peers_scamper_json(struct pm_peers_ctx *c, json_t *rec)
{
    (void)rec;
    return pm_peers_bad(c, PM_EUNSUPP, "scamper JSON is not read yet");
}
