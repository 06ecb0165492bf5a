/* drop.c - gives up root and every capability for good once sockets and files are open, and proves it. */
#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "pathmortem/priv.h"

/* getpwnam_r scratch; a passwd entry larger than this is refused, not grown. */
#define PW_BUF_SIZE 16384

struct target_id {
    uid_t uid;
    gid_t gid;
    bool change;   /* switch identity (started as root) */
    bool bounded;  /* the bounding set was emptied (CAP_SETPCAP was held) */
};

static int resolve_user(const char *user, struct target_id *t, char *errbuf)
{
    char buf[PW_BUF_SIZE];
    struct passwd pw, *res = NULL;
    int e = getpwnam_r(user, &pw, buf, sizeof buf, &res);
    if (e != 0)
        return pm_err(errbuf, PM_EIO, "cannot look up user '%s': %s", user, strerror(e));
    if (!res)
        return pm_err(errbuf, PM_EINVAL, "unknown user '%s' (--user)", user);
    t->uid = pw.pw_uid;
    t->gid = pw.pw_gid;
    return PM_OK;
}

/* Decides who the process becomes. Root drops to user (default nobody);
 * an unprivileged process stays who it is. */
static int choose_target(const char *user, struct target_id *t, char *errbuf)
{
    bool root = geteuid() == 0 || getuid() == 0;
    if (root) {
        const char *name = user ? user : PM_PRIV_DEFAULT_USER;
        int rc = resolve_user(name, t, errbuf);
        if (rc != PM_OK)
            return rc;
        if (t->uid == 0 || t->gid == 0)
            return pm_err(errbuf, PM_EINVAL,
                          "refusing to keep root privileges: user '%s' has uid or gid 0 (--user)", name);
        t->change = true;
        return PM_OK;
    }
    t->uid = getuid();
    t->gid = getgid();
    t->change = false;
    if (user) {
        struct target_id want;
        int rc = resolve_user(user, &want, errbuf);
        if (rc != PM_OK)
            return rc;
        if (want.uid != t->uid)
            return pm_err(errbuf, PM_EPERM,
                          "cannot switch to user '%s' without root (running as uid %u)", user,
                          (unsigned)t->uid);
    }
    return PM_OK;
}

/* Empties the bounding set while CAP_SETPCAP is still held, so nothing
 * executed later could regain a capability through file capabilities. */
static int clear_bounding(struct target_id *t, char *errbuf)
{
    t->bounded = false;
    capng_get_caps_process();
    if (!capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))
        return PM_OK;   /* cannot, and (no_new_privs, empty sets) need not */
    capng_clear(CAPNG_SELECT_BOUNDS);
    if (capng_apply(CAPNG_SELECT_BOUNDS) != 0)
        return pm_err(errbuf, PM_EPERM, "cannot clear the capability bounding set");
    t->bounded = true;
    return PM_OK;
}

static int switch_id(const struct target_id *t, char *errbuf)
{
    /* Groups first: after setuid we no longer may change them. */
    if (setgroups(1, &t->gid) != 0)
        return pm_err(errbuf, PM_EPERM, "setgroups(%u): %s", (unsigned)t->gid, strerror(errno));
    if (setresgid(t->gid, t->gid, t->gid) != 0)
        return pm_err(errbuf, PM_EPERM, "setresgid(%u): %s", (unsigned)t->gid, strerror(errno));
    if (setresuid(t->uid, t->uid, t->uid) != 0)
        return pm_err(errbuf, PM_EPERM, "setresuid(%u): %s", (unsigned)t->uid, strerror(errno));
    return PM_OK;
}

static int clear_caps(char *errbuf)
{
    capng_get_caps_process();
    capng_clear(CAPNG_SELECT_CAPS);
    if (capng_apply(CAPNG_SELECT_CAPS) != 0)
        return pm_err(errbuf, PM_EPERM, "cannot clear capabilities");
    /* Ambient capabilities would survive an exec; clearing needs no privilege. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        return pm_err(errbuf, PM_EPERM, "cannot clear ambient capabilities: %s", strerror(errno));
    return PM_OK;
}

/* Trusts nothing the steps above returned: reads the state back. */
static int verify(const struct target_id *t, char *errbuf)
{
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
        return pm_err(errbuf, PM_EIO, "cannot read process ids: %s", strerror(errno));
    if (ru != t->uid || eu != t->uid || su != t->uid || ru == 0 || eu == 0 || su == 0)
        return pm_err(errbuf, PM_EPERM, "privilege drop failed: uids are %u/%u/%u", (unsigned)ru,
                      (unsigned)eu, (unsigned)su);
    if (t->change && (rg != t->gid || eg != t->gid || sg != t->gid))
        return pm_err(errbuf, PM_EPERM, "privilege drop failed: gids are %u/%u/%u", (unsigned)rg,
                      (unsigned)eg, (unsigned)sg);
    if (t->change && (rg == 0 || eg == 0 || sg == 0))
        return pm_err(errbuf, PM_EPERM, "privilege drop failed: still in group 0");
    /* The classic check: regaining root must be impossible. */
    if (setuid(0) == 0 || seteuid(0) == 0)
        return pm_err(errbuf, PM_EPERM, "privilege drop failed: setuid(0) still succeeds");
    capng_get_caps_process();
    if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
        return pm_err(errbuf, PM_EPERM, "privilege drop failed: capabilities remain");
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        return pm_err(errbuf, PM_EPERM, "privilege drop failed: no_new_privs is not set");
    struct pm_priv_status st;
    char e2[PM_ERRBUF_SIZE];
    /* /proc may be missing in odd chroots; the checks above already hold. */
    if (pm_priv_read_status(0, &st, e2) == PM_OK) {
        if (st.cap_eff || st.cap_prm || st.cap_inh || st.cap_amb)
            return pm_err(errbuf, PM_EPERM, "privilege drop failed: /proc shows capabilities left");
        if (t->bounded && st.cap_bnd)
            return pm_err(errbuf, PM_EPERM, "privilege drop failed: bounding set not empty");
        for (uint32_t i = 0; t->change && i < st.n_groups && i < 64; i++)
            if (st.groups[i] == 0)
                return pm_err(errbuf, PM_EPERM, "privilege drop failed: still in group 0");
    }
    return PM_OK;
}

int pm_priv_drop(const char *user, char *errbuf)
{
    struct target_id t;
    int rc = choose_target(user, &t, errbuf);
    if (rc != PM_OK)
        return rc;
    if ((rc = clear_bounding(&t, errbuf)) != PM_OK)
        return rc;
    if (t.change && (rc = switch_id(&t, errbuf)) != PM_OK)
        return rc;
    if ((rc = clear_caps(errbuf)) != PM_OK)
        return rc;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return pm_err(errbuf, PM_EPERM, "cannot set no_new_privs: %s", strerror(errno));
    return verify(&t, errbuf);
}

int pm_priv_drop_caps(char *errbuf)
{
    struct target_id t = {.uid = getuid(), .gid = getgid(), .change = false};
    int rc = clear_bounding(&t, errbuf);
    if (rc == PM_OK)
        rc = clear_caps(errbuf);
    if (rc == PM_OK && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        rc = pm_err(errbuf, PM_EPERM, "cannot set no_new_privs: %s", strerror(errno));
    if (rc != PM_OK)
        return rc;
    capng_get_caps_process();
    if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
        return pm_err(errbuf, PM_EPERM, "privilege drop failed: capabilities remain");
    return PM_OK;
}
