/* warts.c - scamper warts (trace and tracelb) through Debian's libscamperfile into runs, one per monitor and round. */
#include "peers/internal.h"

int pm_peers_warts(struct pm_peers_ctx *c, FILE *f, const char *name)
{
    (void)f;
    (void)name;
    return pm_err(c->errbuf, PM_EUNSUPP, "scamper warts is not read yet");
}
