/* safefile.c - creating output files as temp names opened O_EXCL|O_NOFOLLOW relative to their directory, and renaming them into place only when complete. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pathmortem/common.h"
#include "util/safefile.h"

/* The temp name is ".<name>.pathmortem-<pid>-<random>.tmp"; the name part is
 * cut so the whole fits in NAME_MAX. */
#define TMP_NAME_PART 200
static const char TMP_TAG[] = ".pathmortem-";

static int split(const char *path, char *dir, size_t dlen, char *base, size_t blen)
{
    const char *slash = strrchr(path, '/');
    const char *b = slash ? slash + 1 : path;
    if (!*b || !strcmp(b, ".") || !strcmp(b, ".."))
        return -1;
    if (strlen(b) >= blen)
        return -1;
    snprintf(base, blen, "%s", b);
    if (!slash)
        snprintf(dir, dlen, ".");
    else if (slash == path)
        snprintf(dir, dlen, "/");
    else
        snprintf(dir, dlen, "%.*s", (int)(slash - path), path);
    return 0;
}

/* The directory may be trusted to hold the links it does: owned by root or
 * by us, and writable by no one else. */
static bool trusted_dir(int dirfd)
{
    struct stat sb;
    if (fstat(dirfd, &sb) != 0)
        return false;
    return (sb.st_uid == 0 || sb.st_uid == geteuid()) && !(sb.st_mode & (S_IWGRP | S_IWOTH));
}

/* Temp files beside name whose writer (pid in the name) is gone: left by a
 * run killed before it could clean up. Only regular files owned by us. */
static void remove_stale(int dirfd, const char *name)
{
    char prefix[TMP_NAME_PART + 32];
    snprintf(prefix, sizeof prefix, ".%.*s%s", TMP_NAME_PART, name, TMP_TAG);
    size_t plen = strlen(prefix);
    int d2 = dup(dirfd);
    if (d2 < 0)
        return;
    DIR *d = fdopendir(d2);
    if (!d) {
        close(d2);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, prefix, plen))
            continue;
        char *end;
        long pid = strtol(e->d_name + plen, &end, 10);
        if (pid <= 0 || *end != '-' || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        struct stat sb;
        if (fstatat(dirfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode) &&
            sb.st_uid == geteuid())
            unlinkat(dirfd, e->d_name, 0);
    }
    closedir(d);
}

static int open_direct(struct pm_safefile *f, bool follow, char *errbuf)
{
    int fd = openat(f->dirfd, f->name, O_WRONLY | O_NOCTTY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
    if (fd < 0)
        return pm_err(errbuf, errno == EACCES ? PM_EPERM : PM_EIO, "cannot write %s: %s", f->path, strerror(errno));
    struct stat sb;
    /* the name could have been swapped since the check: only devices and pipes are written in place */
    if (fstat(fd, &sb) != 0 || !(S_ISFIFO(sb.st_mode) || S_ISCHR(sb.st_mode) || S_ISSOCK(sb.st_mode))) {
        close(fd);
        return pm_err(errbuf, PM_EINVAL, "%s changed while being opened; refusing to write it", f->path);
    }
    f->fd = fd;
    f->direct = true;
    close(f->dirfd);
    f->dirfd = -1;
    f->dev = sb.st_dev;
    f->ino = sb.st_ino;
    f->active = true;
    return PM_OK;
}

int pm_safefile_open(struct pm_safefile *f, const char *path, mode_t mode, char *errbuf)
{
    memset(f, 0, sizeof *f);
    f->dirfd = f->fd = f->keeper_fd = -1;
    char dir[4096];
    if (strlen(path) >= sizeof f->path || split(path, dir, sizeof dir, f->name, sizeof f->name) != 0)
        return pm_err(errbuf, PM_EINVAL, "'%s' is not a file name", path);
    snprintf(f->path, sizeof f->path, "%s", path);
    f->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (f->dirfd < 0)
        return pm_err(errbuf, errno == EACCES ? PM_EPERM : PM_EIO, "cannot write %s: %s: %s", path, dir,
                      strerror(errno));
    struct stat sb;
    int rc = PM_OK;
    if (fstatat(f->dirfd, f->name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISDIR(sb.st_mode))
            rc = pm_err(errbuf, PM_EINVAL, "%s is a directory", path);
        else if (S_ISFIFO(sb.st_mode) || S_ISCHR(sb.st_mode) || S_ISSOCK(sb.st_mode)) {
            if ((rc = open_direct(f, false, errbuf)) != PM_OK)
                pm_safefile_abort(f);
            return rc;
        }
        else if (S_ISLNK(sb.st_mode)) {
            struct stat tb;
            /* /dev/stdout and the like: a link in a directory only root or we can change, to a pipe or device */
            if (trusted_dir(f->dirfd) && fstatat(f->dirfd, f->name, &tb, 0) == 0 &&
                (S_ISFIFO(tb.st_mode) || S_ISCHR(tb.st_mode) || S_ISSOCK(tb.st_mode))) {
                rc = open_direct(f, true, errbuf);
                if (rc != PM_OK)
                    pm_safefile_abort(f);
                return rc;
            }
            rc = pm_err(errbuf, PM_EINVAL, "%s is a symbolic link; refusing to write through it (name its target)",
                        path);
        } else if (!S_ISREG(sb.st_mode))
            rc = pm_err(errbuf, PM_EINVAL, "%s is not a regular file", path);
    } else if (errno != ENOENT) {
        rc = pm_err(errbuf, PM_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    if (rc != PM_OK) {
        pm_safefile_abort(f);
        return rc;
    }
    remove_stale(f->dirfd, f->name);
    for (int tries = 0; tries < 16; tries++) {
        uint32_t r = 0;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
            r = (uint32_t)rand();
        snprintf(f->tmp, sizeof f->tmp, ".%.*s%s%ld-%08x.tmp", TMP_NAME_PART, f->name, TMP_TAG, (long)getpid(), r);
        f->fd = openat(f->dirfd, f->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, mode);
        if (f->fd >= 0 || errno != EEXIST)
            break;
    }
    if (f->fd < 0) {
        rc = pm_err(errbuf, errno == EACCES ? PM_EPERM : PM_EIO, "cannot create %s: %s", path, strerror(errno));
        f->tmp[0] = 0;
        pm_safefile_abort(f);
        return rc;
    }
    if (fstat(f->fd, &sb) != 0) {
        rc = pm_err(errbuf, PM_EIO, "cannot create %s: %s", path, strerror(errno));
        pm_safefile_abort(f);
        return rc;
    }
    f->dev = sb.st_dev;
    f->ino = sb.st_ino;
    f->active = true;
    return PM_OK;
}

FILE *pm_safefile_stream(struct pm_safefile *f, const char *fmode)
{
    int fd = dup(f->fd);
    if (fd < 0)
        return NULL;
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    FILE *s = fdopen(fd, fmode);
    if (!s)
        close(fd);
    return s;
}

/* One request to the keeper; its answer is an errno value (0: done). */
static int ask_keeper(struct pm_safefile *f, char op)
{
    unsigned char req[2] = {(unsigned char)op, (unsigned char)f->keeper_idx};
    if (write(f->keeper_fd, req, 2) != 2)
        return errno ? errno : EPIPE;
    int32_t ans;
    ssize_t n;
    do
        n = read(f->keeper_fd, &ans, sizeof ans);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof ans)
        return EPIPE;
    return (int)ans;
}

int pm_safefile_commit(struct pm_safefile *f, char *errbuf)
{
    if (!f->active)
        return pm_err(errbuf, PM_EINVAL, "%s is not open", f->path);
    int rc = PM_OK;
    if (!f->direct && fsync(f->fd) != 0)
        rc = pm_err(errbuf, PM_EIO, "cannot write %s: %s", f->path, strerror(errno));
    if (close(f->fd) != 0 && rc == PM_OK && errno != EINTR)
        rc = pm_err(errbuf, PM_EIO, "cannot write %s: %s", f->path, strerror(errno));
    f->fd = -1;
    if (rc != PM_OK || f->direct) {
        if (rc != PM_OK)
            pm_safefile_abort(f);
        f->active = false;
        return rc;
    }
    int e = 0;
    if (f->keeper_fd >= 0) {
        e = ask_keeper(f, 'C');
    } else {
        struct stat sb;
        if (fstatat(f->dirfd, f->tmp, &sb, AT_SYMLINK_NOFOLLOW) != 0)
            e = errno;
        else if (sb.st_dev != f->dev || sb.st_ino != f->ino)
            e = EXDEV; /* someone replaced our temp file: do not move theirs into place */
        else if (renameat(f->dirfd, f->tmp, f->dirfd, f->name) != 0)
            e = errno;
        else
            fsync(f->dirfd);
    }
    if (e) {
        rc = pm_err(errbuf, PM_EIO, "cannot put %s in place: %s", f->path,
                    e == EXDEV ? "its temporary file was replaced by someone else" : strerror(e));
        pm_safefile_abort(f);
        return rc;
    }
    f->tmp[0] = 0;
    f->active = false;
    if (f->dirfd >= 0)
        close(f->dirfd);
    f->dirfd = -1;
    return PM_OK;
}

void pm_safefile_abort(struct pm_safefile *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    if (f->tmp[0]) {
        if (f->keeper_fd >= 0) {
            ask_keeper(f, 'A');
        } else if (f->dirfd >= 0) {
            struct stat sb;
            if (fstatat(f->dirfd, f->tmp, &sb, AT_SYMLINK_NOFOLLOW) == 0 && sb.st_dev == f->dev &&
                sb.st_ino == f->ino)
                unlinkat(f->dirfd, f->tmp, 0);
        }
        f->tmp[0] = 0;
    }
    if (f->dirfd >= 0)
        close(f->dirfd);
    f->dirfd = -1;
    f->active = false;
}

int pm_safefile_tmp_path(const struct pm_safefile *f, char *buf, size_t len)
{
    if (!f->active || f->direct || !f->tmp[0])
        return -1;
    const char *slash = strrchr(f->path, '/');
    int n = slash ? snprintf(buf, len, "%.*s/%s", (int)(slash - f->path), f->path, f->tmp)
                  : snprintf(buf, len, "%s", f->tmp);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

bool pm_safefile_same(const struct pm_safefile *a, const struct pm_safefile *b)
{
    if (a->direct || b->direct)
        return a->direct && b->direct && a->dev == b->dev && a->ino == b->ino;
    struct stat sa, sb;
    if (a->dirfd < 0 || b->dirfd < 0 || fstat(a->dirfd, &sa) != 0 || fstat(b->dirfd, &sb) != 0)
        return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino && !strcmp(a->name, b->name);
}

int pm_safefile_anon(int dirfd)
{
    int fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    for (int tries = 0; tries < 16; tries++) {
        uint32_t r = 0;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
            r = (uint32_t)rand();
        char name[64];
        snprintf(name, sizeof name, ".anon%s%ld-%08x.tmp", TMP_TAG, (long)getpid(), r);
        fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0) {
            unlinkat(dirfd, name, 0);
            return fd;
        }
        if (errno != EEXIST)
            return -1;
    }
    return -1;
}
