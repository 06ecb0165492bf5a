/* dir.c - the store's directory as the drop user's own: created and handed over by root without root ever opening a file inside it by name. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/internal.h"

static void split(const char *store_path, char *parent, size_t plen, char *base, size_t blen)
{
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s", store_path);
    snprintf(b, sizeof b, "%s", dirname(a));   /* the store's directory */
    snprintf(a, sizeof a, "%s", b);
    snprintf(base, blen, "%s", basename(b));
    snprintf(parent, plen, "%s", dirname(a));
}

/* The names a store directory holds: the store, SQLite's companions, the
 * lock, the creation temp and the pcap directory. */
static bool store_name(const char *name, const char *db)
{
    size_t n = strlen(db);
    if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, "pcaps"))
        return true;
    if (strncmp(name, db, n))
        return false;
    const char *rest = name + n;
    return !*rest || !strcmp(rest, "-wal") || !strcmp(rest, "-shm") || !strcmp(rest, "-journal") ||
           !strcmp(rest, ".lock") || !strncmp(rest, ".new-", 5);
}

/* A root-owned directory holding nothing but a store (made by hand with
 * mkdir, or by an older pathmortem) becomes the drop user's. Nobody but
 * root could have put anything in it, so its names can be trusted; links
 * are still not followed. Any other content: not ours to hand over. */
static int hand_over(int fd, const char *dir, const char *db, unsigned uid, unsigned gid, char *errbuf)
{
    int d2 = dup(fd);
    DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
    if (!d) {
        if (d2 >= 0)
            close(d2);
        return pm_err(errbuf, PM_EIO, "cannot read %s: %s", dir, strerror(errno));
    }
    struct dirent *e;
    char other[256] = "";
    while ((e = readdir(d)))
        if (!store_name(e->d_name, db) && !other[0])
            snprintf(other, sizeof other, "%s", e->d_name);
    rewinddir(d);
    int rc = PM_OK;
    if (other[0])
        rc = pm_err(errbuf, PM_EPERM,
                    "the store directory %s belongs to root and holds '%s', not only a store; the run drops to uid "
                    "%u, which must own the store's directory (name a directory of its own, or chown %u:%u %s)",
                    dir, other, uid, uid, gid, dir);
    while (rc == PM_OK && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (fchownat(fd, e->d_name, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) != 0)
            rc = pm_err(errbuf, PM_EIO, "cannot hand %s/%s to uid %u: %s", dir, e->d_name, uid, strerror(errno));
    }
    closedir(d);
    if (rc == PM_OK && fchown(fd, (uid_t)uid, (gid_t)gid) != 0)
        rc = pm_err(errbuf, PM_EIO, "cannot hand %s to uid %u: %s", dir, uid, strerror(errno));
    return rc;
}

int pm_store_prepare_dir(const char *store_path, unsigned uid, unsigned gid, int *dirfd, char *errbuf)
{
    *dirfd = -1;
    if (!store_path || strlen(store_path) >= 4000)
        return pm_err(errbuf, PM_EINVAL, "bad store path");
    char parent[4096], base[4096], shown[4096];
    split(store_path, parent, sizeof parent, base, sizeof base);
    snprintf(shown, sizeof shown, "%s", store_path);
    const char *dir = dirname(shown);
    int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0)
        return pm_err(errbuf, PM_EIO, "cannot reach %s: %s", parent, strerror(errno));
    bool made = false;
    if (strcmp(base, ".") && strcmp(base, "/") && mkdirat(pfd, base, 0750) == 0)
        made = true;
    else if (errno != EEXIST && strcmp(base, ".") && strcmp(base, "/")) {
        int e = errno;
        close(pfd);
        return pm_err(errbuf, e == EACCES ? PM_EPERM : PM_EIO, "cannot create %s: %s", dir, strerror(e));
    }
    int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    close(pfd);
    if (fd < 0)
        return pm_err(errbuf, PM_EIO, "cannot open the store directory %s: %s", dir, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return pm_err(errbuf, PM_EIO, "cannot read %s: %s", dir, strerror(errno));
    }
    if (made) {
        /* ours only if nobody swapped it between mkdir and open */
        if (sb.st_uid != geteuid() || fchown(fd, (uid_t)uid, (gid_t)gid) != 0 || fchmod(fd, 0750) != 0) {
            close(fd);
            return pm_err(errbuf, PM_EIO, "cannot hand the new store directory %s to uid %u", dir, uid);
        }
        *dirfd = fd;
        return PM_OK;
    }
    char db[4096];
    snprintf(db, sizeof db, "%s", store_path);
    const char *dbname = basename(db);
    if (sb.st_uid == 0 && geteuid() == 0 && !(sb.st_mode & (S_IWGRP | S_IWOTH))) {
        int rc = hand_over(fd, dir, dbname, uid, gid, errbuf);
        if (rc != PM_OK) {
            close(fd);
            return rc;
        }
        *dirfd = fd;
        return PM_OK;
    }
    if (sb.st_uid != (uid_t)uid) {
        close(fd);
        return pm_err(errbuf, PM_EPERM,
                      "the store directory %s belongs to uid %u, but the run drops to uid %u, which must own it "
                      "(chown %u:%u %s, or name a directory that does not exist yet and pathmortem creates it)",
                      dir, (unsigned)sb.st_uid, uid, uid, gid, dir);
    }
    if (sb.st_mode & (S_IWGRP | S_IWOTH)) {
        close(fd);
        return pm_err(errbuf, PM_EPERM, "the store directory %s is writable by others (chmod go-w %s)", dir, dir);
    }
    *dirfd = fd;
    return PM_OK;
}

int pm_store_open_dir(const char *store_path, int *dirfd, char *errbuf)
{
    char d[4096];
    snprintf(d, sizeof d, "%s", store_path);
    const char *dir = dirname(d);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return pm_err(errbuf, errno == EACCES ? PM_EPERM : PM_EIO, "cannot create %s: %s", dir, strerror(errno));
    *dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*dirfd < 0)
        return pm_err(errbuf, PM_EIO, "cannot open the store directory %s: %s", dir, strerror(errno));
    return PM_OK;
}

uint32_t pm_store_remove_stale(struct pm_store *s)
{
    int dfd = open(s->pcap_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return 0;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return 0;
    }
    uint32_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        if (strncmp(e->d_name, ".capture-", 9))
            continue;
        long pid = strtol(e->d_name + 9, &end, 10);
        if (pid <= 0 || strcmp(end, ".pcap") || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        struct stat sb;
        if (fstatat(dfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode) &&
            unlinkat(dfd, e->d_name, 0) == 0)
            n++;
    }
    closedir(d);
    return n;
}
