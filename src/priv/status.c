/* status.c - reads a process's ids, capability sets and no_new_privs from /proc/PID/status, so drops can be verified from outside the API. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmortem/priv.h"

/* /proc/PID/status is a few KB; a line longer than this is not one we read. */
#define STATUS_LINE_MAX 4096

/* Parses up to max unsigned decimal fields separated by blanks. */
static int parse_ids(const char *s, uint32_t *out, uint32_t max, uint32_t *n)
{
    uint32_t k = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\n' || *s == '\0')
            break;
        if (*s < '0' || *s > '9')
            return PM_ECORRUPT;
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || v > UINT32_MAX)
            return PM_ECORRUPT;
        if (k < max)
            out[k] = (uint32_t)v;
        k++;
        s = end;
    }
    *n = k;
    return PM_OK;
}

static int parse_hex64(const char *s, uint64_t *out)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 16);
    if (errno || end == s || (*end != '\n' && *end != '\0'))
        return PM_ECORRUPT;
    *out = v;
    return PM_OK;
}

int pm_priv_read_status(pid_t pid, struct pm_priv_status *out, char *errbuf)
{
    char path[64];
    if (pid == 0)
        snprintf(path, sizeof path, "/proc/self/status");
    else
        snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return pm_err(errbuf, PM_EIO, "cannot read %s: %s", path, strerror(errno));
    memset(out, 0, sizeof *out);
    out->no_new_privs = -1;
    /* Which of the required lines were seen: Uid Gid Groups CapInh CapPrm CapEff CapBnd. */
    unsigned seen = 0;
    char line[STATUS_LINE_MAX];
    int rc = PM_OK;
    while (rc == PM_OK && fgets(line, sizeof line, f)) {
        uint32_t n = 0;
        if (!strncmp(line, "Uid:", 4)) {
            rc = parse_ids(line + 4, out->uid, 4, &n);
            if (rc == PM_OK && n != 4)
                rc = PM_ECORRUPT;
            seen |= 1u;
        } else if (!strncmp(line, "Gid:", 4)) {
            rc = parse_ids(line + 4, out->gid, 4, &n);
            if (rc == PM_OK && n != 4)
                rc = PM_ECORRUPT;
            seen |= 2u;
        } else if (!strncmp(line, "Groups:", 7)) {
            rc = parse_ids(line + 7, out->groups, 64, &n);
            out->n_groups = n;
            seen |= 4u;
        } else if (!strncmp(line, "CapInh:", 7)) {
            rc = parse_hex64(line + 7, &out->cap_inh);
            seen |= 8u;
        } else if (!strncmp(line, "CapPrm:", 7)) {
            rc = parse_hex64(line + 7, &out->cap_prm);
            seen |= 16u;
        } else if (!strncmp(line, "CapEff:", 7)) {
            rc = parse_hex64(line + 7, &out->cap_eff);
            seen |= 32u;
        } else if (!strncmp(line, "CapBnd:", 7)) {
            rc = parse_hex64(line + 7, &out->cap_bnd);
            seen |= 64u;
        } else if (!strncmp(line, "CapAmb:", 7)) {
            rc = parse_hex64(line + 7, &out->cap_amb);
        } else if (!strncmp(line, "NoNewPrivs:", 11)) {
            uint32_t v[1];
            rc = parse_ids(line + 11, v, 1, &n);
            if (rc == PM_OK && (n != 1 || v[0] > 1))
                rc = PM_ECORRUPT;
            if (rc == PM_OK)
                out->no_new_privs = (int)v[0];
        }
    }
    fclose(f);
    if (rc != PM_OK)
        return pm_err(errbuf, PM_ECORRUPT, "%s: malformed line", path);
    if (seen != 127u)
        return pm_err(errbuf, PM_ECORRUPT, "%s: missing Uid/Gid/Groups/Cap lines", path);
    return PM_OK;
}
