/* offline.c - history, export, diff, import, geo and bgp started as root: drop to the store's owner (or nobody) and filter system calls before any file is parsed. */
#include <libgen.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/offline.h"
#include "pathmortem/store.h"
#include "pathmortem/priv.h"

/* The owner of the store's directory can read the store. */
static const char *store_owner(const char *store_path, char *name, size_t len)
{
    if (!store_path || pm_store_is_server(store_path))
        return NULL;
    char d[4096];
    snprintf(d, sizeof d, "%s", store_path);
    struct stat sb;
    if (stat(dirname(d), &sb) != 0 || sb.st_uid == 0)
        return NULL;
    const struct passwd *pw = getpwuid(sb.st_uid);
    if (!pw || pw->pw_gid == 0)
        return NULL;
    snprintf(name, len, "%s", pw->pw_name);
    return name;
}

int pm_cli_offline_drop(const char *cmd, const char *store_path)
{
    char err[PM_ERRBUF_SIZE], owner[256];
    const char *user = NULL;
    bool root = geteuid() == 0 || getuid() == 0;
    if (root)
        user = store_owner(store_path, owner, sizeof owner);
    /* root's own store (or no store): keep uid 0 for its files, but without
     * one capability, so nothing else of the system is within reach */
    int rc = root && !user ? pm_priv_drop_caps(err) : pm_priv_drop(user, err);
    if (rc != PM_OK) {
        pm_cli_error("%s: refusing to run: %s", cmd, err);
        return PM_EXIT_NOPERM;
    }
    /* a store server is reached through a new socket: the profile that allows them */
    if (pm_priv_sandbox(pm_store_is_server(store_path) ? PM_SANDBOX_PARSE : PM_SANDBOX_OFFLINE, err) != PM_OK) {
        pm_cli_error("%s: refusing to run: %s", cmd, err);
        return PM_EXIT_OSERR;
    }
    return 0;
}

int pm_cli_offline_out(struct pm_cli_outfiles *o, const char *cmd, const char *output, FILE **f)
{
    pm_cli_outfiles_init(o);
    *f = stdout;
    int rc = pm_cli_outfiles_open(o, cmd, output, NULL);
    if (!rc)
        rc = pm_cli_outfiles_delegate(o);
    if (!rc && o->doc.active && !(*f = pm_safefile_stream(&o->doc, "w"))) {
        pm_cli_error("%s: cannot write %s: %m", cmd, output);
        rc = PM_EXIT_CANTCREAT;
    }
    if (rc)
        pm_cli_outfiles_close(o);
    return rc;
}

int pm_cli_offline_finish(struct pm_cli_outfiles *o, FILE *f, int rc)
{
    bool bad = fflush(f) != 0 || ferror(f);
    if (f != stdout && fclose(f) != 0)
        bad = true;
    if (!rc && bad) {
        pm_cli_error("cannot write %s: %m", o->doc.active ? o->doc.path : "the output");
        rc = PM_EXIT_IOERR;
    }
    if (!rc)
        rc = pm_cli_outfiles_commit(&o->doc);
    pm_cli_outfiles_close(o);
    return rc;
}

void pm_cli_store_args_init(struct pm_cli_store_args *a)
{
    *a = (struct pm_cli_store_args){.store = pm_store_default_path()};
}

bool pm_cli_store_arg(struct pm_cli_store_args *a, int c, const char *arg)
{
    switch (c) {
    case PM_CLI_OPT_STORE: a->store = arg; return true;
    case PM_CLI_OPT_SINCE: a->since = arg; return true;
    case PM_CLI_OPT_UNTIL: a->until = arg; return true;
    case 'o': a->output = arg; return true;
    default: return false;
    }
}

int pm_cli_offline_store(const char *cmd, const struct pm_cli_store_args *a, bool tag_errors,
                         struct pm_cli_outfiles *o, FILE **f, struct pm_store **s)
{
    int rc;
    if (o && (rc = pm_cli_offline_out(o, cmd, a->output, f)))
        return rc;
    if ((rc = pm_cli_offline_drop(cmd, a->store)))
        return o ? pm_cli_offline_finish(o, *f, rc) : rc;
    char err[PM_ERRBUF_SIZE];
    if ((rc = pm_store_open(a->store, 0, s, err)) != PM_OK) {
        pm_cli_error("%s%s%s", tag_errors ? cmd : "", tag_errors ? ": " : "", err);
        rc = pm_cli_exit_for(rc);
        return o ? pm_cli_offline_finish(o, *f, rc) : rc;
    }
    return 0;
}
