/* pcap.c - a capture of any traceroute tool (traceroute, mtr, tracert, scamper) read through the foreign matcher into runs, one per source and protocol. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pathmortem/capture.h"
#include "pathmortem/foreign.h"
#include "peers/internal.h"

struct feed {
    struct pm_foreign *f;
    int linktype;
};

static void on_frame(void *ctx, const uint8_t *frame, size_t caplen, size_t wirelen, uint64_t ts_us)
{
    (void)wirelen;
    struct feed *fd = ctx;
    pm_foreign_frame(fd->f, frame, caplen, fd->linktype, ts_us);
}

int pm_peers_pcap(struct pm_peers_ctx *c, FILE *f, const char *name)
{
    /* the capture reader owns the stream it is given: give it its own */
    int fd = dup(fileno(f));
    FILE *own = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!own) {
        if (fd >= 0)
            close(fd);
        return pm_err(c->errbuf, PM_EIO, "cannot read %s again", name);
    }
    if (fseeko(own, 0, SEEK_SET) != 0) {
        fclose(own);
        return pm_err(c->errbuf, PM_EIO, "cannot read %s from its start", name);
    }
    struct pm_capture *cap;
    int rc = pm_capture_open_stream(own, name, &cap, c->errbuf);
    if (rc)
        return rc;
    struct feed fe = {.linktype = pm_capture_linktype(cap)};
    if (pm_foreign_alloc(&fe.f) != PM_OK) {
        pm_capture_close(cap);
        return pm_err(c->errbuf, PM_ENOMEM, "out of memory");
    }
    int n;
    while ((n = pm_capture_dispatch(cap, 4096, on_frame, &fe, c->errbuf)) > 0)
        ;
    uint64_t records = 0, ignored = 0;
    bool cut = pm_capture_cut(cap, &records, &ignored);
    pm_capture_close(cap);
    struct pm_foreign_counts k;
    pm_foreign_counts(fe.f, &k);
    struct pm_run **runs = NULL;
    uint32_t n_runs = 0;
    if (n < 0) {
        pm_foreign_free(fe.f);
        return n;
    }
    rc = pm_foreign_runs(fe.f, &runs, &n_runs, c->errbuf);
    pm_foreign_free(fe.f);
    if (rc)
        return rc;
    if (!n_runs) {
        free(runs);
        return pm_err(c->errbuf, PM_EUNSUPP,
                      "holds no pathmortem probes, nor another tool's traceroute (%llu frames, %llu IPv4, %llu that "
                      "could be probes, none stepping through TTLs)",
                      (unsigned long long)k.frames, (unsigned long long)k.ipv4, (unsigned long long)k.candidates);
    }
    snprintf(c->set->what, sizeof c->set->what, "a capture of another tool's traceroute");
    c->first_seen = true;
    struct pm_peer_set *s = c->set;
    if (!(s->runs = calloc(n_runs, sizeof *s->runs))) {
        for (uint32_t i = 0; i < n_runs; i++)
            pm_run_free(runs[i]);
        free(runs);
        return pm_err(c->errbuf, PM_ENOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < n_runs; i++) {
        s->runs[i] = runs[i];
        s->records += runs[i]->n_targets;
    }
    s->n_runs = n_runs;
    free(runs);
    if (cut)
        snprintf(s->warning, sizeof s->warning, "the last record is cut short: read %llu complete records, ignored the "
                 "last %llu bytes", (unsigned long long)records, (unsigned long long)ignored);
    else if (k.not_ipv4)
        snprintf(s->warning, sizeof s->warning, "%llu frames are not IPv4 (IPv6 or other): not read",
                 (unsigned long long)k.not_ipv4);
    else if (k.over_cap)
        snprintf(s->warning, sizeof s->warning, "%llu packets past the matcher's caps ignored",
                 (unsigned long long)k.over_cap);
    return PM_OK;
}
