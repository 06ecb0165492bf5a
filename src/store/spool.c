/* spool.c - snapshots a vantage could not send to its store server, kept as JSON Lines files in a local directory and sent on the next run. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/internal.h"
#include "util/sha256.h"

#define SPOOL_PREFIX "snap-"
#define SPOOL_MAX_FILES 100000

/* The file name of a spooled snapshot: its run id (start time, vantage)
 * with only [A-Za-z0-9._-] of the vantage, so the same snapshot spooled
 * twice is one file. */
static void spool_name(const struct pm_snapshot *snap, char *out, size_t len)
{
    char v[sizeof snap->vantage];
    size_t i = 0;
    for (; snap->vantage[i] && i < sizeof v - 1; i++) {
        char c = snap->vantage[i];
        v[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
                   ? c
                   : '_';
    }
    v[i] = '\0';
    snprintf(out, len, SPOOL_PREFIX "%020llu-%s.jsonl", (unsigned long long)snap->started_us, v);
}

int pm_store_spool_write(const char *dir, const struct pm_run *run, const struct pm_analysis *analysis, int pcap_fd,
                         pm_store_name_fn names, void *names_ctx, char *written, size_t written_len, char *errbuf)
{
    struct pm_snapshot *snap;
    int rc = pm_snapshot_from_run(run, analysis, &snap, errbuf);
    if (!rc && names)
        rc = pm_snapshot_set_names(snap, names, names_ctx, errbuf);
    if (rc) {
        pm_snapshot_free(snap);
        return rc;
    }
    char pdir[4096], stem[sizeof snap->pcap_path];
    snprintf(pdir, sizeof pdir, "%.4000s/pcaps", dir);
    if (mkdir(pdir, 0750) != 0 && errno != EEXIST)
        rc = pm_err(errbuf, PM_EIO, "cannot create %s: %s", pdir, strerror(errno));
    if (!rc && pcap_fd >= 0) {
        char stamp[32];
        time_t secs = (time_t)(snap->started_us / 1000000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
        int n = snprintf(stem, sizeof stem, "%s/%s-%ld", pdir, stamp, (long)getpid());
        if (n < 0 || (size_t)n + 16 >= sizeof stem)
            rc = pm_err(errbuf, PM_ELIMIT, "pcap path too long");
        if (!rc)
            rc = pm_store_pcap_copy_fd(pcap_fd, stem, snap->pcap_path, sizeof snap->pcap_path, snap->pcap_sha256,
                                       errbuf);
    }
    char *line = rc ? NULL : pm_snapshot_to_jsonl(snap, errbuf);
    if (!rc && !line)
        rc = PM_ENOMEM;
    char name[128], path[4200], tmp[4300];
    spool_name(snap, name, sizeof name);
    snprintf(path, sizeof path, "%.4000s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    /* complete under its final name or not there at all */
    int fd = rc ? -1 : open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (!rc && fd < 0)
        rc = pm_err(errbuf, PM_EIO, "cannot create %s: %s", tmp, strerror(errno));
    if (!rc) {
        size_t n = strlen(line);
        bool ok = write(fd, line, n) == (ssize_t)n && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
        ok = close(fd) == 0 && ok;
        if (!ok || rename(tmp, path) != 0) {
            rc = pm_err(errbuf, PM_EIO, "cannot write %s: %s", path, strerror(errno));
            unlink(tmp);
        }
    }
    if (!rc)
        snprintf(written, written_len, "%s", path);
    if (rc && snap->pcap_path[0])
        unlink(snap->pcap_path);
    free(line);
    pm_snapshot_free(snap);
    return rc;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Reads one spooled file (one line, capped at PM_STORE_MAX_LINE). */
static int read_spooled(const char *path, char **buf, size_t *len, char *errbuf)
{
    *buf = NULL;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (off_t)PM_STORE_MAX_LINE) {
        if (fd >= 0)
            close(fd);
        return pm_err(errbuf, PM_EIO, "cannot read spooled %s", path);
    }
    *buf = malloc((size_t)sb.st_size + 1);
    ssize_t got = *buf ? read(fd, *buf, (size_t)sb.st_size) : -1;
    close(fd);
    if (got != (ssize_t)sb.st_size) {
        free(*buf);
        *buf = NULL;
        return pm_err(errbuf, PM_EIO, "cannot read spooled %s", path);
    }
    *len = (size_t)got;
    while (*len && ((*buf)[*len - 1] == '\n' || (*buf)[*len - 1] == '\r'))
        (*len)--;
    (*buf)[*len] = '\0';
    return PM_OK;
}

/* --pcap-to-store: the spooled snapshot's capture file (its own, in
 * dir/pcaps, gzip already) read whole, when its sha256 is the one the
 * snapshot names; else it stays a file, referenced as before. */
static bool spooled_pcap(const char *dir, const struct pm_snapshot *snap, unsigned char **gz, size_t *len)
{
    char pdir[4200];
    int n = snprintf(pdir, sizeof pdir, "%.4000s/pcaps/", dir);
    const char *name = snap->pcap_path + n;
    if (strncmp(snap->pcap_path, pdir, (size_t)n) || strchr(name, '/') || name[0] == '.' || !snap->pcap_sha256[0])
        return false;
    int fd = open(snap->pcap_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (off_t)PM_STORE_MAX_PCAP) {
        if (fd >= 0)
            close(fd);
        return false;
    }
    *gz = malloc((size_t)sb.st_size + 1);
    ssize_t got = *gz ? read(fd, *gz, (size_t)sb.st_size) : -1;
    close(fd);
    char hex[65] = "";
    if (got == (ssize_t)sb.st_size) {
        struct pm_sha256 h;
        pm_sha256_init(&h);
        pm_sha256_update(&h, *gz, (size_t)got);
        pm_sha256_hex(&h, hex);
    }
    if (got != (ssize_t)sb.st_size || strcmp(hex, snap->pcap_sha256)) {
        free(*gz);
        *gz = NULL;
        return false;
    }
    *len = (size_t)got;
    return true;
}

int pm_store_spool_send(struct pm_store *s, const char *dir, uint32_t *sent, uint32_t *left, char *errbuf)
{
    *sent = *left = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? PM_OK : pm_err(errbuf, PM_EIO, "cannot read the spool %s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = PM_OK;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, SPOOL_PREFIX, strlen(SPOOL_PREFIX)) || l < 6 || strcmp(e->d_name + l - 6, ".jsonl"))
            continue;
        if (n == SPOOL_MAX_FILES)
            break; /* the rest on the next run */
        if (n == cap) {
            char **p = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
            if (!p) {
                rc = pm_err(errbuf, PM_ENOMEM, "out of memory reading the spool");
                break;
            }
            names = p;
        }
        if (!(names[n] = strdup(e->d_name)))
            rc = pm_err(errbuf, PM_ENOMEM, "out of memory reading the spool");
        else
            n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, by_name); /* oldest first: the names start with the start time */
    for (size_t i = 0; !rc && i < n; i++) {
        char path[4200], *buf = NULL;
        size_t len = 0;
        snprintf(path, sizeof path, "%.4000s/%s", dir, names[i]);
        struct pm_snapshot *snap = NULL;
        rc = read_spooled(path, &buf, &len, errbuf);
        if (!rc)
            rc = pm_snapshot_from_jsonl(buf, len, &snap, errbuf);
        free(buf);
        unsigned char *gz = NULL;
        size_t gz_len = 0;
        char pcap_file[sizeof snap->pcap_path] = "";
        if (!rc && s->pcap_to_store && spooled_pcap(dir, snap, &gz, &gz_len)) {
            snprintf(pcap_file, sizeof pcap_file, "%s", snap->pcap_path);
            snprintf(snap->pcap_path, sizeof snap->pcap_path, "%s", PM_STORE_PCAP_IN_STORE);
        }
        if (!rc) {
            rc = pm_store_insert_pcap(s, snap, gz, gz_len, NULL, errbuf);
            if (PM_STORE_IS_DUP(rc, errbuf))
                rc = PM_OK; /* it had arrived: the answer to its commit was what got lost */
            else if (!rc && pcap_file[0])
                unlink(pcap_file); /* now inside the store */
        }
        free(gz);
        pm_snapshot_free(snap);
        if (rc == PM_OK) {
            unlink(path);
            (*sent)++;
        } else if (rc != PM_EIO) {
            /* a file this pathmortem cannot read stays for a human, renamed
             * so it is not tried again; the others still go */
            char bad[4300];
            snprintf(bad, sizeof bad, "%s.bad", path);
            rename(path, bad);
            rc = PM_OK;
        }
    }
    *left = (uint32_t)(n - *sent);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}
