/* outfiles.c - the -o document and -w pcap of a command: opened safely while privileged, complete under their names or not at all. */
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/outfiles.h"
#include "pathmortem/common.h"

void pm_cli_outfiles_init(struct pm_cli_outfiles *o)
{
    memset(o, 0, sizeof *o);
    o->doc.fd = o->doc.dirfd = o->doc.keeper_fd = -1;
    o->pcap.fd = o->pcap.dirfd = o->pcap.keeper_fd = -1;
    o->keeper.pid = -1;
    o->keeper.fd = -1;
    o->ready = true;
}

int pm_cli_outfiles_open(struct pm_cli_outfiles *o, const char *cmd, const char *doc, const char *pcap)
{
    char err[PM_ERRBUF_SIZE];
    if (doc && strcmp(doc, "-")) {
        if (pm_safefile_open(&o->doc, doc, 0666, err) != PM_OK) {
            pm_cli_error("%s: %s", cmd, err);
            return PM_EXIT_CANTCREAT;
        }
    }
    if (pcap) {
        if (pm_safefile_open(&o->pcap, pcap, 0666, err) != PM_OK) {
            pm_cli_error("%s: %s", cmd, err);
            pm_cli_outfiles_close(o);
            return PM_EXIT_CANTCREAT;
        }
        if (o->doc.active && pm_safefile_same(&o->doc, &o->pcap)) {
            pm_cli_error("%s: -o and -w name the same file (%s); give them different names", cmd, pcap);
            pm_cli_outfiles_close(o);
            return PM_EXIT_USAGE;
        }
    }
    return 0;
}

int pm_cli_outfiles_delegate(struct pm_cli_outfiles *o)
{
    /* only a process about to leave root needs someone to rename for it */
    if (geteuid() != 0 && getuid() != 0)
        return 0;
    char err[PM_ERRBUF_SIZE];
    struct pm_safefile *files[2 + sizeof o->extra / sizeof o->extra[0]] = {&o->doc, &o->pcap};
    size_t n = 2;
    for (size_t i = 0; i < o->n_extra; i++)
        files[n++] = o->extra[i];
    if (pm_keeper_start(&o->keeper, files, n, err) != PM_OK) {
        pm_cli_error("%s", err);
        return PM_EXIT_OSERR;
    }
    return 0;
}

int pm_cli_outfiles_commit(struct pm_safefile *f)
{
    if (!f->active)
        return 0;
    char err[PM_ERRBUF_SIZE];
    if (pm_safefile_commit(f, err) != PM_OK) {
        pm_cli_error("%s", err);
        return PM_EXIT_IOERR;
    }
    return 0;
}

void pm_cli_outfiles_close(struct pm_cli_outfiles *o)
{
    if (!o->ready)
        return;
    pm_safefile_abort(&o->doc);
    pm_safefile_abort(&o->pcap);
    for (size_t i = 0; i < o->n_extra; i++)
        pm_safefile_abort(o->extra[i]);
    o->n_extra = 0;
    pm_keeper_stop(&o->keeper);
}
